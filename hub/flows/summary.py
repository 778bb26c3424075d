"""The CS Assist view: one customer across every commerce platform.

Used by the ``cs_assist`` flow (written onto the helpdesk contact), ``hub lookup`` and the
inbox app. Everything here speaks domain models; the platforms are reached through hooks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from hub.core.errors import CapabilityMissing, MappingError
from hub.core.lookup import phone_key
from hub.core.manager import Hub
from hub.core.mapping import split_unreadable
from hub.core.models import (
    Channel,
    Consent,
    Customer,
    CustomerSummary,
    Money,
    Order,
    OrderSummary,
    StoreConsent,
    Subscription,
    Unreadable,
    money_totals,
    ship_status,
)
from hub.flows.base import together

log = logging.getLogger("hub.flows.summary")

RECENT_ORDERS = 5
"""How many of the newest orders a summary lists by default (``[flows.cs_assist] recent_orders``)."""
DEFAULT_REGION = "US"
"""Where a phone typed without ``+country`` is read by default (``[flows.cs_assist] phone_region``)."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
"""An address a store could hold: something, ``@``, a domain with a dot (no spaces)."""


def read_person(
    text: str, *, phone_only: bool = False, region: str = DEFAULT_REGION
) -> tuple[str | None, str | None]:
    """``(email, phone)`` to look a person up by, from what an agent typed.

    An email is kept as typed (stripped). A phone in any common format (``(415) 555-0000``,
    ``415.555.0000``, ``+1 415 555 0000``) becomes E.164, read in ``region`` (ISO 3166-1
    alpha-2) when it has no ``+country``: the stores are asked with that one form, since
    several match phone text as stored. ``phone_only`` reads it as a phone even when it could
    be an email. Raises ``ValueError`` when it is neither.
    """
    value = text.strip()
    if not phone_only and EMAIL.match(value):
        return value, None
    number = phone_key(value, region)
    if number is not None:
        return None, number
    if phone_only:
        raise ValueError(f"not a phone number: {text!r} (with its country code: +1 512 555 0142)")
    raise ValueError(f"not an email address or phone number: {text!r} (ann@example.com, or +1 512 555 0142)")


async def find_customers(hub: Hub, email: str | None, phone: str | None) -> list[Customer | MappingError]:
    """Look the person up on every enabled store: by email first, then by phone.

    A customer record a store could not map is a ``MappingError`` entry (it counts as found:
    the person is there, the record is unreadable).
    """
    found: list[Customer | MappingError] = []
    if email:
        found = await hub.commerce.find_customers(email=email, phone=None)
    if not found and phone:
        found = await hub.commerce.find_customers(email=None, phone=phone)
    return found


async def build_summary(
    hub: Hub,
    email: str | None,
    phone: str | None,
    *,
    recent: int = RECENT_ORDERS,
    region: str = DEFAULT_REGION,
) -> CustomerSummary | None:
    """The CustomerSummary of whoever has this email (or phone); None when no store knows them.

    ``phone`` may be in any common format: it is read as E.164 (in ``region`` when it has no
    ``+country``) before any store is asked; one that is no phone number finds no one by phone.
    ``recent``: how many of the newest orders to list with their details.

    A record that cannot be mapped (a customer, an order, a subscription) is left out of the
    figures and listed in ``summary.unreadable`` with its field and reason, for the caller to
    report: one broken order must not hide the rest of a customer, nor vanish silently. When
    every customer record found is unreadable, the summary has no ``sources`` and only that list.
    """
    phone = phone_key(phone, region) if phone else None
    customers, unreadable = split_unreadable(await find_customers(hub, email, phone))
    if not customers and not unreadable:
        return None
    details = await together(*(_customer_details(hub, c) for c in customers))
    orders, more = split_unreadable(item for customer_orders, _ in details for item in customer_orders)
    subscriptions, still_more = split_unreadable(item for _, subs in details for item in subs)
    summary = summarise(customers, orders, subscriptions, email=email, phone=phone, recent=recent)
    left_out = tuple(unreadable_of(error) for error in (*unreadable, *more, *still_more))
    return summary.model_copy(update={"unreadable": left_out}) if left_out else summary


