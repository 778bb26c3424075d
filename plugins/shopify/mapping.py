"""Shopify JSON -> domain models.

Two shapes arrive: GraphQL Admin API nodes (camelCase, GIDs, ``MoneyV2`` amounts as decimal
strings, ``DateTime`` in UTC) and REST/webhook bodies (snake_case, numeric ids, money as strings,
shop-local offsets). Both map to the same models; REST ids are turned into GIDs so a record
that came from a webhook can be acted on through the GraphQL hooks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from hub.core.errors import MappingError, mapping_guard
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
    Refund,
    RefundReason,
    Subscription,
    SubscriptionStatus,
)

PLATFORM = "shopify"
KEY_MARKER = re.compile(r"\[hub-key:([^\]]+)\]")

FINANCIAL = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.PENDING,
    "partially_paid": FinancialStatus.PENDING,
    "paid": FinancialStatus.PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "voided": FinancialStatus.VOIDED,
    "expired": FinancialStatus.VOIDED,  # the authorisation lapsed: no money was taken
}
FULFILLMENT = {
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "pending_fulfillment": FulfillmentStatus.UNFULFILLED,
    "open": FulfillmentStatus.UNFULFILLED,
    "in_progress": FulfillmentStatus.UNFULFILLED,
    "on_hold": FulfillmentStatus.UNFULFILLED,
    "scheduled": FulfillmentStatus.UNFULFILLED,
    "partially_fulfilled": FulfillmentStatus.PARTIAL,
    "partial": FulfillmentStatus.PARTIAL,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "restocked": FulfillmentStatus.CANCELLED,
}
SUBSCRIPTION = {
    "ACTIVE": SubscriptionStatus.ACTIVE,
    "PAUSED": SubscriptionStatus.PAUSED,
    "CANCELLED": SubscriptionStatus.CANCELLED,
    "EXPIRED": SubscriptionStatus.EXPIRED,
    "FAILED": SubscriptionStatus.EXPIRED,  # billing failed for good: no more rebills
}
# A fulfillment in these states never shipped; its tracking number would mislead an agent.
DEAD_FULFILLMENTS = {"cancelled", "failure", "error"}
OPTED_IN = {"SUBSCRIBED"}


# --------------------------------------------------------------------------- small pieces


def gid(kind: str, value: Any) -> str:
    """``gid://shopify/<Kind>/<id>`` from a REST id (GIDs pass through)."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def legacy_id(global_id: str) -> str:
    """The numeric id at the end of a GID."""
    return global_id.rsplit("/", 1)[-1]


def _require(record: Mapping[str, Any], field: str, kind: str) -> Any:
    value = record.get(field)
    if value is None or value == "":
        raise MappingError(PLATFORM, kind, field, "missing")
    return value


