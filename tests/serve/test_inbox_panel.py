"""The CS Assist inbox app as the team's panel (issue 16): one test per section of the initialize
canvas, and each action against the emulators (the stores' and Intercom's own records say what
was done)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hub.core.config import FlowSettings
from hub.core.models import Order
from hub.serve.views import SECTIONS
from tests.serve.conftest import Served

CANVAS_LIMIT = 64 * 1024
"""Intercom caps a canvas's content at 64 KB (reference §8)."""


# --------------------------------------------------------------------------- helpers


def contact_of(served: Served, email: str) -> dict[str, Any]:
    ws = served.state("intercom")
    return next(c for c in ws.contacts.values() if (c["email"] or "").lower() == email.lower())


def conversation_of(served: Served, email: str) -> dict[str, Any]:
    ws = served.state("intercom")
    contact = contact_of(served, email)
    return next(c for c in ws.conversations.values() if contact["id"] in c["contact_ids"])


def request_for(served: Served, email: str, **extra: Any) -> dict[str, Any]:
    contact = contact_of(served, email)
    conversation = conversation_of(served, email)
    return {
        "workspace_id": "ws1",
        "admin": {"id": "1"},
        "context": {"location": "conversation"},
        "contact": {"id": contact["id"], "type": "user"},
        "conversation": {"id": conversation["id"]},
        **extra,
    }


