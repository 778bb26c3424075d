"""The CS Assist summary as a side panel: brands, revenue, orders, subscriptions, address, consents."""

from __future__ import annotations

from hub.core.models import CustomerSummary
from hub.core.panel import Button, Component, Divider, Fields, Items, Text

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
        return [Text(f"No store knows {who}.", "muted"), Button("checkout_link", "Checkout link")]
    revenue = "; ".join(str(money) for money in summary.lifetime_revenue.values())
    consents = ", ".join(f"{c.channel.value} {'yes' if c.opted_in else 'no'}" for c in summary.consents)
    components: list[Component] = [
        Text(summary.name or summary.email or who, "header"),
        Fields(
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
        components.append(Text("Recent orders", "header"))
        components.append(
            Items(
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
        components.append(Text(f"Left out, unreadable: {left_out}", "muted"))
    components.append(Divider())
    components.extend(Button(component_id, label) for component_id, label in ACTION_BUTTONS)
    return components
