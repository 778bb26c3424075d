"""The CS Assist panel, section by section, and its forms: pure functions of the summary.

The main view (``customer_view``) is the team's panel for the conversation's customer: a search
box, the summary (brand, name, email, phone, lifetime revenue, last purchase), the shipping and
billing addresses, the last orders (each opens its details), the open subscriptions with the id
a cancel ticket takes, the consents per campaign, an internal-notes box, the actions and the
quick links (a new order through the checkout-link form, the brand's retention scripts).
A customer found through the search is shown read-only (``read_only``): the actions act only
for the conversation's customer (see ``hub.serve.inbox_app``).

Each section starts with a header ``Text`` whose id is ``section-<name>`` (``SECTIONS``), so a
test (or a person) can find it. Nothing here reaches a platform.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.core.models import (
    Address,
    Channel,
    CustomerSummary,
    Disposition,
    Money,
    OrderSummary,
    Ref,
    RefundReason,
    Subscription,
)
from hub.core.panel import (
    Button,
    Checkboxes,
    Component,
    Divider,
    Dropdown,
    Fields,
    Input,
    Items,
    Text,
    Textarea,
)

SECTIONS = (
    "search",
    "summary",
    "addresses",
    "orders",
    "subscriptions",
    "consents",
    "notes",
    "actions",
    "links",
)
"""The main view's sections, top to bottom (each header is ``Text(id="section-<name>")``)."""

CHOOSE = "choose"
"""The id of a required dropdown's first option: nothing chosen yet (refused when submitted)."""
ALL = "all"
"""The id of "every campaign" in the consents form, and of "every channel" in its checkboxes."""
ORDER_ITEM = "order:"
"""Prefix of an order's list-item id: clicking it submits ``order:<platform>|<store>|<number>``."""

REFUND_REASONS: list[tuple[str, str]] = [
    (RefundReason.DAMAGED, "Damaged"),
    (RefundReason.NOT_RECEIVED, "Not received"),
    (RefundReason.NOT_AS_DESCRIBED, "Not as described"),
    (RefundReason.QUALITY, "Quality issue"),
    (RefundReason.CHANGED_MIND, "Changed mind"),
    (RefundReason.SUBSCRIPTION, "Subscription rebill"),
    (RefundReason.DUPLICATE, "Duplicate order"),
    (RefundReason.OTHER, "Other"),
]
ADMIN_REASONS: list[tuple[str, str]] = [
    (label, label)
    for label in (
        "Arrived broken",
        "Too much product",
        "Forgot to cancel",
        "Did not order",
        "Lost in transit",
        "Wrong item sent",
        "Did not like it",
        "Service recovery",
        "Other",
    )
]
DISPOSITIONS: list[tuple[str, str]] = [
    (Disposition.RETURN_TO_STOCK, "Return to stock"),
    (Disposition.DISPOSE, "Dispose"),
    (Disposition.KEEP, "Customer keeps it"),
    (Disposition.NO_RETURN, "No return"),
]
REFUND_CHOICES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "refund_reason": ("Refund reason", [(str(k), v) for k, v in REFUND_REASONS]),
    "admin_reason": ("Admin reason", ADMIN_REASONS),
    "disposition": ("Disposition", [(str(k), v) for k, v in DISPOSITIONS]),
}
"""The refund form's required choices: field id -> (label, choices). None is pre-chosen."""

ACTION_BUTTONS: list[tuple[str, str]] = [
    ("refund", "Refund"),
    ("cancel_subscription", "Cancel subscription"),
    ("change_address", "Change address"),
    ("consents", "Consents"),
]


@dataclass(frozen=True)
class Extras:
    """What the panel shows besides the summary.

    ``conversation``: the conversation the notes go to (no notes box without one);
    ``retention``: ``(label, url)`` of the customer's brands' retention scripts pages;
    ``helpdesk_consents``: consents kept on the helpdesk contact (channels no store records);
    ``read_only``: a customer found through the search (no notes, no actions);
    ``search``: what was searched for.
    """

    conversation: str | None = None
    retention: list[tuple[str, str]] = field(default_factory=list)
    helpdesk_consents: dict[Channel, bool] = field(default_factory=dict)
    read_only: bool = False
    search: str | None = None


def header(title: str, section: str) -> Text:
    return Text(title, "header", f"section-{section}")


