"""Shared machinery for the plugins' platform emulators (each an ASGI app in its plugin folder).

What is the same for every platform lives here: fault injection (HTTP errors, latency) as ASGI
middleware, network faults (dropped connections, timeouts) as an httpx transport wrapper, a
fixed-window request counter for server-side rate limits, serving an app on loopback, and the
counting and refusing transports the standard plugin tests and the benches put in between.
What differs (paths, error bodies, headers, data) stays in the plugin's ``emulator.py``.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Faults:
    """What to inject, by probability or by a fixed schedule.

    ``schedule`` lists the outcome of the first requests in order (an HTTP status, ``"drop"``,
    ``"timeout"``, or ``None`` for a normal answer); after it runs out, ``rate`` applies: that
    share of requests gets a status drawn from ``statuses`` (or a network fault when
    ``network`` is set). ``latency`` delays every answer. ``seed`` makes runs repeatable.
    """

    rate: float = 0.0
    statuses: Sequence[int] = (429, 500, 502, 503)
    network: Sequence[str] = ()
    latency: float = 0.0
    retry_after: float | None = 0.05
    clock_skew: float = 0.0
    """Seconds the emulated server's clock runs ahead (negative: behind), in its ``Date`` headers."""
    schedule: list[int | str | None] = field(default_factory=list)
    seed: int | None = None
    injected: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def next(self) -> int | str | None:
        with self._lock:
            if self.schedule:
                outcome = self.schedule.pop(0)
            elif self.rate and self._random.random() < self.rate:
                choices = [*self.statuses, *self.network]
                outcome = self._random.choice(choices)
            else:
                outcome = None
            if outcome is not None:
                self.injected += 1
            return outcome


ErrorBody = Callable[[int], Response]


def default_error_body(status: int) -> Response:
    return JSONResponse({"error": f"injected {status}"}, status_code=status)


class FaultMiddleware:
    """ASGI middleware answering with injected HTTP errors and latency.

    ``error_body(status)`` builds the platform's own error response, so the client under test
    sees exactly what the platform would send. Network outcomes (``"drop"``, ``"timeout"``) are
    passed through here and raised by ``FaultyTransport`` on the client side.
    """

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        error_body: ErrorBody = default_error_body,
        exempt: Callable[[Request], bool] | None = None,
    ) -> None:
        self.app, self.faults, self.error_body, self.exempt = app, faults, error_body, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = dated(send, self.faults.clock_skew)
        if scope["type"] != "http" or (self.exempt and self.exempt(Request(scope))):
            await self.app(scope, receive, send)
            return
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        outcome = self.faults.next()
        if isinstance(outcome, int):
            response = self.error_body(outcome)
            if outcome == 429 and self.faults.retry_after is not None:
                response.headers.setdefault("Retry-After", f"{self.faults.retry_after:g}")
            await response(scope, receive, send)
            return
        if outcome == "timeout":
            await asyncio.sleep(3600)  # the client's timeout fires first
        await self.app(scope, receive, send)


def dated(send: Send, skew: float = 0.0) -> Send:
    """``send`` adding the ``Date`` header every HTTP server sends (RFC 9110 §6.6.1), from a
    clock ``skew`` seconds off, unless the app set one (``hub doctor`` reads the clock skew)."""

    async def with_date(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"date" for name, _ in headers):
                stamp = email.utils.formatdate(time.time() + skew, usegmt=True)
                message = {**message, "headers": [*headers, (b"date", stamp.encode())]}
        await send(message)

    return with_date


class DateHeader:
    """ASGI wrapper giving an emulator's answers the ``Date`` header a server sends (``dated``)."""

    def __init__(self, app: ASGIApp, skew: float = 0.0) -> None:
        self.app, self.skew = app, skew

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, dated(send, self.skew) if scope["type"] == "http" else send)


class FaultyTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and raises network faults (reset connection, read timeout)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, faults: Faults) -> None:
        self.inner, self.faults = inner, faults

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self.faults.next() if self.faults.network else None
        if outcome == "drop":
            raise httpx.RemoteProtocolError("connection reset (injected)", request=request)
        if outcome == "timeout":
            raise httpx.ReadTimeout("read timed out (injected)", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class FixedWindow:
    """Server-side counter: ``limit`` requests per ``period`` seconds, in fixed windows."""

    def __init__(self, limit: int, period: float, clock: Callable[[], float] = time.time) -> None:
        self.limit, self.period, self.clock = limit, period, clock
        self._window_start = self._start_of(clock())
        self._count = 0
        self.refused = 0
        self.peak = 0
        self._lock = threading.Lock()

    def _start_of(self, moment: float) -> float:
        return math.floor(moment / self.period) * self.period

    def hit(self) -> tuple[bool, int, int]:
        """Count one request: ``(allowed, remaining, reset_epoch_seconds)``."""
        with self._lock:
            now = self.clock()
            start = self._start_of(now)
            if start != self._window_start:
                self._window_start, self._count = start, 0
            reset = math.ceil(self._window_start + self.period)
            if self._count >= self.limit:
                self.refused += 1
                return False, 0, reset
            self._count += 1
            self.peak = max(self.peak, self._count)
            return True, self.limit - self._count, reset


def serve(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> tuple[Any, str]:
    """Serve ``app`` with uvicorn in a background thread; returns ``(server, base_url)``."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Answers go out as two writes (head, body); without NODELAY, Nagle holds the second until
    # the client's delayed ACK, 40 ms per request on loopback. Accepted sockets inherit it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://{host}:{sock.getsockname()[1]}"


def run_forever(app: ASGIApp, host: str, port: int) -> None:
    """Serve in the foreground (``python -m plugins.<name>.emulator``)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info")


# --------------------------------------------------------------------------- counting and refusing


def generic_rate_limited(request: httpx.Request) -> httpx.Response:
    """A plain HTTP 429 asking to retry at once (``Retry-After: 0``)."""
    return httpx.Response(
        429, headers={"Retry-After": "0"}, json={"error": "rate limited (standard test)"}, request=request
    )


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests on and counts them: each request, per method and path, each answer's
    status and when it was sent (the standard tests compare counts; the benches pace them)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []
        self.paths: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.stamps: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.paths[f"{request.method} {request.url.path}"] += 1
        self.stamps.append(time.monotonic())
        response = await self.inner.handle_async_request(request)
        self.statuses[response.status_code] += 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def total(self) -> int:
        return len(self.requests)


class RateLimitFirst(httpx.AsyncBaseTransport):
    """Answers the first ``times`` requests with the platform's 429, then passes requests on."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        response: Callable[[httpx.Request], httpx.Response] = generic_rate_limited,
        times: int = 1,
    ) -> None:
        self.inner, self.response, self.remaining = inner, response, times
        self.refused: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.remaining > 0:
            self.remaining -= 1
            self.refused.append(request)
            return self.response(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