def unreadable_of(error: MappingError) -> Unreadable:
    """The ``Unreadable`` entry of a view for a record that could not be mapped."""
    return Unreadable(
        platform=error.platform,
        record=error.record or "record",
        record_id=error.record_id,
        field=error.field,
        reason=error.reason,
        payload=error.payload,
    )


async def _customer_details(
    hub: Hub, customer: Customer
) -> tuple[list[Order | MappingError], list[Subscription | MappingError]]:
    orders, subscriptions = await together(
        _optional(hub.commerce.list_orders(customer=customer.ref)),
        _optional(hub.commerce.list_subscriptions(customer=customer.ref)),
    )
    return orders, subscriptions


async def _optional(read: Awaitable[list[Any]]) -> list[Any]:
    """A per-platform read some platforms cannot do: the summary goes on without it.

    A list that fails on an unreadable record as a whole (a plugin mapping it all at once)
    comes back as that one ``MappingError`` entry.
    """
    try:
        return list(await read)
    except CapabilityMissing as missing:
        log.debug("summary without it: %s", missing)
        return []
    except MappingError as error:
        return [error]


def summarise(
    customers: list[Customer],
    orders: list[Order],
    subscriptions: list[Subscription],
    *,
    email: str | None = None,
    phone: str | None = None,
    recent: int = RECENT_ORDERS,
) -> CustomerSummary:
    """Pure: fold the customer records, orders and subscriptions into one summary.

    ``recent``: how many of the newest orders ``recent_orders`` lists (at least the latest).
    """
    newest = sorted(orders, key=lambda o: o.created_at, reverse=True)
    listed = tuple(_order_summary(order) for order in newest[: max(1, recent)])
    return CustomerSummary(
        email=email or next((c.email for c in customers if c.email), None),
        phone=phone or next((c.phone for c in customers if c.phone), None),
        name=next((c.name for c in customers if c.name), None),
        brands=tuple(sorted({b for b in (*(c.brand for c in customers), *(o.brand for o in orders)) if b})),
        lifetime_revenue=_lifetime_revenue(customers, orders),
        order_count=_order_count(customers, orders),
        last_purchase_at=_last_purchase(customers, orders),
        open_subscriptions=tuple(s for s in subscriptions if s.is_open),
        latest_order=listed[0] if listed else None,
        recent_orders=listed,
        shipping_address=next(
            (o.shipping_address for o in newest if o.shipping_address),
            next((c.default_address for c in customers if c.default_address), None),
        ),
        billing_address=next(
            (o.billing_address for o in newest if o.billing_address),
            next((c.billing_address for c in customers if c.billing_address), None),
        ),
        consents=_merged_consents(customers),
        store_consents=_store_consents(customers),
        sources=tuple(c.ref for c in customers),
    )


def _orders_of(customer: Customer, orders: list[Order]) -> list[Order]:
    return [
        o
        for o in orders
        if o.platform == customer.platform
        and o.store == customer.store
        and (o.customer_id in (None, customer.id))
    ]


def _lifetime_revenue(customers: list[Customer], orders: list[Order]) -> dict[str, Money]:
    """The platform's own figure where it has one, else the sum of that customer's orders."""
    amounts: list[Money] = []
    for customer in customers:
        if customer.lifetime_revenue is not None:
            amounts.append(customer.lifetime_revenue)
        else:
            amounts.extend(_net(order) for order in _orders_of(customer, orders))
    return money_totals(amounts)


def _net(order: Order) -> Money:
    return Money(amount=order.total.amount - order.refunded.amount, currency=order.total.currency)


def _order_count(customers: list[Customer], orders: list[Order]) -> int:
    return sum(c.order_count if c.order_count is not None else len(_orders_of(c, orders)) for c in customers)


def _last_purchase(customers: list[Customer], orders: list[Order]) -> datetime | None:
    stamps = [c.last_order_at for c in customers if c.last_order_at]
    stamps += [o.created_at for o in orders]
    return max(stamps) if stamps else None


