"""Sticky.io v1 JSON -> domain models, and the hub's markers written into order notes.

Sticky.io sends every value as a string ("19.95", "0"/"1", ``YYYY-MM-DD HH:MM:SS`` in the instance's
zone). Fields flows depend on (order id, its date and total) are strict and raise
``MappingError`` naming the field; everything else is optional and tolerated when missing.

Refunds: order_view carries only the running ``amount_refunded_to_date`` and the employee notes, and
``order_refund`` takes no reason. The hub therefore writes a note per refund it makes (the
markers below) and rebuilds the refund list from them; any refunded amount not explained by a
hub note (made in the CRM by hand) appears as one extra refund so the refundable balance is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import phonenumbers

from hub.core.allocation import after_discount, unit_price
from hub.core.errors import MappingError
from hub.core.mapping import mapping_guard
from hub.core.models import (
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

PLATFORM = "stickyio"

# order_status codes (LimeLight convention, unconfirmed beyond these).
STATUS_APPROVED, STATUS_VOID_REFUNDED, STATUS_DECLINED, STATUS_SHIPPED, STATUS_PENDING = (
    "2", "6", "7", "8", "11",
)
_NOT_SHIPPED = {"", "not shipped", "0000-00-00", "0000-00-00 00:00:00"}


@dataclass(frozen=True)
class StoreInfo:
    """What mapping needs to know about the store a record came from."""

    key: str
    brand: str
    currency: str
    timezone: str = "UTC"


# --------------------------------------------------------------------------- scalars


def text(value: Any) -> str | None:
    """A stripped string, None for missing/empty."""
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def flag(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "yes", "true"}


def decimal(value: Any, record: str, field: str, *, required: bool = True) -> Decimal | None:
    raw = text(value)
    if raw is None:
        if required:
            raise MappingError(PLATFORM, record, field, "missing")
        return None
    try:
        amount = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise MappingError(PLATFORM, record, field, f"not a number: {raw!r}") from None
    if not amount.is_finite():
        raise MappingError(PLATFORM, record, field, f"not a finite number: {raw!r}")
    return amount


def timestamp(value: Any, store: StoreInfo, record: str, field: str, *,
              required: bool = False) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` (or a bare date) in the instance's zone -> aware UTC."""
    raw = text(value)
    if raw is None or raw.lower() in _NOT_SHIPPED:
        if required:
            raise MappingError(PLATFORM, record, field, "missing")
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y"):
        try:
            parsed = datetime.strptime(raw, pattern)
        except ValueError:
            continue
        return parsed.replace(tzinfo=ZoneInfo(store.timezone)).astimezone(UTC)
    if required:
        raise MappingError(PLATFORM, record, field, f"not a timestamp: {raw!r}")
    return None


def local_date(moment: datetime, store: StoreInfo) -> date:
    return moment.astimezone(ZoneInfo(store.timezone)).date()


def e164(raw: Any, country: str | None) -> str | None:
    """A phone in E.164, or the raw digits when it cannot be parsed (never dropped silently)."""
    value = text(raw)
    if value is None:
        return None
    region = (country or "US").upper() if country and len(country) == 2 else "US"
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_digits(phone: str) -> str:
    """What Sticky.io stores for a phone (funnels send national digits); for searches."""
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", phone)
    return str(number.national_number)


# --------------------------------------------------------------------------- addresses


def address(body: dict[str, Any], prefix: str) -> Address | None:
    """``shipping_*`` / ``billing_*`` keys -> Address (None when there is no street)."""
    line1 = text(body.get(f"{prefix}_street_address")) or text(body.get(f"{prefix}_address1"))
    city = text(body.get(f"{prefix}_city"))
    if line1 is None or city is None:
        return None
    first, last = text(body.get(f"{prefix}_first_name")), text(body.get(f"{prefix}_last_name"))
    country = text(body.get(f"{prefix}_country")) or "US"
    return Address(
        name=" ".join(p for p in (first, last) if p) or None,
        line1=line1,
        line2=text(body.get(f"{prefix}_street_address2")) or text(body.get(f"{prefix}_address2")),
        city=city,
        region=text(body.get(f"{prefix}_state")),
        postal_code=text(body.get(f"{prefix}_postcode")) or text(body.get(f"{prefix}_zip")),
        country=country.upper(),
        phone=e164(body.get("customers_telephone"), country),
    )


