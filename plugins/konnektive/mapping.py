"""Konnektive JSON -> domain models.

Konnektive sends every scalar as a string ("49.95", "1"), timestamps as ``YYYY-MM-DD HH:MM:SS``
in the account's local time, order ``items`` as an object keyed by item id, and only a currency
symbol on orders (the store's ISO currency comes from settings). Fields flows need (ids, totals,
order dates) are strict; everything else is optional.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from hub.core.allocation import after_discount, unit_price
from hub.core.amounts import symbol_fits
from hub.core.errors import MappingError
from hub.core.mapping import mapping_guard, reading
from hub.core.models import (
    UNPAID,
    Address,
    Customer,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    Refund,
    Subscription,
    SubscriptionStatus,
)

PLATFORM = "konnektive"
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y")

# Refund and replacement markers the plugin writes into customer notes (see plugin.py).
MARKER = re.compile(
    r"\[hub (?P<action>refund|replacement) (?P<state>intent|done)\]"
    r"(?P<fields>(?: [a-z_]+=\S+)*)"
)


@dataclass(frozen=True)
class StoreView:
    """What mapping needs to know about the store a record came from."""

    key: str
    brand: str
    currency: str
    zone: ZoneInfo


# --------------------------------------------------------------------------- scalars


def text(record: Mapping[str, Any], key: str) -> str | None:
    """A trimmed string value, None for missing, empty or the literal ``NULL``.

    Numbers are read as their text (the CRM sends ids and amounts either way); a list or an
    object is not text: ``MappingError`` naming ``key``.
    """
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, list | dict):
        raise MappingError(PLATFORM, "", key, f"not text: {type(value).__name__}")
    value = str(value).strip()
    return value if value and value.upper() != "NULL" else None


def required_text(record: Mapping[str, Any], kind: str, key: str) -> str:
    value = text(record, key)
    if value is None:
        raise MappingError(PLATFORM, kind, key, "missing")
    return value


def decimal_of(raw: Any, kind: str, key: str) -> Decimal:
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest exact text of the float JSON gave us
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise MappingError(PLATFORM, kind, key, f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise MappingError(PLATFORM, kind, key, f"not a finite number: {raw!r}")
    return value


def money(record: Mapping[str, Any], kind: str, key: str, currency: str, *,
          required: bool = True) -> Money | None:
    raw = record.get(key)
    if raw is None or str(raw).strip() == "":
        if required:
            raise MappingError(PLATFORM, kind, key, "missing")
        return None
    return Money(amount=decimal_of(raw, kind, key), currency=currency)


def timestamp(record: Mapping[str, Any], kind: str, key: str, zone: ZoneInfo, *,
              required: bool = False) -> datetime | None:
    """Account-local wall time -> aware UTC."""
    raw = text(record, key)
    if raw is None or raw.startswith("0000-00-00"):
        if required:
            raise MappingError(PLATFORM, kind, key, "missing")
        return None
    for fmt in _TIME_FORMATS:
        try:
            parsed = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=zone).astimezone(UTC)
    raise MappingError(PLATFORM, kind, key, f"unknown date format: {raw!r}")


def e164(raw: str | None, country: str | None) -> str | None:
    """E.164 when the number parses (Konnektive keeps what the customer typed)."""
    if not raw:
        return None
    region = country.upper() if country and len(country) == 2 else "US"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digits_for_search(phone: str) -> list[str]:
    """What to send as ``phoneNumber`` (digits only) for an E.164 number.

    The CRM stores numbers as typed; US shops mostly store the national number. We try the
    national number first, then with the country code.
    """
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", phone)
        return [digits] if digits else []
    national = str(number.national_number)
    return [national, f"{number.country_code}{national}"]


# --------------------------------------------------------------------------- records


def address(record: Mapping[str, Any], prefix: str = "") -> Address | None:
    """Billing (``address1``...) or shipping (``shipAddress1``...) address; None when incomplete."""

    def field(name: str) -> str | None:
        key = f"{prefix}{name[0].upper()}{name[1:]}" if prefix else name
        return text(record, key)

    line1, city, country = field("address1"), field("city"), field("country")
    if not (line1 and city and country):
        return None
    name = " ".join(part for part in (field("firstName"), field("lastName")) if part) or None
    return Address(
        name=name,
        company=field("companyName"),
        line1=line1,
        line2=field("address2"),
        city=city,
        region=field("state"),
        postal_code=field("postalCode"),
        country=country.upper(),
        phone=e164(text(record, "phoneNumber"), country),
    )


@dataclass(frozen=True)
class CustomerFigures:
    """Summary figures computed from a customer's orders (Konnektive reports none)."""

    lifetime_revenue: Money
    order_count: int
    last_order_at: datetime | None


