"""The team's checkout endpoint: one signed JSON POST per link.

The request body is the hub's ``CheckoutLinkRequest`` as JSON (plus ``reference``), sent with:

- ``X-Hub-Timestamp``: UNIX seconds when it was signed;
- ``X-Hub-Signature``: ``v1=`` and the hex HMAC-SHA256 of ``<timestamp>.<raw body>`` keyed with
  the store's ``signing_secret`` (the endpoint recomputes it, compares in constant time and
  refuses an old timestamp);
- ``Idempotency-Key``: the request's digest; the same key must answer the same link, so a retry
  after a timeout never builds a second cart.

The answer is ``{"url": "...", "id": "...", "total": {"amount": "12.00", "currency": "USD"}}``
(``id`` and ``total`` optional); a refusal is a 4xx with ``{"error": "why"}`` (an unknown SKU:
422), shown to the agent as the platform's refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from hub.core.auth import AuthStyle, Secret, reveal
from hub.core.errors import FatalError
from hub.core.http import PlatformClient, RetryPolicy

PLATFORM = "custom_checkout"
SIGNATURE = "x-hub-signature"
TIMESTAMP = "x-hub-timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "<timestamp>." + body>``: what ``X-Hub-Signature`` carries."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


class BodySignature(AuthStyle):
    """Signs each request's body with the store's secret (the secret itself is never sent)."""

    requires_request_body = True

    def __init__(self, secret: Secret) -> None:
        super().__init__(secrets=[reveal(secret)])
        self._secret = reveal(secret)

    def apply(self, request: httpx.Request) -> httpx.Request:
        stamp = str(int(time.time()))
        request.headers["X-Hub-Timestamp"] = stamp
        request.headers["X-Hub-Signature"] = signature(self._secret, stamp, request.content)
        return request


class EndpointClient(PlatformClient):
    """One store's endpoint; ``link(body, key)`` answers its JSON or raises ``FatalError``."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        endpoint: str,
        secret: Secret,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(endpoint)
        self.path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        super().__init__(
            base_url=f"{parts.scheme}://{parts.netloc}",
            headers={"Accept": "application/json"},
            auth=BodySignature(secret),
            policy=policy,
            transport=transport,
            timeout=timeout,
        )

    async def link(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        """POST the request; retried safely (the endpoint answers one link per ``Idempotency-Key``)."""
        response = await self.request(
            "POST", self.path, json=body, headers={"Idempotency-Key": key}, idempotent=True
        )
        try:
            answer = response.json()
        except ValueError:
            raise FatalError(
                PLATFORM, "the endpoint's answer is not JSON", status=response.status_code
            ) from None
        if not isinstance(answer, dict):
            raise FatalError(PLATFORM, "the endpoint's answer is not a JSON object")
        return answer

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """The endpoint's ``{"error": "why"}`` as the refusal's message."""
        try:
            body = response.json()
        except ValueError:
            return super().error_details(response)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return (
                body["error"],
                body.get("code") if isinstance(body.get("code"), str) else None,
                body.get("field"),
            )
        return super().error_details(response)