def address_update_fields(new: Address, *, camel: bool = False) -> dict[str, str]:
    """Shipping address keys: order_update's documented ``shipping_*`` names, or with ``camel``
    new_order's ``shippingAddress1``, ``shippingFirstName``... (the same fields, other spelling)."""
    first, _, last = (new.name or "").partition(" ")
    fields = {
        "shipping_address1": new.line1,
        "shipping_address2": new.line2 or "",
        "shipping_city": new.city,
        "shipping_state": new.region or "",
        "shipping_zip": new.postal_code or "",
        "shipping_country": new.country,
    }
    if first:
        fields["shipping_first_name"] = first
    if last:
        fields["shipping_last_name"] = last
    return {_camel(key): value for key, value in fields.items()} if camel else fields


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.capitalize() for word in rest)


# --------------------------------------------------------------------------- hub note markers


_KEY = r"key=(?P<key>\S+)"
_AMOUNT = r"amount=(?P<amount>[0-9.]+)"
DONE_RE = re.compile(r"\[hub-refund " + _KEY + r" " + _AMOUNT + r"(?: reason=(?P<reason>\S+))?\]"
                     r"(?P<note>[^\n]*)")
PENDING_RE = re.compile(r"\[hub-refund-pending " + _KEY + r" " + _AMOUNT +
                        r" before=(?P<before>[0-9.]+)\]")
CANCEL_RE = re.compile(r"\[hub-cancel " + _KEY + r"\]")
REPLACEMENT_RE = re.compile(r"\[hub-replacement " + _KEY + r"\]")


def _quoted(key: str) -> str:
    return quote(key, safe="")


def refund_done_note(key: str, amount: Decimal, reason: str, note: str | None) -> str:
    tail = f" {note.strip()}" if note and note.strip() else ""
    return f"[hub-refund key={_quoted(key)} amount={amount:.2f} reason={reason}]{tail}"


def refund_pending_note(key: str, amount: Decimal, before: Decimal) -> str:
    return f"[hub-refund-pending key={_quoted(key)} amount={amount:.2f} before={before:.2f}]"


def cancel_note(key: str, reason: str) -> str:
    return f"[hub-cancel key={_quoted(key)}] recurring stopped: {reason}"


def replacement_note(key: str, original: str, reason: str) -> str:
    return f"[hub-replacement key={_quoted(key)}] replacement of order {original}: {reason}"


def note_texts(body: dict[str, Any]) -> list[str]:
    """Employee notes as strings (each may be a string or a ``{"note"/"text": ...}`` object)."""
    notes: list[str] = []
    for key in ("employeeNotes", "employee_notes", "notes"):
        value = body.get(key)
        items = value if isinstance(value, list) else ([value] if isinstance(value, str) else [])
        for item in items:
            if isinstance(item, dict):
                item = item.get("note") or item.get("text") or item.get("message") or ""
            if isinstance(item, str) and item.strip():
                notes.append(item)
    return notes


def has_marker(body: dict[str, Any], pattern: re.Pattern[str], key: str) -> bool:
    return any(m.group("key") == _quoted(key)
               for n in note_texts(body) for m in pattern.finditer(n))


def pending_refund(body: dict[str, Any], key: str) -> tuple[Decimal, Decimal] | None:
    """``(amount, refunded_before)`` of a refund the hub started under ``key``, if any."""
    for note in note_texts(body):
        for match in PENDING_RE.finditer(note):
            if match.group("key") == _quoted(key):
                return Decimal(match.group("amount")), Decimal(match.group("before"))
    return None


def refunded_to_date(body: dict[str, Any]) -> Decimal:
    for key in ("amount_refunded_to_date", "refund_amount", "amount_refunded"):
        value = decimal(body.get(key), "order", key, required=False)
        if value is not None:
            return value
    return Decimal(0)


def refunds(body: dict[str, Any], order_id: str, store: StoreInfo) -> tuple[Refund, ...]:
    """The hub's refunds from its notes, plus one for any amount refunded outside the hub."""
    # Refunds are amounts given back on this order: in the order's currency, not the store's.
    currency = (text(body.get("currency")) or store.currency).upper()
    found: list[Refund] = []
    for note in note_texts(body):
        for match in DONE_RE.finditer(note):
            key = unquote(match.group("key"))
            found.append(Refund(
                platform=PLATFORM, store=store.key, id=f"{order_id}:{key}", order_id=order_id,
                amount=Money(amount=Decimal(match.group("amount")), currency=currency),
                reason=match.group("reason"), note=text(match.group("note")),
            ))
    explained = sum((r.amount.amount for r in found), Decimal(0))
    other = refunded_to_date(body) - explained
    if other > 0:
        found.append(Refund(
            platform=PLATFORM, store=store.key, id=f"{order_id}:crm", order_id=order_id,
            amount=Money(amount=other, currency=currency),
            note="refunded in the CRM (no hub note)",
        ))
    return tuple(found)


