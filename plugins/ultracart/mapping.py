"""UltraCart JSON <-> domain models, in one module.

Tolerant of missing optional sub-objects (UltraCart leaves out what was not ``_expand``-ed),
strict on what flows need: an order without ``order_id``, ``creation_dts`` or ``summary.total``
raises ``MappingError`` naming the field. Money arrives as ``Currency`` objects
(``{"value": 19.95, "currency_code": "USD"}``) and becomes ``Money`` with an exact Decimal.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from hub.core.allocation import after_discount, unit_price
from hub.core.errors import MappingError
from hub.core.mapping import listed, map_each, mapping_guard, nested, reading
from hub.core.models import (
    Address,
    Channel,
    CheckoutLink,
    Consent,
    Customer,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    Ref,
    Refund,
    Subscription,
    SubscriptionStatus,
)

PLATFORM = "ultracart"
# UltraCart runs on US Eastern time; a timestamp without an offset is read as Eastern
# (unconfirmed: the API documents ISO-8601 with an offset, this only covers sloppy values).
_MERCHANT_TZ = ZoneInfo("America/New_York")
CENT = Decimal("0.01")

SHIPPED_STAGES = frozenset({"Completed Order"})
CLOSED_STAGES = frozenset({"Rejected"})


# --------------------------------------------------------------------------- scalars


def parse_dts(value: Any, record: str, field: str, *, required: bool = False) -> datetime | None:
    """An UltraCart timestamp as aware UTC; ``None`` when absent and optional."""
    if value in (None, ""):
        if required:
            raise MappingError(PLATFORM, record, field, "missing")
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MappingError(PLATFORM, record, field, f"not an ISO-8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_MERCHANT_TZ)
    return moment.astimezone(UTC)


def decimal_of(value: Any, record: str, field: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)  # shortest repr: 19.95 stays 19.95
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise MappingError(PLATFORM, record, field, f"not a number: {value!r}") from None
    if not number.is_finite():
        raise MappingError(PLATFORM, record, field, f"not a finite number: {value!r}")
    return number


def money_of(
    value: Any, currency: str | None, record: str, field: str, *, required: bool = False
) -> Money | None:
    """A ``Currency`` object (or a bare number with ``currency``) as Money."""
    if isinstance(value, dict):
        amount, code = value.get("value"), value.get("currency_code") or currency
    else:
        amount, code = value, currency
    if amount is None:
        if required:
            raise MappingError(PLATFORM, record, field, "missing")
        return None
    if not code:
        raise MappingError(PLATFORM, record, field, "no currency code")
    return Money(amount=decimal_of(amount, record, field), currency=code)


def amount_of(value: Any) -> Decimal:
    """The Decimal inside a ``Currency`` object or number; 0 when absent."""
    if isinstance(value, dict):
        value = value.get("value")
    if value is None:
        return Decimal(0)
    return decimal_of(value, "", "value")


def currency_obj(amount: Decimal, currency: str) -> dict[str, Any]:
    """A ``Currency`` object to send back to UltraCart."""
    return {"value": amount.quantize(CENT), "currency_code": currency}


def e164(raw: Any, country: str | None = None) -> str | None:
    """A phone number in E.164, or None when it cannot be parsed."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(str(raw), (country or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _name(first: Any, last: Any) -> str | None:
    name = " ".join(str(part) for part in (first, last) if part)
    return name or None


# --------------------------------------------------------------------------- addresses


def address_from(data: dict[str, Any] | None) -> Address | None:
    """An UltraCart billing/shipping block as an Address; None without a street and city."""
    if not data or not data.get("address1") or not data.get("city"):
        return None
    country = data.get("country_code") or "US"
    phone = data.get("day_phone_e164") or e164(data.get("day_phone") or data.get("evening_phone"), country)
    return Address(
        name=_name(data.get("first_name"), data.get("last_name")),
        company=data.get("company") or None,
        line1=data["address1"],
        line2=data.get("address2") or None,
        city=data["city"],
        region=data.get("state_region") or None,
        postal_code=data.get("postal_code") or None,
        country=country,
        phone=phone,
    )


