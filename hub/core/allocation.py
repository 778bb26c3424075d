"""What the customer paid for each line of an order, when a discount is reported for the order.

A refund of line items is worth what the customer paid for them. Some platforms report a
discount only for the whole order (a coupon on the subtotal), or report nothing but a total below
what the lines add up to, and leave each line at its list price: a refund of "line X" at that
price pays the discount back. These functions give each line its share, in exact minor units
(``Decimal``, never float), by the rule the plugins use when their platform does not say how a
discount falls on its lines. It is the conservative rule: together the lines are never worth
more than was paid for them.

1. The discount is shared in proportion to each line's total before it (``spread``).
2. Each share is rounded *down* to the currency's minor unit; the units left over go to the
   last line (to the ones before it only if the last line is worth less than its share), so
   the shares add up to the discount exactly and no line is worth less than nothing.
3. A line's unit price is its total after its share divided by its quantity, rounded *down*
   (``unit_price``): a refund of some of its units never pays more than their part of the
   line, and a refund of every unit of a line whose total does not divide by its quantity
   pays up to ``quantity - 1`` minor units less (an amount ticket can pay the exact figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

from hub.core.amounts import minor_units


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``0.01`` for USD, ``1`` for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def spread(amount: Decimal, weights: Sequence[Decimal], currency: str) -> tuple[Decimal, ...]:
    """``amount`` shared over ``weights`` in proportion, in ``currency``'s minor units.

    ``weights``: each line's total before the discount (negative ones count as 0). Returns one
    share per weight, each between 0 and its weight, adding up to ``amount`` exactly; an
    ``amount`` above the weights' sum is capped at it (no line is worth less than 0), one of 0
    or below gives zeros. Shares are rounded down and the remainder goes to the last line (then
    to the line before it, when the last one cannot take it all).
    """
    unit = minor_unit(currency)
    room = [max(w, Decimal(0)) for w in weights]
    whole = sum(room, Decimal(0))
    amount = min(amount, whole)
    if amount <= 0 or whole <= 0:
        return tuple(Decimal(0) for _ in weights)
    shares = [(amount * w / whole).quantize(unit, rounding=ROUND_FLOOR) for w in room]
    left = amount - sum(shares, Decimal(0))
    for index in reversed(range(len(shares))):
        if left <= 0:
            break
        take = min(left, room[index] - shares[index])
        shares[index] += take
        left -= take
    return tuple(shares)


def after_discount(listed: Sequence[Decimal], paid: Decimal, currency: str) -> tuple[Decimal, ...]:
    """Each line's total once the lines together are worth no more than ``paid``.

    ``listed``: the lines' totals as the platform reports them (after any discount it shows on
    the line); ``paid``: what the order says was paid for the lines together (its total less
    shipping and tax). The difference, when the lines add up to more, is a discount they do not
    show, shared by ``spread``; when they add up to ``paid`` or less, they are left as they are.
    """
    listed = [max(value, Decimal(0)) for value in listed]
    hidden = sum(listed, Decimal(0)) - max(paid, Decimal(0))
    shares = spread(hidden, listed, currency)
    return tuple(value - share for value, share in zip(listed, shares, strict=True))


def unit_price(line_total: Decimal, quantity: int, currency: str) -> Decimal:
    """What one unit of a line cost: ``line_total / quantity`` rounded down to a minor unit
    (the whole total for a quantity of 0 or 1)."""
    if quantity <= 1:
        return line_total
    return (line_total / quantity).quantize(minor_unit(currency), rounding=ROUND_FLOOR)
