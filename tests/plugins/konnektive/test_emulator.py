"""The emulator answers like Konnektive: envelopes, validation, paging, auth, seed data."""

from __future__ import annotations

import httpx
import pytest

from plugins.konnektive.emulator import build_seed, create_app, sandbox_stores

LOGIN, PASSWORD = "hub_api_user", "s3cret-Pass!"


@pytest.fixture
async def call(world):
    async with httpx.AsyncClient(transport=world.transport, base_url="https://api.konnektive.com") as http:
        async def send(path: str, form: dict | None = None, **params: str) -> dict:
            query = {"loginId": LOGIN, "password": PASSWORD, **params}
            response = await http.post(path, params=query, data=form)
            assert response.status_code == 200
            return response.json()
        yield send


async def test_bad_credentials_and_permissions(world, call):
    assert await call("/order/query/", password="nope", orderId="x") == {
        "result": "ERROR", "message": "Invalid login credentials"}
    world.emu.accounts[LOGIN].endpoints = {"order/query"}
    denied = await call("/order/refund/", orderId=world.shipped["orderId"], fullRefund="1")
    assert denied["result"] == "ERROR" and "permission" in denied["message"]
    world.emu.accounts[LOGIN].ip_whitelisted = False
    assert "whitelisted" in (await call("/order/query/", orderId="x"))["message"]


async def test_query_validation(call):
    assert (await call("/order/query/"))["message"] == "startDate and endDate are required"
    bad_date = await call("/order/query/", startDate="2025-01-01", endDate="01/31/2025")
    assert bad_date["message"] == "startDate must be in m/d/Y format"
    too_big = await call("/customer/query/", startDate="01/01/2025", endDate="12/31/2025",
                         resultsPerPage="500")
    assert too_big["message"] == "resultsPerPage must be between 1 and 200"
    phone = await call("/customer/query/", phoneNumber="+1 512", startDate="01/01/2025", endDate="12/31/2025")
    assert "digits and dashes" in phone["message"]


async def test_no_results_is_an_error_envelope(call):
    answer = await call("/order/query/", emailAddress="ghost@example.com", startDate="01/01/2025",
                        endDate="12/31/2025")
    assert answer == {"result": "ERROR", "message": "No orders matching those parameters could be found"}


async def test_pages_dates_and_strings(world, call):
    answer = await call("/order/query/", customerId=world.jane["customerId"], resultsPerPage="2", page="2")
    message = answer["message"]
    assert answer["result"] == "SUCCESS" and message["totalResults"] == 3 and message["page"] == "2"
    assert [o["orderId"] for o in message["data"]] == [world.sub_order["orderId"]]
    order = message["data"][0]
    assert isinstance(order["items"], dict) and all(isinstance(v, str) for v in order["items"]
                                                    [next(iter(order["items"]))].values())
    assert "_brand" not in order
    in_march = await call("/order/query/", startDate="03/05/2025", endDate="03/05/2025")
    assert [o["orderId"] for o in in_march["message"]["data"]] == [world.unshipped["orderId"]]


async def test_form_body_params_and_path_without_slash(world, call):
    form = {"customerId": world.jane["customerId"], "message": "hello"}
    answer = await call("/customer/addnote", form=form)
    assert answer["result"] == "SUCCESS" and world.emu.history[-1]["message"] == "hello"


async def test_refund_state_machine(world, call):
    order_id = world.shipped["orderId"]
    assert (await call("/order/refund/", orderId=order_id))["message"] == "refundAmount is required"
    too_much = await call("/order/refund/", orderId=order_id, refundAmount="50.00")
    assert too_much["message"].startswith("Refund amount exceeds")
    assert (await call("/order/refund/", orderId=order_id, refundAmount="10.00"))["result"] == "SUCCESS"
    assert (await call("/order/refund/", orderId=order_id, fullRefund="1"))["result"] == "SUCCESS"
    again = await call("/order/refund/", orderId=order_id, fullRefund="1")
    assert again["message"] == "Order has already been fully refunded"
    assert [r["amount"] for r in world.emu.refunds_paid] == ["10.00", "35.93"]
    assert world.emu.orders[order_id]["orderStatus"] == "REFUNDED"
    refunds = await call("/transactions/query/", orderId=order_id, txnType="REFUND")
    assert [t["totalAmount"] for t in refunds["message"]["data"]] == ["10.00", "35.93"]


