"""The inbox app: an order of another customer, or an amount that needs guessing, sends nothing.

Issue 14, items 2 and 3, through the signed Canvas Kit route; the store's own records say
whether anything was sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.core.models import Order
from tests.serve.conftest import Served


def app_request(served: Served, person_email: str, **extra: Any) -> dict[str, Any]:
    ws = served.state("intercom")
    contact = next(c for c in ws.contacts.values() if (c["email"] or "").lower() == person_email.lower())
    conversation = next((c for c in ws.conversations.values() if contact["id"] in c["contact_ids"]), None)
    return {
        "workspace_id": "ws1",
        "admin": {"id": "1"},
        "context": {"location": "conversation"},
        "contact": {"id": contact["id"], "type": "user"},
        "conversation": {"id": conversation["id"]} if conversation else None,
        **extra,
    }


def refund_values(order: Order, amount: str) -> dict[str, Any]:
    return {
        "order": f"{order.platform}|{order.store or ''}|{order.number}",
        "amount": amount,
        "refund_reason": "damaged",
        "admin_reason": "Arrived broken",
        "disposition": "dispose",
    }


def result_of(body: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in body["canvas"]["content"]["components"] if c.get("id") == "result")


def refunds_on(served: Served, order: Order) -> list[Decimal]:
    state = served.state("ultracart")
    return [Decimal(str(r["amount"])) for r in state.refunds if r["order_id"] == order.id]


def served_order(served: Served) -> Order:
    return [o for o in served.sandbox.world.orders if o.platform == "ultracart" and o.email][-1]


async def test_a_signed_submit_in_a_s_conversation_naming_b_s_order_refunds_nothing(served: Served):
    order = served_order(served)  # customer B's
    buyer = next(p for p in served.sandbox.world.people if p.email.lower() == order.email.lower())
    a = next(p for p in served.sandbox.world.people if p.email != buyer.email and p.phone != buyer.phone)
    tickets_before = len(served.state("intercom").tickets)
    submit = app_request(served, a.email, component_id="confirm_refund",
                         input_values=refund_values(order, "7.00"))
    answer = await served.app_request("submit", submit)
    assert answer.status_code == 200, answer.text
    result = result_of(answer.json())
    assert result["style"] == "error"
    assert "does not belong to this conversation's customer" in result["text"]
    assert refunds_on(served, order) == []  # it refunded 7.00 before
    assert len(served.state("intercom").tickets) == tickets_before  # not even a ticket was filed


async def test_an_address_change_in_a_s_conversation_for_b_s_order_is_refused(served: Served):
    order = served_order(served)
    buyer = next(p for p in served.sandbox.world.people if p.email.lower() == order.email.lower())
    a = next(p for p in served.sandbox.world.people if p.email != buyer.email and p.phone != buyer.phone)
    before = dict(served.state("ultracart").orders[order.id]["shipping"])
    values = {"order": f"ultracart|{order.store or ''}|{order.number}",
              "new_address": "1 Thief Rd, Austin, TX, 78701, US"}
    answer = await served.app_request(
        "submit", app_request(served, a.email, component_id="confirm_address", input_values=values)
    )
    assert "does not belong" in result_of(answer.json())["text"]
    assert served.state("ultracart").orders[order.id]["shipping"] == before


@pytest.mark.parametrize("typed", ["1,50", "", "1.234,50", "-7", "NaN", "1.505"])
async def test_an_ambiguous_amount_in_the_inbox_app_is_shown_as_an_error_and_nothing_sent(
    served: Served, typed: str
):
    order = served_order(served)
    tickets_before = len(served.state("intercom").tickets)
    submit = app_request(served, order.email or "", component_id="confirm_refund",
                         input_values=refund_values(order, typed))
    result = result_of((await served.app_request("submit", submit)).json())
    assert result["style"] == "error" and f"amount {typed!r}" in result["text"]
    assert refunds_on(served, order) == []  # "1,50" refunded 150.00 before
    assert len(served.state("intercom").tickets) == tickets_before


async def test_a_grouped_amount_in_the_inbox_app_is_read_exactly(served: Served):
    order = served_order(served)
    submit = app_request(served, order.email or "", component_id="confirm_refund",
                         input_values=refund_values(order, "$1.50"))
    result = result_of((await served.app_request("submit", submit)).json())
    assert "Refunded 1.50 USD" in result["text"], result
    assert refunds_on(served, order) == [Decimal("1.50")]


async def test_a_cancel_in_a_s_conversation_for_b_s_subscription_is_refused(served: Served):
    world = served.sandbox.world
    emails = {(o.platform, o.store, o.customer_id): o.email for o in world.orders if o.email}
    sub = next(s for s in world.subscriptions
               if s.platform == "konnektive" and s.is_open and (s.platform, s.store, s.customer_id) in emails)
    holder = emails[(sub.platform, sub.store, sub.customer_id)] or ""
    buyer = next(p for p in world.people if p.email.lower() == holder.lower())
    a = next(p for p in world.people if p.email != buyer.email and p.phone != buyer.phone)
    status = served.state("konnektive").purchases[sub.id]["status"]
    tickets_before = len(served.state("intercom").tickets)
    values = {"subscription": f"konnektive|{sub.store or ''}|{sub.id}", "admin_reason": "Other"}
    answer = await served.app_request(
        "submit", app_request(served, a.email, component_id="confirm_cancel", input_values=values)
    )
    result = result_of(answer.json())
    assert result["style"] == "error" and "does not belong to this conversation's customer" in result["text"]
    assert served.state("konnektive").purchases[sub.id]["status"] == status
    assert len(served.state("intercom").tickets) == tickets_before
