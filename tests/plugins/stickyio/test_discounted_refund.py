"""A refund of line items on a discounted Sticky.io order pays what the customer paid for them.

Sticky.io's ``order_refund`` takes an amount only: the hub prices the lines. They were priced at
each product's ``price``, and an order bought with a coupon keeps its products at their prices
(the coupon is ``coupon_discount_amount``, out of ``order_total``). One of three units of a
12.00 product bought with 6.15 off the order refunded 12.00 where the customer had paid 10.80.

The order here: GRANOLA 18.00, 3 x JERKY at 12.00, BAR 7.49 (61.49), 6.15 off (which does not
divide evenly over the lines: the shares are 1.80, 3.60 and 0.75 with the last cent on the
last line), shipping 5.95, total 61.29. What was paid for the products is 61.29 - 5.95 = 55.34:
GRANOLA 16.20, JERKY 32.40 (10.80 a unit), BAR 6.74.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from hub.core.errors import FatalError
from hub.core.models import Money, Ref, RefundLine, RefundReason, RefundRequest
from hub.flows.tickets import TicketProblem
from plugins.stickyio.emulator import Instance, add_order, add_product
from tests.plugins.refund_tickets import refund_request, refund_ticket

from .conftest import NOW

ORDER = Ref(platform="stickyio", id="20099", store="paleohacks")


@pytest.fixture
def discounted(instances: dict[str, Instance]) -> dict[str, Instance]:
    paleo = instances["paleohacks"]
    add_product(paleo, "11", "PH-GRANOLA", "Paleo Granola", "18.00")
    add_product(paleo, "12", "PH-JERKY", "Grass-fed Jerky", "12.00")
    add_product(paleo, "13", "PH-BAR", "Paleo Bar", "7.49")
    order = add_order(
        paleo,
        "501",
        [("11", 1), ("12", 3), ("13", 1)],
        order_id=ORDER.id,
        created=NOW - timedelta(days=3),
        shipping="5.95",
        discount="6.15",
    )
    assert order["order_total"] == "61.29"
    return instances


def paid(instances: dict[str, Instance]) -> list[str]:
    return [refund["amount"] for refund in instances["paleohacks"].refunds if refund["order_id"] == ORDER.id]


async def test_lines_are_priced_at_what_was_paid_and_add_up_to_it(discounted, emulator_hub) -> None:
    async with emulator_hub(discounted) as (hub, _):
        order = await hub.commerce.get_order(ref=ORDER)
    prices = {line.sku: line.price.amount for line in order.line_items}
    assert prices == {"PH-GRANOLA": Decimal("16.20"), "PH-JERKY": Decimal("10.80"), "PH-BAR": Decimal("6.74")}
    items = sum((line.total.amount for line in order.line_items), Decimal(0))
    assert items == Decimal("61.29") - Decimal("5.95")


async def test_one_unit_of_a_line_refunds_its_share_of_the_coupon(discounted, emulator_hub) -> None:
    async with emulator_hub(discounted) as (hub, _):
        order = await hub.commerce.get_order(ref=ORDER)
        sent = refund_request(order, "jerky-1", ("PH-JERKY", 1))
        assert sent.amount == Money(amount=Decimal("10.80"), currency="USD")  # not the list 12.00
        refund = await hub.commerce.refund_order(request=sent)
    assert refund.amount.amount == Decimal("10.80")
    assert paid(discounted) == ["10.80"]
    notes = discounted["paleohacks"].orders[ORDER.id]["employeeNotes"]
    assert any("[hub-refund key=jerky-1 amount=10.80" in str(note) for note in notes)


async def test_lines_without_an_amount_are_paid_at_what_was_paid(discounted, emulator_hub) -> None:
    lines = (RefundLine(line_item_id="11", quantity=1), RefundLine(line_item_id="12", quantity=2))
    async with emulator_hub(discounted) as (hub, _):
        asked = RefundRequest(order=ORDER, lines=lines, reason=RefundReason.DAMAGED, idempotency_key="k")
        refund = await hub.commerce.refund_order(request=asked)
    assert refund.amount.amount == Decimal("16.20") + Decimal("21.60")
    assert paid(discounted) == ["37.80"]


async def test_more_than_a_line_is_worth_or_the_balance_is_refused(discounted, emulator_hub) -> None:
    async with emulator_hub(discounted) as (hub, _):
        order = await hub.commerce.get_order(ref=ORDER)
        with pytest.raises(TicketProblem, match=r"more than the line items are worth \(10\.80\)"):
            refund_ticket(ORDER.id, ("PH-JERKY", 1), amount="12.00").for_order(order)
        most = Money(amount=Decimal("61.29") - Decimal("6.74") + Decimal("0.01"), currency="USD")
        asked = RefundRequest(order=ORDER, amount=most, reason=RefundReason.DAMAGED, idempotency_key="most")
        await hub.commerce.refund_order(request=asked)
        with pytest.raises(FatalError, match="refundable balance"):
            await hub.commerce.refund_order(request=refund_request(order, "bar", ("PH-BAR", 1)))
    assert paid(discounted) == ["54.56"]
