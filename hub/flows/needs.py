"""What the flows need the helpdesk to hold, declared once (``Flow.needs``).

``hub setup`` creates it on a new workspace and ``hub doctor`` reports what is missing; a
helpdesk plugin maps each key to its own name (its settings) and each type to its own.

* CS Assist writes the customer summary onto contacts: one field per key of
  ``hub.flows.summary.summary_attributes``.
* The back office reads Refund, Subscription Cancel, Fulfillment and Quality tickets.
* The tracker report reads Tracker tickets and writes their count.
"""

from __future__ import annotations

from hub.core.models import TicketType
from hub.core.setup import FieldSpec, FieldType, HelpdeskNeeds, TicketTypeSpec

STRING, INTEGER, DECIMAL, BOOLEAN = FieldType.STRING, FieldType.INTEGER, FieldType.DECIMAL, FieldType.BOOLEAN

SUMMARY_FIELDS = (
    FieldSpec(key="brand", description="Brands the customer bought from (hub: CS Assist)"),
    FieldSpec(key="lifetime_revenue", description="Net lifetime revenue per currency, all stores (hub)"),
    FieldSpec(key="order_count", type=INTEGER, description="Orders across every store (hub: CS Assist)"),
    FieldSpec(key="last_purchase_date", description="Date of the latest order, YYYY-MM-DD (hub: CS Assist)"),
    FieldSpec(key="open_subscriptions", description="Active subscriptions by product (hub: CS Assist)"),
    FieldSpec(key="latest_order_number", description="Number of the latest order (hub: CS Assist)"),
    FieldSpec(key="latest_order_status", description="Ship status of the latest order (hub: CS Assist)"),
    FieldSpec(key="tracking_numbers", description="Tracking numbers of the latest order (hub: CS Assist)"),
    FieldSpec(key="recent_orders", description="Last N orders, newest first (hub: CS Assist)"),
    FieldSpec(key="shipping_address", description="Latest shipping address (hub: CS Assist)"),
    FieldSpec(key="billing_address", description="Latest billing address (hub: CS Assist)"),
    FieldSpec(key="consent_email", type=BOOLEAN, description="Email marketing consent (hub: CS Assist)"),
    FieldSpec(key="consent_sms", type=BOOLEAN, description="SMS marketing consent (hub: CS Assist)"),
    FieldSpec(key="consent_phone", type=BOOLEAN, description="Phone marketing consent (hub: CS Assist)"),
)

ORDER = FieldSpec(key="order_id", description="The order's id or number on its store")
PLATFORM = FieldSpec(key="platform", description="The store's platform (shopify, konnektive, ...)")
STORE = FieldSpec(key="store", description="The store (brand key) when the platform has several")
ADMIN_REASON = FieldSpec(key="admin_reason", description="Why, in the agent's words")
LINE_ITEMS = FieldSpec(key="line_items", description="Line item ids with quantities: 12x1, 13x2")
REPLACEMENT = FieldSpec(key="replacement", type=BOOLEAN, description="Send a zero-charge replacement")
SKU = FieldSpec(key="sku", description="The product's SKU")
LOT = FieldSpec(key="lot", description="The production lot printed on the product")

CS_ASSIST = HelpdeskNeeds(contact_fields=SUMMARY_FIELDS)

BACK_OFFICE = HelpdeskNeeds(
    ticket_types=(
        TicketTypeSpec(
            type=TicketType.REFUND,
            description="Refund an order (carried out by the hub)",
            attributes=(
                ORDER,
                PLATFORM,
                STORE,
                FieldSpec(key="amount", type=DECIMAL, description="Amount to refund"),
                FieldSpec(key="currency", description="Currency of the amount (the order's by default)"),
                FieldSpec(key="refund_reason", description="Refund reason: damaged, not_received, ..."),
                ADMIN_REASON,
                FieldSpec(key="disposition", description="What happens to the goods: return, keep, ..."),
                LINE_ITEMS,
            ),
        ),
        TicketTypeSpec(
            type=TicketType.SUBSCRIPTION_CANCEL,
            description="Cancel a subscription (carried out by the hub)",
            attributes=(
                ORDER,
                PLATFORM,
                STORE,
                FieldSpec(key="subscription_id", description="The subscription's id on its platform"),
                FieldSpec(key="saved", type=BOOLEAN, description="Retention offer accepted: do not cancel"),
                ADMIN_REASON,
            ),
        ),
        TicketTypeSpec(
            type=TicketType.FULFILLMENT,
            description="Change the address or replace an order (carried out by the hub)",
            attributes=(
                ORDER,
                PLATFORM,
                STORE,
                FieldSpec(key="new_address", description="New shipping address, one line"),
                REPLACEMENT,
                LINE_ITEMS,
            ),
        ),
        TicketTypeSpec(
            type=TicketType.QUALITY,
            description="A product quality report (counted by the hub)",
            attributes=(ORDER, PLATFORM, STORE, SKU, LOT, REPLACEMENT, LINE_ITEMS),
        ),
    )
)

TRACKER = HelpdeskNeeds(
    ticket_types=(
        TicketTypeSpec(
            type=TicketType.TRACKER,
            description="One problem many customers report (counted by the hub)",
            attributes=(
                SKU,
                LOT,
                FieldSpec(key="tracker_count", type=INTEGER, description="Linked conversations (hub)"),
            ),
        ),
    )
)
