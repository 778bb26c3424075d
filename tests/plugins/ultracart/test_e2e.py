"""End to end: the plugin driven through the Hub against the UltraCart emulator."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from hub.core.errors import AuthError, FatalError, NotFoundError, RetriableError
from hub.core.facade import gathered
from hub.core.models import (
    Address,
    Channel,
    CheckoutLinkRequest,
    CheckoutProduct,
    Consent,
    Money,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    SubscriptionStatus,
)
from hub.sandbox.emulator import Faults
from plugins.ultracart.emulator import (
    EmulatorState,
    add_customer,
    add_item,
    add_merchant,
    add_order,
    build_seed,
    create_app,
    sandbox_key,
    store_settings,
)

from .conftest import stores_config

ORDER = Ref(platform="ultracart", id="PHACK-0000000001", store="paleohacks")
SHIPPED = Ref(platform="ultracart", id="PHACK-0000000002", store="paleohacks")


def refund_request(key: str = "ledger-1", amount: str | None = None, **kw: object) -> RefundRequest:
    money = Money(amount=Decimal(amount), currency="USD") if amount else None
    return RefundRequest(order=ORDER, amount=money, reason=RefundReason.DAMAGED, idempotency_key=key, **kw)


async def test_lookup_across_brands_then_orders_then_refund(state: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(state)) as hub:
        customers = await hub.commerce.find_customers(email="dana@example.com", phone=None)
        assert {(c.store, c.brand) for c in customers} == {
            ("paleohacks", "PaleoHacks"),
            ("mesa", "Mesa Cookware"),
        }
        dana = next(c for c in customers if c.store == "paleohacks")
        assert dana.order_count == 2 and dana.phone == "+15125550134"
        assert {c.channel for c in dana.consents} == {Channel.EMAIL, Channel.SMS}
        orders = await gathered(hub.commerce.list_orders(customer=dana.ref))
        assert [o.id for o in orders] == ["PHACK-0000000001", "PHACK-0000000002"]  # newest first
        assert orders[1].tracking_numbers == ("1Z999",) and orders[1].is_subscription
        total = orders[0].total.amount
        assert total == Decimal("97.52")  # 84.79 items + 6.78 tax + 5.95 shipping, exact
        refund = await hub.commerce.refund_order(request=refund_request(amount="10.00"))
        assert refund.amount == Money(amount=Decimal("10.00"), currency="USD")
    assert [r["amount"] for r in state.refunds] == [Decimal("10.00")]


async def test_find_by_phone_matches_both_brands(state: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(state)) as hub:
        customers = await hub.commerce.find_customers(email=None, phone="+15125550134")
    assert sorted(c.id for c in customers) == ["1001", "2001"]


async def test_the_same_refund_asked_twice_refunds_once(state: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(state)) as hub:
        first = await hub.commerce.refund_order(request=refund_request("ledger-7", "12.34"))
        again = await hub.commerce.refund_order(request=refund_request("ledger-7", "12.34"))
        order = await hub.commerce.get_order(ref=ORDER)
    assert first.id == again.id == "PHACK-0000000001:ledger-7"
    assert len(state.refunds_for(ORDER.id)) == 1
    assert [r.amount.amount for r in order.refunds] == [Decimal("12.34")]


async def test_a_second_key_pays_a_second_refund_and_the_balance_is_enforced(
    state: EmulatorState, hub_for
) -> None:
    async with hub_for(create_app(state)) as hub:
        await hub.commerce.refund_order(request=refund_request("a", "50.00"))
        await hub.commerce.refund_order(request=refund_request("b", "40.00"))
        with pytest.raises(FatalError, match="refundable balance"):
            await hub.commerce.refund_order(request=refund_request("c", "8.00"))
        rest = await hub.commerce.refund_order(request=refund_request("d"))
    assert rest.amount.amount == Decimal("7.52")
    assert [r["amount"] for r in state.refunds_for(ORDER.id)] == [
        Decimal("50.00"),
        Decimal("40.00"),
        Decimal("7.52"),
    ]
    assert state.orders[ORDER.id]["summary"]["total_refunded"]["value"] == Decimal("97.52")


async def test_line_refund_sets_quantity_and_amount(state: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(state)) as hub:
        refund = await hub.commerce.refund_order(
            request=refund_request("line", lines=(RefundLine(line_item_id="1", quantity=1),)),
        )
    item = state.orders[ORDER.id]["items"][0]
    assert refund.amount.amount == Decimal("32.40")
    assert item["quantity_refunded"] == 1 and item["total_refunded"]["value"] == Decimal("32.40")


async def test_refund_after_lost_note_is_recognised_by_equal_amount(state: EmulatorState, hub_for) -> None:
    # A refund UltraCart paid without the hub's note (as if the note had not been kept).
    summary = state.orders[ORDER.id]["summary"]
    summary["total_refunded"] = {"value": Decimal("20.00"), "currency_code": "USD"}
    async with hub_for(create_app(state)) as hub:
        refund = await hub.commerce.refund_order(request=refund_request("lost", "20.00"))
    assert refund.amount.amount == Decimal("20.00") and state.refunds == []


async def test_address_change_before_and_after_shipment(state: EmulatorState, hub_for) -> None:
    new = Address(
        name="Dana Reyes", line1="9 New Rd", city="Denver", region="CO", postal_code="80202", country="US"
    )
    async with hub_for(create_app(state)) as hub:
        order = await hub.commerce.change_shipping_address(ref=ORDER, address=new)
        assert order.shipping_address is not None and order.shipping_address.line1 == "9 New Rd"
        before = dict(state.orders[SHIPPED.id]["shipping"])
        with pytest.raises(FatalError, match="already shipped"):
            await hub.commerce.change_shipping_address(ref=SHIPPED, address=new)
    assert state.orders[ORDER.id]["shipping"]["city"] == "Denver"
    assert state.orders[SHIPPED.id]["shipping"] == before
    assert ("PUT", f"/rest/v2/order/orders/{SHIPPED.id}") not in state.requests


async def test_replacement_order_is_created_once(state: EmulatorState, hub_for) -> None:
    request = ReplacementRequest(
        order=SHIPPED,
        lines=(RefundLine(line_item_id="1", quantity=1),),
        reason="arrived melted",
        idempotency_key="repl-1",
    )
    async with hub_for(create_app(state)) as hub:
        first = await hub.commerce.create_replacement_order(request=request)
        again = await hub.commerce.create_replacement_order(request=request)
    assert first.id == again.id and first.id != SHIPPED.id
    assert first.total.amount == Decimal("0.00") and first.line_items[0].sku == "PH-BARS"
    assert sum(1 for o in state.orders.values() if o["customer_profile_oid"] == 1001) == 3


async def test_subscriptions_listed_and_cancelled_once(state: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(state)) as hub:
        subs = await hub.commerce.list_subscriptions(
            customer=Ref(platform="ultracart", id="1001", store="paleohacks")
        )
        assert [s.status for s in subs] == [SubscriptionStatus.ACTIVE]
        assert subs[0].price == Money(amount=Decimal("32.40"), currency="USD") and subs[0].sku == "PH-BARS"
        cancelled = await hub.commerce.cancel_subscription(
            ref=subs[0].ref, reason="too much", idempotency_key="cancel-1"
        )
        again = await hub.commerce.cancel_subscription(
            ref=subs[0].ref, reason="too much", idempotency_key="cancel-1"
        )
    assert cancelled.status is again.status is SubscriptionStatus.CANCELLED
    stored = state.auto_orders[int(subs[0].id)]
    assert stored["status"] == "canceled" and "hub-cancel key=cancel-1" in stored["cancel_reason"]
    puts = [r for r in state.requests if r[0] == "PUT" and "/auto_order/" in r[1]]
    assert len(puts) == 1


async def test_checkout_link_resolves_to_the_cart_it_built(state: EmulatorState, hub_for) -> None:
    app = create_app(state)
    request = CheckoutLinkRequest(
        platform="ultracart",
        store="paleohacks",
        email="new@example.com",
        first_name="Sam",
        last_name="Hill",
        products=(CheckoutProduct(sku="PH-BARS", quantity=2),),
        sales_rep="rep-44",
        discount_code="WELCOME10",
        metadata={"campaign": "spring"},
        shipping_address=Address(line1="5 Pine", city="Boise", region="ID", country="US"),
    )
    async with hub_for(app) as hub:
        link = await hub.commerce.create_checkout_link(request=request)
    assert link.total == Money(amount=Decimal("58.32"), currency="USD")  # 64.80 less 10%
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as browser:
        landed = (await browser.get(link.url)).json()["cart"]
    assert landed["cart_id"] == link.id and landed["items"][0]["item_id"] == "PH-BARS"
    assert landed["checkout"] == {"custom_field1": "rep-44", "custom_field2": "campaign=spring"}
    assert landed["billing"]["email"] == "new@example.com" and landed["shipping"]["city"] == "Boise"


async def test_checkout_link_with_unknown_product_is_refused(state: EmulatorState, hub_for) -> None:
    request = CheckoutLinkRequest(
        platform="ultracart",
        store="paleohacks",
        email="x@example.com",
        products=(CheckoutProduct(sku="NOPE", quantity=1),),
    )
    async with hub_for(create_app(state)) as hub:
        with pytest.raises(FatalError, match="NOPE"):
            await hub.commerce.create_checkout_link(request=request)


async def test_email_consent_updates_the_list_and_sms_is_refused(state: EmulatorState, hub_for) -> None:
    dana = Ref(platform="ultracart", id="1001", store="paleohacks")
    async with hub_for(create_app(state)) as hub:
        customer = await hub.commerce.update_consent(
            customer=dana, consent=Consent(channel=Channel.EMAIL, opted_in=True)
        )
        assert next(c for c in customer.consents if c.channel is Channel.EMAIL).opted_in
        with pytest.raises(FatalError, match="sms"):
            await hub.commerce.update_consent(
                customer=dana, consent=Consent(channel=Channel.SMS, opted_in=True)
            )
    assert state.email_lists[1001] == {"list-phack-news"}


async def test_unknown_order_is_not_found(state: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(state)) as hub:
        with pytest.raises(NotFoundError):
            await hub.commerce.get_order(ref=Ref(platform="ultracart", id="PHACK-404", store="paleohacks")
            )


async def test_bad_key_is_refused_with_ultracart_error(state: EmulatorState, hub_for) -> None:
    stores = stores_config(paleohacks={"simple_key": "wrong"})
    async with hub_for(create_app(state), stores=stores) as hub:
        with pytest.raises(AuthError, match="Permission Denied"):
            await hub.commerce.get_order(ref=ORDER)


async def test_emulator_refuses_what_ultracart_refuses(state: EmulatorState) -> None:
    app = create_app(state)
    headers = {"x-ultracart-simple-key": "key-phack", "X-UltraCart-Api-Version": "2017-03-01"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://secure.ultracart.com/rest/v2/"
    ) as raw:
        too_big = await raw.get("order/orders", params={"_limit": 201}, headers=headers)
        no_key = await raw.get("order/orders")
        sparse = await raw.get(f"order/orders/{ORDER.id}", headers=headers)
        bad_json = await raw.put(f"order/orders/{ORDER.id}/refund", content=b"{", headers=headers)
    assert too_big.status_code == 400 and too_big.json()["success"] is False
    assert no_key.status_code == 401 and "UC-REST-ERROR" in no_key.headers
    assert no_key.json()["error"]["developer_message"].startswith("Permission Denied")
    assert (
        set(sparse.json()["order"]) >= {"order_id", "current_stage"}
        and "summary" not in sparse.json()["order"]
    )
    assert bad_json.status_code == 400


async def test_pagination_over_a_thousand_orders(hub_for) -> None:
    state = EmulatorState()
    add_merchant(state, "PHACK", "key-phack", brand="PaleoHacks")
    add_item(state, "PHACK", "PH-BARS", "Bars", "1.10")
    oid = add_customer(state, "PHACK", "bulk@example.com", oid=1)
    for n in range(1050):
        add_order(
            state,
            "PHACK",
            oid,
            [("PH-BARS", 1)],
            created="2024-01-01T00:00:00+00:00",
            order_id=f"PHACK-{n:010d}",
            shipping_cost="0",
            tax_rate="0",
        )
    async with hub_for(create_app(state)) as hub:
        customer = Ref(platform="ultracart", id="1", store="paleohacks")
        orders = await gathered(hub.commerce.list_orders(customer=customer))
    assert len({o.id for o in orders}) == 1050
    assert sum(o.total.amount for o in orders) == Decimal("1155.00")
    pages = [r for r in state.requests if r == ("POST", "/rest/v2/order/orders/query")]
    assert len(pages) == 6  # 200 per page


async def test_rate_limited_run_finishes_without_refusals(state: EmulatorState, hub_for) -> None:
    app = create_app(state, rate_limit=(30, 1.0))
    async with hub_for(app, requests_per_window=30, window_seconds=1.0) as hub:
        for _ in range(35):  # one key, more than one 30-request window
            await hub.commerce.get_order(ref=ORDER)
        customers = await hub.commerce.find_customers(email="dana@example.com", phone="+15125550134"
        )
    assert len(customers) == 2
    assert state.refused() == 0
    assert len(state.requests) > 35


async def test_injected_server_errors_are_retried(state: EmulatorState, hub_for) -> None:
    faults = Faults(schedule=[500, 429, None])
    async with hub_for(create_app(state, faults=faults)) as hub:
        order = await hub.commerce.get_order(ref=ORDER)
    assert order.id == ORDER.id and faults.injected == 2


async def test_refund_is_not_retried_blindly_on_server_error(state: EmulatorState, hub_for) -> None:
    app = create_app(state)
    async with hub_for(app) as hub:
        # GET order, GET refundable succeed; the refund PUT fails once.
        app.state.faults.schedule.extend([None, None, 500])
        with pytest.raises(RetriableError, match="500"):
            await hub.commerce.refund_order(request=refund_request("once", "5.00"))
        refund = await hub.commerce.refund_order(request=refund_request("once", "5.00"))
    assert refund.amount.amount == Decimal("5.00") and len(state.refunds) == 1


async def test_seed_builder_serves_every_brand(hub_for) -> None:
    state = build_seed(seed=3, customers_per_brand=4)
    stores = store_settings(state)
    assert len(stores) == 7 and stores["phack"]["simple_key"] == sandbox_key("PHACK")
    assert any(o["current_stage"] == "Completed Order" for o in state.orders.values())
    assert any(o["current_stage"] != "Completed Order" for o in state.orders.values())
    async with hub_for(create_app(state), stores=stores) as hub:
        shared = await hub.commerce.find_customers(email="casey.shared@example.com", phone=None)
        assert len({c.brand for c in shared}) == 2
        for customer in shared:
            orders = await gathered(hub.commerce.list_orders(customer=customer.ref))
            assert orders and all(o.brand == customer.brand for o in orders)
    assert build_seed(seed=3, customers_per_brand=4).orders.keys() == state.orders.keys()


async def test_vendor_webhook_event_leads_to_the_full_order(hub_for) -> None:
    """The vendor's order_create example: event -> ref in the DEMO store -> expanded order."""
    from pathlib import Path

    state = EmulatorState()
    add_merchant(state, "DEMO", "key-demo", brand="PaleoHacks")
    add_item(state, "DEMO", "BONE", "Bone", "4.50")
    oid = add_customer(state, "DEMO", "demo@example.com")
    add_order(
        state,
        "DEMO",
        oid,
        [("BONE", 2)],
        order_id="DEMO-0009104420",
        created="2021-05-18T12:10:19-04:00",
        stage="Accounts Receivable",
    )
    stores = {"demo": {"brand": "PaleoHacks", "merchant_id": "DEMO", "simple_key": "key-demo"}}
    raw = (Path(__file__).parents[2] / "fixtures/examples/ultracart/webhook_order_create.json").read_bytes()
    async with hub_for(create_app(state), stores=stores) as hub:
        plugin = hub.pm.get_plugin("ultracart")
        (event,) = plugin.webhook_events(raw)
        order = await hub.commerce.get_order(ref=event.ref)
    assert event.ref == Ref(platform="ultracart", id="DEMO-0009104420", store="demo")
    assert order.total.amount == Decimal("15.67") and order.brand == "PaleoHacks"  # 9.00 + 0.72 tax + 5.95


async def test_sandbox_hook_seeds_from_the_shared_world(hub_for) -> None:
    from hub.core.plugin import Kind
    from hub.sandbox.world import build_world

    world = build_world(["shopify", "ultracart"], seed=5, per_brand=6)
    from hub.core.manager import get_plugin_manager

    pm = get_plugin_manager(only=["ultracart"])
    (sandbox,) = [app for app in pm.hook.hub_sandbox(world=world, kind=Kind.COMMERCE) if app]
    assert pm.hook.hub_sandbox(world=world, kind=Kind.HELPDESK) == []  # None answers are dropped
    people = world.people_on("ultracart")
    assert world.orders and all(o.platform == "ultracart" for o in world.orders)
    assert any(o.shipped for o in world.orders) and any(not o.shipped for o in world.orders)
    assert world.subscriptions
    async with hub_for(sandbox.app, stores=sandbox.settings["stores"]) as hub:
        found = await hub.commerce.find_customers(email=people[0].email, phone=None)
    assert [c.brand for c in found] == [people[0].brand] and found[0].store == people[0].store
