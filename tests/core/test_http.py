"""The HTTP layer: retry policy, error classes, limiters, redaction."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
import respx

from hub.core.errors import AuthError, FatalError, NotFoundError, RateLimitedError, RetriableError
from hub.core.http import (
    PlatformClient,
    RetryPolicy,
    SlidingWindowLimiter,
    TokenBucketLimiter,
    parse_retry_after,
)

BASE = "https://api.example.test"
FAST = RetryPolicy(max_attempts=4, backoff_initial=0.001, backoff_max=0.01, retry_after_cap=5)


def client(**kwargs) -> PlatformClient:
    return PlatformClient(base_url=BASE, headers={"Authorization": "Bearer t0ken-secret"},
                          policy=kwargs.pop("policy", FAST), **kwargs)


@respx.mock
async def test_429_with_retry_after_is_retried_after_the_wait():
    route = respx.get(f"{BASE}/items").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0.01"}),
        httpx.Response(200, json={"ok": True}),
    ])
    async with client() as c:
        response = await c.request("GET", "/items")
    assert response.json() == {"ok": True}
    assert route.call_count == 2


@respx.mock
async def test_503_then_success():
    route = respx.get(f"{BASE}/items").mock(side_effect=[
        httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[1]),
    ])
    async with client() as c:
        assert (await c.request("GET", "/items")).json() == [1]
    assert route.call_count == 3


@respx.mock
async def test_post_is_not_retried():
    route = respx.post(f"{BASE}/refunds").mock(return_value=httpx.Response(503))
    async with client() as c:
        with pytest.raises(RetriableError):
            await c.request("POST", "/refunds", json={"amount": "1.00"})
    assert route.call_count == 1


@respx.mock
async def test_post_marked_idempotent_is_retried():
    route = respx.post(f"{BASE}/search").mock(side_effect=[httpx.Response(500), httpx.Response(200)])
    async with client() as c:
        await c.request("POST", "/search", json={}, idempotent=True)
    assert route.call_count == 2


@respx.mock
async def test_timeouts_and_dropped_connections_are_retried():
    route = respx.get(f"{BASE}/items").mock(side_effect=[
        httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset"), httpx.Response(200),
    ])
    async with client() as c:
        await c.request("GET", "/items")
    assert route.call_count == 3


@respx.mock
async def test_attempts_are_capped():
    route = respx.get(f"{BASE}/items").mock(return_value=httpx.Response(500))
    async with client() as c:
        with pytest.raises(RetriableError):
            await c.request("GET", "/items")
    assert route.call_count == FAST.max_attempts


@respx.mock
async def test_retry_after_above_the_cap_fails_the_run_instead_of_sleeping():
    route = respx.get(f"{BASE}/items").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    async with client() as c:
        with pytest.raises(FatalError, match="more than the 5s cap"):
            await c.request("GET", "/items")
    assert route.call_count == 1


@respx.mock
@pytest.mark.parametrize(("status", "error"), [(401, AuthError), (403, AuthError),
                                               (404, NotFoundError), (422, FatalError)])
async def test_client_errors_are_fatal_and_not_retried(status, error):
    route = respx.get(f"{BASE}/items").mock(return_value=httpx.Response(status, text="nope"))
    async with client() as c:
        with pytest.raises(error) as caught:
            await c.request("GET", "/items")
    assert route.call_count == 1
    assert caught.value.status == status


@respx.mock
async def test_429_exhausting_attempts_raises_rate_limited():
    respx.get(f"{BASE}/items").mock(return_value=httpx.Response(429, headers={"Retry-After": "0"}))
    async with client() as c:
        with pytest.raises(RateLimitedError):
            await c.request("GET", "/items")


def test_retry_after_parses_seconds_and_dates():
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("garbage") is None


async def test_sliding_window_never_exceeds_the_limit_in_any_window():
    limiter = SlidingWindowLimiter(limit=5, period=0.2)
    stamps: list[float] = []

    async def one():
        await limiter.acquire()
        stamps.append(time.monotonic())
        limiter.settle()  # the request is over as soon as it is sent, here

    await asyncio.gather(*(one() for _ in range(17)))
    stamps.sort()
    for i, start in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s < start + 0.2 - 1e-3]
        assert len(in_window) <= 5


async def test_sliding_window_counts_requests_in_flight_until_they_end():
    """The platform counts a request on arrival, anywhere between send and answer."""
    limiter = SlidingWindowLimiter(limit=2, period=0.05)
    await limiter.acquire()
    await limiter.acquire()
    third = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.1)  # far longer than the period: still refused while two are in flight
    assert not third.done()
    limiter.settle()
    await asyncio.sleep(0.1)
    assert third.done()  # one answered and its window passed


async def test_token_bucket_charges_and_adopts_server_state():
    bucket = TokenBucketLimiter(capacity=100, rate=1000)
    await bucket.acquire(60)
    bucket.update(available=10, capacity=100, rate=1000)
    assert bucket._available <= 11
    bucket.refund(5)
    assert bucket._available <= 16


@respx.mock
async def test_request_logs_carry_no_credentials(caplog):
    respx.get(f"{BASE}/items").mock(return_value=httpx.Response(200))
    caplog.set_level(logging.DEBUG)
    async with client() as c:
        await c.request("GET", "/items")
    assert "GET /items -> 200" in caplog.text
    assert "t0ken-secret" not in caplog.text


@respx.mock
async def test_post_is_sent_again_after_a_429_because_nothing_was_done():
    route = respx.post(f"{BASE}/notes").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(201),
    ])
    async with client() as c:
        await c.request("POST", "/notes", json={"body": "x"})
    assert route.call_count == 2
