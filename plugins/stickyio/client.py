"""Async client of one Sticky.io CRM instance: the v1 JSON API (``POST /api/v1/{method}``).

Everything about the wire lives here: Basic auth, the ``response_code`` envelope (HTTP 200 for
business errors, the code compared as a string because some error paths send a number), the
per-method request limits paced on our side, and order_view batching.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import httpx

from hub.core.auth import BasicAuth
from hub.core.errors import AuthError, FatalError, NotFoundError, RateLimitedError
from hub.core.http import PlatformClient, RateLimiter, RetryPolicy, SlidingWindowLimiter, Unlimited

PLATFORM = "stickyio"
API_PREFIX = "/api/v1/"
SUCCESS = "100"
NO_MATCH = "909"
BAD_CREDENTIALS = "200"
INVALID_ORDER = "350"
INVALID_PRODUCT = ("600", "10600")
"""product_index codes for ids the CRM does not know (10600 is documented; 600 is LimeLight's)."""
_REFID = re.compile(r"\s*REFID:\S+\s*$")

#: Methods that only read: safe to repeat after a timeout (all v1 calls are POST).
READ_METHODS = frozenset(
    {
        "validate_credentials",
        "customer_find",
        "customer_view",
        "order_find",
        "order_view",
        "prospect_view",
        "campaign_view",
        "product_index",
    }
)


def response_code(body: Mapping[str, Any]) -> str:
    """The envelope's code as a string ("100"), whatever JSON type it came as."""
    code = body.get("response_code")
    return "" if code is None else str(code).strip()


def strip_refid(text: str) -> str:
    """Decline reasons end in a per-transaction `` REFID:<token>``; drop it before showing/matching."""
    return _REFID.sub("", text)


def envelope_message(body: Mapping[str, Any]) -> str:
    """The human message of a v1 (or v2) error body."""
    for key in ("decline_reason", "error_message", "response_message", "message"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return strip_refid(value.strip())
    return "no message"


def mdy(day: date) -> str:
    """order_find / customer_find date format."""
    return day.strftime("%m/%d/%Y")


class StickyioClient(PlatformClient):
    """One instance (store): ``call(method, body)`` returns the success body or raises."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        method_limit: Mapping[str, int] | None = None,
        default_limit: int = 120,
        window_seconds: float = 60.0,
        window_margin: float = 0.1,
        shared_limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            base_url=base_url,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            auth=BasicAuth(username, password),
            limiter=shared_limiter,
            policy=policy,
            transport=transport,
            timeout=timeout,
        )
        self._method_limit = dict(method_limit or {})
        self._default_limit = default_limit
        self._window = window_seconds + window_margin
        self._limiters: dict[str, SlidingWindowLimiter] = {}
        # A deployment that hands this store ``Unlimited`` (``hub.core.http.NoLimits``) wants no
        # pacing at all, the per-method windows included.
        self._paced = not isinstance(shared_limiter, Unlimited)

    # ---- per-method pacing

    def method_limiter(self, method: str) -> RateLimiter:
        """Sticky.io limits each v1 method separately (120/min, 60/min for a few)."""
        if not self._paced:
            return self.limiter
        if method not in self._limiters:
            limit = self._method_limit.get(method, self._default_limit)
            self._limiters[method] = SlidingWindowLimiter(limit, self._window)
        return self._limiters[method]

    async def _send_once(self, method: str, url: str, *, cost: float, **kwargs: Any) -> httpx.Response:
        limiter = self.method_limiter(_method_of(url))
        await limiter.acquire(cost)
        try:
            return await super()._send_once(method, url, cost=cost, **kwargs)
        except RateLimitedError as exc:
            if exc.retry_after is not None:
                limiter.pause_until(time.monotonic() + exc.retry_after)
            raise
        finally:
            limiter.settle(cost)

    # ---- platform knowledge the base class asks for

    def observe(self, response: httpx.Response) -> None:
        """Sticky.io publishes no rate-limit headers for v1 (unconfirmed); if a deployment sends
        the common ``X-RateLimit-Remaining: 0`` with a reset, stop that method until then."""
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            if int(remaining) > 0:
                return
            wait = max(0.0, float(reset) - time.time())
        except ValueError:
            return
        self.method_limiter(_method_of(response.request.url.path)).pause_until(time.monotonic() + wait)

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        try:
            body = response.json()
        except ValueError:
            return super().error_details(response)
        if not isinstance(body, dict):
            return super().error_details(response)
        return envelope_message(body), response_code(body) or None, None

    # ---- the v1 call

    async def call(
        self, method: str, body: Mapping[str, Any] | None = None, *, allow: Iterable[str] = ()
    ) -> dict[str, Any]:
        """POST one v1 method; the body when ``response_code`` is "100" (or in ``allow``).

        Reads are retried on 429/5xx/timeouts. Writes are never repeated after a 5xx, timeout or
        dropped connection (Sticky.io has no idempotency keys; the caller re-reads the order to
        find out what happened); the core re-sends them only after a 429, when nothing was done.
        """
        response = await self.request(
            "POST", API_PREFIX + method, json=dict(body or {}), idempotent=method in READ_METHODS
        )
        try:
            payload = response.json()
        except ValueError:
            raise FatalError(PLATFORM, f"{method}: answer is not JSON", status=response.status_code) from None
        if not isinstance(payload, dict):
            raise FatalError(PLATFORM, f"{method}: answer is not a JSON object")
        code = response_code(payload)
        if code == SUCCESS or code in set(allow):
            return payload
        raise self._envelope_error(method, code, payload)

    def _envelope_error(self, method: str, code: str, payload: Mapping[str, Any]) -> Exception:
        message = f"{method}: {envelope_message(payload)}"
        if code == BAD_CREDENTIALS:
            return AuthError(PLATFORM, message, code=code)
        if code == INVALID_ORDER:
            return NotFoundError(PLATFORM, message, code=code)
        return FatalError(PLATFORM, message, code=code or None)

    # ---- helpers used by the store layer

    async def validate_credentials(self) -> None:
        await self.call("validate_credentials")

    async def order_view(self, order_ids: list[str], batch: int = 50) -> list[dict[str, Any]]:
        """Full bodies of many orders, ``batch`` ids per call (order_view takes an array)."""
        return [order async for orders in self.order_view_batches(order_ids, batch) for order in orders]

    async def order_view_batches(
        self, order_ids: list[str], batch: int = 50
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """``order_view``, one batch of bodies at a time (each call sent when the next is asked)."""
        for start in range(0, len(order_ids), batch):
            chunk = order_ids[start : start + batch]
            payload = await self.call("order_view", {"order_id": chunk, "return_variants": 1})
            yield _orders_of(payload, chunk)

    async def order_find_ids(
        self, criteria: Mapping[str, Any] | str, start: date, search_type: str = "all"
    ) -> list[str]:
        """Ids of the orders matching ``criteria`` created from ``start`` to tomorrow."""
        payload = await self.call(
            "order_find",
            {
                "campaign_id": "all",
                "start_date": mdy(start),
                "end_date": mdy(date.today() + timedelta(days=1)),
                "date_type": "create",
                "criteria": criteria,
                "search_type": search_type,
            },
            allow=(NO_MATCH,),
        )
        return [] if response_code(payload) == NO_MATCH else _ids(payload.get("order_id"))

    async def customer_find(self, criteria: Mapping[str, Any], start: date) -> list[dict[str, Any]]:
        """Customers matching ``criteria`` (bodies as customer_view returns them)."""
        payload = await self.call(
            "customer_find",
            {
                "campaign_id": "all",
                "start_date": mdy(start),
                "end_date": mdy(date.today() + timedelta(days=1)),
                "criteria": criteria,
                "search_type": "all",
                "return_type": "customer_view",
            },
            allow=(NO_MATCH,),
        )
        if response_code(payload) == NO_MATCH:
            return []
        ids = _ids(payload.get("customer_id"))
        data = payload.get("data")
        if isinstance(data, dict):
            return [dict(data[i], customer_id=data[i].get("customer_id", i)) for i in ids if i in data]
        # Without return_type data, fetch each (shape of customer_find without data unconfirmed).
        return [await self.customer_view(i) for i in ids]

    async def customer_view(self, customer_id: str) -> dict[str, Any]:
        payload = await self.call("customer_view", {"customer_id": customer_id}, allow=(NO_MATCH,))
        if response_code(payload) == NO_MATCH:
            raise NotFoundError(PLATFORM, f"customer_view: no customer {customer_id}", code=NO_MATCH)
        payload.setdefault("customer_id", customer_id)
        return payload

    async def product_index(self, product_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The catalogue's products of ``product_ids``: product id -> its fields
        (``product_sku``, ``product_name``, ``product_price``); unknown ids are left out.

        Shape unconfirmed beyond the method name (reference §3): a ``products`` map by id, or
        one product's fields at the top for a single id, are both read.
        """
        if not product_ids:
            return {}
        payload = await self.call(
            "product_index", {"product_id": product_ids}, allow=(NO_MATCH, *INVALID_PRODUCT)
        )
        if response_code(payload) != SUCCESS:
            return {}
        products = payload.get("products")
        if isinstance(products, dict):
            return {str(k): v for k, v in products.items() if isinstance(v, dict) and str(k) in product_ids}
        if len(product_ids) == 1 and (payload.get("product_sku") or payload.get("product_name")):
            return {product_ids[0]: dict(payload)}
        return {}


def _method_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _ids(value: Any) -> list[str]:
    """Id lists come as a JSON array, a comma-separated string or a single value."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _orders_of(payload: Mapping[str, Any], asked: list[str]) -> list[dict[str, Any]]:
    """order_view answers an array with ``data: {id: body}`` and a single id with a flat body."""
    data = payload.get("data")
    if isinstance(data, dict):
        return [dict(data[i], order_id=data[i].get("order_id", i)) for i in asked if i in data]
    if isinstance(data, list):
        return [dict(item) for item in data if isinstance(item, dict)]
    body = dict(payload)
    body.setdefault("order_id", asked[0] if asked else None)
    return [body]