@mapping_guard(PLATFORM, "customer", id_field="customerId")
def customer(raw: Mapping[str, Any], store: StoreView,
             figures: CustomerFigures | None = None) -> Customer:
    kind = "customer"
    country = text(raw, "country") or text(raw, "shipCountry")
    return Customer(
        platform=PLATFORM,
        id=required_text(raw, kind, "customerId"),
        store=store.key,
        brand=store.brand,
        email=text(raw, "emailAddress"),
        phone=e164(text(raw, "phoneNumber"), country),
        first_name=text(raw, "firstName"),
        last_name=text(raw, "lastName"),
        created_at=timestamp(raw, kind, "dateCreated", store.zone),
        lifetime_revenue=figures.lifetime_revenue if figures else None,
        order_count=figures.order_count if figures else None,
        last_order_at=figures.last_order_at if figures else None,
        default_address=address(raw, "ship") or address(raw),
    )


def customer_figures(orders: Iterable[Order], currency: str) -> CustomerFigures:
    """Revenue = order totals minus their refunds; pending, declined and voided orders count for
    nothing (``UNPAID``: the rule the CS Assist summary applies to the orders it lists, so the
    figures are the same whether the customer record carries them or not).

    An order that could not be mapped (a ``MappingError`` entry) counts for nothing here; the
    order list reports it.
    """
    counted = [o for o in orders if isinstance(o, Order) and o.financial_status not in UNPAID]
    revenue = sum((o.total.amount - o.refunded.amount for o in counted), Decimal(0))
    last = max((o.created_at for o in counted), default=None)
    return CustomerFigures(Money(amount=revenue, currency=currency), len(counted), last)


