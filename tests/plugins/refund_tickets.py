"""The refund ticket and request the back office would make, for the stores' discounted-refund tests."""

from __future__ import annotations

from hub.core.models import Order, RefundReason, RefundRequest
from hub.flows.ticket_requests import RefundTicket
from hub.flows.tickets import SkuQuantity


def refund_ticket(order_id: str, *lines: tuple[str, int], amount: str | None = None) -> RefundTicket:
    """A refund ticket for ``order_id`` as an agent fills it: ``lines`` as (SKU, quantity)."""
    return RefundTicket.model_validate(
        {
            "order_id": order_id,
            "refund_reason": "damaged",
            "admin_reason": "Arrived broken",
            "disposition": "keep",
            "line_items": tuple(SkuQuantity(sku, quantity) for sku, quantity in lines),
            **({"amount": amount} if amount is not None else {}),
        }
    )


def refund_request(
    order: Order, key: str, *lines: tuple[str, int], amount: str | None = None, order_id: str | None = None
) -> RefundRequest:
    """The request the back office sends: the ticket's plan for ``order`` (its amount and lines)."""
    plan = refund_ticket(order_id or order.id, *lines, amount=amount).for_order(order)
    return RefundRequest(
        order=order.ref,
        amount=plan.amount,
        lines=plan.lines,
        reason=RefundReason.DAMAGED,
        idempotency_key=key,
    )