def parse_time(value: Any, kind: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(PLATFORM, kind, field, f"not an ISO-8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise MappingError(PLATFORM, kind, field, "timestamp has no offset")
    return moment


def _optional_time(value: Any, kind: str, field: str) -> datetime | None:
    return parse_time(value, kind, field) if value else None


def money(amount: Any, currency: Any, kind: str, field: str) -> Money:
    if amount is None or not currency:
        raise MappingError(PLATFORM, kind, field, "amount or currency missing")
    try:
        return Money(amount=Decimal(str(amount)), currency=str(currency))
    except (InvalidOperation, ValueError) as exc:
        raise MappingError(PLATFORM, kind, field, f"not an amount: {amount!r} ({exc})") from None


def money_v2(value: Mapping[str, Any] | None, kind: str, field: str) -> Money:
    """A ``MoneyV2`` or a ``MoneyBag`` (its ``shopMoney``)."""
    if not value:
        raise MappingError(PLATFORM, kind, field, "missing")
    if "shopMoney" in value:
        value = value["shopMoney"] or {}
    return money(value.get("amount"), value.get("currencyCode"), kind, field)


def e164(raw: Any, country: str | None = None) -> str | None:
    """E.164 where the number parses; the raw text otherwise (never dropped)."""
    if not raw:
        return None
    text = str(raw)
    try:
        number = phonenumbers.parse(text, (country or "US").upper())
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _status(value: Any, table: Mapping[str, Any], default: Any) -> Any:
    return table.get(str(value).lower(), default) if value else default


def reason_from_note(note: str | None) -> str | None:
    """The hub writes ``<reason>: <text> [hub-key:..]``; read the reason back."""
    if not note or ":" not in note:
        return None
    head = note.split(":", 1)[0].strip()
    return head if head in {r.value for r in RefundReason} else None


def key_in_note(note: str | None) -> str | None:
    match = KEY_MARKER.search(note or "")
    return match.group(1) if match else None


# --------------------------------------------------------------------------- addresses


def address_from_graphql(node: Mapping[str, Any] | None) -> Address | None:
    """``MailingAddress``; None when absent or too incomplete to ship to."""
    if not node or not node.get("address1") or not node.get("city"):
        return None
    name = node.get("name") or " ".join(p for p in (node.get("firstName"), node.get("lastName")) if p)
    country = node.get("countryCodeV2") or node.get("countryCode") or node.get("country") or ""
    return Address(
        name=name or None,
        company=node.get("company") or None,
        line1=node["address1"],
        line2=node.get("address2") or None,
        city=node["city"],
        region=node.get("provinceCode") or node.get("province") or None,
        postal_code=node.get("zip") or None,
        country=country,
        phone=e164(node.get("phone"), country if len(country) == 2 else None),
    )


def address_from_rest(node: Mapping[str, Any] | None) -> Address | None:
    if not node:
        return None
    return address_from_graphql(
        {
            "name": node.get("name"),
            "firstName": node.get("first_name"),
            "lastName": node.get("last_name"),
            "company": node.get("company"),
            "address1": node.get("address1"),
            "address2": node.get("address2"),
            "city": node.get("city"),
            "provinceCode": node.get("province_code"),
            "province": node.get("province"),
            "zip": node.get("zip"),
            "countryCode": node.get("country_code"),
            "country": node.get("country"),
            "phone": node.get("phone"),
        }
    )


# --------------------------------------------------------------------------- customers


def _consent(channel: Channel, state: Mapping[str, Any] | None) -> Consent | None:
    if not state or not state.get("marketingState"):
        return None
    updated = state.get("consentUpdatedAt") or state.get("marketingUpdatedAt")
    return Consent(
        channel=channel,
        opted_in=state["marketingState"] in OPTED_IN,
        updated_at=_optional_time(updated, "customer", f"{channel.value} consent"),
    )


def customer_from_graphql(node: Mapping[str, Any], *, store: str, brand: str) -> Customer:
    """A ``Customer`` node (new ``defaultEmailAddress`` fields first, deprecated ones as fallback)."""
    kind = "customer"
    email_node = node.get("defaultEmailAddress") or {}
    phone_node = node.get("defaultPhoneNumber") or {}
    address = address_from_graphql(node.get("defaultAddress"))
    email_state = node.get("emailMarketingConsent") or (
        {"marketingState": email_node["marketingState"]} if email_node.get("marketingState") else None
    )
    sms_state = node.get("smsMarketingConsent") or (
        {"marketingState": phone_node["marketingState"]} if phone_node.get("marketingState") else None
    )
    consents = tuple(c for c in (_consent(Channel.EMAIL, email_state), _consent(Channel.SMS, sms_state)) if c)
    spent = node.get("amountSpent")
    last_order = node.get("lastOrder") or {}
    count = node.get("numberOfOrders")
    return Customer(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        brand=brand,
        email=email_node.get("emailAddress") or node.get("email"),
        phone=e164(phone_node.get("phoneNumber") or node.get("phone")),
        first_name=node.get("firstName"),
        last_name=node.get("lastName"),
        created_at=_optional_time(node.get("createdAt"), kind, "createdAt"),
        lifetime_revenue=money_v2(spent, kind, "amountSpent") if spent else None,
        order_count=int(count) if count is not None else None,  # UnsignedInt64 arrives as a string
        last_order_at=_optional_time(last_order.get("createdAt"), kind, "lastOrder.createdAt"),
        default_address=address,
        consents=consents,
    )


def _rest_consent(channel: Channel, state: Mapping[str, Any] | None) -> Consent | None:
    if not state or not state.get("state"):
        return None
    return _consent(
        channel,
        {"marketingState": str(state["state"]).upper(), "consentUpdatedAt": state.get("consent_updated_at")},
    )


def customer_from_rest(body: Mapping[str, Any], *, store: str, brand: str, currency: str = "USD") -> Customer:
    """A REST/webhook customer (``orders_count``, ``total_spent`` in the shop's currency)."""
    kind = "customer"
    address = address_from_rest(body.get("default_address"))
    consents = tuple(
        c
        for c in (
            _rest_consent(Channel.EMAIL, body.get("email_marketing_consent")),
            _rest_consent(Channel.SMS, body.get("sms_marketing_consent")),
        )
        if c
    )
    # Many customers only have a phone on their address; calls are matched by it.
    phone = body.get("phone") or (body.get("default_address") or {}).get("phone")
    spent = body.get("total_spent")
    return Customer(
        platform=PLATFORM,
        id=gid("Customer", _require(body, "id", kind)),
        store=store,
        brand=brand,
        email=body.get("email"),
        phone=e164(phone, address.country if address else None),
        first_name=body.get("first_name"),
        last_name=body.get("last_name"),
        created_at=_optional_time(body.get("created_at"), kind, "created_at"),
        lifetime_revenue=money(spent, body.get("currency") or currency, kind, "total_spent")
        if spent is not None
        else None,
        order_count=body.get("orders_count"),
        default_address=address,
        consents=consents,
    )


# --------------------------------------------------------------------------- orders


def _line_from_graphql(node: Mapping[str, Any]) -> LineItem:
    price = node.get("originalUnitPriceSet")
    variant = node.get("variant") or {}
    return LineItem(
        id=node.get("id"),
        sku=node.get("sku") or variant.get("sku"),
        name=node.get("name") or node.get("title") or "",
        quantity=int(node.get("quantity") or 0),
        price=money_v2(price, "order", "lineItems.originalUnitPriceSet"),
    )


def _shipping_facts(
    fulfillments: list[Mapping[str, Any]], numbers_of: Any, kind: str
) -> tuple[datetime | None, tuple[str, ...]]:
    """Ship date (first live fulfillment) and tracking numbers of fulfillments that are alive."""
    live = [f for f in fulfillments if str(f.get("status") or "").lower() not in DEAD_FULFILLMENTS]
    dates = [parse_time(f["createdAt"], kind, "fulfillments.createdAt") for f in live if f.get("createdAt")]
    numbers: list[str] = []
    for fulfillment in live:
        numbers.extend(n for n in numbers_of(fulfillment) if n and n not in numbers)
    return (min(dates) if dates else None), tuple(numbers)


def _is_subscription(tags: Any, lines: list[Mapping[str, Any]]) -> bool:
    """A selling plan on a line, or a subscription app's tag (Recharge: "Subscription ... Order")."""
    if any(line.get("sellingPlan") for line in lines):
        return True
    tag_list = tags.split(",") if isinstance(tags, str) else list(tags or [])
    return any("subscription" in str(tag).lower() for tag in tag_list)


def refund_from_graphql(node: Mapping[str, Any], *, order_id: str, store: str) -> Refund:
    kind = "refund"
    return Refund(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        order_id=order_id,
        amount=money_v2(node.get("totalRefundedSet"), kind, "totalRefundedSet"),
        reason=reason_from_note(node.get("note")),
        note=node.get("note"),
        created_at=_optional_time(node.get("createdAt"), kind, "createdAt"),
    )


def order_from_graphql(node: Mapping[str, Any], *, store: str, brand: str) -> Order:
    """An ``Order`` node with line items, fulfillments and refunds."""
    kind = "order"
    order_id = _require(node, "id", kind)
    lines = list((node.get("lineItems") or {}).get("nodes") or [])
    fulfillments = list(node.get("fulfillments") or [])
    shipped_at, tracking = _shipping_facts(
        fulfillments, lambda f: [t.get("number") for t in f.get("trackingInfo") or []], kind
    )
    fulfillment = _status(node.get("displayFulfillmentStatus"), FULFILLMENT, FulfillmentStatus.UNKNOWN)
    if node.get("cancelledAt") and fulfillment == FulfillmentStatus.UNFULFILLED:
        fulfillment = FulfillmentStatus.CANCELLED
    return Order(
        platform=PLATFORM,
        id=order_id,
        store=store,
        brand=brand,
        number=_require(node, "name", kind),
        customer_id=(node.get("customer") or {}).get("id"),
        email=node.get("email"),
        created_at=parse_time(_require(node, "createdAt", kind), kind, "createdAt"),
        total=money_v2(node.get("totalPriceSet"), kind, "totalPriceSet"),
        financial_status=_status(node.get("displayFinancialStatus"), FINANCIAL, FinancialStatus.UNKNOWN),
        fulfillment_status=fulfillment,
        shipped_at=shipped_at,
        tracking_numbers=tracking,
        line_items=tuple(_line_from_graphql(line) for line in lines),
        shipping_address=address_from_graphql(node.get("shippingAddress")),
        billing_address=address_from_graphql(node.get("billingAddress")),
        is_subscription=_is_subscription(node.get("tags"), lines),
        refunds=tuple(
            refund_from_graphql(r, order_id=order_id, store=store) for r in node.get("refunds") or []
        ),
    )


def _line_from_rest(node: Mapping[str, Any], currency: str) -> LineItem:
    return LineItem(
        id=gid("LineItem", node["id"]) if node.get("id") is not None else None,
        sku=node.get("sku") or None,
        name=node.get("name") or node.get("title") or "",
        quantity=int(node.get("quantity") or 0),
        price=money(node.get("price"), currency, "order", "line_items.price"),
    )


def refund_from_rest(body: Mapping[str, Any], *, store: str, currency: str = "USD") -> Refund:
    """A REST refund: the money is in its successful ``refund`` transactions."""
    kind = "refund"
    transactions = [
        t
        for t in body.get("transactions") or []
        if t.get("kind") == "refund" and t.get("status", "success") == "success"
    ]
    currencies = {t.get("currency") for t in transactions if t.get("currency")}
    if len(currencies) > 1:  # never summed into one figure: that would be money nobody paid
        raise MappingError(PLATFORM, kind, "transactions.currency", f"mixed currencies {sorted(currencies)}")
    total = sum(
        (money(t.get("amount"), currency, kind, "transactions.amount").amount for t in transactions),
        Decimal(0),
    )
    return Refund(
        platform=PLATFORM,
        id=gid("Refund", _require(body, "id", kind)),
        store=store,
        order_id=gid("Order", _require(body, "order_id", kind)),
        amount=Money(amount=total, currency=currencies.pop() if len(currencies) == 1 else currency),
        reason=reason_from_note(body.get("note")),
        note=body.get("note"),
        created_at=_optional_time(body.get("created_at"), kind, "created_at"),
    )


@mapping_guard("shopify", "order")
def order_from_rest(body: Mapping[str, Any], *, store: str, brand: str) -> Order:
    """A REST/webhook order (``orders/*`` topics)."""
    kind = "order"
    currency = _require(body, "currency", kind)
    fulfillments = list(body.get("fulfillments") or [])
    shipped_at, tracking = _shipping_facts(
        [{**f, "createdAt": f.get("created_at")} for f in fulfillments],
        lambda f: f.get("tracking_numbers") or [f.get("tracking_number")],
        kind,
    )
    status = body.get("fulfillment_status") or "unfulfilled"
    fulfillment = _status(status, FULFILLMENT, FulfillmentStatus.UNKNOWN)
    if body.get("cancelled_at") and fulfillment == FulfillmentStatus.UNFULFILLED:
        fulfillment = FulfillmentStatus.CANCELLED
    customer = body.get("customer") or {}
    return Order(
        platform=PLATFORM,
        id=gid("Order", _require(body, "id", kind)),
        store=store,
        brand=brand,
        number=_require(body, "name", kind),
        customer_id=gid("Customer", customer["id"]) if customer.get("id") is not None else None,
        email=body.get("email"),
        created_at=parse_time(_require(body, "created_at", kind), kind, "created_at"),
        total=money(body.get("total_price"), currency, kind, "total_price"),
        financial_status=_status(body.get("financial_status"), FINANCIAL, FinancialStatus.UNKNOWN),
        fulfillment_status=fulfillment,
        shipped_at=shipped_at,
        tracking_numbers=tracking,
        line_items=tuple(_line_from_rest(line, currency) for line in body.get("line_items") or []),
        shipping_address=address_from_rest(body.get("shipping_address")),
        billing_address=address_from_rest(body.get("billing_address")),
        is_subscription=_is_subscription(body.get("tags"), [])
        or body.get("source_name") == "subscription_contract",
        refunds=tuple(refund_from_rest(r, store=store, currency=currency) for r in body.get("refunds") or []),
    )


# --------------------------------------------------------------------------- subscriptions, links


def subscription_from_graphql(node: Mapping[str, Any], *, store: str) -> Subscription:
    """A ``SubscriptionContract``: product, SKU and price from its lines."""
    kind = "subscription"
    lines = list((node.get("lines") or {}).get("nodes") or [])
    first = lines[0] if lines else {}
    price: Money | None = None
    for line in lines:
        unit = money_v2(line.get("currentPrice"), kind, "lines.currentPrice")
        line_total = Money(amount=unit.amount * int(line.get("quantity") or 1), currency=unit.currency)
        price = line_total if price is None else price + line_total
    return Subscription(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        customer_id=(node.get("customer") or {}).get("id"),
        product=first.get("title"),
        sku=first.get("sku"),
        status=SUBSCRIPTION.get(str(node.get("status")), SubscriptionStatus.UNKNOWN),
        price=price,
        next_billing_at=_optional_time(node.get("nextBillingDate"), kind, "nextBillingDate"),
        created_at=_optional_time(node.get("createdAt"), kind, "createdAt"),
    )


def checkout_link_from_graphql(node: Mapping[str, Any], *, store: str) -> CheckoutLink:
    kind = "draft_order"
    total = node.get("totalPriceSet")
    return CheckoutLink(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        url=_require(node, "invoiceUrl", kind),
        total=money_v2(total, kind, "totalPriceSet") if total else None,
    )


def checkout_link_from_rest(body: Mapping[str, Any], *, store: str) -> CheckoutLink:
    """A REST draft order (``draft_orders/*`` topics) as the link it offers."""
    kind = "draft_order"
    total = body.get("total_price")
    return CheckoutLink(
        platform=PLATFORM,
        id=gid("DraftOrder", _require(body, "id", kind)),
        store=store,
        url=_require(body, "invoice_url", kind),
        total=money(total, body.get("currency"), kind, "total_price") if total is not None else None,
    )
