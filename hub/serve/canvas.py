"""Canvas Kit components (Intercom inbox apps) as plain JSON, and the CS Assist summary view.

Shapes follow Intercom's Canvas Kit reference: each component is an object with ``type`` and
its own keys; a button with ``{"type": "submit"}`` sends the submit request with its id as
``component_id`` and every input's value in ``input_values``.
"""

from __future__ import annotations

from typing import Any

from hub.core.models import CustomerSummary

Component = dict[str, Any]


def text(value: str, style: str = "paragraph", component_id: str | None = None) -> Component:
    component: Component = {"type": "text", "text": value, "style": style}
    if component_id:
        component["id"] = component_id
    return component


def divider() -> Component:
    return {"type": "divider"}


def button(component_id: str, label: str, style: str = "secondary") -> Component:
    return {
        "type": "button",
        "id": component_id,
        "label": label,
        "style": style,
        "action": {"type": "submit"},
    }


def input_field(component_id: str, label: str, placeholder: str = "", value: str | None = None) -> Component:
    component: Component = {"type": "input", "id": component_id, "label": label, "placeholder": placeholder}
    if value is not None:
        component["value"] = value
    return component


def options(choices: list[tuple[str, str]]) -> list[Component]:
    return [{"type": "option", "id": option_id, "text": label} for option_id, label in choices]


def dropdown(
    component_id: str, label: str, choices: list[tuple[str, str]], value: str | None = None
) -> Component:
    component: Component = {
        "type": "dropdown",
        "id": component_id,
        "label": label,
        "options": options(choices),
    }
    if value is not None or choices:
        component["value"] = value if value is not None else choices[0][0]
    return component


def checkbox(component_id: str, label: str, choices: list[tuple[str, str]], checked: list[str]) -> Component:
    return {
        "type": "checkbox",
        "id": component_id,
        "label": label,
        "options": options(choices),
        "value": checked,
    }


def data_table(rows: list[tuple[str, str]]) -> Component:
    return {
        "type": "data-table",
        "items": [{"type": "field-value", "field": field, "value": value or "-"} for field, value in rows],
    }


def item_list(items: list[tuple[str, str, str]]) -> Component:
    return {
        "type": "list",
        "items": [
            {"type": "item", "id": item_id, "title": title, "subtitle": subtitle}
            for item_id, title, subtitle in items
        ],
    }


def canvas(components: list[Component], stored_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The response body of an initialize or submit request."""
    body: dict[str, Any] = {"canvas": {"content": {"components": components}}}
    if stored_data:
        body["canvas"]["stored_data"] = stored_data
    return body


# --------------------------------------------------------------------------- the CS Assist view

ACTION_BUTTONS: list[tuple[str, str]] = [
    ("refund", "Refund"),
    ("cancel_subscription", "Cancel subscription"),
    ("change_address", "Change address"),
    ("consents", "Consents"),
    ("checkout_link", "Checkout link"),
]


def summary_components(summary: CustomerSummary | None, who: str) -> list[Component]:
    """The customer's CS Assist summary: brands, revenue, orders, subscriptions, address, consents."""
    if summary is None:
        return [text(f"No store knows {who}.", "muted"), button("checkout_link", "Checkout link")]
    revenue = "; ".join(str(money) for money in summary.lifetime_revenue.values())
    consents = ", ".join(f"{c.channel.value} {'yes' if c.opted_in else 'no'}" for c in summary.consents)
    components: list[Component] = [
        text(summary.name or summary.email or who, "header"),
        data_table(
            [
                ("Brand", ", ".join(summary.brands)),
                ("Lifetime revenue", revenue),
                (
                    "Last purchase",
                    summary.last_purchase_at.date().isoformat() if summary.last_purchase_at else "",
                ),
                ("Orders", str(summary.order_count)),
                ("Subscriptions", ", ".join(s.product or s.sku or s.id for s in summary.open_subscriptions)),
                ("Ships to", summary.shipping_address.one_line() if summary.shipping_address else ""),
                ("Consents", consents),
            ]
        ),
    ]
    if summary.recent_orders:
        components.append(text("Recent orders", "header"))
        components.append(
            item_list(
                [
                    (
                        f"order-{order.platform}-{order.number}",
                        f"{order.number} · {order.total} · {order.platform}",
                        f"{order.ship_status}"
                        + (
                            f" · tracking {', '.join(order.tracking_numbers)}"
                            if order.tracking_numbers
                            else ""
                        ),
                    )
                    for order in summary.recent_orders
                ]
            )
        )
    if summary.unreadable:  # the figures above leave these out: say so rather than mislead
        left_out = "; ".join(str(record) for record in summary.unreadable)
        components.append(text(f"Left out, unreadable: {left_out}", "muted"))
    components.append(divider())
    components.extend(button(component_id, label) for component_id, label in ACTION_BUTTONS)
    return components
