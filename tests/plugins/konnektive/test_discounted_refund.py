"""A refund of line items on a discounted Konnektive order pays what the customer paid for them.

Konnektive's refund takes an amount only (``/order/refund/`` ``refundAmount``): the hub prices
the lines. They were priced at each item's ``price``, and an order bought with a coupon keeps
its items at their prices; only ``totalAmount`` is lower. One of three units of a 12.00 line
bought with 6.15 off the order refunded 12.00 where the customer had paid 10.80.

The order here: GRANOLA 18.00, 3 x JERKY at 12.00, BAR 7.49 (61.49), 6.15 off (which does not
divide evenly over the lines: the shares are 1.80, 3.60 and 0.75 with the last cent on the
last line), shipping 5.95, total 61.29. What was paid for the items is 61.29 - 5.95 = 55.34:
GRANOLA 16.20, JERKY 32.40 (10.80 a unit), BAR 6.74.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hub.core.errors import FatalError
from hub.core.models import Money, Ref, RefundLine, RefundReason, RefundRequest
from hub.flows.tickets import TicketProblem
from tests.plugins.refund_tickets import refund_request, refund_ticket

from .conftest import World


@pytest.fixture
def order_id(world: World) -> str:
    granola = world.emu.add_product("PaleoHacks", "Paleo Granola", "PH-GRANOLA", "18.00")
    jerky = world.emu.add_product("PaleoHacks", "Grass-fed Jerky", "PH-JERKY", "12.00")
    bar = world.emu.add_product("PaleoHacks", "Paleo Bar", "PH-BAR", "7.49")
    order = world.emu.add_order(
        world.jane["customerId"],
        [(granola, 1), (jerky, 3), (bar, 1)],
        created=datetime(2025, 3, 7, 9, 0),
        shipping="5.95",
        discount="6.15",
        coupon_code="WELCOME10",
    )
    assert order["totalAmount"] == "61.29"
    return str(order["orderId"])


def ref(order_id: str) -> Ref:
    return Ref(platform="konnektive", id=order_id, store="paleohacks")


def paid(world: World) -> list[str]:
    return [refund["amount"] for refund in world.emu.refunds_paid]


async def test_lines_are_priced_at_what_was_paid_and_add_up_to_it(
    world: World, order_id: str, make_hub
) -> None:
    async with make_hub(world.stores(), world.transport) as hub:
        order = await hub.commerce.get_order(ref=ref(order_id))
    prices = {line.sku: line.price.amount for line in order.line_items}
    assert prices == {"PH-GRANOLA": Decimal("16.20"), "PH-JERKY": Decimal("10.80"), "PH-BAR": Decimal("6.74")}
    items = sum((line.total.amount for line in order.line_items), Decimal(0))
    assert items == Decimal("61.29") - Decimal("5.95")


async def test_one_unit_of_a_line_refunds_its_share_of_the_discount(
    world: World, order_id: str, make_hub
) -> None:
    async with make_hub(world.stores(), world.transport) as hub:
        order = await hub.commerce.get_order(ref=ref(order_id))
        sent = refund_request(order, "jerky-1", ("PH-JERKY", 1), order_id=order.number)
        assert sent.amount == Money(amount=Decimal("10.80"), currency="USD")  # not the list 12.00
        refund = await hub.commerce.refund_order(request=sent)
    assert refund.amount.amount == Decimal("10.80")
    assert paid(world) == ["10.80"]
    intents = [e["message"] for e in world.emu.history if "[hub refund intent]" in e["message"]]
    assert len(intents) == 1 and "amount=10.80" in intents[0]


async def test_lines_without_an_amount_are_paid_at_what_was_paid(
    world: World, order_id: str, make_hub
) -> None:
    async with make_hub(world.stores(), world.transport) as hub:
        order = await hub.commerce.get_order(ref=ref(order_id))
        lines = tuple(
            RefundLine(line_item_id=line.id or "", quantity=line.quantity)
            for line in order.line_items
            if line.sku in ("PH-GRANOLA", "PH-BAR")
        )
        asked = RefundRequest(order=order.ref, lines=lines, reason=RefundReason.DAMAGED, idempotency_key="k")
        refund = await hub.commerce.refund_order(request=asked)
    assert refund.amount.amount == Decimal("16.20") + Decimal("6.74")
    assert paid(world) == ["22.94"]


async def test_more_than_a_line_is_worth_or_the_balance_is_refused(
    world: World, order_id: str, make_hub
) -> None:
    async with make_hub(world.stores(), world.transport) as hub:
        order = await hub.commerce.get_order(ref=ref(order_id))
        with pytest.raises(TicketProblem, match=r"more than the line items are worth \(10\.80\)"):
            refund_ticket(order.number, ("PH-JERKY", 1), amount="12.00").for_order(order)
        everything_but_a_bar = RefundRequest(
            order=order.ref,
            amount=Money(amount=Decimal("61.29") - Decimal("6.74") + Decimal("0.01"), currency="USD"),
            reason=RefundReason.DAMAGED,
            idempotency_key="most",
        )
        await hub.commerce.refund_order(request=everything_but_a_bar)
        with pytest.raises(FatalError, match="refundable balance"):
            bar = refund_request(order, "bar", ("PH-BAR", 1), order_id=order.number)
            await hub.commerce.refund_order(request=bar)
    assert paid(world) == ["54.56"]
