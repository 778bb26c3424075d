"""The emulator answers (and refuses) like Sticky.io's v1 API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from plugins.stickyio.emulator import build_seed, create_app


@pytest.fixture
async def http(instances) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(instances, limit=5, window=60.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="https://paleohacks.sticky.io",
                                 auth=("hub_api", "ph-secret")) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def v1(http: httpx.AsyncClient, method: str, body: dict | None = None, **kw) -> httpx.Response:
    return await http.post(f"/api/v1/{method}", json=body or {}, **kw)


async def test_bad_credentials_refused_with_v1_body(http) -> None:
    answer = await http.post("/api/v1/order_view", json={"order_id": "20001"}, auth=("hub_api", "wrong"))
    assert answer.status_code == 401
    assert answer.json() == {"response_code": "200", "error_found": "1",
                             "error_message": "Invalid login credentials", "status": "ERROR"}
    assert (await http.post("/api/v1/order_view", json={}, auth=None,
                            headers={"Authorization": "Bearer x"})).status_code == 401


async def test_order_view_single_flat_and_array_map(http) -> None:
    single = (await v1(http, "order_view", {"order_id": "20001"})).json()
    assert single["response_code"] == "100" and single["order_id"] == "20001"
    assert single["order_total"] == "43.98" and single["shipping_date"] != "Not Shipped"
    many = (await v1(http, "order_view", {"order_id": ["20001", "20002"]})).json()
    assert many["total_orders"] == "2" and set(many["data"]) == {"20001", "20002"}


async def test_validation_code_is_numeric_and_unknown_order_is_350(http) -> None:
    assert (await v1(http, "order_view", {"order_id": "0"})).json()["response_code"] == 906
    answer = await v1(http, "order_view", {"order_id": "424242"})
    assert answer.status_code == 200 and answer.json()["response_code"] == "350"


async def test_find_requires_dates_and_answers_909(http) -> None:
    bad = (await v1(http, "order_find", {"criteria": "all", "start_date": "2020-01-01",
                                         "end_date": "12/31/2030"})).json()
    assert bad["response_code"] == "400"
    none = (await v1(http, "order_find", {"criteria": {"email": "x@example.com"},
                                          "start_date": "01/01/2000", "end_date": "12/31/2099"})).json()
    assert none["response_code"] == "909"


async def test_refund_rules(http) -> None:
    over = (await v1(http, "order_refund", {"order_id": "20001", "amount": "50.00"})).json()
    assert over["response_code"] == "600" and "exceeds" in over["error_message"]
    ok = (await v1(http, "order_refund", {"order_id": "20001", "amount": "43.98"})).json()
    assert ok["response_code"] == "100"
    again = (await v1(http, "order_refund", {"order_id": "20001", "amount": "1.00"})).json()
    assert "fully refunded" in again["error_message"]
    declined = (await v1(http, "order_refund", {"order_id": "20005", "amount": "1.00"})).json()
    assert declined["response_code"] == "600"
    state = http.app.state.emulator.instances["paleohacks"]
    assert [r["amount"] for r in state.refunds] == ["43.98"]
    assert state.orders["20001"]["order_status"] == "6"


async def test_order_update_rejects_unknown_fields_and_recurring_double_stop(http) -> None:
    bad = (await v1(http, "order_update", {"order_id": {"20002": {"colour": "red"}}})).json()
    assert bad["response_code"] == "400" and "colour" in bad["error_message"]
    assert (await v1(http, "order_update_recurring",
                     {"order_id": "20004", "status": "stop"})).json()["response_code"] == "100"
    assert (await v1(http, "order_update_recurring",
                     {"order_id": "20004", "status": "stop"})).json()["response_code"] == "600"


async def test_per_method_limit_answers_429(http) -> None:
    for _ in range(5):
        assert (await v1(http, "validate_credentials")).status_code == 200
    refused = await v1(http, "validate_credentials")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["response_code"] == "429"
    assert (await v1(http, "order_view", {"order_id": "20001"})).status_code == 200  # other method


async def test_unknown_method_and_prospect_email_check(http) -> None:
    assert (await v1(http, "order_teleport")).json()["response_code"] == "400"
    bad = (await v1(http, "NewProspect", {"campaignId": "1", "email": "not-an-email"})).json()
    assert bad["response_code"] == "342"


async def test_path_prefix_routing_for_loopback(instances) -> None:
    app = create_app(instances)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8085",
                                 auth=("hub_api", "pt-secret")) as client:
        answer = await client.post("/physiotru/api/v1/order_view", json={"order_id": "30001"})
        assert answer.json()["order_id"] == "30001"
        assert (await client.post("/nowhere/api/v1/order_view", json={})).status_code == 404


def test_seed_is_deterministic_and_covers_the_brands() -> None:
    first, second = build_seed(seed=11), build_seed(seed=11)
    assert {i.brand for i in first.values()} == {
        "Ava Jane's Kitchen", "Bright Naturals", "Earth Echo", "Mesa Cookware", "PaleoHacks",
        "Paleo Plan", "PhysioTru"}
    assert [sorted(i.customers) for i in first.values()] == [sorted(i.customers) for i in second.values()]
    assert [c["email"] for i in first.values() for c in i.customers.values()] == [
        c["email"] for i in second.values() for c in i.customers.values()]
    orders = [o for i in first.values() for o in i.orders.values()]
    assert any(o["shipping_date"] == "Not Shipped" for o in orders)
    assert any(o["tracking_number"] for o in orders)
    assert any(o["is_recurring"] == "1" for o in orders)
    assert sum(len(i.customers) for i in first.values()) >= 30
