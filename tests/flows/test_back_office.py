"""Back-office tickets carried out on the stores' emulators, with the SOP's rules."""

from __future__ import annotations

from decimal import Decimal

from hub.core.models import Order


def ultracart_order(sandbox, *, shipped: bool | None = None) -> Order:
    orders = [o for o in sandbox.world.orders if o.platform == "ultracart"]
    if shipped is not None:
        state = sandbox.state("ultracart")
        orders = [o for o in orders if _uc_shipped(state.orders[o.id]) is shipped]
    return orders[-1]


def _uc_shipped(raw) -> bool:
    return raw.get("current_stage") == "Completed Order" or bool(raw.get("shipping", {}).get("shipping_date"))


def refund_attributes(order: Order, amount: str = "10.00", **extra) -> dict:
    # Intercom's decimal attribute travels as a JSON number.
    return {
        "Order ID": order.number,
        "Platform": order.platform,
        "Store": order.store,
        "Amount": float(amount),
        "Refund Reason": "damaged",
        "Admin Reason": "Arrived broken",
        "Disposition": "dispose",
        **extra,
    }


def paid(sandbox, order: Order) -> list[Decimal]:
    return [
        Decimal(str(r["amount"])) for r in sandbox.state("ultracart").refunds if r["order_id"] == order.id
    ]


async def test_refund_is_paid_once_and_the_ticket_resolved(sandbox):
    order = ultracart_order(sandbox)
    ticket = sandbox.file_ticket("refund", order.email, refund_attributes(order, "10.00"))
    await sandbox.run("back_office")
    assert paid(sandbox, order) == [Decimal("10.00")]
    assert sandbox.ticket_state(ticket) == "resolved"
    assert any("Refunded 10.00 USD" in note for note in sandbox.notes(ticket))

    notes_before = len(sandbox.notes(ticket))
    again = await sandbox.run("back_office")
    assert paid(sandbox, order) == [Decimal("10.00")]
    assert len(sandbox.notes(ticket)) == notes_before
    assert again.counts.get("actions", 0) == 0


async def test_missing_refund_fields_send_the_ticket_to_waiting_with_what_is_missing(sandbox):
    order = ultracart_order(sandbox)
    attributes = refund_attributes(order)
    del attributes["Refund Reason"], attributes["Disposition"]
    ticket = sandbox.file_ticket("refund", order.email, attributes)
    await sandbox.run("back_office")
    assert sandbox.ticket_state(ticket) == "waiting_on_customer"
    assert any("Missing: refund_reason, disposition" in note for note in sandbox.notes(ticket))
    assert paid(sandbox, order) == []


async def test_a_second_ticket_for_the_same_order_and_reason_is_not_paid(sandbox):
    order = ultracart_order(sandbox)
    first = sandbox.file_ticket("refund", order.email, refund_attributes(order, "12.00"))
    second = sandbox.file_ticket("refund", order.email, refund_attributes(order, "12.00"))
    await sandbox.run("back_office")
    assert paid(sandbox, order) == [Decimal("12.00")]
    assert sandbox.ticket_state(first) == sandbox.ticket_state(second) == "resolved"
    assert any(f"Duplicate of ticket {first['ticket_id']}" in note for note in sandbox.notes(second))


async def test_amount_above_the_refundable_balance_is_refused(sandbox):
    order = ultracart_order(sandbox)
    too_much = str(order.total.amount + Decimal("0.01"))
    ticket = sandbox.file_ticket("refund", order.email, refund_attributes(order, too_much))
    await sandbox.run("back_office")
    assert paid(sandbox, order) == []
    assert sandbox.ticket_state(ticket) == "waiting_on_customer"
    assert any("above the refundable balance" in note for note in sandbox.notes(ticket))


def untouched_subscription(sandbox):
    """An open Konnektive subscription (purchase) that no seeded ticket asks about."""
    named = {str(t["attributes"].get("Subscription ID")) for t in sandbox.state("intercom").tickets.values()}
    return next(
        s
        for s in sandbox.world.subscriptions
        if s.platform == "konnektive" and s.is_open and s.id not in named
    )