# --------------------------------------------------------------------------- orders


@mapping_guard(PLATFORM, "order", id_field="order_id")
def line_items(body: dict[str, Any], currency: str) -> tuple[LineItem, ...]:
    """The order's products, each priced at what one unit cost (``products_paid`` over the
    quantity, rounded down to the cent), not its list ``price``."""
    listed: list[tuple[dict[str, Any], int, Decimal]] = []
    for index, product in enumerate(_products(body)):
        if not isinstance(product, dict):
            continue
        where = f"products[{index}]"
        price = decimal(product.get("price"), "order", f"{where}.price")
        quantity = text(product.get("product_qty")) or text(product.get("quantity")) or "1"
        if not quantity.isdigit():
            raise MappingError(PLATFORM, "order", f"{where}.product_qty", f"not a count: {quantity!r}")
        listed.append((product, int(quantity), (price or Decimal(0)) * int(quantity)))
    paid = products_paid(body, [total for _, _, total in listed], currency)
    return tuple(
        LineItem(
            id=text(product.get("product_id")),
            sku=text(product.get("sku")),
            name=text(product.get("name")) or text(product.get("product_name")) or "(unnamed product)",
            quantity=quantity,
            price=Money(amount=unit_price(line_paid, quantity, currency), currency=currency),
        )
        for (product, quantity, _), line_paid in zip(listed, paid, strict=True)
    )


def products_paid(body: dict[str, Any], listed: list[Decimal], currency: str) -> tuple[Decimal, ...]:
    """What the customer paid for each product line (``listed``: its ``price`` x quantity).

    A coupon leaves the products at their ``price``: it shows as ``coupon_discount_amount``,
    out of ``order_total``; the reference documents no discount field at all, nor how a coupon
    falls on the products. So ``order_total`` is the authority: what was paid for the products
    is ``order_total`` less ``shipping_amount`` and ``order_sales_tax_amount`` (names as public
    integrations read them from order_view; not in the reference; absent counts 0). When the
    lines add up to more, the difference is a discount they do not show, shared over them in
    proportion, each share rounded down and the last cent(s) on the last line
    (``hub.core.allocation.after_discount``, the conservative rule: a refund of a line never
    pays back more than was paid). An order without ``order_total`` keeps the list prices.
    """
    total = decimal(body.get("order_total"), "order", "order_total", required=False)
    if total is None:
        return tuple(listed)
    charges = (decimal(body.get(field), "order", field, required=False) or Decimal(0)
               for field in ("shipping_amount", "order_sales_tax_amount"))
    return after_discount(listed, total - sum(charges, Decimal(0)), currency)


def _products(body: dict[str, Any]) -> list[Any]:
    """The order's products: a list, or an object keyed by position (some answers)."""
    products = body.get("products") or []
    if isinstance(products, dict):
        return list(products.values())
    if not isinstance(products, list):
        raise MappingError(PLATFORM, "order", "products", f"not a list: {type(products).__name__}")
    return products


def is_subscription_order(body: dict[str, Any]) -> bool:
    """Recurring now, a rebill, or sold on a recurring product (stays true after a stop)."""
    if flag(body.get("is_recurring")) or (text(body.get("billing_cycle")) or "0") not in {"0", ""}:
        return True
    for product in _products(body):
        if isinstance(product, dict) and (flag(product.get("is_recurring"))
                                          or text(product.get("recurring_date"))
                                          or _recurring_model(product.get("billing_model"))):
            return True
    return False


def _recurring_model(model: Any) -> bool:
    """A billing model other than "Straight Sale" bills again (sticky.io's one-time model)."""
    if not isinstance(model, dict):
        return False
    name = (text(model.get("name")) or "").lower()
    return bool(name) and name != "straight sale"


def financial_status(body: dict[str, Any], total: Decimal) -> FinancialStatus:
    status = text(body.get("order_status")) or ""
    refunded = refunded_to_date(body)
    if status == STATUS_DECLINED:
        return FinancialStatus.DECLINED
    if flag(body.get("is_void")):
        return FinancialStatus.VOIDED
    if refunded > 0:
        return FinancialStatus.REFUNDED if refunded >= total else FinancialStatus.PARTIALLY_REFUNDED
    if status == STATUS_VOID_REFUNDED:
        return FinancialStatus.REFUNDED
    if status == STATUS_PENDING:
        return FinancialStatus.PENDING
    if status in (STATUS_APPROVED, STATUS_SHIPPED):
        return FinancialStatus.PAID
    return FinancialStatus.UNKNOWN