def customer_view(summary: CustomerSummary | None, who: str, extras: Extras) -> list[Component]:
    """The panel of one customer: every section of ``SECTIONS`` (read-only: no notes, actions)."""
    title = (summary.name or summary.email) if summary else None
    components: list[Component] = [Text(title or who, "header")]
    if extras.read_only:
        components.append(
            Text(
                f"Search result for {extras.search}: read only. Refunds, cancels and address "
                "changes act for this conversation's customer; act for this one from their own "
                "conversation or ticket.",
                "muted",
            )
        )
    components += search_section(extras.search if extras.read_only else None)
    if summary is None:
        components.append(Text(f"No store knows {who}.", "muted"))
    else:
        components += summary_section(summary, who)
        components += addresses_section(summary)
        components += orders_section(summary)
        components += subscriptions_section(summary)
        components += consents_section(summary, extras.helpdesk_consents)
    if extras.read_only:
        return [*components, Divider(), Button("back", "Back to this conversation's customer", "link")]
    components += notes_section(extras.conversation)
    if summary is not None:
        components += [Divider(), header("Actions", "actions")]
        components += [Button(component_id, label) for component_id, label in ACTION_BUTTONS]
    components += links_section(extras.retention)
    return components


def search_section(searched: str | None) -> list[Component]:
    return [
        header("Find a customer", "search"),
        Input("search", "Email or phone", "ann@example.com", searched),
        Button("search_customer", "Search", "secondary"),
        Divider(),
    ]


def summary_section(summary: CustomerSummary, who: str) -> list[Component]:
    revenue = "; ".join(str(money) for money in summary.lifetime_revenue.values())
    last = summary.last_purchase_at.date().isoformat() if summary.last_purchase_at else ""
    return [
        header("Customer", "summary"),
        Fields(
            [
                ("Brand", ", ".join(summary.brands)),
                ("Name", summary.name or ""),
                ("Email", summary.email or ""),
                ("Phone", summary.phone or ""),
                ("Lifetime revenue", revenue),
                ("Last purchase", last),
                ("Orders", str(summary.order_count)),
            ]
        ),
        *unreadable_note(summary),
    ]


def unreadable_note(summary: CustomerSummary) -> list[Component]:
    """The records the figures leave out: said, rather than silently misleading."""
    if not summary.unreadable:
        return []
    left_out = "; ".join(str(record) for record in summary.unreadable)
    return [Text(f"Left out, unreadable: {left_out}", "muted")]


def addresses_section(summary: CustomerSummary) -> list[Component]:
    return [
        header("Addresses", "addresses"),
        Fields(
            [
                ("Ships to", one_line(summary.shipping_address)),
                ("Bills to", one_line(summary.billing_address)),
            ]
        ),
    ]


def orders_section(summary: CustomerSummary) -> list[Component]:
    title = f"Last {len(summary.recent_orders)} orders" if summary.recent_orders else "Orders"
    if not summary.recent_orders:
        return [header(title, "orders"), Text("No orders.", "muted")]
    entries = [
        (
            ORDER_ITEM + order_key(order),
            f"{order.number} · {order.created_at.date().isoformat()} · {order.total}",
            f"{order.status} · {shipping_words(order)}",
        )
        for order in summary.recent_orders
    ]
    return [header(title, "orders"), Items(entries, clickable=True)]


def shipping_words(order: OrderSummary) -> str:
    """``Not Shipped``, or ``Shipped 2025-05-18`` with the tracking numbers."""
    shipped = (
        order.ship_status
        if order.ship_status in ("Not Shipped", "Shipped")
        else f"Shipped {order.ship_status}"
    )
    return shipped + (f" · tracking {', '.join(order.tracking_numbers)}" if order.tracking_numbers else "")


def subscriptions_section(summary: CustomerSummary) -> list[Component]:
    if not summary.open_subscriptions:
        return [header("Subscriptions", "subscriptions"), Text("No open subscriptions.", "muted")]
    entries = [
        (f"subscription-{s.platform}-{s.id}", subscription_title(s), subscription_subtitle(s))
        for s in summary.open_subscriptions
    ]
    return [header("Open subscriptions", "subscriptions"), Items(entries)]


def subscription_title(subscription: Subscription) -> str:
    return (
        f"{subscription.product or subscription.sku or subscription.platform} · {subscription.status.value}"
    )