def address_to_uc(address: Address) -> dict[str, Any]:
    """An Address as UltraCart's address keys (first token of the name is the first name)."""
    first, _, last = (address.name or "").partition(" ")
    return {
        "first_name": first or None,
        "last_name": last or None,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "state_region": address.region,
        "postal_code": address.postal_code,
        "country_code": address.country,
        "day_phone": address.phone,
    }


# --------------------------------------------------------------------------- customers


@mapping_guard(PLATFORM, "order", id_field=None)
def consents_from_marketing(
    marketing: dict[str, Any] | None, updated_at: datetime | None
) -> tuple[Consent, ...]:
    """Email and SMS opt-ins as recorded on an order's ``marketing`` block."""
    if not marketing:
        return ()
    consents = []
    if marketing.get("mailing_list") is not None:
        consents.append(
            Consent(channel=Channel.EMAIL, opted_in=bool(marketing["mailing_list"]), updated_at=updated_at)
        )
    if marketing.get("cell_phone_opt_in") is not None:
        consents.append(
            Consent(channel=Channel.SMS, opted_in=bool(marketing["cell_phone_opt_in"]), updated_at=updated_at)
        )
    return tuple(consents)


def _default_book_entry(record: dict[str, Any], key: str, flag: str) -> Mapping[str, Any]:
    """The default entry of an address book (``billing``/``shipping`` lists), ``{}`` when empty."""
    entries = listed(record, key)
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise MappingError(PLATFORM, "", f"{key}[{index}]", f"not an object: {type(entry).__name__}")
    return next((entry for entry in entries if entry.get(flag)), entries[0]) if entries else {}


@mapping_guard(PLATFORM, "customer", id_field="customer_profile_oid")
def customer_from_json(
    data: dict[str, Any], *, store: str, brand: str, currency: str, consents: tuple[Consent, ...] = ()
) -> Customer:
    """An UltraCart customer profile (expanded with billing, shipping, orders_summary)."""
    oid = data.get("customer_profile_oid")
    if oid is None:
        raise MappingError(PLATFORM, "customer", "customer_profile_oid", "missing")
    billing = _default_book_entry(data, "billing", "default_billing")
    shipping = _default_book_entry(data, "shipping", "default_shipping")
    summary = nested(data, "orders_summary")
    phone = None
    for key, entry in (("billing", billing), ("shipping", shipping)):
        with reading(key):
            country = entry.get("country_code")
            day, evening = entry.get("day_phone"), entry.get("evening_phone")
            phone = phone or e164(day, country) or e164(evening, country)
    record = "customer"
    return Customer(
        platform=PLATFORM,
        id=str(oid),
        store=store,
        brand=brand,
        email=_text(data, "email"),
        phone=phone,
        first_name=billing.get("first_name") or shipping.get("first_name"),
        last_name=billing.get("last_name") or shipping.get("last_name"),
        created_at=parse_dts(data.get("signup_dts"), record, "signup_dts"),
        # orders_summary.total is a bare number in the account's base currency.
        lifetime_revenue=money_of(summary.get("total"), currency, record, "orders_summary.total"),
        order_count=_count(summary, "orders_summary.order_count"),
        last_order_at=parse_dts(summary.get("last_order_dts"), record, "orders_summary.last_order_dts"),
        default_address=_address(shipping, "shipping") or _address(billing, "billing"),
        consents=consents,
    )


# --------------------------------------------------------------------------- refunds (markers)

_MARKER = re.compile(
    r"\[hub-refund key=(?P<key>[^\s\]]+) amount=(?P<amount>-?[0-9.]+) "
    r"currency=(?P<currency>[A-Z]{3})(?: reason=(?P<reason>[^\]]*))?\]"
)
_SAFE_KEY = re.compile(r"^[A-Za-z0-9:_\-./]{1,100}$")


