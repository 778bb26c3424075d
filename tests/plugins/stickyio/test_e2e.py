"""End-to-end: the plugin driven through the Hub against the Sticky.io emulator."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from hub.core.errors import (
    AuthError,
    CapabilityMissing,
    FatalError,
    IdempotencyConflict,
    NotFoundError,
    RetriableError,
)
from hub.core.facade import gathered
from hub.core.models import (
    Address,
    Channel,
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
from plugins.stickyio.emulator import add_customer, add_order, add_product, build_seed
from plugins.stickyio.mapping import refund_pending_note


def order_ref(order_id: str, store: str = "paleohacks") -> Ref:
    return Ref(platform="stickyio", id=order_id, store=store)


def refund_request(order_id: str, amount: str | None, key: str = "ledger-1", **kw) -> RefundRequest:
    money = Money(amount=Decimal(amount), currency="USD") if amount else None
    return RefundRequest(order=order_ref(order_id), amount=money, reason=RefundReason.DAMAGED,
                         idempotency_key=key, **kw)


async def test_lookup_to_orders_to_refund(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, app):
        customers = await hub.commerce.find_customers(email="ana@example.com", phone=None)
        assert {(c.store, c.brand) for c in customers} == {("paleohacks", "PaleoHacks"),
                                                           ("physiotru", "PhysioTru")}
        ana = next(c for c in customers if c.store == "paleohacks")
        assert ana.phone == "+15125550101"
        # No figures on the record (customer_view has none), and no order read to make them:
        # the summary works them out from the orders it lists.
        assert ana.lifetime_revenue is None and ana.order_count is None
        summary = await build_summary(hub, "ana@example.com", None)
        assert summary is not None and summary.order_count == 4 + 1  # PaleoHacks' four, PhysioTru's one
        # 20001 (2 x 21.99) + 20002 (21.99 + 54.95) + 20003 + 20004 (54.95 each) = 230.82, as the
        # record's own figure was; with PhysioTru's 30001 (119.85).
        assert summary.lifetime_revenue == {"USD": Money(amount=Decimal("350.67"), currency="USD")}
        orders = await gathered(hub.commerce.list_orders(customer=ana.ref))
        assert [o.id for o in orders] == ["20002", "20004", "20001", "20003"]
        shipped = next(o for o in orders if o.id == "20001")
        assert shipped.fulfillment_status is FulfillmentStatus.FULFILLED
        assert shipped.tracking_numbers == ("1Z999",)
        assert shipped.line_items[0].price == Money(amount=Decimal("21.99"), currency="USD")
        refund = await hub.commerce.refund_order(request=refund_request("20001", "10.00", note="box crushed"))
        assert refund.amount == Money(amount=Decimal("10.00"), currency="USD")
        assert refund.reason == "damaged" and refund.note == "box crushed"
        state = app.state.emulator.instances["paleohacks"]
        assert [r["amount"] for r in state.refunds] == ["10.00"]
        after = await hub.commerce.get_order(ref=order_ref("20001"))
        assert after.financial_status is FinancialStatus.PARTIALLY_REFUNDED
        assert after.refundable == Money(amount=Decimal("33.98"), currency="USD")


async def test_same_refund_asked_twice_refunds_once(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, app):
        first = await hub.commerce.refund_order(request=refund_request("20001", "5.00"))
        second = await hub.commerce.refund_order(request=refund_request("20001", "5.00"))
        assert first == second
        assert len(app.state.emulator.instances["paleohacks"].refunds) == 1
        other = await hub.commerce.refund_order(request=refund_request("20001", "5.00", key="k2"))
        assert other.id != first.id
        assert len(app.state.emulator.instances["paleohacks"].refunds) == 2


async def test_refund_paid_before_a_crash_is_not_paid_again(instances, emulator_hub) -> None:
    """The pending note was written and the refund paid, then the process died before the
    done note: the retry sees refunded-to-date reach before + amount and records it."""
    order = instances["paleohacks"].orders["20001"]
    order["employeeNotes"].append("2026-01-01 00:00:00 hub_api: "
                                  + refund_pending_note("ledger-9", Decimal("7.50"), Decimal("0")))
    order["amount_refunded_to_date"] = "7.50"
    instances["paleohacks"].refunds.append({"order_id": "20001", "amount": "7.50"})
    async with emulator_hub(instances) as (hub, app):
        refund = await hub.commerce.refund_order(request=refund_request("20001", "7.50", "ledger-9"))
        assert refund.amount.amount == Decimal("7.50")
        assert len(app.state.emulator.instances["paleohacks"].refunds) == 1
        view = await hub.commerce.get_order(ref=order_ref("20001"))
        assert [r.id for r in view.refunds] == ["20001:ledger-9"]  # no unexplained CRM refund left


async def test_refund_that_never_happened_before_a_crash_is_paid(instances, emulator_hub) -> None:
    order = instances["paleohacks"].orders["20001"]
    order["employeeNotes"].append(refund_pending_note("ledger-9", Decimal("7.50"), Decimal("0")))
    async with emulator_hub(instances) as (hub, app):
        refund = await hub.commerce.refund_order(request=refund_request("20001", "7.50", "ledger-9"))
        assert refund.id == "20001:ledger-9"
        assert [r["amount"] for r in app.state.emulator.instances["paleohacks"].refunds] == ["7.50"]
        notes = app.state.emulator.instances["paleohacks"].orders["20001"]["employeeNotes"]
        assert sum("hub-refund-pending key=ledger-9" in n for n in notes) == 1  # not written twice


async def test_pending_refund_with_other_amount_is_a_conflict(instances, emulator_hub) -> None:
    instances["paleohacks"].orders["20002"]["employeeNotes"].append(
        refund_pending_note("k", Decimal("2.00"), Decimal("0")))
    async with emulator_hub(instances) as (hub, app):
        with pytest.raises(IdempotencyConflict):
            await hub.commerce.refund_order(request=refund_request("20002", "3.00", "k"))
        assert app.state.emulator.instances["paleohacks"].refunds == []


async def test_refund_above_balance_and_full_refund(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, app):
        with pytest.raises(FatalError, match="refundable balance"):
            await hub.commerce.refund_order(request=refund_request("20001", "43.99"))
        full = await hub.commerce.refund_order(request=refund_request("20001", None, "full"))
        assert full.amount.amount == Decimal("43.98")
        with pytest.raises(FatalError, match="nothing left"):
            await hub.commerce.refund_order(request=refund_request("20001", None, "again"))
        with pytest.raises(FatalError, match="declined"):
            await hub.commerce.refund_order(request=refund_request("20005", "1.00", "d"))
        order = await hub.commerce.get_order(ref=order_ref("20001"))
        assert order.financial_status is FinancialStatus.REFUNDED
        assert len(app.state.emulator.instances["paleohacks"].refunds) == 1


async def test_refund_by_lines(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, app):
        request = RefundRequest(order=order_ref("20002"), lines=(RefundLine(line_item_id="1", quantity=1),),
                                reason=RefundReason.QUALITY, idempotency_key="lines-1")
        refund = await hub.commerce.refund_order(request=request)
        assert refund.amount.amount == Decimal("54.95")
        assert app.state.emulator.instances["paleohacks"].refunds[0]["amount"] == "54.95"


async def test_address_change_before_and_after_shipment(instances, emulator_hub) -> None:
    new = Address(name="Ana Lopez", line1="99 Elm St", city="Denver", region="CO", postal_code="80202",
                  country="US")
    async with emulator_hub(instances) as (hub, app):
        changed = await hub.commerce.change_shipping_address(ref=order_ref("20002"), address=new)
        assert changed.shipping_address.line1 == "99 Elm St"
        assert changed.shipping_address.postal_code == "80202"
        with pytest.raises(FatalError, match="already shipped"):
            await hub.commerce.change_shipping_address(ref=order_ref("20001"), address=new)
        assert app.state.emulator.instances["paleohacks"].orders["20001"]["shipping_city"] == "Austin"


async def test_subscriptions_and_cancel_once(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, app):
        customer = Ref(platform="stickyio", id="501", store="paleohacks")
        subs = await hub.commerce.list_subscriptions(customer=customer)
        assert [(s.id, s.status) for s in subs] == [("20004", SubscriptionStatus.ACTIVE)]
        assert subs[0].next_billing_at is not None
        # Asking on the first order of the chain stops the order that actually recurs.
        cancelled = await hub.commerce.cancel_subscription(ref=order_ref("20003"),
                                    reason="too expensive", idempotency_key="c-1")
        again = await hub.commerce.cancel_subscription(ref=order_ref("20004"),
                                reason="too expensive", idempotency_key="c-1")
        assert cancelled.status is again.status is SubscriptionStatus.CANCELLED
        state = app.state.emulator.instances["paleohacks"]
        assert [(c["order_id"], c["status"]) for c in state.recurring_changes] == [("20004", "stop")]
        assert sum("[hub-cancel key=c-1]" in n for n in state.orders["20004"]["employeeNotes"]) == 1
        with pytest.raises(FatalError, match="not a subscription"):
            await hub.commerce.cancel_subscription(ref=order_ref("20001"), reason="x",
                            idempotency_key="c-2")


async def test_replacement_order_is_created_once(instances, emulator_hub) -> None:
    request = ReplacementRequest(order=order_ref("20001"), lines=(RefundLine(line_item_id="2", quantity=1),),
                                 reason="arrived damaged", idempotency_key="rep-1",
                                 shipping_address=Address(line1="5 Pine Rd", city="Boulder", region="CO",
                                                          postal_code="80301", country="US"))
    async with emulator_hub(instances) as (hub, app):
        new = await hub.commerce.create_replacement_order(request=request)
        again = await hub.commerce.create_replacement_order(request=request)
        assert new.id == again.id and new.id not in ("20001",)
        assert new.total == Money(amount=Decimal("0.00"), currency="USD")
        assert new.shipping_address.city == "Boulder"
        assert [(i.sku, i.quantity) for i in new.line_items] == [("PH-002", 1)]
        assert len(app.state.emulator.instances["paleohacks"].orders) == 6


async def test_replacement_decline_is_a_clear_error(instances, emulator_hub) -> None:
    instances["paleohacks"].decline_next_order = "Do Not Honor"
    request = ReplacementRequest(order=order_ref("20001"), lines=(RefundLine(line_item_id="2", quantity=1),),
                                 reason="lost", idempotency_key="rep-2")
    async with emulator_hub(instances) as (hub, _):
        with pytest.raises(FatalError, match=r"Do Not Honor$") as caught:
            await hub.commerce.create_replacement_order(request=request)
        assert caught.value.code == "800" and "REFID" not in str(caught.value)


async def test_checkout_link_resolves_to_the_prospect(instances, emulator_hub) -> None:
    request = CheckoutLinkRequest(
        platform="stickyio", store="physiotru", email="new@example.com", first_name="Nia",
        last_name="Cole", phone="+15125550199",
        shipping_address=Address(line1="1 Lake St", city="Miami", region="FL", postal_code="33130",
                                 country="US"),
        products=(CheckoutProduct(sku="PT-007", quantity=2),), sales_rep="rep-42",
        discount_code="SAVE10", metadata={"campaign": "fall"},
    )
    async with emulator_hub(instances) as (hub, app):
        link = await hub.commerce.create_checkout_link(request=request)
        query = parse_qs(urlparse(link.url).query)
        assert link.url.startswith("https://checkout.physiotru.example/order?")
        assert query["products"] == ["PT-007:2"] and query["coupon"] == ["SAVE10"]
        assert query["rep"] == ["rep-42"] and query["meta_campaign"] == ["fall"]
        # Resolve the link the way the funnel does: prospect_view on the id it carries.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="https://physiotru.sticky.io",
                                     auth=("hub_api", "pt-secret")) as http:
            answer = (await http.post("/api/v1/prospect_view",
                                      json={"prospect_id": query["prospect_id"][0]})).json()
        assert answer["response_code"] == "100"
        assert (answer["email"], answer["zip"], answer["affiliate"]) == ("new@example.com", "33130", "rep-42")
        assert "PT-007 x2" in answer["notes"] and answer["phone"] == "5125550199"


async def test_checkout_link_refuses_an_unknown_sku_and_carries_the_notes(instances, emulator_hub) -> None:
    """The measured case: Sticky.io accepted a SKU its catalogue does not have."""
    def request(sku: str) -> CheckoutLinkRequest:
        return CheckoutLinkRequest(
            platform="stickyio", store="physiotru", email="new@example.com", first_name="Nia",
            last_name="Cole", products=(CheckoutProduct(sku=sku, quantity=1),),
            notes="Call before shipping",
        )

    async with emulator_hub(instances) as (hub, app):
        before = len(app.state.emulator.instances["physiotru"].prospects)
        with pytest.raises(FatalError, match="NOPE-1") as caught:
            await hub.commerce.create_checkout_link(request=request("NOPE-1"))
        assert caught.value.field == "products.sku"
        assert len(app.state.emulator.instances["physiotru"].prospects) == before
        link = await hub.commerce.create_checkout_link(request=request("PT-007"))
        prospect = app.state.emulator.instances["physiotru"].prospects[link.id]
    assert (prospect["first_name"], prospect["last_name"]) == ("Nia", "Cole")
    assert "notes: Call before shipping" in prospect["notes"]


async def test_consent_is_reported_missing(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, _):
        info = next(i for i in hub.infos() if i.name == "stickyio")
        assert "commerce_update_consent" in info.unsupported
        assert "commerce_update_consent" not in info.capabilities
        with pytest.raises(CapabilityMissing):
            await hub.commerce.update_consent(customer=Ref(platform="stickyio", id="501", store="paleohacks"),
                            consent=Consent(channel=Channel.EMAIL, opted_in=False))


async def test_find_by_phone_and_unknown_records(instances, emulator_hub) -> None:
    async with emulator_hub(instances) as (hub, _):
        found = await hub.commerce.find_customers(email=None, phone="+15125550102")
        assert [(c.id, c.first_name, c.order_count) for c in found] == [("502", "Ben", None)]
        assert await hub.commerce.find_customers(email="nobody@example.com", phone=None) == []
        with pytest.raises(NotFoundError):
            await hub.commerce.get_order(ref=order_ref("99999"))
        with pytest.raises(NotFoundError):
            unknown = Ref(platform="stickyio", id="9", store="paleohacks")
            await gathered(hub.commerce.list_orders(customer=unknown))
        with pytest.raises(FatalError, match=r"unknown Sticky\.io store"):
            await hub.commerce.get_order(ref=order_ref("20001", store="nope"))


async def test_bad_credentials_give_auth_error(instances, emulator_hub) -> None:
    for status in (401, 200):
        async with emulator_hub(instances, auth_failure_status=status) as (hub, _):
            instances["paleohacks"].password = "rotated"  # the CRM's API user password changed
            with pytest.raises(AuthError, match="Invalid login credentials"):
                await hub.commerce.get_order(ref=order_ref("20001"))
            instances["paleohacks"].password = "ph-secret"


async def test_pagination_over_1200_orders(instances, emulator_hub) -> None:
    paleo = instances["paleohacks"]
    add_product(paleo, "9", "PH-009", "Bone Broth", "12.34")
    bulk = add_customer(paleo, first_name="Bo", last_name="Bulk", email="bulk@example.com",
                        customer_id="900")
    for n in range(1200):
        add_order(paleo, bulk["customer_id"], [("9", 1)], order_id=str(40000 + n))
    async with emulator_hub(instances) as (hub, app):
        orders = await gathered(hub.commerce.list_orders(customer=Ref(platform="stickyio", id="900",
                                                                     store="paleohacks")))
        assert len(orders) == 1200 and len({o.id for o in orders}) == 1200
        assert sum((o.total.amount for o in orders), Decimal(0)) == Decimal("14808.00")
        assert app.state.emulator.calls[("paleohacks", "order_view")] == 24  # 50 ids per call


async def test_rate_limited_run_finishes_without_refusals(instances, emulator_hub) -> None:
    limits = {"window_seconds": 1.0, "requests_per_window": 30, "window_margin_seconds": 0.05}
    async with emulator_hub(instances, settings=limits, limit=30, window=1.0) as (hub, app):
        for _ in range(70):
            order = await hub.commerce.get_order(ref=order_ref("20001"))
            assert order.id == "20001"
        assert app.state.emulator.refused == 0
        assert app.state.emulator.calls[("paleohacks", "order_view")] == 70


async def test_server_429_5xx_and_drops_are_retried_for_reads(instances, emulator_hub) -> None:
    faults = Faults(schedule=[429, 503, "drop"], network=("drop",), retry_after=0.01)
    async with emulator_hub(instances, faults=faults) as (hub, _):
        order = await hub.commerce.get_order(ref=order_ref("20001"))
    assert order.id == "20001" and faults.injected == 3


async def test_writes_are_not_retried_after_a_server_error(instances, emulator_hub) -> None:
    faults = Faults()
    async with emulator_hub(instances, faults=faults) as (hub, app):
        faults.schedule = [None, None, 500]  # order_view, pending note, then order_refund fails
        with pytest.raises(RetriableError):
            await hub.commerce.refund_order(request=refund_request("20001", "4.00", "w-1"))
        state = app.state.emulator.instances["paleohacks"]
        assert state.refunds == []
        # The flow retries later: the pending note is there, no refund went through, so it pays now.
        refund = await hub.commerce.refund_order(request=refund_request("20001", "4.00", "w-1"))
        assert refund.amount.amount == Decimal("4.00")
        assert len(state.refunds) == 1


async def test_full_seed_serves_every_brand(emulator_hub) -> None:
    instances = build_seed(seed=3, customers_per_brand=4)
    async with emulator_hub(instances) as (hub, _):
        for instance in instances.values():
            customer = next(iter(instance.customers.values()))
            found = await hub.commerce.find_customers(email=customer["email"], phone=None)
            assert instance.brand in {c.brand for c in found}
            for match in found:
                orders = await gathered(hub.commerce.list_orders(customer=match.ref))
                assert all(o.brand == match.brand and o.store == match.store for o in orders)


async def test_sandbox_world_seeds_an_emulator_the_plugin_can_use() -> None:
    from hub.core.config import config_from_mapping
    from hub.core.manager import Hub, get_plugin_manager, settings_models
    from hub.core.plugin import Kind
    from hub.sandbox.world import build_world

    world = build_world(["stickyio", "shopify"], seed=5, per_brand=3)
    pm = get_plugin_manager(only=["stickyio"])
    [sandbox] = [a for a in pm.hook.hub_sandbox(world=world, kind=Kind.COMMERCE) if a]
    assert not any(pm.hook.hub_sandbox(world=world, kind=Kind.HELPDESK))
    assert set(sandbox.settings["stores"]) == {p.store for p in world.people_on("stickyio")}
    assert world.orders and all(o.platform == "stickyio" for o in world.orders)
    config = config_from_mapping({"plugins": {"stickyio": sandbox.settings}}, source="sandbox",
                                 models=settings_models(pm))
    person = world.people_on("stickyio")[0]
    async with Hub(pm, config, transports={"stickyio": httpx.ASGITransport(app=sandbox.app)}) as hub:
        [customer] = await hub.commerce.find_customers(email=person.email, phone=None)
        assert (customer.store, customer.brand, customer.phone) == (person.store, person.brand, person.phone)
        orders = await gathered(hub.commerce.list_orders(customer=customer.ref))
        assert {o.id for o in orders} == {o.id for o in world.orders
                                          if o.customer_id == customer.id and o.store == customer.store}
