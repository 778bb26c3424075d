"""Async client of Aircall's public API (v1): Basic auth, page links, the 10k cap, rate headers."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any
from urllib.parse import urlsplit

import httpx

from hub.core.auth import BasicAuth
from hub.core.errors import FatalError, RateLimitedError
from hub.core.http import PlatformClient, RateLimiter, SlidingWindowLimiter, parse_retry_after
from hub.core.paging import NextLinkPaginator, stream
from plugins.aircall.settings import AircallSettings

log = logging.getLogger("hub.aircall")

PLATFORM = "aircall"
LIMIT_HEADER = "X-AircallApi-Limit"
REMAINING_HEADER = "X-AircallApi-Remaining"
RESET_HEADER = "X-AircallApi-Reset"
NEXT_PAGE = ("meta", "next_page_link")
"""The absolute URL of the next page, keeping the filters; null on the last (reference §3)."""
RESET_MARGIN = 0.05
"""Seconds added to a reset wait: the reset is whole seconds on Aircall's clock, not ours."""

Page = tuple[list[dict[str, Any]], dict[str, Any]]


class AircallClient(PlatformClient):
    """One Aircall company's API, paced to its per-minute allowance."""

    platform = PLATFORM

    def __init__(
        self,
        settings: AircallSettings,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url=settings.base_url.rstrip("/") + "/",
            headers={"Accept": "application/json"},
            # The API id is issued with the token, as a credential: masked as well as paired.
            auth=BasicAuth(settings.api_id, settings.api_token, username_is_secret=True),
            limiter=limiter or SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
            policy=settings.retry_policy(),
            transport=transport,
            timeout=settings.timeout_seconds,
        )
        self.settings = settings
        self._host = urlsplit(settings.base_url).netloc

    # ------------------------------------------------------------------ platform knowledge

    def observe(self, response: httpx.Response) -> None:
        """Adopt the allowance the API reports; stop sending when it says none is left.

        The headers may be missing (some live answers carry them only on 429), so every one
        is optional and the limiter keeps its configured pace without them.
        """
        limit = _int_header(response, LIMIT_HEADER)
        if limit and isinstance(self.limiter, SlidingWindowLimiter) and limit != self.limiter.limit:
            log.info("aircall reports an allowance of %d requests per window; adopting it", limit)
            self.limiter.limit = limit
        remaining = _int_header(response, REMAINING_HEADER)
        wait = self._seconds_until_reset(response)
        if remaining == 0 and wait is not None:
            # Other integrations share the company's allowance: the server's count wins.
            self.limiter.pause_until(time.monotonic() + wait)

    def retry_after(self, response: httpx.Response) -> float | None:
        """Wait until ``X-AircallApi-Reset``; else ``Retry-After``; else None (exponential backoff)."""
        wait = self._seconds_until_reset(response)
        if wait is not None:
            return wait
        return parse_retry_after(response.headers.get("retry-after"))

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """Aircall's error body is ``{"error": "<title>", "troubleshoot": "<hint>"}``."""
        try:
            body = response.json()
        except ValueError:
            return (response.text[:300] or response.reason_phrase), None, None
        if not isinstance(body, dict):
            return str(body)[:300], None, None
        title = str(body.get("error") or body.get("message") or response.reason_phrase)
        hint = body.get("troubleshoot")
        return (f"{title} ({hint})" if hint else title), title, None

    def _seconds_until_reset(self, response: httpx.Response) -> float | None:
        reset = _int_header(response, RESET_HEADER)
        if reset is None:
            return None
        # Reset is a UNIX time on Aircall's clock; never wait longer than one window for it.
        return min(max(0.0, reset - time.time()) + RESET_MARGIN, self.settings.window_seconds)

    # ------------------------------------------------------------------ reads

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = await self.request("GET", path, params=params)
        return _json_object(response)

    async def pages(
        self, path: str, root: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[Page]:
        """Yield ``(items, meta)`` for every page, following ``meta.next_page_link`` until null.

        Links are followed only on the API's own host: the Basic credentials go with them.
        """
        query = {"per_page": self.settings.page_size, **(params or {})}

        async def fetch(link: str | None) -> dict[str, Any]:
            return await (self.get_json(link) if link else self.get_json(path, query))

        paginator = NextLinkPaginator(link=NEXT_PAGE, host=self._host)
        async with aclosing(stream(paginator, fetch, platform=PLATFORM)) as bodies:
            async for body in bodies:
                yield _root_list(body, root), _meta(body)

    async def call_pages(self, since: int | None) -> AsyncIterator[list[dict[str, Any]]]:
        """Raw calls created at or after ``since`` (UNIX seconds), oldest first, page by page.

        Aircall serves only the first ``record_cap`` matches of a listing; when the total is
        above it the time range is split in two with ``from``/``to`` until each half fits.
        """
        async for page in self._calls_between(since, None):
            yield page

    async def _calls_between(self, start: int | None, end: int | None) -> AsyncIterator[list[dict[str, Any]]]:
        params = _time_filter(start, end)
        pages = self.pages("calls", "calls", {**params, "order": "asc", **self._call_flags()})
        items, meta = await anext(pages)
        total = int(meta.get("total") or 0)
        if total <= self.settings.record_cap:
            if items:
                yield items
            async for items, _ in pages:
                if items:
                    yield items
            return
        await pages.aclose()
        async for page in self._split(start, end, items, total):
            yield page

    async def _split(
        self, start: int | None, end: int | None, first_items: list[dict[str, Any]], total: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        # Order is ascending, so the first record bounds the range from below when no start was given.
        low = start if start is not None else _earliest(first_items)
        high = end if end is not None else int(time.time())
        if low is None or high <= low:
            raise FatalError(
                PLATFORM,
                f"{total} calls in one second ({low}); above the {self.settings.record_cap}-record cap",
                code="record_cap",
            )
        middle = low + (high - low) // 2
        log.info("aircall: %d calls in [%s, %s] exceed the cap; splitting at %d", total, low, high, middle)
        async for page in self._calls_between(low, middle):
            yield page
        # The upper half keeps the caller's bound, so an open range stays open (no call lost to skew).
        async for page in self._calls_between(middle + 1, end):
            yield page

    def _call_flags(self) -> dict[str, str]:
        # fetch_short_urls is seen in client code, not in the docs (unconfirmed); an unknown
        # query flag is ignored by the API, and the short links outlive the signed ones.
        return {"fetch_short_urls": "true"} if self.settings.fetch_short_urls else {}

    async def users(self) -> AsyncIterator[list[dict[str, Any]]]:
        async for items, _ in self.pages("users", "users"):
            yield items

    async def get_user(self, user_id: str) -> dict[str, Any]:
        return _root_object(await self.get_json(f"users/{_path_id(user_id)}"), "user")

    # ------------------------------------------------------------------ writes

    async def comment_call(self, call_id: str, content: str) -> None:
        """``POST /calls/:id/comments``; Aircall cannot deduplicate it, so it is not blindly retried.

        The one exception is 429: the request was refused before anything was written, so it
        is sent again after the wait (the limiter is already paused until the reset).
        """
        path = f"calls/{_path_id(call_id)}/comments"
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                await self.request("POST", path, json={"content": content}, idempotent=False)
                return
            except RateLimitedError as refused:
                if attempt == self.policy.max_attempts:
                    raise
                await self._wait_after_refusal(refused, attempt)

    async def _wait_after_refusal(self, refused: RateLimitedError, attempt: int) -> None:
        if refused.retry_after is None:  # no reset header: exponential backoff with jitter
            ceiling = min(self.policy.backoff_max, self.policy.backoff_initial * 2 ** (attempt - 1))
            await asyncio.sleep(random.uniform(0, ceiling))
        log.warning("aircall: comment refused with 429 (attempt %d); sending again", attempt)

    async def update_user(self, user_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``PUT /users/:id``; setting the same fields twice leaves the same state, so retry is safe."""
        response = await self.request("PUT", f"users/{_path_id(user_id)}", json=dict(fields), idempotent=True)
        body = _json_object(response) if response.content else {}
        if isinstance(body.get("user"), dict):
            return body["user"]
        return await self.get_user(user_id)  # the update's body is unconfirmed: read it back


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _time_filter(start: int | None, end: int | None) -> dict[str, int]:
    params: dict[str, int] = {}
    if start is not None:
        params["from"] = start
    if end is not None:
        params["to"] = end
    return params


def _earliest(items: list[dict[str, Any]]) -> int | None:
    stamps = [item.get("started_at") for item in items]
    numbers = [int(stamp) for stamp in stamps if isinstance(stamp, int | float)]
    return min(numbers) if numbers else None


def _path_id(value: str) -> str:
    if not value.isdigit():
        raise FatalError(PLATFORM, f"not an Aircall id: {value!r}", code="bad_id")
    return value


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise FatalError(PLATFORM, f"{response.request.url.path}: answer is not JSON") from exc
    if not isinstance(body, dict):
        raise FatalError(PLATFORM, f"{response.request.url.path}: answer is not a JSON object")
    return body


def _root_list(body: dict[str, Any], root: str) -> list[dict[str, Any]]:
    items = body.get(root)
    if not isinstance(items, list):
        raise FatalError(PLATFORM, f"list answer has no {root!r} array", code="bad_envelope")
    return [item for item in items if isinstance(item, dict)]


def _root_object(body: dict[str, Any], root: str) -> dict[str, Any]:
    item = body.get(root)
    if not isinstance(item, dict):
        raise FatalError(PLATFORM, f"answer has no {root!r} object", code="bad_envelope")
    return item


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    meta = body.get("meta")
    return meta if isinstance(meta, dict) else {}
