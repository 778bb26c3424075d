"""End to end: the plugin driven through the Hub against the emulator, asserting on its state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from hub.core.errors import FatalError, NotFoundError
from hub.core.facade import gathered
from hub.core.manager import Hub
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
from plugins.shopify.emulator import create_app
from plugins.shopify.mapping import checkout_link_from_rest

from .conftest import T0, World, build_world, running_hub

NEW_ADDRESS = Address(
    name="Jane Q Doe",
    line1="22 Elm St",
    line2="Apt 4",
    city="Boise",
    region="ID",
    postal_code="83702",
    country="US",
    phone="+12085550123",
)


def order_ref(record: dict, store: str = "paleohacks") -> Ref:
    return Ref(platform="shopify", id=record["id"], store=store)


def refund_request(order: dict, key: str, amount: str | None = "10.00", **extra) -> RefundRequest:
    money = Money(amount=Decimal(amount), currency="USD") if amount else None
    return RefundRequest(
        order=order_ref(order),
        amount=money,
        reason=RefundReason.DAMAGED,
        note="box crushed",
        idempotency_key=key,
        **extra,
    )


async def test_lookup_to_orders_to_refund(hub: Hub, world: World) -> None:
    customers = await hub.commerce.find_customers(email="JANE@example.com", phone=None)
    assert {(c.store, c.brand) for c in customers} == {
        ("paleohacks", "PaleoHacks"),
        ("mesa_cookware", "Mesa Cookware"),
    }
    jane = next(c for c in customers if c.store == "paleohacks")
    assert jane.phone == "+15125550100"
    assert jane.lifetime_revenue == Money(amount=Decimal("89.96"), currency="USD")
    assert jane.order_count == 2

    orders = await gathered(hub.commerce.list_orders(customer=jane.ref))
    assert [o.number for o in orders] == ["#1002", "#1001"]  # newest first
    shipped, unshipped = orders
    assert shipped.is_subscription and shipped.fulfillment_status == FulfillmentStatus.FULFILLED
    assert shipped.tracking_numbers == ("9400111899223344556677",)
    assert shipped.shipped_at is not None and unshipped.shipped_at is None
    assert unshipped.total.amount == Decimal("59.97")

    refund = await hub.commerce.refund_order(request=refund_request(world.unshipped, "ledger-1"))
    assert refund.amount == Money(amount=Decimal("10.00"), currency="USD")
    assert refund.reason == "damaged"
    after = await hub.commerce.get_order(ref=order_ref(world.unshipped))
    assert after.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert after.refundable.amount == Decimal("49.97")
    assert world.unshipped["_refunds"][0]["_amount"] == Decimal("10.00")


async def test_same_refund_asked_twice_refunds_once(hub: Hub, world: World) -> None:
    first = await hub.commerce.refund_order(request=refund_request(world.unshipped, "ledger-2"))
    second = await hub.commerce.refund_order(request=refund_request(world.unshipped, "ledger-2"))
    assert first == second
    assert len(world.unshipped["_refunds"]) == 1
    refunds = [t for t in world.unshipped["_transactions"] if t["kind"] == "REFUND"]
    assert [t["_amount"] for t in refunds] == [Decimal("10.00")]


async def test_idempotent_directive_deduplicates_on_the_platform(world: World) -> None:
    """Even a client that never read the refunds first is deduplicated by @idempotent(key:)."""
    from hub.core.http import Unlimited
    from plugins.shopify.client import ShopifyClient
    from plugins.shopify.queries import REFUND_CREATE_IDEMPOTENT

    sale = world.unshipped["_transactions"][0]
    variables = {
        "key": "6f1c1d0e-5b5e-4f43-9a0c-3f1f3c7e2a12",
        "input": {
            "orderId": world.unshipped["id"],
            "note": "n",
            "transactions": [
                {
                    "orderId": world.unshipped["id"],
                    "parentId": sale["id"],
                    "amount": "5.00",
                    "gateway": "shopify_payments",
                    "kind": "REFUND",
                }
            ],
        },
    }
    client = ShopifyClient(
        base_url="https://emulator.test",
        api_version="2026-01",
        access_token="tok-paleo",
        limiter=Unlimited(),
        transport=httpx.ASGITransport(app=create_app(world.state)),
    )
    async with client:
        one = await client.graphql(REFUND_CREATE_IDEMPOTENT, variables, idempotent=True)
        two = await client.graphql(REFUND_CREATE_IDEMPOTENT, variables, idempotent=True)
    assert one == two and len(world.unshipped["_refunds"]) == 1


async def test_refund_on_version_without_idempotent_directive_uses_the_note(world: World) -> None:
    async with running_hub(create_app(world.state), api_version="2025-10") as hub:
        first = await hub.commerce.refund_order(request=refund_request(world.unshipped, "ledger-3"))
        again = await hub.commerce.refund_order(request=refund_request(world.unshipped, "ledger-3"))
    assert first.id == again.id and "[hub-key:ledger-3]" in (first.note or "")
    assert len(world.unshipped["_refunds"]) == 1
    assert world.paleo.idempotency == {}


async def test_full_refund_then_nothing_left(hub: Hub, world: World) -> None:
    refund = await hub.commerce.refund_order(request=refund_request(world.unshipped, "k-full", None))
    assert refund.amount.amount == Decimal("59.97")
    with pytest.raises(FatalError, match="nothing left to refund"):
        await hub.commerce.refund_order(request=refund_request(world.unshipped, "k-more"))


async def test_refund_above_refundable_is_refused(hub: Hub, world: World) -> None:
    with pytest.raises(FatalError, match="above the refundable balance") as caught:
        await hub.commerce.refund_order(request=refund_request(world.unshipped, "k-big", "60.00"))
    assert caught.value.field == "amount"
    assert world.unshipped["_refunds"] == []


async def test_refund_of_lines_restocks_and_pays_their_price(hub: Hub, world: World) -> None:
    line = world.unshipped["_lines"][0]
    request = refund_request(
        world.unshipped,
        "k-lines",
        None,
        lines=(RefundLine(line_item_id=line["id"], quantity=1),),
        disposition="return_to_stock",
    )
    refund = await hub.commerce.refund_order(request=request)
    assert refund.amount.amount == Decimal("14.99")
    assert line["_refunded"] == 1 and line["_restocked"] == 1


async def test_address_change_before_shipment(hub: Hub, world: World) -> None:
    order = await hub.commerce.change_shipping_address(ref=order_ref(world.unshipped), address=NEW_ADDRESS
    )
    assert order.shipping_address is not None and order.shipping_address.line1 == "22 Elm St"
    stored = world.unshipped["shippingAddress"]
    assert (stored["firstName"], stored["lastName"], stored["zip"], stored["countryCodeV2"]) == (
        "Jane Q",
        "Doe",
        "83702",
        "US",
    )


async def test_address_change_refused_after_shipment(hub: Hub, world: World) -> None:
    before = dict(world.shipped["shippingAddress"])
    with pytest.raises(FatalError, match="already shipped") as caught:
        await hub.commerce.change_shipping_address(ref=order_ref(world.shipped), address=NEW_ADDRESS)
    assert caught.value.code == "already_fulfilled"
    assert world.shipped["shippingAddress"] == before


async def test_order_by_number_and_unknown_order(hub: Hub, world: World) -> None:
    order = await hub.commerce.get_order(ref=Ref(platform="shopify", id="#1002", store="paleohacks"))
    assert order.id == world.shipped["id"]
    with pytest.raises(NotFoundError):
        await hub.commerce.get_order(
            ref=Ref(platform="shopify", id="gid://shopify/Order/9", store="paleohacks")
        )


async def test_replacement_order_is_free_and_made_once(hub: Hub, world: World) -> None:
    line = world.shipped["_lines"][0]
    request = ReplacementRequest(
        order=order_ref(world.shipped),
        reason="arrived melted",
        lines=(RefundLine(line_item_id=line["id"], quantity=1),),
        idempotency_key="rep-1",
    )
    first = await hub.commerce.create_replacement_order(request=request)
    again = await hub.commerce.create_replacement_order(request=request)
    assert first.id == again.id
    assert first.total.amount == Decimal("0.00") and first.line_items[0].sku == "PH-BARS-12"
    assert first.customer_id == world.jane["id"]
    assert len(world.paleo.draft_orders) == 1 and len(world.paleo.orders) == 3
    draft = next(iter(world.paleo.draft_orders.values()))
    assert draft["status"] == "COMPLETED" and "rep-1" in draft["note"]


async def test_replacement_refuses_more_than_ordered(hub: Hub, world: World) -> None:
    line = world.shipped["_lines"][0]
    request = ReplacementRequest(
        order=order_ref(world.shipped),
        reason="x",
        idempotency_key="rep-2",
        lines=(RefundLine(line_item_id=line["id"], quantity=5),),
    )
    with pytest.raises(FatalError, match="cannot replace 5"):
        await hub.commerce.create_replacement_order(request=request)
    assert world.paleo.draft_orders == {}


async def test_checkout_link_resolves_to_the_draft_order(world: World) -> None:
    app = create_app(world.state)
    request = CheckoutLinkRequest(
        platform="shopify",
        store="paleohacks",
        email="jane@example.com",
        shipping_address=NEW_ADDRESS,
        products=(
            CheckoutProduct(sku="PH-CEREAL", quantity=2),
            CheckoutProduct(sku="PH-BARS-12", quantity=1),
        ),
        sales_rep="Ana",
        discount_code="WELCOME10",
        metadata={"campaign": "spring"},
    )
    async with running_hub(app) as hub:
        link = await hub.commerce.create_checkout_link(request=request)
    assert link.total == Money(amount=Decimal("53.97"), currency="USD")  # 59.97 less 10%
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as browser:
        page = await browser.get(link.url)
    assert page.status_code == 200
    draft = page.json()["draft_order"]
    assert checkout_link_from_rest(draft, store="paleohacks") == link
    assert [(li["sku"], li["quantity"]) for li in draft["line_items"]] == [
        ("PH-CEREAL", 2),
        ("PH-BARS-12", 1),
    ]
    assert draft["customer"]["id"] == int(world.jane["legacyResourceId"])
    assert {"name": "sales_rep", "value": "Ana"} in draft["note_attributes"]
    assert {"name": "campaign", "value": "spring"} in draft["note_attributes"]
    assert draft["discount_codes"] == ["WELCOME10"] and draft["shipping_address"]["city"] == "Boise"


async def test_checkout_link_refuses_unknown_sku(hub: Hub, world: World) -> None:
    request = CheckoutLinkRequest(
        platform="shopify",
        store="paleohacks",
        email="x@example.com",
        products=(CheckoutProduct(sku="NOPE", quantity=1),),
    )
    with pytest.raises(FatalError, match="NOPE") as caught:
        await hub.commerce.create_checkout_link(request=request)
    assert caught.value.field == "products.sku" and world.paleo.draft_orders == {}


async def test_unknown_discount_code_is_a_user_error(hub: Hub) -> None:
    request = CheckoutLinkRequest(
        platform="shopify",
        store="paleohacks",
        email="x@example.com",
        discount_code="BOGUS",
        products=(CheckoutProduct(sku="PH-CEREAL", quantity=1),),
    )
    with pytest.raises(FatalError, match="BOGUS") as caught:
        await hub.commerce.create_checkout_link(request=request)
    assert caught.value.field == "discountCodes"


async def test_subscriptions_listed_and_cancelled_once(hub: Hub, world: World) -> None:
    customer = Ref(platform="shopify", id=world.jane["id"], store="paleohacks")
    [subscription] = await hub.commerce.list_subscriptions(customer=customer)
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.sku == "PH-BARS-12"
    assert subscription.price == Money(amount=Decimal("29.99"), currency="USD")
    cancelled = await hub.commerce.cancel_subscription(
        ref=subscription.ref, reason="too much", idempotency_key="c-1"
    )
    again = await hub.commerce.cancel_subscription(
        ref=subscription.ref, reason="too much", idempotency_key="c-1"
    )
    assert cancelled.status == again.status == SubscriptionStatus.CANCELLED
    assert world.contract["status"] == "CANCELLED"


async def test_consent_updates_per_channel(hub: Hub, world: World) -> None:
    customer = Ref(platform="shopify", id=world.jane["id"], store="paleohacks")
    updated = await hub.commerce.update_consent(
        customer=customer, consent=Consent(channel=Channel.SMS, opted_in=True)
    )
    assert {c.channel: c.opted_in for c in updated.consents} == {Channel.EMAIL: True, Channel.SMS: True}
    updated = await hub.commerce.update_consent(
        customer=customer, consent=Consent(channel=Channel.EMAIL, opted_in=False)
    )
    assert world.jane["emailMarketingConsent"]["marketingState"] == "UNSUBSCRIBED"
    with pytest.raises(FatalError, match="phone"):
        await hub.commerce.update_consent(customer=customer,
            consent=Consent(channel=Channel.PHONE, opted_in=True),
        )


async def test_sms_consent_without_phone_is_a_user_error(hub: Hub, world: World) -> None:
    other = next(iter(world.mesa.customers.values()))
    with pytest.raises(FatalError, match="phone") as caught:
        await hub.commerce.update_consent(
            customer=Ref(platform="shopify", id=other["id"], store="mesa_cookware"),
            consent=Consent(channel=Channel.SMS, opted_in=True),
        )
    assert caught.value.field == "input.smsMarketingConsent"


async def test_pagination_over_a_thousand_subscriptions() -> None:
    world = build_world(bucket_size=1_000_000, restore_rate=1_000_000)
    for _ in range(1_049):
        world.paleo.add_subscription(world.jane, "PH-CEREAL")
    customer = Ref(platform="shopify", id=world.jane["id"], store="paleohacks")
    async with running_hub(create_app(world.state), bucket_size=1_000_000, restore_rate=1_000_000) as hub:
        subscriptions = await hub.commerce.list_subscriptions(customer=customer)
    assert len(subscriptions) == 1_050 and len({s.id for s in subscriptions}) == 1_050
    assert world.state.requests == 21  # 50 a page


async def test_orders_paginate_newest_first() -> None:
    world = build_world(bucket_size=1_000_000, restore_rate=1_000_000)
    for day in range(12):
        world.paleo.add_order(world.jane, [("PH-CEREAL", 1)], created_at=T0 + timedelta(days=day, hours=1))
    customer = Ref(platform="shopify", id=world.jane["id"], store="paleohacks")
    async with running_hub(create_app(world.state), bucket_size=1_000_000, restore_rate=1_000_000) as hub:
        orders = await gathered(hub.commerce.list_orders(customer=customer))
    assert len(orders) == 14
    assert [o.created_at for o in orders] == sorted((o.created_at for o in orders), reverse=True)


async def test_rate_limited_run_is_paced_without_throttling() -> None:
    """A small bucket (300 points, 900/s): 16 order reads of 160 points each must wait, not be refused."""
    world = build_world(bucket_size=300, restore_rate=900)
    async with running_hub(create_app(world.state), bucket_size=300, restore_rate=900) as hub:
        for _ in range(16):
            await hub.commerce.get_order(ref=order_ref(world.unshipped))
    assert world.state.throttled == 0 and world.state.requests == 16


async def test_throttled_answers_are_waited_out() -> None:
    """Another worker drained the bucket: THROTTLED, wait (requested-available)/rate, then success."""
    world = build_world(bucket_size=1000, restore_rate=2000)
    async with running_hub(create_app(world.state)) as hub:
        await hub.commerce.get_order(ref=order_ref(world.unshipped))
        assert world.paleo.bucket is not None
        world.paleo.bucket.available = 0  # spent by someone the client cannot see
        order = await hub.commerce.get_order(ref=order_ref(world.unshipped))
    assert order.number == "#1001"
    assert world.state.throttled == 1 and world.state.requests == 3


async def test_bad_token_is_an_auth_error(world: World) -> None:
    from hub.core.errors import AuthError

    app = create_app(world.state)
    world.paleo.token = "rotated"
    async with running_hub(app) as hub:
        with pytest.raises(AuthError, match="Invalid API key"):
            await hub.commerce.get_order(ref=order_ref(world.unshipped))


async def test_unknown_store_is_refused(hub: Hub) -> None:
    with pytest.raises(FatalError, match="unknown Shopify store"):
        await hub.commerce.get_order(ref=Ref(platform="shopify", id="#1001", store="nope"))


async def test_checkout_link_keeps_the_customer_s_name_phone_and_notes(world: World) -> None:
    """The measured case: the name was dropped from the draft order."""
    app = create_app(world.state)
    request = CheckoutLinkRequest(
        platform="shopify",
        store="paleohacks",
        email="nia.cole@example.com",
        first_name="Nia",
        last_name="Cole",
        phone="+15125550199",
        shipping_address=NEW_ADDRESS.model_copy(update={"name": None}),
        products=(CheckoutProduct(sku="PH-CEREAL", quantity=1),),
        sales_rep="Ana",
        notes="Ships before the holidays",
    )
    async with running_hub(app) as hub:
        link = await hub.commerce.create_checkout_link(request=request)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as browser:
        draft = (await browser.get(link.url)).json()["draft_order"]
    assert (draft["customer"]["first_name"], draft["customer"]["last_name"]) == ("Nia", "Cole")
    assert draft["customer"]["email"] == "nia.cole@example.com"
    shipping = draft["shipping_address"]
    assert (shipping["first_name"], shipping["last_name"]) == ("Nia", "Cole")
    stored = world.paleo.draft_orders[link.id]
    assert stored["phone"] == "+15125550199"
    assert stored["note"] == "Sales rep: Ana\nShips before the holidays"
    created = [c for c in world.paleo.customers.values() if c["email"] == "nia.cole@example.com"]
    assert len(created) == 1 and created[0]["displayName"] == "Nia Cole"


async def test_checkout_link_for_a_known_customer_changes_no_customer(world: World) -> None:
    app = create_app(world.state)
    before = {cid: dict(c) for cid, c in world.paleo.customers.items()}
    request = CheckoutLinkRequest(
        platform="shopify",
        store="paleohacks",
        email="jane@example.com",
        first_name="Janet",
        products=(CheckoutProduct(sku="PH-CEREAL", quantity=1),),
    )
    async with running_hub(app) as hub:
        link = await hub.commerce.create_checkout_link(request=request)
    assert world.paleo.draft_orders[link.id]["_customer"] == world.jane["id"]
    assert world.paleo.customers == before