def purchase_of(sandbox, subscription) -> dict:
    return dict(sandbox.state("konnektive").purchases[subscription.id])


def cancel_attributes(subscription, **extra) -> dict:
    return {
        "Subscription ID": subscription.id,
        "Platform": subscription.platform,
        "Store": subscription.store,
        **extra,
    }


async def test_saved_subscription_cancels_nothing(sandbox):
    subscription = untouched_subscription(sandbox)
    before = purchase_of(sandbox, subscription)
    ticket = sandbox.file_ticket(
        "cancel", before["emailAddress"], cancel_attributes(subscription, Saved=True)
    )
    await sandbox.run("back_office")
    assert purchase_of(sandbox, subscription) == before
    assert sandbox.ticket_state(ticket) == "resolved"
    assert any("Saved" in note for note in sandbox.notes(ticket))


async def test_subscription_cancel_stops_rebills_once(sandbox):
    subscription = untouched_subscription(sandbox)
    email = purchase_of(sandbox, subscription)["emailAddress"]
    ticket = sandbox.file_ticket(
        "cancel", email, cancel_attributes(subscription, **{"Admin Reason": "too much"})
    )
    await sandbox.run("back_office")
    assert purchase_of(sandbox, subscription)["status"] == "CANCELLED"
    assert sandbox.ticket_state(ticket) == "resolved"
    cancels = len(sandbox.state("konnektive").cancels)
    again = sandbox.file_ticket("cancel", email, cancel_attributes(subscription))
    await sandbox.run("back_office")
    assert len(sandbox.state("konnektive").cancels) == cancels
    assert any("Duplicate of ticket" in note for note in sandbox.notes(again))


async def test_address_change_after_shipment_is_refused(sandbox):
    order = ultracart_order(sandbox, shipped=True)
    before = dict(sandbox.state("ultracart").orders[order.id]["shipping"])
    ticket = sandbox.file_ticket(
        "fulfillment",
        order.email,
        {
            "Order ID": order.number,
            "Platform": "ultracart",
            "Store": order.store,
            "New Address": "1 New Rd, Austin, TX, 78701, US",
        },
    )
    await sandbox.run("back_office")
    assert sandbox.ticket_state(ticket) == "waiting_on_customer"
    assert any("has shipped" in note for note in sandbox.notes(ticket))
    assert sandbox.state("ultracart").orders[order.id]["shipping"] == before


async def test_address_change_before_shipment_is_made(sandbox):
    order = ultracart_order(sandbox, shipped=False)
    ticket = sandbox.file_ticket(
        "fulfillment",
        order.email,
        {
            "Order ID": order.number,
            "Platform": "ultracart",
            "Store": order.store,
            "New Address": "1 New Rd, Austin, TX, 78701, US",
        },
    )
    await sandbox.run("back_office")
    assert sandbox.ticket_state(ticket) == "resolved", sandbox.notes(ticket)
    assert sandbox.state("ultracart").orders[order.id]["shipping"]["address1"] == "1 New Rd"


async def test_dry_run_changes_nothing(sandbox):
    from hub.engine import run_flow

    order = ultracart_order(sandbox)
    ticket = sandbox.file_ticket("refund", order.email, refund_attributes(order, "5.00"))
    report = await run_flow(sandbox.runtime, "back_office", hub=sandbox.hub, dry_run=True)
    assert any("refund" in line for line in report.planned)
    assert paid(sandbox, order) == []
    assert sandbox.ticket_state(ticket) == "submitted"


async def test_every_missing_and_malformed_refund_field_is_named_in_one_note(sandbox):
    order = ultracart_order(sandbox)
    attributes = refund_attributes(order)
    del attributes["Disposition"]
    attributes["Refund Reason"] = "broke"
    ticket = sandbox.file_ticket("refund", order.email, attributes)
    await sandbox.run("back_office")
    assert sandbox.ticket_state(ticket) == "waiting_on_customer"
    assert any(
        "Missing: disposition. refund_reason 'broke' is not one of:" in note for note in sandbox.notes(ticket)
    )
    assert paid(sandbox, order) == []
