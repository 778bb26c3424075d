"""Async client of one Shopify store's GraphQL Admin API.

``POST {store}/admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``. Shopify answers
most failures with HTTP 200: top-level ``errors`` (syntax, validation, ``THROTTLED``,
``ACCESS_DENIED``) are classified here; ``userErrors`` inside a mutation payload are turned into a
``FatalError`` naming the field by ``mutation_payload``. Every request is charged against a cost
bucket before it is sent (the estimate equals Shopify's ``requestedQueryCost``), and the bucket is
then resynchronised from ``extensions.cost.throttleStatus`` with the unspent part refunded.
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import Any

import httpx

from hub.core.auth import ApiKeyHeader
from hub.core.errors import (
    AuthError,
    FatalError,
    NotFoundError,
    RateLimitedError,
    RetriableError,
)
from hub.core.http import PlatformClient, RateLimiter, RetryPolicy
from hub.core.paging import ConnectionPaginator, stream
from plugins.shopify.cost import parse_cached, requested_cost

PLATFORM = "shopify"
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"
"""The Admin API's auth header: the app's access token (reference §1)."""
MAX_PAGE = 250

# What the current request was charged, so ``observe`` can refund the unspent part. A context
# variable keeps concurrent requests (each in its own task) apart.
_charged: contextvars.ContextVar[float] = contextvars.ContextVar("shopify_charged", default=0.0)


class ShopifyClient(PlatformClient):
    """GraphQL Admin API client for one store (one app token, one cost bucket)."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        base_url: str,
        api_version: str,
        access_token: str,
        limiter: RateLimiter,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        max_query_cost: int = 1000,
    ) -> None:
        super().__init__(
            base_url=f"{base_url.rstrip('/')}/admin/api/{api_version}/",
            headers={"Accept": "application/json"},
            auth=ApiKeyHeader(ACCESS_TOKEN_HEADER, access_token),
            limiter=limiter,
            policy=policy,
            transport=transport,
            timeout=timeout,
        )
        self.api_version = api_version
        self.max_query_cost = max_query_cost

    # ---- the one call

    async def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, idempotent: bool
    ) -> dict[str, Any]:
        """Run one operation and return its ``data``.

        ``idempotent``: queries are reads (True); a mutation is True only where Shopify
        deduplicates it (``@idempotent``), so a 5xx or a dropped connection is retried only then.
        """
        estimate = requested_cost(parse_cached(query), variables or {})
        if estimate > self.max_query_cost:
            raise FatalError(
                PLATFORM,
                f"query would cost {estimate} points, above the "
                f"{self.max_query_cost} single-query cap; ask for smaller pages",
                code="MAX_COST_EXCEEDED",
            )
        body = {"query": query, "variables": dict(variables or {})}
        _charged.set(float(estimate))
        # The core retries a RateLimitedError (HTTP 429 or THROTTLED) even for unsafe writes:
        # Shopify ran nothing, so sending again cannot duplicate anything.
        response = await self.request("POST", "graphql.json", json=body, idempotent=idempotent, cost=estimate)
        return _json(response).get("data") or {}

    async def paginate(
        self,
        query: str,
        variables: Mapping[str, Any],
        connection: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield the ``nodes`` of each page of a connection, following ``pageInfo.endCursor``.

        ``connection`` picks the connection out of ``data`` (None when its parent is missing).
        """

        async def fetch(after: str | None) -> dict[str, Any] | None:
            data = await self.graphql(query, {**variables, "after": after}, idempotent=True)
            return connection(data)

        async with aclosing(stream(ConnectionPaginator(), fetch, platform=PLATFORM)) as pages:
            async for page in pages:
                yield list(page.get("nodes") or [])

    # ---- PlatformClient hooks

    def observe(self, response: httpx.Response) -> None:
        """Refund the unspent estimate and adopt the bucket state Shopify reports."""
        cost = _cost_extension(response)
        if not cost:
            return
        charged = _charged.get()
        actual = cost.get("actualQueryCost")
        spent = 0.0 if actual is None else float(actual)  # throttled: nothing ran
        refund = getattr(self.limiter, "refund", None)
        if refund is not None and charged > spent:
            refund(charged - spent)
        status = cost.get("throttleStatus") or {}
        update = getattr(self.limiter, "update", None)
        if update is not None and "currentlyAvailable" in status:
            update(
                float(status["currentlyAvailable"]),
                _float(status.get("maximumAvailable")),
                _float(status.get("restoreRate")),
            )

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """Shopify's bodies: ``{"errors": "text"}``, ``{"errors": {field: [..]}}`` or a GraphQL list."""
        try:
            errors = response.json().get("errors")
        except (ValueError, AttributeError):
            return response.text[:300] or response.reason_phrase, None, None
        if isinstance(errors, str):
            return errors, None, None
        if isinstance(errors, dict) and errors:
            field, messages = next(iter(errors.items()))
            text = messages if isinstance(messages, str) else "; ".join(map(str, messages))
            return f"{field}: {text}", None, field
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
            return first.get("message", "error"), (first.get("extensions") or {}).get("code"), None
        return response.text[:300] or response.reason_phrase, None, None

    def raise_for_status(self, response: httpx.Response) -> None:
        super().raise_for_status(response)
        errors = _json(response).get("errors")
        if errors:
            self._raise_graphql_errors(response, errors)

    def _raise_graphql_errors(self, response: httpx.Response, errors: Any) -> None:
        """Top-level GraphQL errors arrive with HTTP 200; classify them like HTTP errors."""
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        message = str(first.get("message") or errors)
        code = (first.get("extensions") or {}).get("code")
        if code == "THROTTLED":
            wait = _throttle_wait(_cost_extension(response))
            self._check_retry_after(wait)
            self.limiter.pause_until(time.monotonic() + wait)
            raise RateLimitedError(
                PLATFORM, f"throttled: {message}", retry_after=wait, status=response.status_code, code=code
            )
        if code == "ACCESS_DENIED":
            raise AuthError(PLATFORM, message, status=response.status_code, code=code)
        if code in ("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"):
            raise RetriableError(PLATFORM, message, status=response.status_code, code=code)
        if isinstance(errors, list) and len(errors) > 1:
            message += f" (and {len(errors) - 1} more)"
        raise FatalError(PLATFORM, message, status=response.status_code, code=code)


# --------------------------------------------------------------------------- payload helpers


def mutation_payload(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The payload of mutation ``name``; its ``userErrors`` become a ``FatalError`` naming the field."""
    payload = data.get(name)
    if not isinstance(payload, dict):
        raise FatalError(PLATFORM, f"{name}: no payload in the response")
    errors = payload.get("userErrors") or []
    if errors:
        first = errors[0]
        field = ".".join(str(part) for part in first.get("field") or []) or None
        where = f" (field {field})" if field else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FatalError(
            PLATFORM, f"{name}: {first.get('message')}{where}{more}", code=first.get("code"), field=field
        )
    return payload


def require(value: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """A record that must exist (``order(id:)`` answers null for an unknown id)."""
    if value is None:
        raise NotFoundError(PLATFORM, f"{what} not found", status=200)
    return value


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _cost_extension(response: httpx.Response) -> dict[str, Any]:
    return (_json(response).get("extensions") or {}).get("cost") or {}


def _throttle_wait(cost: Mapping[str, Any]) -> float:
    """``(requested - currentlyAvailable) / restoreRate`` seconds (reference §2)."""
    status = cost.get("throttleStatus") or {}
    requested = float(cost.get("requestedQueryCost") or 0)
    available = float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 0)
    if rate <= 0:
        return 1.0
    return max(0.0, (requested - available) / rate)


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None