def subscription_subtitle(subscription: Subscription) -> str:
    """The id a cancel ticket takes, as it is, then the next bill and the price."""
    parts = [f"id {subscription.id}", f"{subscription.store or subscription.platform}"]
    if subscription.next_billing_at:
        parts.append(f"next bill {subscription.next_billing_at.date().isoformat()}")
    if subscription.price:
        parts.append(str(subscription.price))
    return " · ".join(parts)


def consents_section(summary: CustomerSummary, helpdesk: dict[Channel, bool]) -> list[Component]:
    """One row per campaign (each store's brand) with its channels, then the helpdesk's own."""
    rows = [(campaign, channels) for campaign, channels in consent_rows(summary)]
    kept = [channel for channel in Channel if channel in helpdesk]
    if kept:
        rows.append(("Helpdesk (every campaign)", _channels((c, helpdesk[c]) for c in kept)))
    if not rows:
        rows = [("All campaigns", "none recorded")]
    return [header("Consents", "consents"), Fields(rows)]


def consent_rows(summary: CustomerSummary) -> list[tuple[str, str]]:
    """``("PaleoHacks (shopify)", "email yes · sms no")`` per store the customer is on."""
    by_campaign: dict[str, list[tuple[Channel, bool]]] = {}
    for consent in summary.store_consents:
        by_campaign.setdefault(f"{consent.campaign} ({consent.platform})", []).append(
            (consent.channel, consent.opted_in)
        )
    for ref in summary.sources:  # a store with no consent on record is listed too
        by_campaign.setdefault(f"{campaign_of(summary, ref)} ({ref.platform})", [])
    return [(campaign, _channels(answers) or "none recorded") for campaign, answers in by_campaign.items()]


def _channels(answers: Iterable[tuple[Channel, bool]]) -> str:
    return " · ".join(f"{channel.value} {'yes' if opted_in else 'no'}" for channel, opted_in in answers)


def notes_section(conversation: str | None) -> list[Component]:
    if conversation is None:
        return [header("Internal note", "notes"), Text("Open a conversation to write a note.", "muted")]
    return [
        Divider(),
        header("Internal note", "notes"),
        Textarea("note", "Note", "Written to this conversation as an internal note"),
        Button("add_note", "Add note", "secondary"),
    ]


def links_section(retention: list[tuple[str, str]]) -> list[Component]:
    components: list[Component] = [
        Divider(),
        header("Quick links", "links"),
        Button("checkout_link", "Create new order"),
    ]
    components += [
        Button(f"retention-{index}", label, "link", url) for index, (label, url) in enumerate(retention)
    ]
    return components


# --------------------------------------------------------------------------- order details


def order_details(order: OrderSummary, *, read_only: bool, back: Button | None = None) -> list[Component]:
    """One order: when, where, status, shipping and tracking, addresses, items, refunds.

    ``read_only``: no refund or address buttons (a searched customer's order); ``back``: the
    button that leaves (back to the panel by default).
    """
    rows = [
        ("Date", order.created_at.date().isoformat()),
        ("Store", f"{order.brand or order.store or ''} ({order.platform})"),
        ("Total", str(order.total)),
        ("Refunded", str(order.refunded) if order.refunded else ""),
        ("Payment", order.financial_status.value.replace("_", " ")),
        ("Fulfilment", order.fulfillment_status.value),
        ("Ship status", order.ship_status),
        ("Tracking", ", ".join(order.tracking_numbers)),
        ("Ships to", one_line(order.shipping_address)),
        ("Bills to", one_line(order.billing_address)),
    ]
    lines = [
        (
            f"line-{index}",
            f"{line.quantity} x {line.name}",
            " · ".join(part for part in (line.sku, f"{line.price} each") if part),
        )
        for index, line in enumerate(order.line_items)
    ]
    components: list[Component] = [Text(f"Order {order.number}", "header", "order-details"), Fields(rows)]
    if lines:
        components += [Text("Items", "header"), Items(lines)]
    if not read_only:
        components.append(Button("refund", "Refund this order", "primary"))
        if order.ship_status == "Not Shipped":
            components.append(Button("change_address", "Change its address"))
    return [*components, back or Button("back", "Back", "link")]


# --------------------------------------------------------------------------- forms