async def initialize(served: Served, email: str) -> dict[str, Any]:
    answer = await served.app_request("initialize", request_for(served, email))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def submit(
    served: Served,
    email: str,
    action: str,
    panel: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    extra: dict[str, Any] = {"component_id": action, "input_values": values or {}}
    if panel is not None:
        extra["current_canvas"] = panel["canvas"]
    answer = await served.app_request("submit", request_for(served, email, **extra))
    assert answer.status_code == 200, answer.text
    return answer.json()


def components(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["canvas"]["content"]["components"]


def component(body: dict[str, Any], component_id: str) -> dict[str, Any]:
    return next(c for c in components(body) if c.get("id") == component_id)


def ids(body: dict[str, Any]) -> set[str]:
    return {c["id"] for c in components(body) if "id" in c}


def section(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The components from a section's header to the next section's header."""
    found, inside = [], False
    for item in components(body):
        is_header = str(item.get("id", "")).startswith("section-")
        if is_header:
            inside = item["id"] == f"section-{name}"
        if inside:
            found.append(item)
    assert found, f"no section {name}"
    return found


def rows(items: list[dict[str, Any]]) -> dict[str, str]:
    return {i["field"]: i["value"] for c in items if c["type"] == "data-table" for i in c["items"]}


def listed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for c in items if c["type"] == "list" for i in c["items"]]


def result(body: dict[str, Any]) -> dict[str, Any]:
    return component(body, "result")


def orders_of(served: Served, platform: str) -> list[Order]:
    return [o for o in served.sandbox.world.orders if o.platform == platform and o.email]


def shopper_with_orders(served: Served, platform: str, count: int) -> str:
    """The email of someone with at least ``count`` orders on ``platform``."""
    emails = [o.email or "" for o in orders_of(served, platform)]
    return next(e for e in emails if emails.count(e) >= count)


def configure_cs_assist(served: Served, **options: Any) -> None:
    """``[flows.cs_assist]`` options for this server (read at its first app request)."""
    current = served.runtime.config.flow("cs_assist")
    served.runtime.config.flows["cs_assist"] = FlowSettings(**{**current.model_dump(), **options})


def newest_order(served: Served, platform: str, email: str | None) -> Order:
    return max((o for o in orders_of(served, platform) if o.email == email), key=lambda o: o.created_at)


def ultracart_refunds(served: Served, order: Order) -> list[Decimal]:
    state = served.state("ultracart")
    return [Decimal(str(r["amount"])) for r in state.refunds if r["order_id"] == order.id]


# --------------------------------------------------------------------------- the initialize canvas


async def test_initialize_shows_every_section_within_canvas_kit_limits(served: Served):
    email = orders_of(served, "ultracart")[-1].email or ""
    body = await initialize(served, email)
    assert {f"section-{name}" for name in SECTIONS} <= ids(body)
    assert len(json.dumps(body["canvas"]["content"])) < CANVAS_LIMIT
    for item in components(body):
        if item["type"] == "dropdown":
            assert 2 <= len(item["options"]) <= 10  # Canvas Kit takes 2 to 10 options


async def test_search_section_finds_another_customer_by_email_read_only(served: Served):
    ours = orders_of(served, "ultracart")[-1]
    theirs = next(o for o in orders_of(served, "shopify") if o.email != ours.email)
    body = await initialize(served, ours.email or "")
    search = section(body, "search")
    assert {c.get("id") for c in search} >= {"search", "search_customer"}

    found = await submit(served, ours.email or "", "search_customer", body, {"search": theirs.email})
    summary = rows(section(found, "summary"))
    assert summary["Email"] == theirs.email and summary["Brand"] == theirs.brand
    assert theirs.number in json.dumps(section(found, "orders"))
    # Read-only: no notes box and no actions for a searched customer.
    actions = {"refund", "cancel_subscription", "change_address", "consents", "note", "add_note"}
    assert not ids(found) & actions
    assert found["canvas"]["stored_data"]["search"] == theirs.email


async def test_search_by_phone_in_any_common_format(served: Served):
    ours = orders_of(served, "ultracart")[-1]
    person = next(p for p in served.sandbox.world.people if p.platform == "konnektive")
    digits = person.phone.removeprefix("+1")
    typed = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"  # (415) 555-0000
    body = await initialize(served, ours.email or "")
    found = await submit(served, ours.email or "", "search_customer", body, {"search": typed})
    assert rows(section(found, "summary"))["Email"] == person.email


async def test_a_searched_customers_order_cannot_be_refunded_from_this_conversation(served: Served):
    """The search is read-only: a forged refund of the searched customer's order is refused by the
    ownership check (it is not this conversation's customer's), and nothing is filed or paid."""
    ours = orders_of(served, "ultracart")[-1]
    theirs = next(o for o in orders_of(served, "ultracart") if o.email != ours.email)
    body = await initialize(served, ours.email or "")
    found = await submit(served, ours.email or "", "search_customer", body, {"search": theirs.email})
    tickets_before = len(served.state("intercom").tickets)
    values = {
        "order": f"ultracart|{theirs.store or ''}|{theirs.number}",
        "amount": "5.00",
        "refund_reason": "damaged",
        "admin_reason": "Arrived broken",
        "disposition": "dispose",
    }
    answer = await submit(served, ours.email or "", "confirm_refund", found, values)
    assert result(answer)["style"] == "error" and "does not belong" in result(answer)["text"]
    assert ultracart_refunds(served, theirs) == []
    assert len(served.state("intercom").tickets) == tickets_before


async def test_summary_section_names_brand_name_email_phone_revenue_last_purchase(served: Served):
    email = shopper_with_orders(served, "ultracart", 2)
    person = next(p for p in served.sandbox.world.people if p.email == email)
    newest = newest_order(served, "ultracart", email)
    summary = rows(section(await initialize(served, email), "summary"))
    assert summary["Brand"] == person.brand and summary["Name"] == person.name
    assert summary["Email"] == email and summary["Phone"] == person.phone
    assert summary["Lifetime revenue"].endswith(" USD")
    assert summary["Last purchase"] == newest.created_at.date().isoformat()


async def test_addresses_section_shows_the_billing_address_apart_from_shipping(served: Served):
    order = orders_of(served, "ultracart")[-1]
    record = served.state("ultracart").orders[order.id]
    newest = newest_order(served, "ultracart", order.email)
    served.state("ultracart").orders[newest.id]["billing"]["address1"] = "1 Billing Way"
    assert record["shipping"]["address1"] != "1 Billing Way"
    addresses = rows(section(await initialize(served, order.email or ""), "addresses"))
    assert addresses["Bills to"].startswith("1 Billing Way, ")
    shipping = served.state("ultracart").orders[newest.id]["shipping"]
    assert addresses["Ships to"].startswith(shipping["address1"])


async def test_orders_section_lists_the_last_n_with_status_ship_status_and_tracking(served: Served):
    configure_cs_assist(served, recent_orders=1)
    email = shopper_with_orders(served, "ultracart", 2)
    newest = newest_order(served, "ultracart", email)
    body = await initialize(served, email)
    (entry,) = listed(section(body, "orders"))  # one, as configured, although they have more
    assert entry["title"] == f"{newest.number} · {newest.created_at.date().isoformat()} · {newest.total}"
    assert entry["subtitle"].startswith(f"{newest.financial_status.value}, {newest.fulfillment_status.value}")
    for number in newest.tracking_numbers:
        assert number in entry["subtitle"]
    assert entry["action"] == {"type": "submit"}  # it opens the order's details

    details = await submit(served, email, entry["id"], body)
    facts = rows(components(details))
    assert facts["Total"] == str(newest.total) and facts["Tracking"] == ", ".join(newest.tracking_numbers)
    shipped = newest.shipped_at.date().isoformat() if newest.shipped_at else "Not Shipped"
    assert facts["Ship status"] == shipped
    assert facts["Bills to"] and facts["Ships to"]
    items = [i["title"] for i in listed(components(details))]
    assert items == [f"{line.quantity} x {line.name}" for line in newest.line_items]
    assert "refund" in ids(details)


async def test_subscriptions_section_shows_the_id_a_cancel_ticket_takes(served: Served):
    world = served.sandbox.world
    emails = {(o.platform, o.store, o.customer_id): o.email for o in world.orders if o.email}
    sub = next(
        s
        for s in world.subscriptions
        if s.platform == "konnektive" and s.is_open and (s.platform, s.store, s.customer_id) in emails
    )
    email = emails[(sub.platform, sub.store, sub.customer_id)] or ""
    entries = listed(section(await initialize(served, email), "subscriptions"))
    entry = next(e for e in entries if e["id"] == f"subscription-konnektive-{sub.id}")
    assert entry["subtitle"].startswith(f"id {sub.id} · ")  # what an agent types in a cancel ticket
    assert entry["title"].startswith(sub.product or sub.sku or "")


async def test_consents_section_lists_each_campaign_and_the_form_saves_them(served: Served):
    order = orders_of(served, "shopify")[-1]
    email = order.email or ""
    shop = next(s for s in served.state("shopify").shops.values() if s.brand == order.brand)
    customer = next(c for c in shop.customers.values() if c["email"] == email)
    body = await initialize(served, email)
    campaigns = rows(section(body, "consents"))
    assert list(campaigns) == [f"{order.brand} (shopify)"]
    assert campaigns[f"{order.brand} (shopify)"].startswith("email ")

    form = await submit(served, email, "consents", body)
    campaign = component(form, "campaign")
    assert campaign["options"][0]["id"] == "all"
    assert {o["id"] for o in component(form, "consents")["options"]} == {"all", "email", "sms", "phone"}
    every = {"campaign": "all", "consents": ["all"]}
    everything = await submit(served, email, "confirm_consents", form, every)
    assert result(everything)["style"] == "paragraph", result(everything)
    assert customer["emailMarketingConsent"]["marketingState"] == "SUBSCRIBED"
    assert customer["smsMarketingConsent"]["marketingState"] == "SUBSCRIBED"
    # Shopify keeps no phone consent: it is kept on the Intercom contact, and shown as such.
    assert contact_of(served, email)["custom_attributes"]["cs_consent_phone"] is True

    form = await submit(served, email, "consents", everything)
    assert set(component(form, "consents")["value"]) == {"email", "sms", "phone"}
    saved = await submit(served, email, "confirm_consents", form, {"campaign": "all", "consents": ["email"]})
    assert "sms off at" in result(saved)["text"] and "phone off on the helpdesk" in result(saved)["text"]
    assert customer["emailMarketingConsent"]["marketingState"] == "SUBSCRIBED"
    assert customer["smsMarketingConsent"]["marketingState"] == "UNSUBSCRIBED"
    assert contact_of(served, email)["custom_attributes"]["cs_consent_phone"] is False
    after = rows(section(saved, "consents"))
    assert after["Helpdesk (every campaign)"] == "phone no"
    assert after[f"{order.brand} (shopify)"] == "email yes · sms no"


async def test_notes_section_writes_an_internal_note_once(served: Served):
    email = orders_of(served, "ultracart")[-1].email or ""
    body = await initialize(served, email)
    assert component(body, "note")["type"] == "textarea"
    text = "Customer prefers a call after 5pm."
    first = await submit(served, email, "add_note", body, {"note": text})
    again = await submit(served, email, "add_note", body, {"note": text})  # a double click
    assert result(first)["text"] == "Note added to this conversation." == result(again)["text"]
    notes = [p["body"] for p in conversation_of(served, email)["parts"] if p["part_type"] == "note"]
    assert sum(text in (note or "") for note in notes) == 1
    empty = await submit(served, email, "add_note", body, {"note": "  "})
    assert result(empty)["style"] == "error" and "write the note" in result(empty)["text"]


async def test_actions_section_and_the_refund_is_reviewed_with_every_choice_required(served: Served):
    order = orders_of(served, "ultracart")[-1]
    email = order.email or ""
    body = await initialize(served, email)
    assert {"refund", "cancel_subscription", "change_address", "consents"} <= {
        c.get("id") for c in section(body, "actions")
    }
    form = await submit(served, email, "refund", body)
    for field in ("order", "refund_reason", "admin_reason", "disposition"):
        assert component(form, field)["value"] == "choose"  # nothing chosen for the agent
        assert 2 <= len(component(form, field)["options"]) <= 10
    nothing = await submit(served, email, "review_refund", form, {"amount": "3.00"})
    assert "choose the order" in result(nothing)["text"]
    choice = f"ultracart|{order.store or ''}|{order.number}"
    partial = {
        "order": choice,
        "amount": "3.00",
        "refund_reason": "damaged",
        "admin_reason": "choose",
        "disposition": "dispose",
    }
    refused = await submit(served, email, "review_refund", form, partial)
    assert "choose the admin reason" in result(refused)["text"]
    assert component(refused, "amount")["value"] == "3.00"  # what was typed is kept
    tickets_before = len(served.state("intercom").tickets)
    confirm_too_early = await submit(served, email, "confirm_refund", form, partial)
    assert "choose the admin reason" in result(confirm_too_early)["text"]
    assert len(served.state("intercom").tickets) == tickets_before and ultracart_refunds(served, order) == []

    complete = {**partial, "admin_reason": "Arrived broken"}
    review = await submit(served, email, "review_refund", refused, complete)
    shown = rows(components(review))
    assert shown["Amount"] == "3.00 USD" and shown["Refund reason"] == "Damaged"
    assert shown["Admin reason"] == "Arrived broken" and shown["Disposition"] == "Dispose"
    assert ultracart_refunds(served, order) == []  # a review pays nothing
    done = await submit(served, email, "confirm_refund", review)  # the review's button: no inputs
    assert "Refunded 3.00 USD" in result(done)["text"], result(done)
    twice = await submit(served, email, "confirm_refund", review)
    assert "Refunded 3.00 USD" in result(twice)["text"]
    assert ultracart_refunds(served, order) == [Decimal("3.00")]


async def test_refund_review_refuses_an_amount_above_the_balance(served: Served):
    order = orders_of(served, "ultracart")[-1]
    email = order.email or ""
    form = await submit(served, email, "refund", await initialize(served, email))
    values = {
        "order": f"ultracart|{order.store or ''}|{order.number}",
        "amount": "99999.00",
        "refund_reason": "damaged",
        "admin_reason": "Arrived broken",
        "disposition": "dispose",
    }
    refused = await submit(served, email, "review_refund", form, values)
    assert "above the refundable balance" in result(refused)["text"]
    assert "refund-review" not in ids(refused)


async def test_links_section_creates_a_new_order_and_opens_the_brands_retention_scripts(served: Served):
    order = orders_of(served, "ultracart")[-1]
    email = order.email or ""
    configure_cs_assist(
        served, retention_scripts={order.brand: "https://scripts.example/mesa", "*": "https://x.example"}
    )
    body = await initialize(served, email)
    links = section(body, "links")
    retention = next(c for c in links if c["id"].startswith("retention-"))
    assert retention["action"] == {"type": "url", "url": "https://scripts.example/mesa"}
    assert retention["label"] == f"Retention scripts: {order.brand}"

    form = await submit(served, email, "checkout_link", body)
    person = next(p for p in served.sandbox.world.people if p.email == email)
    assert component(form, "first_name")["value"] == person.first_name
    assert component(form, "email")["value"] == email and component(form, "phone")["value"] == person.phone
    assert component(form, "address")["value"]
    assert {"sales_rep", "discount_code", "notes", "products"} <= ids(form)
    sku = order.line_items[0].sku
    values = {
        "store": f"ultracart|{order.store}|",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": email,
        "phone": person.phone,
        "address": component(form, "address")["value"],
        "products": f"{sku}:2",
        "sales_rep": "Ana Souza",
        "discount_code": "",
        "notes": "Gift wrap",
    }
    made = await submit(served, email, "confirm_checkout", form, values)
    assert result(made)["text"].startswith("Checkout link: http"), result(made)
    entry = served.runtime.store.ledger.latest("checkout_link:ultracart:")
    assert entry is not None
    request = entry.intent
    assert (request["first_name"], request["last_name"], request["phone"]) == (
        person.first_name,
        person.last_name,
        person.phone,
    )
    assert request["sales_rep"] == "Ana Souza" and request["metadata"]["notes"] == "Gift wrap"
    assert request["shipping_address"]["line1"] and request["products"] == [{"sku": sku, "quantity": 2}]
