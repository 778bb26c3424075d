"""Sticky.io's documented v1 error bodies and codes (shared/reference/stickyio.md): HTTP 200 with
``response_code`` for business errors, the login failure on 401 or 200, the declined-transaction
shape, and the codes the hub's calls can meet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.sandbox.emulator import Faults
from plugins.stickyio.emulator import create_app

AUTH = ("hub_api", "ph-secret")


@pytest.fixture
async def http(instances) -> AsyncIterator[httpx.AsyncClient]:
    async with session(create_app(instances)) as client:
        yield client


def session(app: Any, **kwargs: Any) -> httpx.AsyncClient:
    kwargs.setdefault("auth", AUTH)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://paleohacks.sticky.io", **kwargs
    )


async def v1(http: httpx.AsyncClient, method: str, body: Any = None, **kw: Any) -> httpx.Response:
    return await http.post(f"/api/v1/{method}", json=body if body is not None else {}, **kw)


def assert_error(response: httpx.Response, code: str | int) -> dict[str, Any]:
    assert response.status_code == 200
    body = response.json()
    assert body["response_code"] == code and body["error_found"] == "1" and body["error_message"]
    return body


async def test_login_failure_can_come_as_http_200_with_code_200(instances) -> None:
    async with session(create_app(instances, auth_failure_status=200), auth=("hub_api", "wrong")) as http:
        answer = await v1(http, "order_view", {"order_id": "20001"})
    assert answer.status_code == 200
    assert answer.json() == {
        "response_code": "200",
        "error_found": "1",
        "error_message": "Invalid login credentials",
        "status": "ERROR",
    }


async def test_a_declined_order_has_the_declined_body(instances, http) -> None:
    instances["paleohacks"].decline_next_order = "Insufficient Funds"
    previous = next(iter(instances["paleohacks"].orders))
    product = next(iter(instances["paleohacks"].products))
    body = {
        "previousOrderId": previous,
        "campaignId": "1",
        "shippingId": "1",
        "offers": [{"product_id": product, "offer_id": "1", "billing_model_id": "2", "quantity": 1}],
    }
    answer = await v1(http, "new_order_card_on_file", body)
    declined = answer.json()
    assert answer.status_code == 200 and declined["response_code"] == "800" and declined["error_found"] == "1"
    assert declined["transId"] == "0" and {"authId", "orderTotalAmount", "gateway_id"} <= set(declined)
    assert " REFID:" in declined["decline_reason"] and declined["provider_response_code"]
    assert "transaction_id" not in declined  # the approved body's key names differ


async def test_an_approved_refund_carries_transaction_id(http) -> None:
    answer = (await v1(http, "order_refund", {"order_id": "20001", "amount": "1.00"})).json()
    assert answer["response_code"] == "100" and answer["error_found"] == "0"
    assert answer["transaction_id"] and "transId" not in answer


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"campaignId": "1", "shippingId": "1"}, "10331"),  # previousOrderId missing
        ({"previousOrderId": "999999", "campaignId": "1", "shippingId": "1"}, "350"),
        (
            {
                "previousOrderId": "20001",
                "campaignId": "1",
                "shippingId": "1",
                "offers": [{"product_id": "0"}],
            },
            "10600",
        ),
    ],
    ids=["missing previousOrderId", "invalid order id", "invalid product id"],
)
async def test_new_order_codes(http, body: dict, code: str) -> None:
    assert_error(await v1(http, "new_order_card_on_file", body), code)


async def test_customer_find_without_a_match_is_909(http) -> None:
    answer = await v1(
        http,
        "customer_find",
        {
            "campaign_id": "all",
            "criteria": {"email": "nobody@example.com"},
            "start_date": "01/01/2000",
            "end_date": "12/31/2099",
        },
    )
    assert assert_error(answer, "909")


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]"], ids=["not JSON", "not an object"])
async def test_a_body_that_is_not_a_json_object_is_400(http, raw: bytes) -> None:
    answer = await http.post("/api/v1/order_view", content=raw, headers={"content-type": "application/json"})
    assert_error(answer, "400")


async def test_an_unknown_instance_is_404_with_the_envelope(instances) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(instances)),
        base_url="https://nowhere.sticky.io",
        auth=AUTH,
    ) as http:
        answer = await v1(http, "order_view", {"order_id": "1"})
    assert answer.status_code == 404 and answer.json()["response_code"] == "400"


async def test_injected_faults_carry_the_v1_envelope(instances) -> None:
    async with session(create_app(instances, faults=Faults(schedule=[500, 503]))) as http:
        answers = [await v1(http, "validate_credentials") for _ in range(2)]
    assert [a.status_code for a in answers] == [500, 503]
    assert [a.json()["response_code"] for a in answers] == ["500", "503"]
    assert all(a.json()["status"] == "ERROR" and a.json()["error_found"] == "1" for a in answers)