async def test_cancel_and_fulfillment_validation(world, call):
    purchase_id = world.purchase["purchaseId"]
    assert (await call("/purchase/cancel/", purchaseId=purchase_id))["message"] == "cancelReason is required"
    long = await call("/purchase/cancel/", purchaseId=purchase_id, cancelReason="x" * 101)
    assert "100 characters" in long["message"]
    later = await call("/purchase/cancel/", purchaseId=purchase_id, cancelReason="later", afterNextBill="1")
    assert later["message"]["status"] == "ACTIVE"
    now = await call("/purchase/cancel/", purchaseId=purchase_id, cancelReason="now")
    assert now["result"] == "SUCCESS"
    again = await call("/purchase/cancel/", purchaseId=purchase_id, cancelReason="now")
    assert again["message"] == "Purchase is already cancelled"
    order_id = world.unshipped["orderId"]
    missing = await call("/fulfillment/update/", orderId=order_id, fulfillmentStatus="SHIPPED")
    assert "trackingNumber and dateShipped" in missing["message"]
    shipped = await call("/fulfillment/update/", orderId=order_id, fulfillmentStatus="SHIPPED",
                         trackingNumber="1Z9", dateShipped="03/07/2025")
    assert shipped["result"] == "SUCCESS"
    assert world.emu.orders[world.unshipped["orderId"]]["fulfillments"][0]["trackingNumber"] == "1Z9"


async def test_import_validation(world, call):
    assert (await call("/order/import/", paySource="ACCTONFILE"))["message"] == "campaignId is required"
    bad_pay = await call("/order/import/", campaignId="1", paySource="BITCOIN")
    assert bad_pay["message"] == "Invalid paySource BITCOIN"
    other_brand = await call("/order/import/", campaignId="1", paySource="ACCTONFILE",
                             customerId=world.jane["customerId"], product1_id=world.serum.product_id)
    assert other_brand["message"] == "Invalid product1_id"


async def test_rate_limit_answers_429_with_envelope(world_factory):
    world = world_factory(rate_limit=(1, 60))
    async with httpx.AsyncClient(transport=world.transport, base_url="https://api.konnektive.com") as http:
        query = {"loginId": LOGIN, "password": PASSWORD, "orderId": world.shipped["orderId"]}
        assert (await http.post("/order/query/", params=query)).status_code == 200
        refused = await http.post("/order/query/", params=query)
    assert refused.status_code == 429 and refused.json()["result"] == "ERROR"
    assert "retry-after" in refused.headers and world.emu.throttled == 1


def test_seed_is_deterministic_and_covers_every_brand():
    one, two = build_seed(3, 4), build_seed(3, 4)
    assert one == two
    brands = {c["_brand"] for c in one.customers}
    assert len(brands) == 7 and len(one.customers) == 28
    assert any(o["fulfillments"] for o in one.orders) and any(not o["fulfillments"] for o in one.orders)
    assert one.purchases and all(p["status"] == "ACTIVE" for p in one.purchases)
    stores = sandbox_stores(one, "http://127.0.0.1:8104")
    assert stores["paleohacks"]["brand"] == "PaleoHacks" and len(stores) == 7


async def test_seeded_app_serves_each_brand_to_its_own_user():
    seed = build_seed(5, 2)
    stores = sandbox_stores(seed, "http://x")
    app = create_app(seed)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
        creds = stores["earth_echo"]
        answer = (await http.post("/customer/query/", params={
            "loginId": creds["login_id"], "password": creds["password"],
            "startDate": "01/01/2024", "endDate": "12/31/2026"})).json()
    assert answer["message"]["totalResults"] == 2
    emails = {c["emailAddress"] for c in answer["message"]["data"]}
    assert all("earth_echo" in email for email in emails)
    # new ids never collide with seeded ones
    emu = app.state.emulator
    customer = emu.add_customer("Earth Echo", firstName="New")
    assert customer["customerId"] not in {c["customerId"] for c in seed.customers}