def marker_key(idempotency_key: str) -> str:
    """The key as written in notes: itself when plain, else its SHA-256 (no spaces or brackets)."""
    if _SAFE_KEY.match(idempotency_key):
        return idempotency_key
    return "sha256-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


def refund_marker(idempotency_key: str, amount: Money, reason: str) -> str:
    """The line the hub writes into the order's merchant notes with each refund it makes."""
    safe_reason = re.sub(r"[\]\n]", " ", reason)[:80]
    return (
        f"[hub-refund key={marker_key(idempotency_key)} amount={amount.amount.quantize(CENT)} "
        f"currency={amount.currency} reason={safe_reason}]"
    )


def order_notes(order: dict[str, Any]) -> list[tuple[str, datetime | None]]:
    """Every merchant note of an order with its time (both the plain and transactional notes)."""
    internal = nested(order, "internal")
    notes: list[tuple[str, datetime | None]] = []
    if internal.get("merchant_notes"):
        notes.append((str(internal["merchant_notes"]), None))
    with reading("internal"):
        transactional = internal.get("transactional_merchant_notes")
        notes.extend(map_each(transactional, "transactional_merchant_notes", _note))
    return notes


def _note(note: Mapping[str, Any]) -> tuple[str, datetime | None]:
    return str(note.get("note") or ""), parse_dts(note.get("note_dts"), "order", "note_dts")


@mapping_guard(PLATFORM, "order", id_field="order_id")
def hub_refunds(order: dict[str, Any], store: str) -> list[Refund]:
    """Refunds the hub made on this order, read back from its merchant-note markers."""
    order_id = str(order.get("order_id"))
    refunds: dict[str, Refund] = {}
    for text, when in order_notes(order):
        for match in _MARKER.finditer(text):
            key = match["key"]
            refunds.setdefault(
                key,
                Refund(
                    platform=PLATFORM,
                    id=f"{order_id}:{key}",
                    store=store,
                    order_id=order_id,
                    amount=Money(amount=Decimal(match["amount"]), currency=match["currency"]),
                    reason=(match["reason"] or None),
                    note=f"hub idempotency key {key}",
                    created_at=when or parse_dts(order.get("refund_dts"), "order", "refund_dts"),
                ),
            )
    return list(refunds.values())


def order_refunds(order: dict[str, Any], store: str, currency: str) -> tuple[Refund, ...]:
    """The order's refunds: the hub's (one per marker) plus one for any refunded remainder.

    UltraCart keeps refund totals on the order, not a list of refunds; what the hub's markers do
    not explain was refunded by someone else (an agent in the back office) and shows as one.
    """
    order_id = str(order.get("order_id"))
    ours = hub_refunds(order, store)
    summary = nested(order, "summary")
    record = f"order {order_id}"
    with reading("summary.total_refunded"):
        refunded = money_of(summary.get("total_refunded") or 0, currency, record, "summary.total_refunded")
    if refunded.currency != currency:  # never counted as the order's currency
        raise MappingError(PLATFORM, record, "summary.total_refunded",
                           f"refunded in {refunded.currency} on an order in {currency}")
    total_refunded = refunded.amount
    explained = sum((refund.amount for refund in ours), Money(amount=Decimal(0), currency=currency)).amount
    remainder = total_refunded - explained
    if remainder > 0:
        ours.append(
            Refund(
                platform=PLATFORM,
                id=f"{order_id}:other",
                store=store,
                order_id=order_id,
                amount=Money(amount=remainder, currency=currency),
                reason=order.get("refund_reason") or None,
                note="refunded outside the hub",
                created_at=parse_dts(order.get("refund_dts"), "order", "refund_dts"),
            )
        )
    return tuple(ours)


# --------------------------------------------------------------------------- orders


def order_currency(order: dict[str, Any]) -> str | None:
    total = (order.get("summary") or {}).get("total")
    code = total.get("currency_code") if isinstance(total, dict) else None
    return code or order.get("currency_code")