def items_of(raw: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Order items as ``(item id, item)``: an object keyed by id, tolerant of a list."""
    items = raw.get("items") or {}
    if isinstance(items, Mapping):
        return [(str(key), value) for key, value in items.items() if isinstance(value, Mapping)]
    if not isinstance(items, list):
        raise MappingError(PLATFORM, "order", "items", f"not a list or an object: {type(items).__name__}")
    pairs: list[tuple[str, Mapping[str, Any]]] = []
    for index, value in enumerate(items):
        if isinstance(value, Mapping):
            pairs.append((text(value, "orderItemId") or text(value, "productId") or str(index), value))
    return pairs


def line_item(item_id: str, raw: Mapping[str, Any], currency: str, paid: Decimal | None = None) -> LineItem:
    """An order item; its price is what one unit cost: ``paid`` (what was paid for the whole
    line, ``items_paid``) over the quantity, rounded down to the cent, or the item's ``price``."""
    kind = "order item"
    count = _quantity(raw)
    price = money(raw, kind, "price", currency)
    assert price is not None
    if paid is not None:
        price = Money(amount=unit_price(paid, count, currency), currency=currency)
    return LineItem(
        id=item_id,
        sku=text(raw, "productSku") or text(raw, "sku"),
        name=text(raw, "name") or text(raw, "productName") or required_text(raw, kind, "name"),
        quantity=count,
        price=price,
    )


def _quantity(raw: Mapping[str, Any]) -> int:
    quantity = text(raw, "qty") or text(raw, "quantity") or "1"
    try:
        return int(Decimal(quantity))
    except (InvalidOperation, ValueError):
        raise MappingError(PLATFORM, "order item", "qty", f"not a number: {quantity!r}") from None


def items_paid(raw: Mapping[str, Any], items: list[tuple[str, Mapping[str, Any]]], currency: str
               ) -> list[Decimal]:
    """What the customer paid for each of ``items`` (the order's, as ``items_of`` lists them).

    An order bought with a coupon (``couponCode``) keeps its items at their ``price``; only its
    ``totalAmount`` is lower, and the reference names no discount field on the order or its
    items. So the total is the authority: what was paid for the items is ``totalAmount`` less
    the order's ``shipping`` (or, without one, its items' ``shipping``) and ``salesTax`` (name
    unconfirmed; absent counts 0). When the items at ``price`` x quantity add up to more, the
    difference is a discount they do not show, shared over them in proportion, each share
    rounded down and the last cent(s) on the last item (``hub.core.allocation.after_discount``,
    the conservative rule: a refund of an item never pays back more than was paid). A charge the
    total carries that is neither shipping nor tax would only lower the items' worth.
    """
    kind = "order"
    listed = []
    for item_id, item in items:
        with reading(f"items.{item_id}"):
            listed.append(decimal_of(item.get("price") or 0, "order item", "price") * _quantity(item))
    total = money(raw, kind, "totalAmount", currency)
    assert total is not None
    if raw.get("shipping") is not None:
        shipping = decimal_of(raw.get("shipping") or 0, kind, "shipping")
    else:
        shipping = sum((decimal_of(item.get("shipping") or 0, "order item", "shipping") for _, item in items),
                       Decimal(0))
    tax = decimal_of(raw.get("salesTax") or 0, kind, "salesTax")
    return list(after_discount(listed, total.amount - shipping - tax, currency))


def _fulfillments(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = raw.get("fulfillments") or []
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, list):
        kind = type(value).__name__
        raise MappingError(PLATFORM, "order", "fulfillments", f"not a list or an object: {kind}")
    return [entry for entry in value if isinstance(entry, Mapping)]


def fulfillment(raw: Mapping[str, Any], zone: ZoneInfo
                ) -> tuple[FulfillmentStatus, datetime | None, tuple[str, ...]]:
    """(status, ship date, tracking numbers) from the order's fulfilments (structure unconfirmed)."""
    entries = _fulfillments(raw)
    statuses = [(text(e, "status") or text(e, "fulfillmentStatus") or "").upper() for e in entries]
    shipped = [e for e, s in zip(entries, statuses, strict=True) if s in ("SHIPPED", "DELIVERED")]
    dates = [timestamp(e, "fulfillment", "dateShipped", zone) for e in shipped]
    ship_dates = [d for d in dates if d is not None]
    tracking = tuple(dict.fromkeys(t for e in entries if (t := text(e, "trackingNumber"))))
    if shipped:
        status = FulfillmentStatus.FULFILLED if len(shipped) == len(entries) else FulfillmentStatus.PARTIAL
    elif entries and all(s == "CANCELLED" for s in statuses):
        status = FulfillmentStatus.CANCELLED
    else:
        status = FulfillmentStatus.UNFULFILLED
    return status, (min(ship_dates) if ship_dates else None), tracking


_ORDER_STATUSES = {
    "COMPLETE": FinancialStatus.PAID,
    "PARTIAL": FinancialStatus.PENDING,  # a lead / unpaid partial order
    "COD_PENDING": FinancialStatus.PENDING,
    "DECLINED": FinancialStatus.DECLINED,
    "REFUNDED": FinancialStatus.REFUNDED,
    "CANCELLED": FinancialStatus.VOIDED,
}


@mapping_guard(PLATFORM, "order", id_field="orderId")
def order(raw: Mapping[str, Any], store: StoreView, refunds: Iterable[Refund] = ()) -> Order:
    kind = "order"
    order_id = required_text(raw, kind, "orderId")
    currency = store.currency
    if not symbol_fits(text(raw, "currencySymbol"), currency):  # never relabel another currency's money
        raise MappingError(PLATFORM, kind, "currencySymbol",
                           f"{text(raw, 'currencySymbol')} on a store in {currency}")
    total = money(raw, kind, "totalAmount", currency)
    assert total is not None
    order_refunds = tuple(refunds)
    status = _ORDER_STATUSES.get((text(raw, "orderStatus") or "").upper(), FinancialStatus.UNKNOWN)
    refunded = sum((r.amount.amount for r in order_refunds), Decimal(0))
    if status is FinancialStatus.PAID and refunded > 0:
        status = FinancialStatus.REFUNDED if refunded >= total.amount else FinancialStatus.PARTIALLY_REFUNDED
    elif status is FinancialStatus.REFUNDED and 0 < refunded < total.amount:
        status = FinancialStatus.PARTIALLY_REFUNDED
    ship_status, shipped_at, tracking = fulfillment(raw, store.zone)
    items = items_of(raw)
    return Order(
        platform=PLATFORM,
        id=order_id,
        store=store.key,
        number=order_id,
        customer_id=text(raw, "customerId"),
        email=text(raw, "emailAddress"),
        brand=store.brand,
        created_at=timestamp(raw, kind, "dateCreated", store.zone, required=True),  # type: ignore[arg-type]
        total=total,
        financial_status=status,
        fulfillment_status=ship_status,
        shipped_at=shipped_at,
        tracking_numbers=tracking,
        line_items=_line_items(items, items_paid(raw, items, currency), currency),
        shipping_address=address(raw, "ship"),
        billing_address=address(raw),
        # Rebill orders are RECURRING; a first order starting a subscription carries the
        # purchase on its item (field name unconfirmed).
        is_subscription=(text(raw, "orderType") or "").upper() == "RECURRING"
        or any(text(item, "purchaseId") for _, item in items),
        refunds=order_refunds,
    )


def _line_items(items: list[tuple[str, Mapping[str, Any]]], paid: list[Decimal], currency: str
                ) -> tuple[LineItem, ...]:
    lines = []
    for (item_id, item), item_paid in zip(items, paid, strict=True):
        with reading(f"items.{item_id}"):
            lines.append(line_item(item_id, item, currency, item_paid))
    return tuple(lines)


@mapping_guard(PLATFORM, "transaction", id_field="transactionId")
def refund(txn: Mapping[str, Any], store: StoreView, order_id: str, *,
           reason: str | None = None, note: str | None = None) -> Refund:
    """A REFUND transaction (amounts may be reported negative; the refund is their size)."""
    kind = "transaction"
    amount = decimal_of(txn.get("totalAmount"), kind, "totalAmount")
    return Refund(
        platform=PLATFORM,
        id=required_text(txn, kind, "transactionId"),
        store=store.key,
        order_id=order_id,
        amount=Money(amount=abs(amount), currency=store.currency),
        reason=reason,
        note=note,
        created_at=timestamp(txn, kind, "txnDate", store.zone),
    )


def is_successful_refund(txn: Mapping[str, Any]) -> bool:
    return (text(txn, "txnType") or "").upper() == "REFUND" and (
        text(txn, "responseType") or "SUCCESS"
    ).upper() == "SUCCESS"


_PURCHASE_STATUSES = {
    "ACTIVE": SubscriptionStatus.ACTIVE,
    "TRIAL": SubscriptionStatus.ACTIVE,
    "RECYCLE_BILLING": SubscriptionStatus.ACTIVE,  # retrying a declined rebill: still billing
    # Retries exhausted: not billing now but can be reactivated; kept "open" so agents stop it.
    "RECYCLE_FAILED": SubscriptionStatus.PAUSED,
    "PAUSED": SubscriptionStatus.PAUSED,
    "CANCELLED": SubscriptionStatus.CANCELLED,
    "COMPLETE": SubscriptionStatus.EXPIRED,  # the final billing cycle has run
}


def subscription_status(raw: Mapping[str, Any]) -> SubscriptionStatus:
    return _PURCHASE_STATUSES.get((text(raw, "status") or "").upper(), SubscriptionStatus.UNKNOWN)


@mapping_guard(PLATFORM, "purchase", id_field="purchaseId")
def subscription(raw: Mapping[str, Any], store: StoreView) -> Subscription:
    kind = "purchase"
    return Subscription(
        platform=PLATFORM,
        id=required_text(raw, kind, "purchaseId"),
        store=store.key,
        customer_id=text(raw, "customerId"),
        product=text(raw, "productName"),
        sku=text(raw, "productSku") or text(raw, "sku"),
        status=subscription_status(raw),
        price=money(raw, kind, "price", store.currency, required=False),
        next_billing_at=timestamp(raw, kind, "nextBillDate", store.zone),
        created_at=timestamp(raw, kind, "dateCreated", store.zone),
    )


# --------------------------------------------------------------------------- notes


def note_texts(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Texts of customer history entries (field name unconfirmed: message, note or notes)."""
    texts: list[str] = []
    for record in records:
        for key in ("message", "note", "notes", "text"):
            value = text(record, key)
            if value:
                texts.append(value)
                break
    return texts


@dataclass(frozen=True)
class Marker:
    """A hub marker found in a customer note: ``[hub refund done] key=... txn=...``."""

    action: str
    state: str
    fields: dict[str, str]


def markers(texts: Iterable[str]) -> list[Marker]:
    found: list[Marker] = []
    for note in texts:
        for match in MARKER.finditer(note):
            pairs = (part.split("=", 1) for part in match.group("fields").split())
            found.append(Marker(match.group("action"), match.group("state"), dict(pairs)))
    return found


def marker_text(action: str, state: str, **fields: str) -> str:
    """The note text of a marker; values must not contain spaces."""
    body = " ".join(f"{key}={value.replace(' ', '_')}" for key, value in fields.items())
    return f"[hub {action} {state}] {body}"
