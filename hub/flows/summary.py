"""The CS Assist view: one customer across every commerce platform.

Used by the ``cs_assist`` flow (written onto the helpdesk contact), ``hub lookup`` and the
inbox app. Everything here speaks domain models; the platforms are reached through hooks.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.errors import CapabilityMissing, MappingError
from hub.core.lookup import phone_key
from hub.core.manager import Hub
from hub.core.mapping import split_unreadable
from hub.core.models import (
    UNPAID,
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
    Orders are folded page by page (``OrderTally``): a customer with years of rebills is never
    held whole.
    """
    phone = phone_key(phone, region) if phone else None
    customers, unreadable = split_unreadable(await find_customers(hub, email, phone))
    if not customers and not unreadable:
        return None
    details = await together(
        *(_customer_details(hub, customers, index, recent) for index in range(len(customers)))
    )
    tally = OrderTally.combined(customers, [orders for orders, _ in details], recent=recent)
    subscriptions, still_more = split_unreadable(item for _, subs in details for item in subs)
    summary = tally.summary(subscriptions, email=email, phone=phone)
    left_out = tuple(unreadable_of(error) for error in (*unreadable, *tally.unreadable, *still_more))
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
    hub: Hub, customers: list[Customer], index: int, recent: int
) -> tuple[OrderTally, list[Subscription | MappingError]]:
    customer = customers[index]
    orders, subscriptions = await together(
        tally_orders(hub, customers, index, recent=recent),
        _optional(hub.commerce.list_subscriptions(customer=customer.ref)),
    )
    return orders, subscriptions


async def tally_orders(
    hub: Hub, customers: list[Customer], index: int, *, recent: int = RECENT_ORDERS
) -> OrderTally:
    """Customer ``index``'s orders, folded a page at a time (as ``_optional``: a platform that
    cannot list orders adds none; a list failing as a whole on a record is that one entry)."""
    tally = OrderTally(customers, recent=recent)
    try:
        async for page in hub.commerce.list_orders(customer=customers[index].ref):
            tally.add(page, source=index)
    except CapabilityMissing as missing:
        log.debug("summary without it: %s", missing)
        return OrderTally(customers, recent=recent)
    except MappingError as error:
        return OrderTally(customers, recent=recent).add([error], source=index)
    return tally


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
    tally = OrderTally(customers, recent=recent).add(orders, source=0)
    return tally.summary(subscriptions, email=email, phone=phone)


@dataclass
class _Matched:
    """The orders counted for one customer record: how many, and their net per currency."""

    count: int = 0
    net: dict[str, tuple[Seq, Money]] = field(default_factory=dict)  # currency -> (first seen, sum)

    def count_net(self, amount: Money, seen: Seq) -> None:
        first, total = self.net.get(amount.currency, (seen, None))
        self.net[amount.currency] = (min(first, seen), amount if total is None else total + amount)


Seq = tuple[int, int]
"""Where an order stands among all a summary read: (which customer's list, place in it)."""


