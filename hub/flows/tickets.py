"""Reading back-office tickets: what each ticket type must carry, and what is missing.

Ticket attributes arrive under the hub's names (the helpdesk plugin maps its own); values are
whatever agents typed, so everything is parsed here with a clear message per bad field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from hub.core.amounts import AmountError, parse_amount
from hub.core.models import Address, Disposition, Order, RefundLine, RefundReason, Ticket

LINE_FORMAT = '"SKU:QTY, SKU:QTY"'
E = TypeVar("E", RefundReason, Disposition)
ADDRESS_FORMAT = '"line1, [line2,] city, region, postal code, country"'


class TicketProblem(Exception):
    """The ticket cannot be carried out as it stands; the message tells the agent why."""


def text(ticket: Ticket, key: str) -> str | None:
    value = ticket.attributes.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def flag(ticket: Ticket, key: str) -> bool:
    value = ticket.attributes.get(key)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "y"} if value is not None else False


def missing(ticket: Ticket, *keys: str) -> list[str]:
    return [key for key in keys if text(ticket, key) is None]


def enum_value(enum: type[E], ticket: Ticket, key: str) -> E:
    raw = text(ticket, key) or ""
    normalised = raw.lower().replace(" ", "_").replace("-", "_").replace("'", "")
    try:
        return enum(normalised)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise TicketProblem(f"{key} {raw!r} is not one of: {choices}") from None


def amount(ticket: Ticket, currency: str = "USD") -> Decimal | None:
    """The amount attribute in ``currency`` (the order's), None when the ticket has none.

    Read by the hub's one amount parser: ``1,50`` or ``1.234,50`` are refused, never guessed.
    """
    raw = ticket.attributes.get("amount")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return parse_amount(raw, currency)
    except AmountError as exc:
        raise TicketProblem(str(exc)) from None


def line_quantities(ticket: Ticket) -> dict[str, int]:
    """``{"SKU": quantity}`` from the line_items attribute."""
    raw = text(ticket, "line_items")
    if raw is None:
        return {}
    wanted: dict[str, int] = {}
    for part in raw.replace(";", ",").split(","):
        sku, _, qty = part.strip().partition(":")
        try:
            quantity = int(qty or "1")
        except ValueError:
            raise TicketProblem(f"line_items {raw!r}: write them as {LINE_FORMAT}") from None
        if not sku or quantity <= 0:
            raise TicketProblem(f"line_items {raw!r}: write them as {LINE_FORMAT}")
        wanted[sku.strip()] = wanted.get(sku.strip(), 0) + quantity
    return wanted


def order_lines(order: Order, wanted: dict[str, int]) -> tuple[RefundLine, ...]:
    """Match SKUs to the order's line items, refusing unknown SKUs and excess quantities."""
    lines = []
    for sku, quantity in wanted.items():
        item = next((i for i in order.line_items if i.sku == sku), None)
        if item is None or item.id is None:
            raise TicketProblem(f"line_items: SKU {sku} is not on order {order.number}")
        if quantity > item.quantity:
            raise TicketProblem(f"line_items: {quantity} x {sku} but the order has {item.quantity}")
        lines.append(RefundLine(line_item_id=item.id, quantity=quantity))
    return tuple(lines)


def lines_total(order: Order, lines: tuple[RefundLine, ...]) -> Decimal:
    by_id = {item.id: item for item in order.line_items}
    return sum((by_id[line.line_item_id].price.amount * line.quantity for line in lines), Decimal(0))


def address(ticket: Ticket) -> Address | None:
    raw = text(ticket, "new_address")
    return parse_address(raw) if raw is not None else None


def parse_address(raw: str) -> Address:
    """An address written on one line: line1, [line2,] city, region, postal code, country."""
    parts = [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]
    if len(parts) not in (5, 6):
        raise TicketProblem(f"new_address {raw!r}: write it as {ADDRESS_FORMAT}")
    line2 = parts[1] if len(parts) == 6 else None
    city, region, postal, country = parts[-4:]
    return Address(line1=parts[0], line2=line2, city=city, region=region, postal_code=postal, country=country)
