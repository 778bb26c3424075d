"""End to end: the plugin driven through the Hub against the Konnektive emulator."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from hub.core.errors import AuthError, CapabilityMissing, FatalError, NotFoundError, RetriableError
from hub.core.facade import gathered
from hub.core.models import (
    Address,
    CheckoutLinkRequest,
    CheckoutProduct,
    Consent,
    FinancialStatus,
    FulfillmentStatus,
    Money,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    SubscriptionStatus,
)
from hub.flows.summary import build_summary
from hub.sandbox.emulator import Faults

NEW_ADDRESS = Address(name="Jane Doe", line1="77 Elm Ct", line2="Apt 4", city="Denver", region="CO",
                      postal_code="80202", country="US")


def order_ref(order: dict, store: str = "paleohacks") -> Ref:
    return Ref(platform="konnektive", id=order["orderId"], store=store)


def refund_request(order: dict, key: str, amount: str | None = None, **extra) -> RefundRequest:
    money = Money(amount=amount, currency="USD") if amount else None
    return RefundRequest(order=order_ref(order), amount=money, reason=RefundReason.DAMAGED,
                         idempotency_key=key, **extra)


async def test_lookup_to_orders_to_refund(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        customers = await hub.commerce.find_customers(email="JANE@example.com", phone=None)
        by_store = {c.store: c for c in customers}
        assert set(by_store) == {"paleohacks", "bright_naturals"}
        jane = by_store["paleohacks"]
        assert jane.brand == "PaleoHacks" and by_store["bright_naturals"].brand == "Bright Naturals"
        assert jane.phone == "+15125550142"
        # No figures on the record (Konnektive keeps none): the summary works them out from the
        # orders it lists, so the look-up reads no order.
        assert jane.lifetime_revenue is None and jane.order_count is None
        assert {endpoint for endpoint, _ in world.emu.calls} == {"customer/query"}

        orders = await gathered(hub.commerce.list_orders(customer=jane.ref))
        assert [o.id for o in orders] == [world.sub_order["orderId"], world.unshipped["orderId"],
                                          world.shipped["orderId"]]
        shipped = orders[2]
        assert shipped.fulfillment_status is FulfillmentStatus.FULFILLED
        assert shipped.tracking_numbers == ("9400111",) and shipped.shipped_at is not None
        assert shipped.line_items[0].price.amount == Decimal("19.99") and shipped.line_items[0].quantity == 2
        assert orders[0].is_subscription and not orders[1].is_subscription

        request = refund_request(world.shipped, "t-1", "10.00")
        refund = await hub.commerce.refund_order(request=request)
        assert refund.amount == Money(amount=Decimal("10.00"), currency="USD")
        assert world.emu.refunds_paid == [{"orderId": world.shipped["orderId"], "amount": "10.00",
                                           "transactionId": refund.id}]
        order = await hub.commerce.get_order(ref=order_ref(world.shipped))
        assert order.financial_status is FinancialStatus.PARTIALLY_REFUNDED
        assert order.refundable.amount == Decimal("35.93")


async def test_a_summary_reads_orders_and_refunds_once_per_customer(world, make_hub):
    """The figures come from the orders the summary lists: one order read and one refund read
    per customer found, and a declined order is listed but adds nothing."""
    world.emu.add_order(world.jane["customerId"], [(world.book, 3)], created=datetime(2025, 3, 7, 9, 0),
                        status="DECLINED")
    async with make_hub(world.stores(), world.transport) as hub:
        summary = await build_summary(hub, "jane@example.com", None)
    assert summary is not None
    # 2 x 19.99 + 5.95, 19.99, 34.95 at PaleoHacks; 24.50 at Bright Naturals: exact decimals.
    assert summary.lifetime_revenue == {"USD": Money(amount=Decimal("125.37"), currency="USD")}
    assert summary.order_count == 4 and len(summary.recent_orders) == 5
    reads = Counter(endpoint for endpoint, _ in world.emu.calls)
    assert reads == {"customer/query": 2, "order/query": 2, "transactions/query": 2, "purchase/query": 2}


async def test_the_customer_record_carries_the_same_figures_when_asked(world, make_hub):
    world.emu.add_order(world.jane["customerId"], [(world.book, 3)], created=datetime(2025, 3, 7, 9, 0),
                        status="DECLINED")
    async with make_hub(world.stores(), world.transport, compute_customer_summary=True) as hub:
        customers = await hub.commerce.find_customers(email="jane@example.com", phone=None)
        jane = next(c for c in customers if c.store == "paleohacks")
        summary = await build_summary(hub, "jane@example.com", None)
    assert jane.lifetime_revenue == Money(amount=Decimal("100.87"), currency="USD") and jane.order_count == 3
    assert summary is not None and summary.order_count == 4
    assert summary.lifetime_revenue == {"USD": Money(amount=Decimal("125.37"), currency="USD")}


async def test_same_refund_asked_twice_refunds_once(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        first = await hub.commerce.refund_order(request=refund_request(world.shipped, "ticket-9"))
        again = await hub.commerce.refund_order(request=refund_request(world.shipped, "ticket-9"))
    assert first.id == again.id and first.amount.amount == Decimal("45.93")
    assert len(world.emu.refunds_paid) == 1


async def test_refund_whose_answer_was_lost_is_recognised_not_paid_again(world, make_hub):
    world.emu.lose_answers["order/refund"] = 1  # the CRM refunds, the answer never arrives
    async with make_hub(world.stores(), world.transport) as hub:
        with pytest.raises(RetriableError):
            await hub.commerce.refund_order(request=refund_request(world.shipped, "lost", "12"))
        assert len(world.emu.refunds_paid) == 1
        again = await hub.commerce.refund_order(request=refund_request(world.shipped, "lost", "12"))
    assert len(world.emu.refunds_paid) == 1
    assert again.id == world.emu.refunds_paid[0]["transactionId"]
    notes = [e["message"] for e in world.emu.history if "[hub refund done]" in e["message"]]
    assert len(notes) == 1 and "key=lost" in notes[0]


async def test_equal_refunds_under_different_keys_are_both_paid(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        one = await hub.commerce.refund_order(request=refund_request(world.shipped, "a", "5.00"))
        two = await hub.commerce.refund_order(request=refund_request(world.shipped, "b", "5.00"))
    assert one.id != two.id and len(world.emu.refunds_paid) == 2


async def test_manual_refund_is_not_taken_for_ours_but_limits_the_balance(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        emu = world.emu
        sale = next(t for t in emu.transactions.values() if t["orderId"] == world.shipped["orderId"])
        emu._refund(world.shipped, sale, Decimal("40.00"))  # an agent refunded by hand
        with pytest.raises(FatalError, match="above the refundable balance"):
            await hub.commerce.refund_order(request=refund_request(world.shipped, "k", "10.00"))
        rest = await hub.commerce.refund_order(request=refund_request(world.shipped, "k"))
    assert rest.amount.amount == Decimal("5.93")
    assert [r["amount"] for r in emu.refunds_paid] == ["40.00", "5.93"]


async def test_refund_by_lines_and_refusals(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        order = await hub.commerce.get_order(ref=order_ref(world.shipped))
        line = RefundLine(line_item_id=order.line_items[0].id, quantity=1)
        refund = await hub.commerce.refund_order(
            request=refund_request(world.shipped, "lines", lines=(line,)))
        assert refund.amount.amount == Decimal("19.99")
        with pytest.raises(FatalError, match="above the refundable balance"):
            await hub.commerce.refund_order(request=refund_request(world.shipped, "big", "100.00"))
        with pytest.raises(NotFoundError):
            await hub.commerce.refund_order(request=refund_request({"orderId": "NOPE"}, "x"))
    assert len(world.emu.refunds_paid) == 1


async def test_address_change_before_and_after_shipment(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        changed = await hub.commerce.change_shipping_address(ref=order_ref(world.unshipped),
                                  address=NEW_ADDRESS)
        assert changed.shipping_address.line1 == "77 Elm Ct" and changed.shipping_address.city == "Denver"
        assert world.emu.orders[world.unshipped["orderId"]]["shipAddress2"] == "Apt 4"
        with pytest.raises(FatalError, match="has shipped"):
            await hub.commerce.change_shipping_address(ref=order_ref(world.shipped),
                            address=NEW_ADDRESS)
    assert world.emu.orders[world.shipped["orderId"]]["shipCity"] == "Austin"


async def test_subscriptions_listed_and_cancelled_once(world, make_hub):
    jane = Ref(platform="konnektive", id=world.jane["customerId"], store="paleohacks")
    async with make_hub(world.stores(), world.transport) as hub:
        subs = await hub.commerce.list_subscriptions(customer=jane)
        assert [(s.id, s.status, s.product) for s in subs] == [
            (world.purchase["purchaseId"], SubscriptionStatus.ACTIVE, "Snack Box Subscription")]
        ref = subs[0].ref
        cancelled = await hub.commerce.cancel_subscription(ref=ref, reason="too much snacks",
                                    idempotency_key="cancel-1")
        again = await hub.commerce.cancel_subscription(ref=ref, reason="too much snacks",
                                idempotency_key="cancel-1")
    assert cancelled.status is SubscriptionStatus.CANCELLED and again.status is SubscriptionStatus.CANCELLED
    assert world.emu.cancels == [{"purchaseId": ref.id, "cancelReason": "too much snacks [hub:cancel-1]"}]


async def test_replacement_order_is_free_and_created_once(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        original = await hub.commerce.get_order(ref=order_ref(world.shipped))
        request = ReplacementRequest(order=original.ref, reason="arrived damaged",
                                     lines=(RefundLine(line_item_id=original.line_items[0].id, quantity=1),),
                                     shipping_address=NEW_ADDRESS, idempotency_key="repl-1")
        made = await hub.commerce.create_replacement_order(request=request)
        again = await hub.commerce.create_replacement_order(request=request)
    assert made.id == again.id and world.emu.imports == [made.id]
    assert made.total.amount == Decimal("0.00") and made.customer_id == world.jane["customerId"]
    assert made.shipping_address.city == "Denver"
    assert [(i.sku, i.quantity) for i in made.line_items] == [("PH-COOKBOOK", 1)]
    assert not any(t["orderId"] == made.id for t in world.emu.transactions.values())  # nothing charged


async def test_replacement_whose_answer_was_lost_is_recognised(world, make_hub):
    world.emu.lose_answers["order/import"] = 1
    async with make_hub(world.stores(), world.transport) as hub:
        original = await hub.commerce.get_order(ref=order_ref(world.shipped))
        request = ReplacementRequest(order=original.ref, reason="lost",
                                     lines=(RefundLine(line_item_id=original.line_items[0].id, quantity=2),),
                                     idempotency_key="repl-lost")
        with pytest.raises(RetriableError):
            await hub.commerce.create_replacement_order(request=request)
        made = await hub.commerce.create_replacement_order(request=request)
    assert world.emu.imports == [made.id]


async def test_unsupported_hooks_report_capability_missing(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        assert "commerce_update_consent" in hub.missing(["commerce_update_consent"])
        info = next(i for i in hub.infos() if i.name == "konnektive")
        # Checkout links are made through the brand's funnel (issue 16): only consent is missing.
        assert set(info.unsupported) == {"commerce_update_consent"}
        with pytest.raises(CapabilityMissing):
            await hub.commerce.update_consent(customer=Ref(platform="konnektive", id="1"),
                            consent=Consent(channel="email", opted_in=False))
        # A store without a funnel page makes no link, and says which settings it needs.
        with pytest.raises(FatalError, match="checkout_url") as caught:
            await hub.commerce.create_checkout_link(request=CheckoutLinkRequest(
                platform="konnektive", store="paleohacks", email="a@b.c",
                products=(CheckoutProduct(sku="X", quantity=1),)))
        assert caught.value.code == "not_configured"


def checkout_stores(world, **extra) -> dict:
    stores = world.stores()
    stores["paleohacks"].update(
        campaign_id="7", checkout_url="https://shop.paleohacks.example/checkout?lander=2",
        sku_product_ids={"PH-COOKBOOK": world.book.product_id, "PH-SNACK": world.box.product_id}, **extra)
    return stores


def checkout_request(**extra) -> CheckoutLinkRequest:
    return CheckoutLinkRequest(**{
        "platform": "konnektive", "store": "paleohacks", "email": "nia@example.com", "first_name": "Nia",
        "last_name": "Cole", "phone": "+1 512 555 0199", "shipping_address": NEW_ADDRESS.model_copy(
            update={"name": None}), "products": (CheckoutProduct(sku="PH-COOKBOOK", quantity=2),
                                                 CheckoutProduct(sku="PH-SNACK", quantity=1)),
        "sales_rep": "rep-9", "discount_code": "SAVE5", "notes": "Call after 5pm",
        "metadata": {"campaign": "fall"}, **extra})


async def test_checkout_link_is_the_funnel_with_the_lead_and_the_cart(world, make_hub):
    async with make_hub(checkout_stores(world), world.transport) as hub:
        link = await hub.commerce.create_checkout_link(request=checkout_request())
    (lead,) = world.emu.leads
    assert link.id == lead and link.store == "paleohacks"
    query = parse_qs(urlparse(link.url).query)
    assert link.url.startswith("https://shop.paleohacks.example/checkout?lander=2&orderId=")
    assert {key: value[0] for key, value in query.items()} == {
        "lander": "2", "orderId": lead, "campaignId": "7",
        "product1_id": world.book.product_id, "product1_qty": "2",
        "product2_id": world.box.product_id, "product2_qty": "1",
        "firstName": "Nia", "lastName": "Cole", "emailAddress": "nia@example.com",
        "phoneNumber": "5125550199",
        "affId": "rep-9", "shipFirstName": "Nia", "shipLastName": "Cole", "shipAddress1": "77 Elm Ct",
        "shipAddress2": "Apt 4", "shipCity": "Denver", "shipState": "CO", "shipPostalCode": "80202",
        "shipCountry": "US", "address1": "77 Elm Ct", "address2": "Apt 4", "city": "Denver", "state": "CO",
        "postalCode": "80202", "country": "US", "couponCode": "SAVE5", "meta_campaign": "fall",
    }
    order = world.emu.orders[lead]
    assert order["orderStatus"] == "PARTIAL" and order["campaignId"] == "7"
    customer = world.emu.customers[order["customerId"]]
    assert (customer["firstName"], customer["emailAddress"], customer["affId"]) == ("Nia", "nia@example.com",
                                                                                    "rep-9")
    notes = [h["message"] for h in world.emu.history if h["customerId"] == order["customerId"]]
    assert "hub checkout link notes: Call after 5pm" in notes


async def test_checkout_link_refuses_an_unknown_sku_before_any_lead(world, make_hub):
    async with make_hub(checkout_stores(world), world.transport) as hub:
        with pytest.raises(FatalError, match="NOPE") as caught:
            await hub.commerce.create_checkout_link(request=checkout_request(
                products=(CheckoutProduct(sku="NOPE", quantity=1),)))
    assert caught.value.field == "products.sku" and world.emu.leads == []


async def test_checkout_link_without_a_lead_for_funnels_that_take_the_query(world, make_hub):
    stores = checkout_stores(world, checkout_creates_lead=False, sales_rep_param="custom1")
    async with make_hub(stores, world.transport) as hub:
        link = await hub.commerce.create_checkout_link(request=checkout_request())
    query = parse_qs(urlparse(link.url).query)
    assert world.emu.leads == [] and "orderId" not in query
    assert query["custom1"] == ["rep-9"] and query["product1_qty"] == ["2"]


async def test_pagination_over_a_thousand_orders(world, make_hub):
    world.add_orders(world.jane["customerId"], 1_050, world.book)
    async with make_hub({"paleohacks": world.stores()["paleohacks"]}, world.transport) as hub:
        orders = await gathered(hub.commerce.list_orders(
            customer=Ref(platform="konnektive", id=world.jane["customerId"])))
    assert len(orders) == 1_053 and len({o.id for o in orders}) == 1_053
    order_pages = [p for e, p in world.emu.calls if e == "order/query"]
    assert [p["page"] for p in order_pages] == ["1", "2", "3", "4", "5", "6"]
    assert {p["resultsPerPage"] for p in order_pages} == {"200"}


async def test_rate_limited_run_finishes_without_refusals(world_factory, make_hub):
    world = world_factory(rate_limit=(6, 0.2))  # the server allows 30 requests a second
    world.add_orders(world.jane["customerId"], 300, world.book)
    jane = Ref(platform="konnektive", id=world.jane["customerId"], store="paleohacks")
    async with make_hub(world.stores(), world.transport, requests_per_window=5, window_seconds=0.2,
                        page_size=20) as hub:
        orders = await gathered(hub.commerce.list_orders(customer=jane))
    assert len(orders) == 303
    assert world.emu.throttled == 0 and world.emu.window.refused == 0
    assert [e for e, _ in world.emu.calls] == ["order/query"] * 16 + ["transactions/query"]


async def test_injected_server_errors_are_retried_on_reads(world_factory, make_hub):
    world = world_factory(faults=Faults(schedule=[503, 429], retry_after=0))
    async with make_hub(world.stores(), world.transport) as hub:
        order = await hub.commerce.get_order(ref=order_ref(world.shipped))
    assert order.id == world.shipped["orderId"] and world.app.state.faults.injected == 2


async def test_writes_are_not_blindly_retried(world_factory, make_hub):
    world = world_factory()
    async with make_hub(world.stores(), world.transport) as hub:
        # Reads of the refund path go through, then the refund call itself gets a 503.
        faults = world.app.state.faults
        faults.schedule = [None, None, None, None, 503]
        with pytest.raises(RetriableError):
            await hub.commerce.refund_order(request=refund_request(world.shipped, "w", "1.00"))
    assert world.emu.refunds_paid == []


async def test_bad_credentials_give_auth_error(world, make_hub):
    stores = {"paleohacks": {**world.stores()["paleohacks"], "password": "wrong"}}
    async with make_hub(stores, world.transport) as hub:
        with pytest.raises(AuthError, match="Invalid login credentials"):
            await hub.commerce.get_order(ref=order_ref(world.shipped))


async def test_stores_see_only_their_own_brand(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        with pytest.raises(NotFoundError):
            await hub.commerce.get_order(ref=order_ref(world.bn_order, store="paleohacks"))
        order = await hub.commerce.get_order(ref=order_ref(world.bn_order, store="bright_naturals"))
        assert order.brand == "Bright Naturals" and order.store == "bright_naturals"
        with pytest.raises(FatalError, match="names no store"):
            await hub.commerce.get_order(ref=Ref(platform="konnektive", id="K1"))


async def test_find_by_phone(world, make_hub):
    async with make_hub(world.stores(), world.transport) as hub:
        found = await hub.commerce.find_customers(email=None, phone="+15125550142")
        nobody = await hub.commerce.find_customers(email="nobody@example.com", phone=None)
    assert sorted(c.store for c in found) == ["bright_naturals", "paleohacks"]
    assert all(c.phone == "+15125550142" for c in found)
    assert nobody == []