def _financial_status(order: dict[str, Any], total: Money) -> FinancialStatus:
    summary = nested(order, "summary")
    with reading("summary.total_refunded"):
        refunded = amount_of(summary.get("total_refunded"))
    if refunded > 0:
        return FinancialStatus.REFUNDED if refunded >= total.amount else FinancialStatus.PARTIALLY_REFUNDED
    if stage(order) in CLOSED_STAGES:
        return FinancialStatus.VOIDED
    status = str(nested(order, "payment").get("payment_status") or "").lower()
    return {
        "processed": FinancialStatus.PAID,
        "skipped": FinancialStatus.PAID,
        "authorized": FinancialStatus.PENDING,
        "unprocessed": FinancialStatus.PENDING,
        "declined": FinancialStatus.DECLINED,
        "capture failed": FinancialStatus.DECLINED,
        "voided": FinancialStatus.VOIDED,
        "refunded": FinancialStatus.REFUNDED,
    }.get(status, FinancialStatus.UNKNOWN)


def shipped_at(order: dict[str, Any]) -> datetime | None:
    """When the order shipped: the shipping date, else the latest item ship time."""
    shipping = nested(order, "shipping")
    when = parse_dts(shipping.get("shipping_date"), "order", "shipping.shipping_date")
    item_times = map_each(
        _items(order), "items", lambda item: parse_dts(item.get("shipped_dts"), "order", "shipped_dts")
    )
    shipped_items = [moment for moment in item_times if moment is not None]
    return when or (max(shipped_items) if shipped_items else None)


def is_shipped(order: dict[str, Any]) -> bool:
    """True once anything of the order left the warehouse (or the order is completed)."""
    items = _items(order)
    return (
        stage(order) in SHIPPED_STAGES
        or shipped_at(order) is not None
        or any(item.get("shipped_dts") for item in items)
    )


def _fulfillment_status(order: dict[str, Any]) -> FulfillmentStatus:
    if stage(order) in CLOSED_STAGES:
        return FulfillmentStatus.CANCELLED
    items = [item for item in _items(order) if not item.get("kit_component")]
    shipped = [item for item in items if item.get("shipped_dts")]
    if stage(order) in SHIPPED_STAGES or (items and len(shipped) == len(items)):
        return FulfillmentStatus.FULFILLED
    if shipped or nested(order, "shipping").get("shipping_date"):
        return FulfillmentStatus.PARTIAL if shipped else FulfillmentStatus.FULFILLED
    return FulfillmentStatus.UNFULFILLED


def _tracking_numbers(order: dict[str, Any]) -> tuple[str, ...]:
    shipping = nested(order, "shipping")
    with reading("shipping"):
        numbers = list(listed(shipping, "tracking_numbers"))
        numbers += map_each(shipping.get("tracking_number_details"), "tracking_number_details",
                            lambda detail: detail.get("tracking_number"))
    return tuple(dict.fromkeys(str(n) for n in numbers if n))


def stage(order: Mapping[str, Any]) -> str | None:
    """The order's ``current_stage`` ("Shipping Department", "Completed Order"...)."""
    value = order.get("current_stage")
    if value is not None and not isinstance(value, str):
        raise MappingError(PLATFORM, "order", "current_stage", f"not text: {value!r}")
    return value