class OrderTally:
    """What a summary needs of the orders, folded as they arrive, never holding them all.

    The figures are exactly those of sorting every order newest first and reading them whole:
    the ``recent`` newest (at least one; ties in reading order), the newest with a shipping
    address and the newest with a billing address, the last purchase, the brands, and per
    customer record the count and net total of its orders that brought money in (not pending,
    declined or voided: ``UNPAID``), used only where the platform has no figure of its own
    (a platform that reports none gets them from the orders listed here: one read serves
    both). Orders are numbered by ``(source, place)``, so lists read at the same time fold to
    the same figures whatever the interleaving.
    """

    def __init__(self, customers: list[Customer], *, recent: int = RECENT_ORDERS) -> None:
        self.customers, self.keep = customers, max(1, recent)
        self.recent: list[tuple[datetime, tuple[int, int], Order]] = []  # min-heap of the newest
        self.shipping: tuple[datetime, tuple[int, int], Order] | None = None
        self.billing: tuple[datetime, tuple[int, int], Order] | None = None
        self.last: datetime | None = None
        self.brands: set[str] = set()
        self.matched = [_Matched() for _ in customers]
        self.errors: list[tuple[Seq, MappingError]] = []
        self._next: dict[int, int] = {}

    @property
    def unreadable(self) -> list[MappingError]:
        """The orders that could not be mapped, in reading order."""
        return [error for _, error in sorted(self.errors, key=lambda pair: pair[0])]

    def add(self, orders: list[Order | MappingError], *, source: int) -> OrderTally:
        """Fold the next orders of list ``source`` (in the order that list gives them)."""
        place = self._next.get(source, 0)
        for order in orders:
            seq = (source, place)
            place += 1
            if isinstance(order, MappingError):
                self.errors.append((seq, order))
            else:
                self._fold(order, seq)
        self._next[source] = place
        return self

    def _fold(self, order: Order, seq: Seq) -> None:
        # Newest first, and among equals the one read first: the rank (created_at, -source, -place).
        ranked = (order.created_at, (-seq[0], -seq[1]), order)
        self._keep_newest(ranked)
        if order.shipping_address and (self.shipping is None or ranked[:2] > self.shipping[:2]):
            self.shipping = ranked
        if order.billing_address and (self.billing is None or ranked[:2] > self.billing[:2]):
            self.billing = ranked
        self.last = order.created_at if self.last is None else max(self.last, order.created_at)
        if order.brand:
            self.brands.add(order.brand)
        if order.financial_status in UNPAID:
            return  # no money came in: nothing to count for its customer (it is still listed)
        for customer, matched in zip(self.customers, self.matched, strict=True):
            if _belongs(order, customer):
                matched.count += 1
                matched.count_net(_net(order), seq)

    def _keep_newest(self, ranked: tuple[datetime, tuple[int, int], Order]) -> None:
        if len(self.recent) < self.keep:
            heapq.heappush(self.recent, ranked)
        elif ranked[:2] > self.recent[0][:2]:
            heapq.heapreplace(self.recent, ranked)

    @classmethod
    def combined(
        cls, customers: list[Customer], tallies: list[OrderTally], *, recent: int = RECENT_ORDERS
    ) -> OrderTally:
        """One tally of several (each customer's list read on its own)."""
        whole = cls(customers, recent=recent)
        for tally in tallies:
            for ranked in tally.recent:
                whole._keep_newest(ranked)
            if tally.shipping and (whole.shipping is None or tally.shipping[:2] > whole.shipping[:2]):
                whole.shipping = tally.shipping
            if tally.billing and (whole.billing is None or tally.billing[:2] > whole.billing[:2]):
                whole.billing = tally.billing
            if tally.last is not None:
                whole.last = tally.last if whole.last is None else max(whole.last, tally.last)
            whole.brands |= tally.brands
            whole.errors += tally.errors
            for mine, theirs in zip(whole.matched, tally.matched, strict=True):
                mine.count += theirs.count
                for first, total in theirs.net.values():
                    mine.count_net(total, first)
        return whole

    def summary(
        self, subscriptions: list[Subscription], *, email: str | None = None, phone: str | None = None
    ) -> CustomerSummary:
        customers = self.customers
        newest = [order for *_, order in sorted(self.recent, key=lambda ranked: ranked[:2], reverse=True)]
        recent = tuple(_order_summary(order) for order in newest)
        return CustomerSummary(
            email=email or next((c.email for c in customers if c.email), None),
            phone=phone or next((c.phone for c in customers if c.phone), None),
            name=next((c.name for c in customers if c.name), None),
            brands=tuple(sorted({b for b in (*(c.brand for c in customers), *self.brands) if b})),
            lifetime_revenue=self._lifetime_revenue(),
            order_count=sum(
                c.order_count if c.order_count is not None else m.count
                for c, m in zip(customers, self.matched, strict=True)
            ),
            last_purchase_at=self._last_purchase(),
            open_subscriptions=tuple(s for s in subscriptions if s.is_open),
            latest_order=recent[0] if recent else None,
            recent_orders=recent,
            shipping_address=(
                self.shipping[2].shipping_address
                if self.shipping
                else next((c.default_address for c in customers if c.default_address), None)
            ),
            billing_address=(
                self.billing[2].billing_address
                if self.billing
                else next((c.billing_address for c in customers if c.billing_address), None)
            ),
            consents=_merged_consents(customers),
            store_consents=_store_consents(customers),
            sources=tuple(c.ref for c in customers),
        )

    def _lifetime_revenue(self) -> dict[str, Money]:
        """The platform's own figure where it has one, else the sum of that customer's orders
        (currencies in the order they first appear, as when every order was listed)."""
        amounts: list[Money] = []
        for customer, matched in zip(self.customers, self.matched, strict=True):
            if customer.lifetime_revenue is not None:
                amounts.append(customer.lifetime_revenue)
            else:
                amounts += [total for _, total in sorted(matched.net.values(), key=lambda pair: pair[0])]
        return money_totals(amounts)

    def _last_purchase(self) -> datetime | None:
        stamps = [c.last_order_at for c in self.customers if c.last_order_at]
        stamps += [self.last] if self.last is not None else []
        return max(stamps) if stamps else None


def _belongs(order: Order, customer: Customer) -> bool:
    return (
        order.platform == customer.platform
        and order.store == customer.store
        and order.customer_id in (None, customer.id)
    )


def _net(order: Order) -> Money:
    return Money(amount=order.total.amount - order.refunded.amount, currency=order.total.currency)


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
