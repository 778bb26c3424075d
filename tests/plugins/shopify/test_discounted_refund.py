"""A refund of line items on a discounted Shopify order pays what the customer paid for them.

Lines were priced at ``originalUnitPriceSet``, the list price before any discount: a ticket
refunding one unit of a line bought with a 20% code paid back 19.95 where the customer had paid
15.96 (the refundable balance was the only cap). Lines are now priced at Shopify's unit price
after all discounts, never above the list price.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from hub.core.models import CheckoutLinkRequest, CheckoutProduct, Ref, RefundReason, RefundRequest
from hub.flows.ticket_requests import RefundTicket
from hub.flows.tickets import SkuQuantity
from plugins.shopify.emulator import create_app

from .conftest import World, running_hub

COMPLETE = "mutation C($id: ID!) { draftOrderComplete(id: $id) { draftOrder { order { id } } } }"


async def discounted_order(world: World, app: object) -> str:
    """An order of 2 x PH-CEREAL (14.99) bought with WELCOME10 (10% off), made through a checkout."""
    async with running_hub(app) as hub:
        link = await hub.commerce.create_checkout_link(
            request=CheckoutLinkRequest(
                platform="shopify",
                store="paleohacks",
                email="jane@example.com",
                products=(CheckoutProduct(sku="PH-CEREAL", quantity=2),),
                discount_code="WELCOME10",
            )
        )
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://emulator.test") as client:
        answer = await client.post(
            "/admin/api/2026-01/graphql.json",
            json={"query": COMPLETE, "variables": {"id": link.id}},
            headers={"X-Shopify-Access-Token": "tok-paleo"},
        )
    order_id: str = answer.json()["data"]["draftOrderComplete"]["draftOrder"]["order"]["id"]
    return order_id


async def test_refunding_a_discounted_line_pays_the_discounted_price(world: World) -> None:
    app = create_app(world.state)
    order_id = await discounted_order(world, app)
    async with running_hub(app) as hub:
        order = await hub.commerce.get_order(ref=Ref(platform="shopify", id=order_id, store="paleohacks"))
        assert order.total.amount == Decimal("26.98")  # 29.98 less 10%
        assert order.line_items[0].price.amount == Decimal("13.49")  # not the list price 14.99

        ticket = RefundTicket.model_validate(
            {
                "order_id": order.number,
                "refund_reason": "damaged",
                "admin_reason": "Arrived broken",
                "disposition": "keep",
                "line_items": (SkuQuantity("PH-CEREAL", 1),),
            }
        )
        plan = ticket.for_order(order)
        assert plan.amount.amount == Decimal("13.49")

        refund = await hub.commerce.refund_order(
            request=RefundRequest(
                order=order.ref,
                lines=plan.lines,
                reason=RefundReason.DAMAGED,
                idempotency_key="discounted-line",
            )
        )
        assert refund.amount.amount == Decimal("13.49")