def refund_form(orders: list[tuple[str, str]], values: dict[str, Any]) -> list[Component]:
    """The refund form: order, amount, and the three required choices (none pre-chosen)."""
    order_options = [(CHOOSE, "Choose the order"), *orders]
    components: list[Component] = [
        Text("Refund", "header"),
        Dropdown("order", "Order", order_options, _chosen(values.get("order"), orders) or CHOOSE),
        Input("amount", "Amount", "e.g. 19.99", _text(values.get("amount"))),
    ]
    for field_id, (label, choices) in REFUND_CHOICES.items():
        options = [(CHOOSE, f"Choose the {label.lower()}"), *choices]
        components.append(
            Dropdown(field_id, label, options, _chosen(values.get(field_id), choices) or CHOOSE)
        )
    return [*components, Button("review_refund", "Review", "primary"), Button("back", "Back", "link")]


def refund_review(values: dict[str, Any], order: str, amount: Money, refundable: Money) -> list[Component]:
    """What the refund will do, for the agent to confirm: every choice named."""
    labels = {field_id: dict(choices) for field_id, (_, choices) in REFUND_CHOICES.items()}
    rows = [
        ("Order", order),
        ("Amount", str(amount)),
        ("Refundable now", str(refundable)),
        *[
            (label, labels[field_id].get(str(values.get(field_id)), ""))
            for field_id, (label, _) in REFUND_CHOICES.items()
        ],
    ]
    return [
        Text("Review the refund", "header", "refund-review"),
        Fields(rows),
        Button("confirm_refund", f"Refund {amount}", "primary"),
        Button("refund", "Edit", "secondary"),
        Button("back", "Cancel", "link"),
    ]


def consents_form(summary: CustomerSummary | None, helpdesk: dict[Channel, bool]) -> list[Component]:
    """Which campaign (every one, or one store's), and the channels opted in to."""
    sources = list(summary.sources) if summary else []
    campaigns = [(ALL, "Every campaign")]
    campaigns += [(source_key(ref), f"{campaign_of(summary, ref)} ({ref.platform})") for ref in sources]
    merged = {c.channel: c.opted_in for c in summary.consents} if summary else {}
    checked = [channel.value for channel in Channel if {**helpdesk, **merged}.get(channel)]
    channels = [(ALL, "All channels"), *((c.value, CHANNEL_NAMES[c]) for c in Channel)]
    # One campaign is no choice (and Canvas Kit wants two options at least).
    which: list[Component] = [Dropdown("campaign", "Campaign", campaigns)] if sources else []
    return [
        Text("Marketing consents", "header"),
        *which,
        Checkboxes("consents", "Opted in to", channels, checked),
        Text(
            "Unticked channels are opted out. A channel no store records is kept on the helpdesk contact.",
            "muted",
        ),
    ]


# --------------------------------------------------------------------------- helpers


CHANNEL_NAMES = {Channel.EMAIL: "Email", Channel.SMS: "SMS", Channel.PHONE: "Phone"}


def campaign_of(summary: CustomerSummary | None, ref: Ref) -> str:
    """The campaign a customer record stands for: its store's brand, else the store key."""
    brands = (c.campaign for c in (summary.store_consents if summary else ()) if c.store == ref.store)
    orders = (o.brand for o in (summary.recent_orders if summary else ()) if o.store == ref.store and o.brand)
    return next(brands, None) or next(orders, None) or ref.store or ref.platform


def source_key(ref: Ref) -> str:
    """``platform|store|customer id``: how the consents form names a customer record."""
    return f"{ref.platform}|{ref.store or ''}|{ref.id}"


def order_key(order: OrderSummary) -> str:
    """``platform|store|number``: how a form names an order (``hub.serve.inbox_app`` splits it)."""
    return f"{order.platform}|{order.store or ''}|{order.number}"


def order_choices(summary: CustomerSummary | None) -> list[tuple[str, str]]:
    return [
        (order_key(o), f"{o.number} · {o.total} · {o.ship_status}")
        for o in (summary.recent_orders if summary else ())
    ]


def one_line(address: Address | None) -> str:
    return address.one_line() if address else ""


def _chosen(value: Any, choices: list[tuple[str, str]]) -> str | None:
    """``value`` when it is one of ``choices`` (a form shown again keeps what was chosen)."""
    text = _text(value)
    return text if text is not None and any(text == choice for choice, _ in choices) else None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Decimal):
        return None if value is None else str(value)
    text = str(value).strip()
    return text or None
