"""The HTTP layer every platform client is built on.

``PlatformClient`` wraps one ``httpx.AsyncClient`` per platform account with: a client-side
rate limiter paced to the platform's published limit and fed by its own headers; a tenacity
retry policy for retriable failures (429 honouring ``Retry-After`` or reset headers, 5xx,
timeouts, dropped connections) applied to reads and to writes marked safe to repeat; error
classification into the core's error classes; and request logging with secrets redacted.

Platform knowledge comes from the plugin's client: its auth style (``hub.core.auth``, which also
tells the redactor what to mask), its pagination style (``hub.core.paging``), and the small
``error_details`` / ``retry_after`` / ``observe`` methods it overrides (error bodies, rate-limit
headers). This module names no platform, no platform's header and no platform's parameter.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import random
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from hub.core import metrics
from hub.core.auth import AuthStyle
from hub.core.crashpoints import crash_point
from hub.core.errors import (
    AuthError,
    FatalError,
    NotFoundError,
    PlatformError,
    RateLimitedError,
    RetriableError,
)
from hub.core.redact import is_secret_name, redact

log = logging.getLogger("hub.http")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
before_send: ContextVar[Callable[[], None] | None] = ContextVar("hub_before_send", default=None)
"""Set by the ledger while an action is under way: called right before each request of it is
sent, after every wait (rate limit, backoff), so a run that stalled past its lease is stopped
(``FencedOut``) before its write reaches the platform, not only before the action began."""
SENSITIVE_HEADER = re.compile(r"authorization|cookie|token|key|secret|password|signature", re.IGNORECASE)
"""Words that make a header name a credential's on any platform; the header names a plugin's
auth style declares (``ApiKeyHeader("X-Acme-Key", ...)``) count as well (``redact_headers``)."""


# --------------------------------------------------------------------------- rate limiters


class RateLimiter(Protocol):
    """Paces requests before they are sent."""

    async def acquire(self, cost: float = 1) -> None:
        """Wait until a request of this cost may be sent, then take it from the allowance."""

    def pause_until(self, moment: float) -> None:
        """The platform said stop: send nothing before ``moment`` (``time.monotonic`` clock)."""

    def settle(self, cost: float = 1) -> None:
        """The request taken by ``acquire`` is over (answered, failed or timed out)."""


class Unlimited:
    """No client-side limit (a platform with none published, or benchmarks with limits off)."""

    async def acquire(self, cost: float = 1) -> None:
        return None

    def pause_until(self, moment: float) -> None:
        return None

    def settle(self, cost: float = 1) -> None:
        return None


class NoLimits(dict[str, "RateLimiter"]):
    """A ``limiters`` mapping that paces nothing: every key answers ``Unlimited``.

    ``Hub(pm, config, limiters=NoLimits())`` turns client-side pacing off for every plugin
    (benchmarks measuring the hub's own cost, tests): ``HubContext.rate_limiter`` and
    ``context.limiters.get(key)`` both answer ``Unlimited`` for any platform or store key, and a
    plugin given ``Unlimited`` for its platform adds no pacing of its own. Always truthy, so
    ``limiters or {}`` could never swap it for an empty dict.
    """

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> RateLimiter:
        return self.setdefault(key, Unlimited())

    def get(self, key: str, default: object = None) -> RateLimiter:  # type: ignore[override]
        return self[key]

    def __bool__(self) -> bool:
        return True


class _Pausable:
    def __init__(self) -> None:
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_until(self, moment: float) -> None:
        self._paused_until = max(self._paused_until, moment)

    async def _wait_pause(self) -> None:
        delay = self._paused_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def settle(self, cost: float = 1) -> None:
        return None


class SlidingWindowLimiter(_Pausable):
    """At most ``limit`` requests in any ``period``-second span, as the platform counts them.

    A sliding log rather than a token bucket: a bucket refilling continuously can send nearly
    twice its size inside one of the platform's fixed windows (of 10 seconds, or a minute).
    A request is logged when it is over, not when it is sent, and counts while in flight: the
    platform counts it on arrival, somewhere in between, so however long it travels no fixed
    window of the platform's ever sees more than ``limit``.
    """

    def __init__(self, limit: int, period: float) -> None:
        super().__init__()
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit, self.period = limit, period
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._freed = asyncio.Event()

    async def acquire(self, cost: float = 1) -> None:
        async with self._lock:
            await self._wait_pause()
            for _ in range(max(1, math.ceil(cost))):
                await self._take_one()

    def update(self, limit: int | None = None, period: float | None = None) -> None:
        """Adopt the limit the platform reports (e.g. a company on a higher plan)."""
        if limit and limit >= 1:
            self.limit = limit
        if period and period > 0:
            self.period = period

    def settle(self, cost: float = 1) -> None:
        now = time.monotonic()
        for _ in range(max(1, math.ceil(cost))):
            self._in_flight = max(0, self._in_flight - 1)
            self._done.append(now)
        self._freed.set()

    async def _take_one(self) -> None:
        while True:
            now = time.monotonic()
            while self._done and self._done[0] <= now - self.period:
                self._done.popleft()
            if len(self._done) + self._in_flight < self.limit:
                self._in_flight += 1
                return
            # Wait for the oldest logged request to leave the window, or for one in flight to end.
            wait = self._done[0] + self.period - now if self._done else self.period
            self._freed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._freed.wait(), timeout=wait)


class TokenBucketLimiter(_Pausable):
    """A cost bucket of ``capacity`` points refilled at ``rate`` points a second (a GraphQL query cost).

    ``update`` resynchronises with the bucket the platform reports, so several clients sharing
    one account converge on the server's view.
    """

    def __init__(self, capacity: float, rate: float) -> None:
        super().__init__()
        if capacity <= 0 or rate <= 0:
            raise ValueError("capacity and rate must be positive")
        self.capacity, self.rate = capacity, rate
        self._available = capacity
        self._stamp = time.monotonic()
        self._returned = asyncio.Event()

    def _refill(self) -> None:
        now = time.monotonic()
        self._available = min(self.capacity, self._available + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, cost: float = 1) -> None:
        cost = min(cost, self.capacity)
        async with self._lock:
            await self._wait_pause()
            self._refill()
            while self._available < cost:
                await self._wait_for_points((cost - self._available) / self.rate)
                self._refill()
            self._available -= cost

    async def _wait_for_points(self, seconds: float) -> None:
        """Sleep until the restore alone would cover the cost, or until points come back sooner.

        Requests in flight hold their estimated cost; when their answers refund the unspent part
        the waiter is woken at once instead of sleeping out the restore time.
        """
        self._returned.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._returned.wait(), timeout=seconds)

    def refund(self, points: float) -> None:
        """Give back what was charged but not spent (requested minus actual cost)."""
        self._refill()
        self._available = min(self.capacity, self._available + points)
        self._returned.set()

    def update(self, available: float, capacity: float | None = None, rate: float | None = None) -> None:
        """Adopt the platform's reported state of the bucket."""
        if capacity:
            self.capacity = capacity
        if rate:
            self.rate = rate
        self._refill()
        self._available = min(self._available, available)


# --------------------------------------------------------------------------- retry policy


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, jittered exponential backoff, and the Retry-After cap."""

    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    retry_after_cap: float = 120.0
    """A platform asking to wait longer than this fails the run, to be rescheduled, instead of
    holding a scheduler slot asleep."""

    def wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetriableError) and error.retry_after is not None:
            return max(0.0, error.retry_after)
        ceiling = min(self.backoff_max, self.backoff_initial * 2 ** (state.attempt_number - 1))
        return random.uniform(0, ceiling)  # full jitter: spreads a fleet's retries apart


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("retrying after %s (attempt %d, waiting %.2fs)", error, state.attempt_number, wait)
    metrics.retry(getattr(error, "platform", "unknown"))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def redacted(response: httpx.Response) -> httpx.Response:
    """``response`` with its body redacted, for reading error details: a server that echoes the
    request's credentials (an error page showing the Authorization header) must not
    put them in an error, and redacting before any platform cuts the text to 300 characters
    leaves no half secret behind."""
    if not response.content:
        return response
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError):
        return response
    clean = redact(text)
    if clean == text:
        return response
    kept = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]  # the copy holds the decoded, redacted text
    copy = httpx.Response(
        response.status_code, headers=kept, content=clean.encode(), request=response.request
    )
    copy.encoding = "utf-8"
    return copy


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with the value of every credential header replaced by ``***``: generic names
    (``SENSITIVE_HEADER``) and the names auth styles registered (``X-Acme-Key``)."""
    return {k: ("***" if SENSITIVE_HEADER.search(k) or is_secret_name(k) else v) for k, v in headers.items()}


class _RedactingFilter(logging.Filter):
    """Passes ``httpx``'s own log lines through the redactor before any handler sees them.

    ``httpx`` logs every request's full URL at INFO; credentials sent as query parameters
    (``CredentialParams``) would be in it, whichever handler and formatter the host set up."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _redact_httpx_log() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(existing, _RedactingFilter) for existing in httpx_log.filters):
        httpx_log.addFilter(_RedactingFilter())


# --------------------------------------------------------------------------- client


class PlatformClient:
    """Base of every plugin's API client.

    ``auth`` is the client's auth style (``hub.core.auth``): ``BearerToken(token)``,
    ``ApiKeyHeader("X-Acme-Key", key)``, ``BasicAuth(user, password)`` or
    ``CredentialParams({...})``; building the style registered its secrets with the redactor.
    Any other ``httpx.Auth`` (or a Basic ``(user, password)`` pair) is accepted too; its secrets
    are then the plugin's to register. ``headers`` are sent with every request (versions,
    ``Accept``); credentials belong in ``auth``, which is what tells the redactor their names.
    """

    platform: str = "platform"

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        auth: AuthStyle | httpx.Auth | tuple[str, str] | None = None,
        limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        _redact_httpx_log()
        self.auth = auth
        self.server_date: str | None = None
        """The ``Date`` header of the latest answer (``hub doctor`` reads the clock skew from it)."""
        self.limiter: RateLimiter = limiter or Unlimited()
        self.policy = policy or RetryPolicy()
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            auth=auth,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- the one entry point

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        cost: float = 1,
    ) -> httpx.Response:
        """Send one request with pacing, classification and (when safe) retries.

        ``idempotent`` defaults to True for GET/HEAD/OPTIONS only: a write the platform cannot
        deduplicate is retried only after a 429, never after an error that may hide a success
        (the flow's ledger decides what happens next).
        """
        method = method.upper()
        safe = method in SAFE_METHODS if idempotent is None else idempotent
        # A 429 means the platform did nothing, so even an unsafe write may be sent again;
        # a 5xx or a dropped connection may hide a write that happened, so only safe ones are.
        retriable = RetriableError if safe else RateLimitedError
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(retriable),
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self.policy.wait,
            before_sleep=_log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_once(
                    method, url, params=params, json=json, data=data, headers=headers, cost=cost
                )
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _send_once(self, method: str, url: str, *, cost: float, **kwargs: Any) -> httpx.Response:
        with metrics.limiter_wait(self.platform):
            await self.limiter.acquire(cost)
        started = time.perf_counter()
        try:
            crash_point(f"http.send.{method.lower()}")  # waits are over; the request is not sent yet
            if (guard := before_send.get()) is not None:
                guard()
            response = await self.http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            metrics.platform_request(self.platform, "error")
            raise RetriableError(self.platform, f"{method} {url}: timed out ({exc!r})") from exc
        except httpx.TransportError as exc:
            metrics.platform_request(self.platform, "error")
            raise RetriableError(self.platform, f"{method} {url}: connection failed ({exc!r})") from exc
        except httpx.InvalidURL as exc:  # an id from outside that no URL can hold: never sent, never retried
            raise FatalError(self.platform, f"{method} {url!r}: not a valid URL ({exc})") from exc
        finally:
            self.limiter.settle(cost)
        crash_point(f"http.{method.lower()}")  # the platform answered; the hub has not heard yet
        log.debug(
            "%s %s %s -> %d in %.0fms",
            self.platform,
            method,
            response.request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        metrics.platform_request(self.platform, response.status_code)
        self.server_date = response.headers.get("date")
        self.observe(response)
        self.raise_for_status(response)
        return response

    # ---- what plugins override

    def observe(self, response: httpx.Response) -> None:
        """Feed the limiter from the platform's rate-limit headers (override per platform)."""

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the platform asks us to wait before retrying (``Retry-After`` by default)."""
        return parse_retry_after(response.headers.get("retry-after"))

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """``(message, code, field)`` from the platform's error body (override per platform)."""
        text = response.text[:300] if response.content else response.reason_phrase
        return text, None, None

    def raise_for_status(self, response: httpx.Response) -> None:
        """Turn an HTTP error into the core's error classes."""
        status = response.status_code
        if status < 400:
            return
        message, code, field = self.error_details(redacted(response))
        where = f"{response.request.method} {response.request.url.path}: "
        kwargs: dict[str, Any] = {"status": status, "code": code, "field": field}
        if status == 429:
            wait = self.retry_after(response)
            self._check_retry_after(wait)
            if wait is not None:
                self.limiter.pause_until(time.monotonic() + wait)
            raise RateLimitedError(self.platform, where + message, retry_after=wait, **kwargs)
        if status >= 500:
            wait = self.retry_after(response)
            raise RetriableError(self.platform, where + message, retry_after=wait, **kwargs)
        error_class: type[PlatformError] = FatalError
        if status in (401, 403):
            error_class = AuthError
        elif status == 404:
            error_class = NotFoundError
        raise error_class(self.platform, where + message, **kwargs)

    def _check_retry_after(self, wait: float | None) -> None:
        if wait is not None and wait > self.policy.retry_after_cap:
            raise FatalError(
                self.platform,
                f"asked to wait {wait:.0f}s, more than the {self.policy.retry_after_cap:.0f}s cap;"
                " failing the run so the scheduler retries it later",
                status=429,
                code="retry_after_too_long",
            )