def _items(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The order's items; an item that is not an object is a ``MappingError`` naming it."""
    items = listed(order, "items")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise MappingError(PLATFORM, "", f"items[{index}]", f"not an object: {type(item).__name__}")
    return items


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise MappingError(PLATFORM, "", key, f"not text: {value!r}")
    return value or None


def _billing_email(billing: Mapping[str, Any]) -> str | None:
    with reading("billing"):
        return _text(billing, "email")


def _count(record: Mapping[str, Any], field: str) -> int | None:
    value = record.get(field.rsplit(".", 1)[-1])
    if value is None:
        return None
    number = decimal_of(value, "", field)
    if number != number.to_integral_value() or number < 0:
        raise MappingError(PLATFORM, "", field, f"not a count: {value!r}")
    return int(number)


def _address(block: Mapping[str, Any], key: str) -> Address | None:
    with reading(key):
        return address_from(dict(block))


def line_item_from(item: dict[str, Any], currency: str, record: str, paid: Decimal | None = None) -> LineItem:
    """An order item: its id is UltraCart's ``item_index``; its price what one unit cost.

    ``paid``: what the customer paid for the whole item (``item_totals``); without it, the
    item's own total (``_listed_total``). The unit price is that over the quantity, rounded
    down to the cent (``hub.core.allocation.unit_price``), never the list ``cost``: a refund
    of the line at its list price paid its discount back.
    """
    quantity = decimal_of(item.get("quantity") or 0, record, "quantity")
    with reading("total_cost_with_discount"):
        total = _listed_total(item) if paid is None else paid
    return LineItem(
        id=str(item["item_index"]) if item.get("item_index") is not None else None,
        sku=item.get("merchant_item_id"),
        name=item.get("description") or item.get("merchant_item_id") or "item",
        quantity=int(quantity),
        price=Money(amount=unit_price(total, int(quantity), currency), currency=currency),
    )


def _listed_total(item: Mapping[str, Any]) -> Decimal:
    """An item's total as UltraCart shows it: ``total_cost_with_discount`` (the item's own
    ``discount`` already out of it), else ``unit_cost_with_discount`` or ``cost`` times the
    quantity."""
    quantity = amount_of(item.get("quantity"))
    for field, times in (("total_cost_with_discount", 1), ("unit_cost_with_discount", quantity),
                         ("cost", quantity)):
        if item.get(field) is not None:
            return amount_of(item[field]) * times
    return Decimal(0)


def item_totals(order: Mapping[str, Any]) -> list[Decimal]:
    """What the customer paid for each item of ``order`` (as ``order["items"]`` lists them).

    UltraCart shows a line's own discount on the item (``discount``, already out of
    ``total_cost_with_discount``) but an order-level coupon only on the summary
    (``subtotal_discount``), and documents neither how a coupon falls on the items nor whether
    ``subtotal`` is before it. So the summary's total is the authority: what was paid for the
    items is ``total - tax - shipping_handling_total``; when the items' totals add up to more,
    the difference is a discount they do not show, shared over them in proportion to their
    totals, each share rounded down and the last cent(s) on the last item
    (``hub.core.allocation.after_discount``, the conservative rule: a refund of an item never
    pays back more than was paid). A charge the summary adds that is not tax or shipping would
    only lower the items' worth. Kit components count like any item (they are not lines).
    An order without its summary expanded keeps the items' own totals.
    """
    items = _items(order)
    listed = []
    for index, item in enumerate(items):
        with reading(f"items[{index}].total_cost_with_discount"):
            listed.append(_listed_total(item))
    summary = nested(order, "summary")
    if summary.get("total") is None:
        return listed
    with reading("summary"):
        paid = (amount_of(summary["total"]) - amount_of(summary.get("tax"))
                - amount_of(summary.get("shipping_handling_total")))
    return list(after_discount(listed, paid, order_currency(dict(order)) or "USD"))


@mapping_guard(PLATFORM, "order", id_field="order_id")
def order_from_json(data: dict[str, Any], *, store: str, brand: str) -> Order:
    """An expanded UltraCart order as an Order (with its refunds)."""
    order_id = data.get("order_id")
    if not order_id:
        raise MappingError(PLATFORM, "order", "order_id", "missing")
    record = "order"
    created = parse_dts(data.get("creation_dts"), record, "creation_dts", required=True)
    assert created is not None
    summary = nested(data, "summary")
    if summary.get("total") is None:
        raise MappingError(
            PLATFORM, record, "summary.total", "missing (fetch the order with _expand=summary)"
        )
    currency = order_currency(data)
    total = money_of(summary["total"], currency, record, "summary.total", required=True)
    assert total is not None
    billing = nested(data, "billing")
    profile = nested(data, "customer_profile")
    auto_order = nested(data, "auto_order")
    return Order(
        platform=PLATFORM,
        id=str(order_id),
        store=store,
        brand=brand,
        number=str(order_id),
        customer_id=str(profile["customer_profile_oid"]) if profile.get("customer_profile_oid") else None,
        email=_billing_email(billing),
        created_at=created,
        total=total,
        financial_status=_financial_status(data, total),
        fulfillment_status=_fulfillment_status(data),
        shipped_at=shipped_at(data),
        tracking_numbers=_tracking_numbers(data),
        line_items=_line_items(data, total.currency),
        shipping_address=_address(nested(data, "shipping"), "shipping"),
        billing_address=_address(billing, "billing"),
        is_subscription=bool(auto_order.get("auto_order_oid") or auto_order.get("auto_order_code")),
        refunds=order_refunds(data, store, total.currency),
    )


def _line_items(order: Mapping[str, Any], currency: str) -> tuple[LineItem, ...]:
    """The order's items but kit components (they ship inside their kit's line), each priced at
    what was paid for it (``item_totals``)."""
    lines = []
    for index, (item, paid) in enumerate(zip(_items(order), item_totals(order), strict=True)):
        if not item.get("kit_component"):
            with reading(f"items[{index}]"):
                lines.append(line_item_from(dict(item), currency, "order", paid))
    return tuple(lines)


# --------------------------------------------------------------------------- auto orders


_SUBSCRIPTION_STATUS = {
    "active": SubscriptionStatus.ACTIVE,
    "canceled": SubscriptionStatus.CANCELLED,
    # A disabled auto order no longer rebills (UltraCart disables it after failures or by hand).
    "disabled": SubscriptionStatus.CANCELLED,
    "merged": SubscriptionStatus.EXPIRED,
}


def subscription_status(data: dict[str, Any]) -> SubscriptionStatus:
    status = _SUBSCRIPTION_STATUS.get(str(data.get("status") or "").lower())
    if status is None:
        if data.get("enabled") is False:
            return SubscriptionStatus.CANCELLED
        return SubscriptionStatus.ACTIVE if data.get("enabled") else SubscriptionStatus.UNKNOWN
    if status is SubscriptionStatus.ACTIVE and data.get("enabled") is False:
        return SubscriptionStatus.CANCELLED  # cancelled by enabled=false before the status flips
    return status


@mapping_guard(PLATFORM, "auto_order", id_field="auto_order_oid")
def subscription_from_json(
    data: dict[str, Any], *, store: str, currency: str, customer_id: str | None = None
) -> Subscription:
    """An UltraCart auto order as a Subscription."""
    oid = data.get("auto_order_oid")
    if oid is None:
        raise MappingError(PLATFORM, "auto_order", "auto_order_oid", "missing")
    record = "auto_order"
    items = _items(data)
    first = items[0] if items else {}
    original = nested(data, "original_order")
    with reading("original_order"):
        profile_oid = data.get("customer_profile_oid") or nested(original, "customer_profile").get(
            "customer_profile_oid"
        )
    next_at = data.get("next_attempt") or first.get("next_shipment_dts")
    return Subscription(
        platform=PLATFORM,
        id=str(oid),
        store=store,
        customer_id=customer_id or (str(profile_oid) if profile_oid else None),
        product=first.get("original_item_description") or first.get("original_item_id"),
        sku=first.get("original_item_id"),
        status=subscription_status(data),
        price=money_of(first.get("arbitrary_unit_cost"), currency, record, "items[0].arbitrary_unit_cost"),
        next_billing_at=parse_dts(
            next_at, record, "next_attempt" if data.get("next_attempt") else "items[0].next_shipment_dts"
        ),
        created_at=parse_dts(original.get("creation_dts"), record, "original_order.creation_dts"),
    )


# --------------------------------------------------------------------------- checkout


@mapping_guard(PLATFORM, "cart", id_field=None)
def checkout_link_from(handoff: dict[str, Any], cart: dict[str, Any], *, store: str) -> CheckoutLink:
    """The hand-off answer as a CheckoutLink (id is the cart id)."""
    url = handoff.get("redirect_to_url")
    if not url:
        errors = "; ".join(str(e) for e in handoff.get("errors") or []) or "no redirect_to_url"
        raise MappingError(PLATFORM, "checkout_handoff", "redirect_to_url", errors)
    answered = nested(handoff, "cart")
    cart_id = cart.get("cart_id") or answered.get("cart_id")
    if not cart_id:
        raise MappingError(PLATFORM, "cart", "cart.cart_id", "missing")
    # The answer's cart when it has one (errors under ``cart.``), else the cart the hub sent.
    with reading("cart") if answered else nullcontext():
        total = nested(answered or cart, "summary").get("total")
    currency = cart.get("currency_code") or cart.get("base_currency_code")
    return CheckoutLink(
        platform=PLATFORM,
        id=str(cart_id),
        store=store,
        url=str(url),
        total=money_of(total, currency, "cart", "summary.total") if total is not None and currency else None,
    )


# --------------------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class WebhookEvent:
    """One event of a webhook batch: its name and the (sparse) object it carries.

    ``ref`` points at the order/auto order/customer in the store whose ``merchant_id`` matches;
    payloads are sparse, so flows re-fetch through ``commerce_get_order``.
    """

    name: str
    merchant_id: str | None
    ref: Ref | None
    stage: str | None
    occurred_at: datetime | None
    data: dict[str, Any]


def webhook_body(raw: bytes | str) -> dict[str, Any]:
    """The webhook body as JSON, undoing ``compress_events`` (gzip then base64) when used."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    body = json.loads(text, parse_float=Decimal)
    if isinstance(body, str):  # compressed: a base64 string of gzipped JSON
        body = json.loads(gzip.decompress(base64.b64decode(body)), parse_float=Decimal)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise MappingError(PLATFORM, "webhook", "events", "missing or not a list")
    return body


def _event_ref(name: str, data: dict[str, Any], store: str | None) -> Ref | None:
    if store is None:
        return None
    if name.startswith("order_") and data.get("order_id"):
        return Ref(platform=PLATFORM, id=str(data["order_id"]), store=store)
    if name.startswith("auto_order_") and data.get("auto_order_oid") is not None:
        return Ref(platform=PLATFORM, id=str(data["auto_order_oid"]), store=store)
    if name.startswith("customer_") and data.get("customer_profile_oid") is not None:
        return Ref(platform=PLATFORM, id=str(data["customer_profile_oid"]), store=store)
    return None


def webhook_events(body: dict[str, Any], stores_by_merchant: dict[str, str]) -> list[WebhookEvent]:
    """The events of a batch (``{"events": [{"order_create": {...}}, ...]}``), in order."""
    events = []
    for index, element in enumerate(body.get("events") or []):
        if not isinstance(element, dict) or len(element) != 1:
            raise MappingError(PLATFORM, "webhook", f"events[{index}]", "not a one-key object")
        ((name, data),) = element.items()
        if not isinstance(data, dict):
            raise MappingError(PLATFORM, "webhook", f"events[{index}].{name}", "not an object")
        merchant = data.get("merchant_id")
        store = stores_by_merchant.get(str(merchant)) if merchant else None
        events.append(
            WebhookEvent(
                name=name,
                merchant_id=merchant,
                ref=_event_ref(name, data, store),
                stage=data.get("current_stage"),
                occurred_at=parse_dts(data.get("creation_dts"), f"webhook {name}", "creation_dts"),
                data=data,
            )
        )
    return events