def shipped_at(body: dict[str, Any], store: StoreInfo) -> datetime | None:
    return timestamp(body.get("shipping_date"), store, "order", "shipping_date")


def is_shipped(body: dict[str, Any], store: StoreInfo) -> bool:
    """Shipped when the CRM says so: status 8, a ship date or a tracking number."""
    return (text(body.get("order_status")) == STATUS_SHIPPED
            or shipped_at(body, store) is not None
            or text(body.get("tracking_number")) is not None)


@mapping_guard(PLATFORM, "order", id_field="order_id")
def order(body: dict[str, Any], store: StoreInfo) -> Order:
    order_id = text(body.get("order_id"))
    if order_id is None:
        raise MappingError(PLATFORM, "order", "order_id", "missing")
    total = decimal(body.get("order_total"), "order", "order_total")
    assert total is not None
    currency = (text(body.get("currency")) or store.currency).upper()
    created = timestamp(body.get("time_stamp"), store, "order", "time_stamp", required=True)
    assert created is not None
    tracking = text(body.get("tracking_number"))
    return Order(
        platform=PLATFORM,
        store=store.key,
        id=order_id,
        number=order_id,
        customer_id=_customer_id(body),
        email=text(body.get("email_address")),
        brand=store.brand,
        created_at=created,
        total=Money(amount=total, currency=currency),
        financial_status=financial_status(body, total),
        fulfillment_status=(FulfillmentStatus.FULFILLED if is_shipped(body, store)
                            else FulfillmentStatus.UNFULFILLED),
        shipped_at=shipped_at(body, store),
        tracking_numbers=(tracking,) if tracking else (),
        line_items=line_items(body, currency),
        shipping_address=address(body, "shipping"),
        billing_address=address(body, "billing"),
        is_subscription=is_subscription_order(body),
        refunds=refunds(body, order_id, store),
    )


def _customer_id(body: dict[str, Any]) -> str | None:
    value = text(body.get("customer_id"))
    return None if value in (None, "0") else value  # "0" is a guest order


# --------------------------------------------------------------------------- customers


@mapping_guard(PLATFORM, "customer", id_field="customer_id")
def customer(body: dict[str, Any], store: StoreInfo) -> Customer:
    """customer_view body -> Customer, without lifetime figures: customer_view carries none, and
    the CS Assist summary works them out from the orders it lists (the orders are read once)."""
    customer_id = text(body.get("customer_id")) or text(body.get("id"))
    if customer_id is None:
        raise MappingError(PLATFORM, "customer", "customer_id", "missing")
    country = text(body.get("country")) or text(body.get("billing_country"))
    return Customer(
        platform=PLATFORM,
        store=store.key,
        id=customer_id,
        email=text(body.get("email")) or text(body.get("email_address")),
        phone=e164(body.get("phone") or body.get("customers_telephone"), country),
        first_name=text(body.get("first_name")),
        last_name=text(body.get("last_name")),
        brand=store.brand,
        created_at=timestamp(body.get("date_created"), store, "customer", "date_created"),
        default_address=address(body, "shipping") or address(body, "billing"),
    )


# --------------------------------------------------------------------------- subscriptions


@mapping_guard(PLATFORM, "subscription", id_field="order_id")
def subscription(body: dict[str, Any], store: StoreInfo) -> Subscription:
    """The latest order of a recurring chain is the subscription (its id is what
    order_update_recurring stops)."""
    mapped = order(body, store)
    product = mapped.line_items[0] if mapped.line_items else None
    status = SubscriptionStatus.ACTIVE if flag(body.get("is_recurring")) else SubscriptionStatus.CANCELLED
    next_date = timestamp(body.get("recurring_date"), store, "order", "recurring_date")
    if next_date is None:
        for item in _products(body):
            if isinstance(item, dict):
                next_date = timestamp(item.get("recurring_date"), store, "order",
                                      "products.recurring_date")
                if next_date:
                    break
    return Subscription(
        platform=PLATFORM,
        store=store.key,
        id=mapped.id,
        customer_id=mapped.customer_id,
        product=product.name if product else None,
        sku=product.sku if product else None,
        status=status,
        price=product.price if product else mapped.total,
        next_billing_at=next_date if status is SubscriptionStatus.ACTIVE else None,
        created_at=mapped.created_at,
    )


def chain_heads(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Subscription orders that have not been rebilled into a newer order of the list."""
    ids = {text(b.get("order_id")) for b in bodies}
    heads = []
    for body in bodies:
        child = text(body.get("child_id"))
        rebilled = child not in (None, "0") and any(c in ids for c in (child or "").split(","))
        if is_subscription_order(body) and not rebilled:
            heads.append(body)
    return heads


def midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)
