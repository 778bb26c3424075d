"""httpx transports the standard tests put between a plugin and its emulator."""

from __future__ import annotations

from collections.abc import Callable

import httpx

RateLimitedResponse = Callable[[httpx.Request], httpx.Response]


def generic_rate_limited(request: httpx.Request) -> httpx.Response:
    """A plain HTTP 429 asking to retry at once (``Retry-After: 0``)."""
    return httpx.Response(
        429, headers={"Retry-After": "0"}, json={"error": "rate limited (standard test)"}, request=request
    )


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests on and counts them (pagination and routing checks compare counts)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class RateLimitFirst(httpx.AsyncBaseTransport):
    """Answers the first ``times`` requests with the platform's 429, then passes requests on."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        response: RateLimitedResponse = generic_rate_limited,
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
