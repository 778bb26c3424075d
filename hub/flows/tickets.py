"""Reading back-office ticket values: one value at a time, each refused with a message naming it.

Ticket attributes arrive under the hub's names (the helpdesk plugin maps its own); values are
whatever agents typed. ``hub.flows.ticket_requests`` reads a whole ticket with these into one
typed request (every problem named at once); this module says how each kind of value is read:
text, flags, choices, amounts (by the hub's one parser, ``hub.core.amounts``), line items and
one-line addresses, and how line items are matched to an order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from hub.core.amounts import MINOR_UNITS, SYMBOLS, AmountError, parse_amount, parse_quantity
from hub.core.models import Address, Disposition, Order, RefundLine, RefundReason, Ticket

LINE_FORMAT = '"SKU:QTY, SKU:QTY"'
E = TypeVar("E", RefundReason, Disposition)
ADDRESS_FORMAT = '"line1, [line2,] city, region, postal code, country"'

# Every currency the amount parser has particular rules for (minor units, symbols), USD first:
# an amount refused in all of them is refused whatever the order's currency turns out to be.
_RULED_CURRENCIES = tuple(
    dict.fromkeys(["USD", *sorted(MINOR_UNITS), *sorted(set().union(*SYMBOLS.values()))])
)
_CODE_LIKE = re.compile(r"(?<![A-Za-z])[A-Za-z]{3}(?![A-Za-z])")


class TicketProblem(Exception):
    """The ticket cannot be carried out as it stands; the message tells the agent why."""


class SkuQuantity(NamedTuple):
    """One ``SKU:QTY`` of a ticket's line_items."""

    sku: str
    quantity: int


def text(attributes: Mapping[str, Any], key: str) -> str | None:
    """The attribute as stripped text; None when absent or blank."""
    value = attributes.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def flag(value: object) -> bool:
    """A yes/no attribute: a bool, or text such as ``yes``/``true``/``1``; absent is False."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "y"} if value is not None else False


def parse_choice(enum: type[E], key: str, raw: str) -> E:
    """``raw`` as a member of ``enum`` (``"Not received"`` is ``not_received``).

    Raises ``TicketProblem`` naming ``key`` and the choices.
    """
    normalised = raw.strip().lower().replace(" ", "_").replace("-", "_").replace("'", "")
    try:
        return enum(normalised)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise TicketProblem(f"{key} {raw!r} is not one of: {choices}") from None


TypedAmount = str | Decimal | int | float
"""An amount attribute as it arrives: text as typed, or a number from a decimal attribute."""


def read_amount(typed: TypedAmount | None, currency: str) -> Decimal | None:
    """The exact amount ``typed`` means in ``currency`` (the order's); None when there is none.

    Read by the hub's one amount parser: ``1,50`` or ``1.234,50`` are refused, never guessed.
    Raises ``TicketProblem`` with the parser's message (it names ``amount`` and the value).
    """
    if typed is None or (isinstance(typed, str) and not typed.strip()):
        return None
    try:
        return parse_amount(typed, currency)
    except AmountError as exc:
        raise TicketProblem(str(exc)) from None


def amount(ticket: Ticket, currency: str = "USD") -> Decimal | None:
    """The ticket's amount attribute in ``currency``, None when the ticket has none."""
    return read_amount(ticket.attributes.get("amount"), currency)


def amount_problem(typed: TypedAmount) -> str | None:
    """Why ``typed`` is an amount in no currency: None when some currency's rules read it.

    The amount a refund pays is read later, in its order's currency (``read_amount``); this
    check lets a ticket's reading name a malformed amount together with its other problems.
    The message is the parser's for the currency the text names itself (a code or a symbol),
    else for USD.
    """
    refusals: list[str] = []
    for currency in _currencies_to_try(typed):
        try:
            parse_amount(typed, currency)
        except AmountError as exc:
            refusals.append(str(exc))
        else:
            return None
    return refusals[0]


def _currencies_to_try(typed: TypedAmount) -> Iterable[str]:
    """The currencies ``typed`` names (codes, then its symbol's), then every ruled one."""
    written = typed if isinstance(typed, str) else ""  # a number names no currency
    named = [code.upper() for code in _CODE_LIKE.findall(written)]
    symbol = written.strip()[:1]
    named += sorted(SYMBOLS.get(symbol, ()))
    return dict.fromkeys([*named, *_RULED_CURRENCIES])


def parse_lines(raw: str) -> tuple[SkuQuantity, ...]:
    """``"SKU:QTY, SKU:QTY"`` (``;`` works too, a missing QTY is 1), one entry per SKU.

    Raises ``TicketProblem`` naming line_items when a part is not ``SKU:QTY``, QTY plain units
    (``parse_quantity``: ``1_0`` or other scripts' digits are not read as numbers).
    """
    wanted: dict[str, int] = {}
    for part in raw.replace(";", ",").split(","):
        sku, _, qty = part.strip().partition(":")
        try:
            quantity = parse_quantity(qty.strip() or "1")
        except ValueError:
            raise TicketProblem(f"line_items {raw!r}: write them as {LINE_FORMAT}") from None
        if not sku.strip():
            raise TicketProblem(f"line_items {raw!r}: write them as {LINE_FORMAT}")
        wanted[sku.strip()] = wanted.get(sku.strip(), 0) + quantity
    return tuple(SkuQuantity(sku, quantity) for sku, quantity in wanted.items())


def order_lines(order: Order, wanted: Iterable[SkuQuantity]) -> tuple[RefundLine, ...]:
    """Match SKUs to the order's line items, refusing unknown SKUs and excess quantities."""
    lines = []
    for sku, quantity in wanted:
        item = next((i for i in order.line_items if i.sku == sku), None)
        if item is None or item.id is None:
            raise TicketProblem(f"line_items: SKU {sku} is not on order {order.number}")
        if quantity > item.quantity:
            raise TicketProblem(f"line_items: {quantity} x {sku} but the order has {item.quantity}")
        lines.append(RefundLine(line_item_id=item.id, quantity=quantity))
    return tuple(lines)


def lines_total(order: Order, lines: tuple[RefundLine, ...]) -> Decimal:
    """What ``lines`` (matched by ``order_lines``) are worth at the order's unit prices."""
    by_id = {item.id: item for item in order.line_items}
    return sum((by_id[line.line_item_id].price.amount * line.quantity for line in lines), Decimal(0))


def parse_address(raw: str) -> Address:
    """An address written on one line: line1, [line2,] city, region, postal code, country."""
    parts = [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]
    if len(parts) not in (5, 6):
        raise TicketProblem(f"new_address {raw!r}: write it as {ADDRESS_FORMAT}")
    line2 = parts[1] if len(parts) == 6 else None
    city, region, postal, country = parts[-4:]
    return Address(line1=parts[0], line2=line2, city=city, region=region, postal_code=postal, country=country)
