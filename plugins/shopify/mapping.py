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


def _required_text(record: Mapping[str, Any], field: str, kind: str) -> str:
    value = _require(record, field, kind)
    if not isinstance(value, str):
        raise MappingError(PLATFORM, kind, field, f"not text: {value!r}")
    return value


def _text(record: Mapping[str, Any], field: str) -> str | None:
    """An optional text field (``None`` when absent or empty); anything but text names ``field``."""
    value = record.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MappingError(PLATFORM, "", field, f"not text: {value!r}")
    return value


def _currency(record: Mapping[str, Any], field: str, kind: str) -> str:
    """An ISO 4217 code (``USD``); anything else names ``field``, not the amounts it applies to."""
    code = _require(record, field, kind)
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha():
        raise MappingError(PLATFORM, kind, field, f"not a currency code: {code!r}")
    return code


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
    if isinstance(value, Mapping) and "shopMoney" in value:
        value = value["shopMoney"] or {}
    if not isinstance(value, Mapping):
        raise MappingError(PLATFORM, kind, field, f"not an object: {type(value).__name__}")
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


def _nodes(record: Mapping[str, Any], key: str) -> list[Any]:
    """The ``nodes`` of a GraphQL connection under ``key``."""
    connection = nested(record, key)
    with reading(key):
        return listed(connection, "nodes")


def _customer_ref(node: Mapping[str, Any]) -> str | None:
    """The GID of a node's ``customer`` (GraphQL), None without one."""
    with reading("customer"):
        return _text(nested(node, "customer"), "id")


