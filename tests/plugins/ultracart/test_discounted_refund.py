"""A refund of line items on a discounted UltraCart order pays what the customer paid for them.

Lines were priced at the item's ``cost``, its list price: a line-level discount (the item's
``discount``, already out of ``total_cost_with_discount``) made a ticket for the line ask more
than the plugin would pay, and an order-level coupon (``summary.subtotal_discount``, not on the
items) was paid back with the line: one of three units of a 12.00 line bought with a 10% coupon
refunded 12.00 where the customer had paid 10.80.

The order here: GRANOLA 19.99 less 1.99 on the line, 3 x JERKY at 12.00, BAR 7.49; subtotal
61.49, WELCOME10 takes 6.15 off it (which does not divide evenly over the lines: the shares
are 1.80, 3.60 and 0.75 with the last cent on the last line), tax 4.43, shipping 5.95, total
65.72. What was paid for the items is 65.72 - 4.43 - 5.95 = 55.34: GRANOLA 16.20, JERKY 32.40
(10.80 a unit), BAR 6.74.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.core.errors import FatalError
from hub.core.models import Money, Ref, RefundLine, RefundReason, RefundRequest
from hub.flows.tickets import TicketProblem
from plugins.ultracart.emulator import EmulatorState, add_item, add_order, create_app
from plugins.ultracart.operations import plan_refund
from tests.plugins.refund_tickets import refund_request, refund_ticket

ORDER = Ref(platform="ultracart", id="PHACK-0000000099", store="paleohacks")


@pytest.fixture
def discounted(state: EmulatorState) -> EmulatorState:
    add_item(state, "PHACK", "PH-GRANOLA", "Paleo Granola", "19.99")
    add_item(state, "PHACK", "PH-JERKY", "Grass-fed Jerky", "12.00")
    add_item(state, "PHACK", "PH-BAR", "Paleo Bar", "7.49")
    add_order(
        state,
        "PHACK",
        1001,
        [("PH-GRANOLA", 1), ("PH-JERKY", 3), ("PH-BAR", 1)],
        order_id=ORDER.id,
        coupon="WELCOME10",
        line_discounts={"PH-GRANOLA": "1.99"},
    )
    return state


def paid(state: EmulatorState) -> list[Decimal]:
    return [refund["amount"] for refund in state.refunds_for(ORDER.id)]


async def test_lines_are_priced_at_what_was_paid_and_add_up_to_it(discounted: EmulatorState, hub_for) -> None:
    summary = discounted.orders[ORDER.id]["summary"]
    assert summary["subtotal_discount"]["value"] == Decimal("6.15")
    assert summary["total"]["value"] == Decimal("65.72")
    async with hub_for(create_app(discounted)) as hub:
        order = await hub.commerce.get_order(ref=ORDER)
    prices = {line.sku: line.price.amount for line in order.line_items}
    assert prices == {"PH-GRANOLA": Decimal("16.20"), "PH-JERKY": Decimal("10.80"), "PH-BAR": Decimal("6.74")}
    items = sum((line.total.amount for line in order.line_items), Decimal(0))
    assert items == Decimal("65.72") - Decimal("4.43") - Decimal("5.95")


async def test_one_unit_of_a_line_refunds_its_share_of_the_coupon(discounted: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(discounted)) as hub:
        order = await hub.commerce.get_order(ref=ORDER)
        sent = refund_request(order, "jerky-1", ("PH-JERKY", 1))
        assert sent.amount == Money(amount=Decimal("10.80"), currency="USD")  # not the list 12.00
        refund = await hub.commerce.refund_order(request=sent)
    assert refund.amount.amount == Decimal("10.80")
    assert paid(discounted) == [Decimal("10.80")]
    item = discounted.orders[ORDER.id]["items"][1]
    assert item["quantity_refunded"] == 1 and item["total_refunded"]["value"] == Decimal("10.80")


async def test_a_line_discounted_on_the_line_refunds_what_was_paid(
    discounted: EmulatorState, hub_for
) -> None:
    async with hub_for(create_app(discounted)) as hub:
        order = await hub.commerce.get_order(ref=ORDER)
        refund = await hub.commerce.refund_order(request=refund_request(order, "granola", ("PH-GRANOLA", 1)))
    assert refund.amount.amount == Decimal("16.20")  # not 19.99, nor the line's 18.00
    assert paid(discounted) == [Decimal("16.20")]


async def test_lines_without_an_amount_are_paid_at_what_was_paid(discounted: EmulatorState, hub_for) -> None:
    lines = (RefundLine(line_item_id="2", quantity=2), RefundLine(line_item_id="3", quantity=1))
    async with hub_for(create_app(discounted)) as hub:
        refund = await hub.commerce.refund_order(
            request=RefundRequest(order=ORDER, lines=lines, reason=RefundReason.DAMAGED, idempotency_key="k")
        )
    assert refund.amount.amount == Decimal("21.60") + Decimal("6.74")
    assert paid(discounted) == [Decimal("28.34")]


async def test_more_than_a_line_is_worth_is_refused(discounted: EmulatorState, hub_for) -> None:
    async with hub_for(create_app(discounted)) as hub:
        order = await hub.commerce.get_order(ref=ORDER)
        with pytest.raises(TicketProblem, match=r"more than the line items are worth \(10\.80\)"):
            refund_ticket(ORDER.id, ("PH-JERKY", 1), amount="12.00").for_order(order)
        asked = RefundRequest(
            order=ORDER,
            amount=Money(amount=Decimal("12.00"), currency="USD"),
            lines=(RefundLine(line_item_id="2", quantity=1),),
            reason=RefundReason.DAMAGED,
            idempotency_key="too-much",
        )
        with pytest.raises(FatalError, match="more than the lines are worth"):
            await hub.commerce.refund_order(request=asked)
        await hub.commerce.refund_order(request=refund_request(order, "all-jerky", ("PH-JERKY", 3)))
        with pytest.raises(FatalError, match=r"exceed the 3(\.0)? bought"):
            await hub.commerce.refund_order(request=refund_request(order, "one-more", ("PH-JERKY", 1)))
    assert paid(discounted) == [Decimal("32.40")]


def test_a_line_named_more_than_once_is_planned_at_no_more_than_what_was_paid_for_it(
    discounted: EmulatorState,
) -> None:
    """A request naming the 3 x JERKY line once per unit was planned at 10.80 + 10.80 and then,
    for the "last" unit, all that was left of the line (32.40): 54.00 for a line that cost 32.40,
    since the line's refunded amount is raised only after every line is priced. (The emulator
    refuses such a body; whether UltraCart does is not documented.)"""
    one = RefundLine(line_item_id="2", quantity=1)
    asked = RefundRequest(order=ORDER, lines=(one,) * 3, reason=RefundReason.DAMAGED, idempotency_key="k")
    plan = plan_refund(discounted.orders[ORDER.id], asked, "USD")
    assert plan.amount == Decimal("32.40")
    assert plan.body["items"][1]["total_refunded"]["value"] == Decimal("32.40")
