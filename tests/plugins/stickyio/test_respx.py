"""respx tests of every hook through the Hub: which v1 calls, with what bodies, mapped how."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import respx

from hub.core.config import config_from_mapping
from hub.core.errors import AuthError, CapabilityMissing, FatalError
from hub.core.facade import gathered
from hub.core.manager import Hub, get_plugin_manager, settings_models
from hub.core.models import (
    Address,
    CheckoutLinkRequest,
    CheckoutProduct,
    Money,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    SubscriptionStatus,
)

BASE = "https://brightnaturals.sticky.io"
V1 = f"{BASE}/api/v1"
STORE = "bright"


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    pm = get_plugin_manager(only=["stickyio"])
    section = {"enabled": True, "order_view_batch": 2, "max_attempts": 2, "stores": {STORE: {
        "brand": "Bright Naturals", "base_url": BASE, "username": "api", "password": "pw",
        "campaign_id": "4", "shipping_id": "9", "replacement_offer_id": "11",
        "replacement_billing_model_id": "2", "funnel_url": "https://bright.example/checkout",
        "sku_product_ids": {"BN-1": "31"},
    }}}
    config = config_from_mapping({"plugins": {"stickyio": section}}, source="test",
                                 models=settings_models(pm))
    async with Hub(pm, config) as running:
        yield running


def view(order_id: str, **extra) -> dict:
    body = {"order_id": order_id, "customer_id": "7", "order_status": "2",
            "time_stamp": "2026-05-01 10:00:00", "order_total": "19.95", "email_address": "b@example.com",
            "shipping_date": "Not Shipped", "amount_refunded_to_date": "0.00", "employeeNotes": [],
            "products": [{"product_id": "31", "sku": "BN-1", "name": "Vitamin D3", "price": "19.95",
                          "product_qty": "1", "billing_model": {"id": "2", "name": "Straight Sale"}}]}
    body.update(extra)
    return body


def views(*bodies: dict) -> httpx.Response:
    return httpx.Response(200, json={"response_code": "100", "total_orders": str(len(bodies)),
                                     "data": {b["order_id"]: b for b in bodies}})


def sent(route: respx.Route, index: int = -1) -> dict:
    return json.loads(route.calls[index].request.content)


def ref(order_id: str) -> Ref:
    return Ref(platform="stickyio", id=order_id, store=STORE)


@respx.mock
async def test_find_customers_by_email(hub: Hub) -> None:
    find = respx.post(f"{V1}/customer_find").respond(json={
        "response_code": "100", "total_customers": "1", "customer_id": ["7"],
        "data": {"7": {"customer_id": "7", "first_name": "Bo", "email": "b@example.com",
                       "phone": "5125550111", "date_created": "2025-01-01 00:00:00"}}})
    order_find = respx.post(f"{V1}/order_find").respond(json={"response_code": "100", "order_id": ["1"]})
    [customer] = await hub.commerce.find_customers(email="b@example.com", phone=None)
    body = sent(find)
    assert body["criteria"] == {"email": "b@example.com"} and body["return_type"] == "customer_view"
    assert body["start_date"] == "01/01/2015"
    assert (customer.id, customer.brand, customer.store) == ("7", "Bright Naturals", STORE)
    # No figures and no order read: the summary works them out from the orders it lists.
    assert customer.lifetime_revenue is None and customer.order_count is None and not order_find.called


@respx.mock
async def test_find_customers_by_phone_sends_national_digits(hub: Hub) -> None:
    find = respx.post(f"{V1}/customer_find").respond(json={"response_code": "909"})
    assert await hub.commerce.find_customers(email=None, phone="+15125550111") == []
    assert sent(find)["criteria"] == {"phone": "5125550111"}


@respx.mock
async def test_list_orders_pages_through_order_view(hub: Hub) -> None:
    respx.post(f"{V1}/customer_view").respond(json={"response_code": "100", "customer_id": "7",
                                                    "email": "b@example.com"})
    respx.post(f"{V1}/order_find").respond(json={"response_code": "100", "order_id": "1,2,3,4,5"})
    order_view = respx.post(f"{V1}/order_view").mock(side_effect=[
        views(view("1"), view("2", time_stamp="2026-05-03 10:00:00")),
        views(view("3", customer_id="8"), view("4")),
        views(view("5", time_stamp="2026-04-01 10:00:00")),
    ])
    orders = await gathered(hub.commerce.list_orders(customer=Ref(platform="stickyio", id="7", store=STORE)))
    assert [sent(order_view, i)["order_id"] for i in range(3)] == [["1", "2"], ["3", "4"], ["5"]]
    assert [o.id for o in orders] == ["2", "4", "1", "5"]  # newest first, other customer's order dropped


@respx.mock
async def test_get_order_maps_exact_money(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").respond(json={"response_code": "100", "data": {
        "42": view("42", order_total="0.30", products=[
            {"product_id": "1", "name": "a", "price": "0.10", "product_qty": "3"}])}})
    order = await hub.commerce.get_order(ref=ref("42"))
    assert order.total.amount == Decimal("0.30")
    assert sum((i.total.amount for i in order.line_items), Decimal(0)) == Decimal("0.30")


@respx.mock
async def test_refund_call_sequence(hub: Hub) -> None:
    done = "[hub-refund key=L1 amount=12.50 reason=damaged] torn box"
    order_view = respx.post(f"{V1}/order_view").mock(side_effect=[
        views(view("42")),
        views(view("42", amount_refunded_to_date="12.50", employeeNotes=[done])),
    ])
    update = respx.post(f"{V1}/order_update").respond(json={"response_code": "100"})
    refund_route = respx.post(f"{V1}/order_refund").respond(json={"response_code": "100"})
    refund = await hub.commerce.refund_order(request=RefundRequest(
        order=ref("42"), amount=Money(amount=Decimal("12.50"), currency="USD"),
        reason=RefundReason.DAMAGED, note="torn box", idempotency_key="L1"))
    assert sent(refund_route) == {"order_id": "42", "amount": "12.50", "keep_recurring": 1}
    assert sent(update, 0) == {"order_id": {"42": {
        "notes": "[hub-refund-pending key=L1 amount=12.50 before=0.00]"}}}
    assert sent(update, 1) == {"order_id": {"42": {"notes": done}}}
    assert order_view.call_count == 2
    assert (refund.id, refund.amount.amount, refund.note) == ("42:L1", Decimal("12.50"), "torn box")


@respx.mock
async def test_refund_already_done_pays_nothing(hub: Hub) -> None:
    done = "[hub-refund key=L1 amount=12.50 reason=damaged]"
    respx.post(f"{V1}/order_view").mock(return_value=views(
        view("42", amount_refunded_to_date="12.50", employeeNotes=[done])))
    refund_route = respx.post(f"{V1}/order_refund")
    refund = await hub.commerce.refund_order(request=RefundRequest(
        order=ref("42"), amount=Money(amount=Decimal("12.50"), currency="USD"),
        reason=RefundReason.DAMAGED, idempotency_key="L1"))
    assert refund.amount.amount == Decimal("12.50") and refund_route.call_count == 0


@respx.mock
async def test_refund_above_balance_or_other_currency_refused(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").mock(return_value=views(view("42", amount_refunded_to_date="10.00")))
    refund_route = respx.post(f"{V1}/order_refund")
    for amount, currency, message in (("9.96", "USD", "refundable balance"), ("1.00", "EUR", "EUR")):
        with pytest.raises(FatalError, match=message):
            await hub.commerce.refund_order(request=RefundRequest(
                order=ref("42"), amount=Money(amount=Decimal(amount), currency=currency),
                reason=RefundReason.OTHER, idempotency_key="L2"))
    with pytest.raises(FatalError, match="only 1 units"):
        await hub.commerce.refund_order(request=RefundRequest(
            order=ref("42"), lines=(RefundLine(line_item_id="31", quantity=2),),
            reason=RefundReason.OTHER, idempotency_key="L3"))
    assert refund_route.call_count == 0


@respx.mock
async def test_cancel_subscription_stops_recurring(hub: Hub) -> None:
    recurring = view("50", is_recurring="1", recurring_date="2026-06-01")
    respx.post(f"{V1}/order_view").mock(side_effect=[
        views(recurring), views(dict(recurring, is_recurring="0", recurring_date=""))])
    stop = respx.post(f"{V1}/order_update_recurring").respond(json={"response_code": "100"})
    note = respx.post(f"{V1}/order_update").respond(json={"response_code": "100"})
    sub = await hub.commerce.cancel_subscription(ref=ref("50"), reason="moving",
                          idempotency_key="C1")
    assert sent(stop) == {"order_id": "50", "status": "stop"}
    assert sent(note) == {"order_id": {"50": {"notes": "[hub-cancel key=C1] recurring stopped: moving"}}}
    assert sub.status is SubscriptionStatus.CANCELLED


@respx.mock
async def test_list_subscriptions(hub: Hub) -> None:
    respx.post(f"{V1}/customer_view").respond(json={"response_code": "100", "customer_id": "7",
                                                    "email": "b@example.com"})
    respx.post(f"{V1}/order_find").respond(json={"response_code": "100", "order_id": ["60", "61"]})
    respx.post(f"{V1}/order_view").mock(return_value=views(
        view("60", is_recurring="1", recurring_date="2026-06-01"), view("61")))
    subs = await hub.commerce.list_subscriptions(customer=Ref(platform="stickyio", id="7",
                                                                       store=STORE))
    assert [(s.id, s.status, s.sku) for s in subs] == [("60", SubscriptionStatus.ACTIVE, "BN-1")]


@respx.mock
async def test_change_address_keyed_form(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").mock(return_value=views(view("70")))
    update = respx.post(f"{V1}/order_update").respond(json={"response_code": "100"})
    await hub.commerce.change_shipping_address(ref=ref("70"), address=Address(
        name="Bo Lee", line1="1 New Rd", city="Reno", region="NV", postal_code="89501", country="US"))
    assert sent(update) == {"order_id": {"70": {
        "shipping_address1": "1 New Rd", "shipping_address2": "", "shipping_city": "Reno",
        "shipping_state": "NV", "shipping_zip": "89501", "shipping_country": "US",
        "shipping_first_name": "Bo", "shipping_last_name": "Lee"}}}


@respx.mock
async def test_change_address_refused_when_tracking_set(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").mock(return_value=views(view("70", tracking_number="1Z1")))
    update = respx.post(f"{V1}/order_update")
    with pytest.raises(FatalError, match="already shipped"):
        await hub.commerce.change_shipping_address(ref=ref("70"), address=Address(
            line1="1 New Rd", city="Reno", country="US"))
    assert update.call_count == 0


@respx.mock
async def test_replacement_order_body(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").mock(side_effect=[views(view("80")),
                                                     views(view("81", order_total="0.00"))])
    respx.post(f"{V1}/order_find").respond(json={"response_code": "909"})
    create = respx.post(f"{V1}/new_order_card_on_file").respond(
        json={"response_code": "100", "order_id": "81"})
    new = await hub.commerce.create_replacement_order(request=ReplacementRequest(
        order=ref("80"), lines=(RefundLine(line_item_id="31", quantity=1),), reason="lost",
        idempotency_key="R1"))
    assert sent(create) == {
        "previousOrderId": "80", "campaignId": "4", "shippingId": "9",
        "offers": [{"offer_id": "11", "product_id": "31", "billing_model_id": "2", "quantity": 1,
                    "price": "0.00"}],
        "notes": "[hub-replacement key=R1] replacement of order 80: lost"}
    assert new.id == "81" and new.total.amount == Decimal("0.00")


@respx.mock
async def test_checkout_link_creates_prospect(hub: Hub) -> None:
    prospect = respx.post(f"{V1}/NewProspect").respond(json={"response_code": "100", "prospectId": "555"})
    catalogue = respx.post(f"{V1}/product_index").respond(json={"response_code": "100", "products": {
        "31": {"product_id": "31", "product_sku": "BN-1", "product_name": "Vitamin D3"}}})
    link = await hub.commerce.create_checkout_link(request=CheckoutLinkRequest(
        platform="stickyio", store=STORE, email="c@example.com", products=(
            CheckoutProduct(sku="BN-1", quantity=2),), sales_rep="r7", discount_code="TEN"))
    body = sent(prospect)
    assert (body["campaignId"], body["email"], body["AFFID"]) == ("4", "c@example.com", "r7")
    assert link.id == "555" and link.url == (
        "https://bright.example/checkout?prospect_id=555&campaign_id=4&products=BN-1%3A2"
        "&product_ids=31%3A2&coupon=TEN&rep=r7")
    assert sent(catalogue) == {"product_id": ["31"]}


@respx.mock
async def test_checkout_link_refuses_a_sku_the_catalogue_does_not_know(hub: Hub) -> None:
    prospect = respx.post(f"{V1}/NewProspect").respond(json={"response_code": "100", "prospectId": "556"})
    respx.post(f"{V1}/product_index").respond(json={"response_code": "10600", "error_found": "1",
                                                    "error_message": "Invalid product id"})
    for sku in ("BN-1", "NOT-MAPPED"):  # mapped but gone from the CRM; not in sku_product_ids
        with pytest.raises(FatalError, match=sku) as caught:
            await hub.commerce.create_checkout_link(request=CheckoutLinkRequest(
                platform="stickyio", store=STORE, email="c@example.com",
                products=(CheckoutProduct(sku=sku, quantity=1),)))
        assert caught.value.field == "products.sku"
    assert not prospect.called


@respx.mock
async def test_auth_failure_through_hub(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").respond(401, json={"response_code": "200", "error_found": "1",
                                                      "error_message": "Invalid login credentials"})
    with pytest.raises(AuthError):
        await hub.commerce.get_order(ref=ref("1"))


@respx.mock
async def test_platform_error_envelope_through_hub(hub: Hub) -> None:
    respx.post(f"{V1}/order_view").respond(json={"response_code": "100", "data": {"1": view("1")}})
    respx.post(f"{V1}/order_update").respond(json={"response_code": "100"})
    respx.post(f"{V1}/order_refund").respond(json={
        "response_code": "600", "error_found": "1", "error_message": "Gateway refused the refund"})
    with pytest.raises(FatalError, match="Gateway refused the refund"):
        await hub.commerce.refund_order(request=RefundRequest(
            order=ref("1"), reason=RefundReason.OTHER, idempotency_key="E1"))


@respx.mock
async def test_other_platforms_are_not_answered(hub: Hub) -> None:
    # Nothing is mocked: a request to Sticky.io would fail the test with respx's own error.
    with pytest.raises(CapabilityMissing):
        await hub.commerce.get_order(ref=Ref(platform="shopify", id="1"))