def _order_summary(order: Order) -> OrderSummary:
    return OrderSummary(
        platform=order.platform,
        store=order.store,
        number=order.number,
        ship_status=ship_status(order),
        tracking_numbers=order.tracking_numbers,
        total=order.total,
        created_at=order.created_at,
        id=order.id,
        brand=order.brand,
        financial_status=order.financial_status,
        fulfillment_status=order.fulfillment_status,
        refunded=order.refunded if order.refunds else None,
        line_items=order.line_items,
        shipping_address=order.shipping_address,
        billing_address=order.billing_address,
    )


def _merged_consents(customers: list[Customer]) -> tuple[Consent, ...]:
    """Per channel, the most recently updated answer (an opt-out anywhere wins a tie)."""
    best: dict[Channel, Consent] = {}
    for customer in customers:
        for consent in customer.consents:
            current = best.get(consent.channel)
            if current is None or _consent_rank(consent) > _consent_rank(current):
                best[consent.channel] = consent
    return tuple(best[channel] for channel in Channel if channel in best)


def _store_consents(customers: list[Customer]) -> tuple[StoreConsent, ...]:
    """Each store's own answers, per channel: the consent of each brand's campaign."""
    return tuple(
        StoreConsent(
            platform=customer.platform,
            store=customer.store,
            brand=customer.brand,
            customer_id=customer.id,
            channel=consent.channel,
            opted_in=consent.opted_in,
            updated_at=consent.updated_at,
        )
        for customer in customers
        for consent in customer.consents
    )


def _consent_rank(consent: Consent) -> tuple[float, int]:
    stamp = consent.updated_at.timestamp() if consent.updated_at else 0.0
    return stamp, 0 if consent.opted_in else 1


def summary_attributes(summary: CustomerSummary) -> dict[str, Any]:
    """The summary as flat contact attributes (names are the hub's; the helpdesk maps them).

    Every key is a CS Assist field the helpdesk plugin names (Intercom: ``cs_assist_attributes``).
    A consent no store records is left out rather than written blank: the helpdesk keeps what
    an agent recorded there (the inbox app writes phone consent onto the contact).
    """
    latest = summary.latest_order
    consents = {c.channel: c.opted_in for c in summary.consents}
    attributes: dict[str, Any] = {
        "brand": ", ".join(summary.brands),
        "lifetime_revenue": "; ".join(str(m) for m in summary.lifetime_revenue.values()),
        "order_count": summary.order_count,
        "last_purchase_date": summary.last_purchase_at.date().isoformat() if summary.last_purchase_at else "",
        "open_subscriptions": ", ".join(subscription_line(s) for s in summary.open_subscriptions),
        "latest_order_number": latest.number if latest else "",
        "latest_order_status": latest.ship_status if latest else "",
        "tracking_numbers": ", ".join(latest.tracking_numbers) if latest else "",
        "recent_orders": " | ".join(order_line(order) for order in summary.recent_orders),
        "shipping_address": summary.shipping_address.one_line() if summary.shipping_address else "",
        "billing_address": summary.billing_address.one_line() if summary.billing_address else "",
    }
    for channel in Channel:
        if channel in consents:
            attributes[f"consent_{channel.value}"] = consents[channel]
    return attributes


def subscription_line(subscription: Subscription) -> str:
    """``Bone Broth Club (id 50001)``: what it is, and the id a cancel ticket takes as it is shown."""
    what = subscription.product or subscription.sku or subscription.platform
    return f"{what} (id {subscription.id})"


def order_line(order: OrderSummary) -> str:
    """``#1001 2025-05-17 39.90 USD paid, shipped 2025-05-18, tracking 1Z…``: one order, short.

    The payment status, then the ship status (which says the fulfilment), then the tracking:
    a contact attribute holds several of these, newest first, so a helpdesk that shortens long
    values drops the oldest orders first.
    """
    words = order.ship_status in ("Not Shipped", "Shipped")
    shipped = order.ship_status if words else f"shipped {order.ship_status}"
    tracking = f", tracking {' '.join(order.tracking_numbers)}" if order.tracking_numbers else ""
    when = order.created_at.date().isoformat()
    paid = order.financial_status.value.replace("_", " ")
    return f"{order.number} {when} {order.total} {paid}, {shipped}{tracking}"
