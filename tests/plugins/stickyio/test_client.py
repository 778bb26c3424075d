"""respx unit tests of the Sticky.io client: wire shape, envelopes, errors, retries, pacing."""

from __future__ import annotations

import base64
import json
import time
from datetime import date

import httpx
import pytest
import respx

from hub.core.errors import AuthError, FatalError, NotFoundError, RetriableError
from hub.core.http import RetryPolicy, Unlimited
from plugins.stickyio.client import StickyioClient, response_code, strip_refid

BASE = "https://paleohacks.sticky.io"


def make_client(**kw) -> StickyioClient:
    return StickyioClient(base_url=BASE, username="hub_api", password="s3cret",
                          method_limit={"subscription_order_update": 60},
                          policy=RetryPolicy(max_attempts=3, backoff_initial=0.01), **kw)


@respx.mock
async def test_request_shape_basic_auth_and_json_body() -> None:
    route = respx.post(f"{BASE}/api/v1/validate_credentials").respond(json={"response_code": "100"})
    async with make_client() as client:
        await client.validate_credentials()
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"hub_api:s3cret").decode()
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {}


@respx.mock
async def test_response_code_compared_as_string() -> None:
    respx.post(f"{BASE}/api/v1/order_view").respond(json={"response_code": 100, "order_id": "1"})
    async with make_client() as client:
        assert (await client.order_view(["1"]))[0]["order_id"] == "1"
    assert response_code({"response_code": 10800}) == "10800"


@respx.mock
async def test_numeric_error_code_becomes_fatal_with_message() -> None:
    respx.post(f"{BASE}/api/v1/order_view").respond(
        json={"response_code": 906, "error_found": "1", "error_message": "Order id must be >= 1"})
    async with make_client() as client:
        with pytest.raises(FatalError, match="Order id must be >= 1") as caught:
            await client.order_view(["0"])
    assert caught.value.code == "906" and not isinstance(caught.value, NotFoundError)


@respx.mock
async def test_invalid_order_is_not_found() -> None:
    respx.post(f"{BASE}/api/v1/order_view").respond(
        json={"response_code": "350", "error_found": "1", "error_message": "Invalid order id: 5"})
    async with make_client() as client:
        with pytest.raises(NotFoundError):
            await client.order_view(["5"])


@respx.mock
@pytest.mark.parametrize("status", [200, 401])
async def test_bad_credentials_give_auth_error(status: int) -> None:
    respx.post(f"{BASE}/api/v1/order_view").respond(
        status,
        json={"response_code": "200", "error_found": "1", "error_message": "Invalid login credentials"})
    async with make_client() as client:
        with pytest.raises(AuthError, match="Invalid login credentials") as caught:
            await client.order_view(["1"])
    assert "s3cret" not in str(caught.value)


@respx.mock
async def test_read_retried_after_429_then_succeeds() -> None:
    route = respx.post(f"{BASE}/api/v1/order_find").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}, json={"response_code": "429"}),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(200, json={"response_code": "100", "total_orders": "2", "order_id": ["1", "2"]}),
    ])
    async with make_client() as client:
        ids = await client.order_find_ids({"email": "a@example.com"}, date(2020, 1, 1))
    assert ids == ["1", "2"] and route.call_count == 3
    body = json.loads(route.calls.last.request.content)
    assert body["start_date"] == "01/01/2020" and body["criteria"] == {"email": "a@example.com"}
    assert body["campaign_id"] == "all" and len(body["end_date"]) == 10


@respx.mock
async def test_write_resent_after_429_but_not_after_5xx() -> None:
    """A 429 means Sticky.io did nothing, so the core may send the write again; a 5xx may
    hide a refund that went through, so it is not repeated."""
    refund = respx.post(f"{BASE}/api/v1/order_refund").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}, json={"response_code": "429"}),
        httpx.Response(200, json={"response_code": "100"}),
    ])
    failing = respx.post(f"{BASE}/api/v1/order_update").respond(
        502, json={"response_code": "502", "error_message": "upstream down"})
    async with make_client() as client:
        await client.call("order_refund", {"order_id": "1", "amount": "1.00"})
        with pytest.raises(RetriableError, match="upstream down"):
            await client.call("order_update", {"order_id": {"1": {"notes": "x"}}})
    assert refund.call_count == 2 and failing.call_count == 1


@respx.mock
async def test_no_match_gives_empty_results() -> None:
    respx.post(f"{BASE}/api/v1/order_find").respond(json={"response_code": "909", "error_found": "1"})
    respx.post(f"{BASE}/api/v1/customer_find").respond(json={"response_code": 909})
    async with make_client() as client:
        assert await client.order_find_ids("all", date(2020, 1, 1)) == []
        assert await client.customer_find({"email": "x@example.com"}, date(2020, 1, 1)) == []


@respx.mock
async def test_order_view_batches_ids_and_reads_data_map() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["order_id"]
        return httpx.Response(200, json={"response_code": "100", "total_orders": str(len(ids)),
                                         "data": {i: {"order_total": "1.00"} for i in ids}})

    route = respx.post(f"{BASE}/api/v1/order_view").mock(side_effect=answer)
    async with make_client() as client:
        orders = await client.order_view([str(i) for i in range(1, 121)], batch=50)
    assert [len(json.loads(c.request.content)["order_id"]) for c in route.calls] == [50, 50, 20]
    assert [o["order_id"] for o in orders] == [str(i) for i in range(1, 121)]


@respx.mock
async def test_decline_reason_refid_stripped() -> None:
    respx.post(f"{BASE}/api/v1/new_order_card_on_file").respond(json={
        "response_code": "800", "error_found": "1", "transId": "0",
        "decline_reason": "Insufficient Funds REFID:abc123"})
    async with make_client() as client:
        with pytest.raises(FatalError, match=r"Insufficient Funds$") as caught:
            await client.call("new_order_card_on_file", {})
    assert caught.value.code == "800"
    assert strip_refid("Do Not Honor REFID:x9") == "Do Not Honor"


@respx.mock
async def test_not_json_answer_is_fatal() -> None:
    respx.post(f"{BASE}/api/v1/order_view").respond(200, text="<html>maintenance</html>")
    async with make_client() as client:
        with pytest.raises(FatalError, match="not JSON"):
            await client.call("order_view", {"order_id": ["1"]})


def test_each_method_has_its_own_limit() -> None:
    client = make_client()
    assert client.method_limiter("order_view") is client.method_limiter("order_view")
    assert client.method_limiter("order_view") is not client.method_limiter("order_find")
    assert client.method_limiter("order_view").limit == 120
    assert client.method_limiter("subscription_order_update").limit == 60


def test_a_store_handed_unlimited_paces_no_method_either() -> None:
    """Limits off (``hub.core.http.NoLimits``) means no per-method windows as well."""
    client = make_client(shared_limiter=Unlimited())
    assert isinstance(client.method_limiter("order_view"), Unlimited)
    assert isinstance(client.method_limiter("subscription_order_update"), Unlimited)


@respx.mock
async def test_rate_limit_headers_pause_that_method() -> None:
    respx.post(f"{BASE}/api/v1/order_view").respond(
        json={"response_code": "100", "order_id": "1"},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(time.time() + 30)})
    async with make_client() as client:
        await client.order_view(["1"])
        paused = client.method_limiter("order_view")._paused_until
        assert paused > time.monotonic() + 20
        assert client.method_limiter("order_find")._paused_until == 0.0