def _graphql_email(email_node: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    with reading("defaultEmailAddress"):
        preferred = _text(email_node, "emailAddress")
    return preferred or _text(node, "email")


def _count(record: Mapping[str, Any], field: str) -> int | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise MappingError(PLATFORM, "", field, f"not a count: {value!r}")
    return int(value)


def _quantity(node: Mapping[str, Any], default: int = 0) -> int:
    value = node.get("quantity")
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise MappingError(PLATFORM, "", "quantity", f"not a count: {value!r}")
    return int(value)


def _phone(value: Any, country: str | None, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise MappingError(PLATFORM, "", field, f"not text: {value!r}")
    return e164(value, country)


def _address(record: Mapping[str, Any], key: str, read: Any) -> Address | None:
    with reading(key):
        return read(record.get(key))


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


def _consent(channel: Channel, state: Mapping[str, Any] | None, updated_field: str = "") -> Consent | None:
    """A marketing consent state; ``updated_field`` names its time in errors (GraphQL's by default)."""
    if not state or not state.get("marketingState"):
        return None
    key = "consentUpdatedAt" if state.get("consentUpdatedAt") else "marketingUpdatedAt"
    return Consent(
        channel=channel,
        opted_in=state["marketingState"] in OPTED_IN,
        updated_at=_optional_time(state.get(key), "customer", updated_field or key),
    )


@mapping_guard(PLATFORM, "customer")
def customer_from_graphql(node: Mapping[str, Any], *, store: str, brand: str) -> Customer:
    """A ``Customer`` node (new ``defaultEmailAddress`` fields first, deprecated ones as fallback)."""
    kind = "customer"
    email_node = nested(node, "defaultEmailAddress")
    phone_node = nested(node, "defaultPhoneNumber")
    with reading("defaultAddress"):
        address = address_from_graphql(node.get("defaultAddress"))
    with reading("emailMarketingConsent"):
        email_state = node.get("emailMarketingConsent") or (
            {"marketingState": email_node["marketingState"]} if email_node.get("marketingState") else None
        )
        email_consent = _consent(Channel.EMAIL, email_state)
    with reading("smsMarketingConsent"):
        sms_state = node.get("smsMarketingConsent") or (
            {"marketingState": phone_node["marketingState"]} if phone_node.get("marketingState") else None
        )
        sms_consent = _consent(Channel.SMS, sms_state)
    consents = tuple(c for c in (email_consent, sms_consent) if c)
    spent = node.get("amountSpent")
    last_order = nested(node, "lastOrder")
    with reading("numberOfOrders"):
        count = node.get("numberOfOrders")
        order_count = int(count) if count is not None else None  # UnsignedInt64 arrives as a string
    return Customer(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        brand=brand,
        email=_graphql_email(email_node, node),
        phone=_phone(phone_node.get("phoneNumber") or node.get("phone"), None, "defaultPhoneNumber"),
        first_name=_text(node, "firstName"),
        last_name=_text(node, "lastName"),
        created_at=_optional_time(node.get("createdAt"), kind, "createdAt"),
        lifetime_revenue=money_v2(spent, kind, "amountSpent") if spent else None,
        order_count=order_count,
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
        "consent_updated_at",
    )


@mapping_guard(PLATFORM, "customer")
def customer_from_rest(body: Mapping[str, Any], *, store: str, brand: str, currency: str = "USD") -> Customer:
    """A REST/webhook customer (``orders_count``, ``total_spent`` in the shop's currency)."""
    kind = "customer"
    with reading("default_address"):
        address = address_from_rest(body.get("default_address"))
    with reading("email_marketing_consent"):
        email_consent = _rest_consent(Channel.EMAIL, body.get("email_marketing_consent"))
    with reading("sms_marketing_consent"):
        sms_consent = _rest_consent(Channel.SMS, body.get("sms_marketing_consent"))
    consents = tuple(c for c in (email_consent, sms_consent) if c)
    # Many customers only have a phone on their address; calls are matched by it.
    phone_field = "phone" if body.get("phone") else "default_address.phone"
    phone = body.get("phone") or nested(body, "default_address").get("phone")
    spent = body.get("total_spent")
    return Customer(
        platform=PLATFORM,
        id=gid("Customer", _require(body, "id", kind)),
        store=store,
        brand=brand,
        email=_text(body, "email"),
        phone=_phone(phone, address.country if address else None, phone_field),
        first_name=_text(body, "first_name"),
        last_name=_text(body, "last_name"),
        created_at=_optional_time(body.get("created_at"), kind, "created_at"),
        lifetime_revenue=money(spent, body.get("currency") or currency, kind, "total_spent")
        if spent is not None
        else None,
        order_count=_count(body, "orders_count"),
        default_address=address,
        consents=consents,
    )


# --------------------------------------------------------------------------- orders


def _line_from_graphql(node: Mapping[str, Any]) -> LineItem:
    variant = nested(node, "variant")
    return LineItem(
        id=node.get("id"),
        sku=node.get("sku") or variant.get("sku"),
        name=node.get("name") or node.get("title") or "",
        quantity=_quantity(node),
        price=_unit_paid(node),
    )


def _unit_paid(node: Mapping[str, Any]) -> Money:
    """What the customer paid per unit: ``discountedUnitPriceAfterAllDiscountsSet``, the list
    price less every discount (the line's and the order's codes), which the plugin asks for;
    ``originalUnitPriceSet`` (the list price) only in a node without it. Given both, the lower.

    A refund of line items is worth this: at the list price, a 20% code was paid back too.
    (The query asks for the discounted price instead of the list price, not beside it: another
    MoneyBag per line would take five orders past Shopify's 1000-point query cap.)
    """
    after, listed = node.get("discountedUnitPriceAfterAllDiscountsSet"), node.get("originalUnitPriceSet")
    if after is None:
        return money_v2(listed, "order", "originalUnitPriceSet")
    paid = money_v2(after, "order", "discountedUnitPriceAfterAllDiscountsSet")
    if listed is None:
        return paid
    price = money_v2(listed, "order", "originalUnitPriceSet")
    return paid if paid.currency == price.currency and paid.amount <= price.amount else price


def _shipping_facts(
    fulfillments: list[Mapping[str, Any]], numbers_of: Any, kind: str
) -> tuple[datetime | None, tuple[str, ...]]:
    """Ship date (first live fulfillment) and tracking numbers of fulfillments that are alive."""
    dates: list[datetime] = []
    numbers: list[str] = []
    for index, fulfillment in enumerate(fulfillments):
        with reading(f"fulfillments[{index}]"):
            if str(fulfillment.get("status") or "").lower() in DEAD_FULFILLMENTS:
                continue
            if fulfillment.get("createdAt"):
                dates.append(parse_time(fulfillment["createdAt"], kind, "createdAt"))
            numbers.extend(str(n) for n in numbers_of(fulfillment) if n and str(n) not in numbers)
    return (min(dates) if dates else None), tuple(numbers)


def _is_subscription(tags: Any, lines: list[Mapping[str, Any]]) -> bool:
    """A selling plan on a line, or a subscription app's tag (Recharge: "Subscription ... Order")."""
    if any(line.get("sellingPlan") for line in lines):
        return True
    with reading("tags"):
        tag_list = tags.split(",") if isinstance(tags, str) else list(tags or [])
    return any("subscription" in str(tag).lower() for tag in tag_list)


@mapping_guard(PLATFORM, "refund")
def refund_from_graphql(node: Mapping[str, Any], *, order_id: str, store: str) -> Refund:
    kind = "refund"
    return Refund(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        order_id=order_id,
        amount=money_v2(node.get("totalRefundedSet"), kind, "totalRefundedSet"),
        reason=reason_from_note(_text(node, "note")),
        note=_text(node, "note"),
        created_at=_optional_time(node.get("createdAt"), kind, "createdAt"),
    )


@mapping_guard(PLATFORM, "order")
def order_from_graphql(node: Mapping[str, Any], *, store: str, brand: str) -> Order:
    """An ``Order`` node with line items, fulfillments and refunds."""
    kind = "order"
    order_id = _required_text(node, "id", kind)
    lines = _nodes(node, "lineItems")
    fulfillments = listed(node, "fulfillments")
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
        number=_required_text(node, "name", kind),
        customer_id=_customer_ref(node),
        email=_text(node, "email"),
        created_at=parse_time(_require(node, "createdAt", kind), kind, "createdAt"),
        total=money_v2(node.get("totalPriceSet"), kind, "totalPriceSet"),
        financial_status=_status(node.get("displayFinancialStatus"), FINANCIAL, FinancialStatus.UNKNOWN),
        fulfillment_status=fulfillment,
        shipped_at=shipped_at,
        tracking_numbers=tracking,
        line_items=map_each(lines, "lineItems.nodes", _line_from_graphql),
        shipping_address=_address(node, "shippingAddress", address_from_graphql),
        billing_address=_address(node, "billingAddress", address_from_graphql),
        is_subscription=_is_subscription(node.get("tags"), lines),
        refunds=map_each(
            node.get("refunds"), "refunds", lambda r: refund_from_graphql(r, order_id=order_id, store=store)
        ),
    )


def _line_from_rest(node: Mapping[str, Any], currency: str) -> LineItem:
    return LineItem(
        id=gid("LineItem", node["id"]) if node.get("id") is not None else None,
        sku=node.get("sku") or None,
        name=node.get("name") or node.get("title") or "",
        quantity=_quantity(node),
        price=money(node.get("price"), currency, "order", "price"),
    )


def _refund_transaction(transaction: Any) -> bool:
    """True for a successful ``refund`` transaction of a REST refund."""
    if not isinstance(transaction, Mapping):
        raise MappingError(PLATFORM, "", "transactions", f"an element is not an object: {transaction!r}")
    return transaction.get("kind") == "refund" and transaction.get("status", "success") == "success"


@mapping_guard(PLATFORM, "refund")
def refund_from_rest(body: Mapping[str, Any], *, store: str, currency: str = "USD") -> Refund:
    """A REST refund: the money is in its successful ``refund`` transactions."""
    kind = "refund"
    transactions = [
        t
        for t in listed(body, "transactions")
        if _refund_transaction(t)
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
        reason=reason_from_note(_text(body, "note")),
        note=_text(body, "note"),
        created_at=_optional_time(body.get("created_at"), kind, "created_at"),
    )


@mapping_guard(PLATFORM, "order")
def order_from_rest(body: Mapping[str, Any], *, store: str, brand: str) -> Order:
    """A REST/webhook order (``orders/*`` topics)."""
    kind = "order"
    currency = _currency(body, "currency", kind)
    fulfillments = listed(body, "fulfillments")
    shipped_at, tracking = _shipping_facts(
        [{**f, "createdAt": f.get("created_at")} if isinstance(f, Mapping) else f for f in fulfillments],
        lambda f: f.get("tracking_numbers") or [f.get("tracking_number")],
        kind,
    )
    status = body.get("fulfillment_status") or "unfulfilled"
    fulfillment = _status(status, FULFILLMENT, FulfillmentStatus.UNKNOWN)
    if body.get("cancelled_at") and fulfillment == FulfillmentStatus.UNFULFILLED:
        fulfillment = FulfillmentStatus.CANCELLED
    customer = nested(body, "customer")
    return Order(
        platform=PLATFORM,
        id=gid("Order", _require(body, "id", kind)),
        store=store,
        brand=brand,
        number=_required_text(body, "name", kind),
        customer_id=gid("Customer", customer["id"]) if customer.get("id") is not None else None,
        email=_text(body, "email"),
        created_at=parse_time(_require(body, "created_at", kind), kind, "created_at"),
        total=money(body.get("total_price"), currency, kind, "total_price"),
        financial_status=_status(body.get("financial_status"), FINANCIAL, FinancialStatus.UNKNOWN),
        fulfillment_status=fulfillment,
        shipped_at=shipped_at,
        tracking_numbers=tracking,
        line_items=map_each(body.get("line_items"), "line_items", lambda it: _line_from_rest(it, currency)),
        shipping_address=_address(body, "shipping_address", address_from_rest),
        billing_address=_address(body, "billing_address", address_from_rest),
        is_subscription=_is_subscription(body.get("tags"), [])
        or body.get("source_name") == "subscription_contract",
        refunds=map_each(
            body.get("refunds"), "refunds", lambda r: refund_from_rest(r, store=store, currency=currency)
        ),
    )


# --------------------------------------------------------------------------- subscriptions, links


@mapping_guard(PLATFORM, "subscription")
def subscription_from_graphql(node: Mapping[str, Any], *, store: str) -> Subscription:
    """A ``SubscriptionContract``: product, SKU and price from its lines."""
    kind = "subscription"
    lines = _nodes(node, "lines")
    first = lines[0] if lines else {}
    price: Money | None = None
    for index, line in enumerate(lines):
        with reading(f"lines.nodes[{index}]"):
            unit = money_v2(line.get("currentPrice"), kind, "currentPrice")
            line_total = Money(amount=unit.amount * _quantity(line, 1), currency=unit.currency)
            price = line_total if price is None else price + line_total
    return Subscription(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        customer_id=_customer_ref(node),
        product=first.get("title"),
        sku=first.get("sku"),
        status=SUBSCRIPTION.get(str(node.get("status")), SubscriptionStatus.UNKNOWN),
        price=price,
        next_billing_at=_optional_time(node.get("nextBillingDate"), kind, "nextBillingDate"),
        created_at=_optional_time(node.get("createdAt"), kind, "createdAt"),
    )


@mapping_guard(PLATFORM, "draft_order")
def checkout_link_from_graphql(node: Mapping[str, Any], *, store: str) -> CheckoutLink:
    kind = "draft_order"
    total = node.get("totalPriceSet")
    return CheckoutLink(
        platform=PLATFORM,
        id=_require(node, "id", kind),
        store=store,
        url=_required_text(node, "invoiceUrl", kind),
        total=money_v2(total, kind, "totalPriceSet") if total else None,
    )


@mapping_guard(PLATFORM, "draft_order")
def checkout_link_from_rest(body: Mapping[str, Any], *, store: str) -> CheckoutLink:
    """A REST draft order (``draft_orders/*`` topics) as the link it offers."""
    kind = "draft_order"
    total = body.get("total_price")
    return CheckoutLink(
        platform=PLATFORM,
        id=gid("DraftOrder", _require(body, "id", kind)),
        store=store,
        url=_required_text(body, "invoice_url", kind),
        total=None if total is None else money(total, _currency(body, "currency", kind), kind, "total_price"),
    )
