"""Async client of the UltraCart REST API v2 for one merchant account (one store).

Auth is the simple key header plus the pinned API version header. Every response carries the
``{"success", "<payload>", "metadata", "error", "warning"}`` envelope; errors come with a
``UC-REST-ERROR`` header and an ``error`` object. Lists are paged with ``_limit``/``_offset``
and ``metadata.result_set.more``/``next_offset``. JSON numbers are read as ``Decimal`` so money
never passes through a float on the way in.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from decimal import Decimal
from typing import Any

import httpx

from hub.core.auth import ApiKeyHeader
from hub.core.errors import FatalError
from hub.core.http import PlatformClient, RateLimiter, RetryPolicy, parse_retry_after
from hub.core.paging import OffsetPaginator, stream
from plugins.ultracart.settings import MAX_PAGE_SIZE

PLATFORM = "ultracart"
SIMPLE_KEY_HEADER = "x-ultracart-simple-key"
"""The server-to-server application key (reference §1)."""
BROWSER_KEY_HEADER = "x-ultracart-browser-key"
"""The key UltraCart intends for the checkout endpoints (reference §1, §4 Checkout link)."""
RESULT_SET = ("metadata", "result_set")

ORDER_EXPAND = "billing,shipping,item,summary,payment,marketing,internal,auto_order,customer_profile,checkout"
CUSTOMER_EXPAND = "billing,shipping,orders_summary"
AUTO_ORDER_EXPAND = "items,original_order"


def decode(response: httpx.Response) -> dict[str, Any]:
    """The JSON body with numbers as Decimal (exact money)."""
    if not response.content:
        return {}
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise FatalError(PLATFORM, f"not JSON: {response.text[:200]}", status=response.status_code) from exc
    return body if isinstance(body, dict) else {"payload": body}


def to_wire(value: Any) -> Any:
    """Make a body JSON-serialisable: Decimal becomes a JSON number.

    ``float(Decimal("19.95"))`` prints back as ``19.95`` (shortest repr), so amounts with a few
    decimals cross the wire exactly; UltraCart's ``Currency.value`` is a JSON number.
    """
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {key: to_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    return value


class UltracartClient(PlatformClient):
    """REST v2 client for one store's application key."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        base_url: str,
        simple_key: str,
        api_version: str,
        browser_key: str | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        page_size: int = MAX_PAGE_SIZE,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url.rstrip("/") + "/",
            headers={"X-UltraCart-Api-Version": api_version, "Accept": "application/json"},
            auth=ApiKeyHeader(SIMPLE_KEY_HEADER, simple_key),
            limiter=limiter,
            transport=transport,
            timeout=timeout,
            policy=policy,
        )
        # Sent only on checkout calls, next to the simple key; built here so it is masked from now on.
        self._browser_key = ApiKeyHeader(BROWSER_KEY_HEADER, browser_key) if browser_key else None
        self.page_size = min(page_size, MAX_PAGE_SIZE)

    # ---- platform knowledge for the base class

    def retry_after(self, response: httpx.Response) -> float | None:
        # UltraCart documents the 429 but no Retry-After header (unconfirmed either way): honour
        # it when present, otherwise the base policy's jittered backoff applies.
        return parse_retry_after(response.headers.get("retry-after"))

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        header = response.headers.get("uc-rest-error")
        try:
            body = json.loads(response.content) if response.content else {}
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            message = error.get("developer_message") or error.get("user_message") or header
            return str(message or response.reason_phrase), error.get("error_code"), error.get("object_id")
        return header or response.text[:300] or response.reason_phrase, None, None

    # ---- calls

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        browser: bool = False,
    ) -> dict[str, Any]:
        """One call; returns the decoded envelope, raising on ``success: false``."""
        headers = None
        if browser and self._browser_key:
            # Checkout endpoints are meant for browser keys: add it (the simple key goes too).
            headers = self._browser_key.headers()
        response = await self.request(
            method,
            path.lstrip("/"),
            params=_clean(params),
            json=to_wire(body) if body is not None else None,
            headers=headers,
            idempotent=idempotent,
        )
        envelope = decode(response)
        if envelope.get("success") is False:
            error = envelope.get("error") or {}
            raise FatalError(
                PLATFORM,
                f"{method} {path}: {error.get('developer_message') or error.get('user_message')}",
                status=response.status_code,
                code=error.get("error_code"),
            )
        return envelope

    async def pages(
        self,
        method: str,
        path: str,
        payload_key: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield each page of a list call, following ``result_set.more``/``next_offset``.

        Query calls are POSTs that change nothing, so they are retried like reads.
        """

        async def fetch(offset: int) -> dict[str, Any]:
            query = {**(params or {}), "_limit": self.page_size, "_offset": offset}
            return await self.call(method, path, params=query, body=body, idempotent=True)

        paginator = OffsetPaginator(
            records=(payload_key,),
            page_size=self.page_size,
            more=(*RESULT_SET, "more"),
            next_offset=(*RESULT_SET, "next_offset"),
        )
        async with aclosing(stream(paginator, fetch, platform=PLATFORM, where=path)) as envelopes:
            async for envelope in envelopes:
                yield list(envelope.get(payload_key) or [])


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {key: _param(value) for key, value in params.items() if value is not None}


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
