"""Resolvers for the fields Shopify's types have beyond what the hub reads.

Shopify answers every field of a type; a client that asks for ``LineItem.originalTotalSet`` or
``Order.subtotalPriceSet`` must get them here too (``schema.py`` declares them with Shopify's
types). Figures follow from the records the emulator keeps, in its simple world: no taxes, no
shipping charges, no duties, tips or gift cards, one currency, discounts only on draft orders.
Money comes in Shopify's three shapes: ``fooSet`` (``MoneyBag``), ``fooV2`` (``MoneyV2``) and the
deprecated ``foo`` (a ``Money`` string).

Nullable fields the emulator has no value for resolve to ``null`` by graphql-core's default
resolver (a missing key of the record), so only non-null and derived fields are listed here.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema

from plugins.shopify.emulator import (
    CENT,
    ShopState,
    _cursor,
    _shop,
    amount_text,
    connection,
    draft_total,
    money_bag,
    money_v2,
    resolve_customers,
    resolve_orders,
    resolve_variants,
)

Record = dict[str, Any]
Resolver = Callable[..., Any]
ZERO = Decimal(0)
# When the emulator's shops, products and variants came to be (they carry no dates of their own).
SHOP_CREATED = "2020-01-01T00:00:00Z"


# --------------------------------------------------------------------------- helpers


def _legacy(record: Record, _: GraphQLResolveInfo | None = None) -> str:
    return record["id"].rsplit("/", 1)[-1]


def _constant(value: Any) -> Resolver:
    return lambda record, info, **_: value


def _bag(figure: Callable[[Record, GraphQLResolveInfo], Decimal]) -> Resolver:
    return lambda record, info, **_: money_bag(figure(record, info), _shop(info).currency)


def _v2(figure: Callable[[Record, GraphQLResolveInfo], Decimal]) -> Resolver:
    return lambda record, info, **_: money_v2(figure(record, info), _shop(info).currency)


def _text(figure: Callable[[Record, GraphQLResolveInfo], Decimal]) -> Resolver:
    return lambda record, info, **_: amount_text(figure(record, info))


def _money_fields(name: str, figure: Callable[[Record, GraphQLResolveInfo], Decimal]) -> dict[str, Resolver]:
    """``nameSet``, ``nameV2`` and ``name`` for one figure (the schema says which exist)."""
    return {f"{name}Set": _bag(figure), f"{name}V2": _v2(figure), name: _text(figure)}


NESTED = ("_lines", "_fulfillments", "_refunds", "_transactions")


def order_of(shop: ShopState, record: Record) -> Record:
    """The order a line, fulfillment, refund or transaction belongs to."""
    order = shop.orders.get(record.get("_order") or "")
    if order is not None:
        return order
    for candidate in shop.orders.values():
        for key in NESTED:
            if any(item is record or item["id"] == record["id"] for item in candidate[key]):
                record["_order"] = candidate["id"]
                return candidate
    raise GraphQLError(f"no order holds {record['id']}")


def _storefront_id(record: Record, _: GraphQLResolveInfo) -> str:
    return base64.b64encode(record["id"].encode()).decode()


def _default_cursor(record: Record, _: GraphQLResolveInfo) -> str:
    return _cursor(record["id"])


def _handle(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


# --------------------------------------------------------------------------- addresses


def _formatted(
    address: Record, _: GraphQLResolveInfo, withName: bool = False, withCompany: bool = True
) -> list[str]:
    """Shopify's address lines: name, company, street lines, "city province zip", country."""
    area = " ".join(p for p in (address.get("city"), address.get("provinceCode"), address.get("zip")) if p)
    lines = [
        address.get("name") if withName else None,
        address.get("company") if withCompany else None,
        address.get("address1"),
        address.get("address2"),
        area,
        address.get("country"),
    ]
    return [line for line in lines if line]


def _formatted_area(address: Record, _: GraphQLResolveInfo) -> str | None:
    parts = (address.get("city"), address.get("provinceCode"), address.get("country"))
    return ", ".join(p for p in parts if p) or None


MAILING_ADDRESS: dict[str, Resolver] = {
    "coordinatesValidated": _constant(False),
    "formatted": _formatted,
    "formattedArea": _formatted_area,
    "countryCode": lambda address, info: address.get("countryCodeV2"),
}


# --------------------------------------------------------------------------- shop


def _shop_url(info: GraphQLResolveInfo) -> str:
    return f"https://{_shop(info).domain}"


SHOP: dict[str, Resolver] = {
    "analyticsToken": lambda shop, info: f"token-{_shop(info).shop_id}",
    "checkoutApiSupported": _constant(True),
    "contactEmail": lambda shop, info: f"support@{_shop(info).domain}",
    "email": lambda shop, info: f"owner@{_shop(info).domain}",
    "createdAt": _constant(SHOP_CREATED),
    "updatedAt": _constant(SHOP_CREATED),
    "customerAccounts": _constant("OPTIONAL"),
    "enabledPresentmentCurrencies": lambda shop, info: [_shop(info).currency],
    "ianaTimezone": _constant("Etc/UTC"),
    "timezoneAbbreviation": _constant("UTC"),
    "timezoneOffset": _constant("+0000"),
    "timezoneOffsetMinutes": _constant(0),
    "marketingSmsConsentEnabledAtCheckout": _constant(False),
    "orderNumberFormatPrefix": _constant("#"),
    "orderNumberFormatSuffix": _constant(""),
    "richTextEditorUrl": lambda shop, info: f"{_shop_url(info)}/admin/rte",
    "setupRequired": _constant(False),
    "shipsToCountries": _constant(["US", "CA"]),
    "shopOwnerName": lambda shop, info: f"{_shop(info).brand} Owner",
    "taxShipping": _constant(False),
    "taxesIncluded": _constant(False),
    "transactionalSmsDisabled": _constant(False),
    "unitSystem": _constant("IMPERIAL_SYSTEM"),
    "weightUnit": _constant("POUNDS"),
    "url": lambda shop, info: _shop_url(info),
    "storefrontUrl": lambda shop, info: _shop_url(info),
    "publicationCount": _constant(1),
    "customers": lambda shop, info, **args: resolve_customers(None, info, **args),
    "orders": lambda shop, info, **args: resolve_orders(None, info, **args),
    "productVariants": lambda shop, info, reverse=False, sortKey=None, **args: resolve_variants(
        None, info, **args, reverse=reverse
    ),
}


# --------------------------------------------------------------------------- customers


def _lifetime(customer: Record, _: GraphQLResolveInfo) -> str:
    """How long the customer has been one, in Shopify's words ("about 1 year", "3 months")."""
    days = (datetime.now(UTC) - datetime.fromisoformat(customer["createdAt"].replace("Z", "+00:00"))).days
    if days >= 365:
        years = days // 365
        return "about 1 year" if years == 1 else f"about {years} years"
    if days >= 30:
        months = days // 30
        return "1 month" if months == 1 else f"{months} months"
    return "1 day" if days == 1 else f"{max(days, 0)} days"


def _subscriber_status(customer: Record, info: GraphQLResolveInfo) -> str:
    contracts = [c for c in _shop(info).contracts.values() if c["_customer"] == customer["id"]]
    if not contracts:
        return "NEVER_SUBSCRIBED"
    if any(c["status"] == "ACTIVE" for c in contracts):
        return "ACTIVE"
    return max(contracts, key=lambda c: c["updatedAt"])["status"]


def _unsubscribe_url(customer: Record, info: GraphQLResolveInfo) -> str:
    return f"{_shop_url(info)}/unsubscribe?c={_legacy(customer)}"


CUSTOMER: dict[str, Resolver] = {
    "defaultEmailAddress": lambda c, info: email_address(c, info),
    "defaultPhoneNumber": lambda c, info: phone_number(c, info),
    "addresses": lambda c, info, first=None: [c["defaultAddress"]] if c.get("defaultAddress") else [],
    "canDelete": lambda c, info: not _shop(info).customer_orders(c["id"]),
    "dataSaleOptOut": _constant(False),
    "hasTimelineComment": _constant(False),
    "lifetimeDuration": _lifetime,
    "locale": _constant("en"),
    "productSubscriberStatus": _subscriber_status,
    "state": _constant("DISABLED"),  # no customer account: the hub's customers buy as guests
    "taxExempt": _constant(False),
    "taxExemptions": _constant([]),
    "unsubscribeUrl": _unsubscribe_url,
    "validEmailAddress": lambda c, info: bool(c.get("email")),
    "verifiedEmail": lambda c, info: bool(c.get("email")),
}


def email_address(customer: Record, info: GraphQLResolveInfo) -> Record | None:
    """``Customer.defaultEmailAddress`` with every field of ``CustomerEmailAddress`` (whose states
    have no ``REDACTED``: a redacted consent reads as not subscribed)."""
    if not customer.get("email"):
        return None
    consent = customer.get("emailMarketingConsent") or {}
    state = consent.get("marketingState", "NOT_SUBSCRIBED")
    return {
        "emailAddress": customer["email"],
        "marketingState": "NOT_SUBSCRIBED" if state == "REDACTED" else state,
        "marketingOptInLevel": consent.get("marketingOptInLevel"),
        "marketingUpdatedAt": consent.get("consentUpdatedAt"),
        "marketingUnsubscribeUrl": _unsubscribe_url(customer, info),
        "openTrackingLevel": "UNKNOWN",
        "openTrackingUrl": f"{_shop_url(info)}/open-tracking?c={_legacy(customer)}",
        "validFormat": "@" in customer["email"],
    }


def phone_number(customer: Record, _: GraphQLResolveInfo) -> Record | None:
    """``Customer.defaultPhoneNumber`` with every field of ``CustomerPhoneNumber``."""
    if not customer.get("phone"):
        return None
    consent = customer.get("smsMarketingConsent") or {}
    return {
        "phoneNumber": customer["phone"],
        "marketingState": consent.get("marketingState", "NOT_SUBSCRIBED"),
        "marketingOptInLevel": consent.get("marketingOptInLevel"),
        "marketingUpdatedAt": consent.get("consentUpdatedAt"),
        "marketingCollectedFrom": consent.get("consentCollectedFrom"),
    }


# --------------------------------------------------------------------------- products


def _product_variants(product: Record, info: GraphQLResolveInfo) -> list[Record]:
    return [v for v in _shop(info).variants.values() if v["_product"] == product["id"]]


PRODUCT: dict[str, Resolver] = {
    "createdAt": _constant(SHOP_CREATED),
    "updatedAt": _constant(SHOP_CREATED),
    "publishedAt": _constant(SHOP_CREATED),
    "defaultCursor": _default_cursor,
    "description": _constant(""),
    "descriptionHtml": _constant(""),
    "descriptionPlainSummary": _constant(""),
    "handle": lambda p, info: _handle(p["title"]),
    "hasOnlyDefaultVariant": lambda p, info: len(_product_variants(p, info)) == 1,
    "hasOutOfStockVariants": _constant(False),
    "hasVariantsThatRequiresComponents": _constant(False),
    "inCollection": lambda p, info, id: False,
    "isGiftCard": _constant(False),
    "legacyResourceId": _legacy,
    "productType": _constant(""),
    "publishedOnPublication": lambda p, info, publicationId: False,
    "publicationCount": lambda p, info, onlyPublished=True: 1,
    "publishedOnChannel": lambda p, info, channelId: False,
    "publishedOnCurrentChannel": _constant(True),
    "publishedOnCurrentPublication": _constant(True),
    "requiresSellingPlan": _constant(False),
    "sellingPlanGroupCount": _constant(0),
    "status": _constant("ACTIVE"),
    "storefrontId": _storefront_id,
    "tags": _constant([]),
    "totalInventory": _constant(0),
    "totalVariants": lambda p, info: len(_product_variants(p, info)),
    "tracksInventory": _constant(False),  # inventory is not counted: every variant is for sale
    "variants": lambda p, info, reverse=False, sortKey=None, **page: connection(
        _product_variants(p, info), reverse=reverse, **page
    ),
    "vendor": lambda p, info: _shop(info).brand,
}


def _variant_position(variant: Record, info: GraphQLResolveInfo) -> int:
    siblings = [v["id"] for v in _shop(info).variants.values() if v["_product"] == variant["_product"]]
    return siblings.index(variant["id"]) + 1


PRODUCT_VARIANT: dict[str, Resolver] = {
    "availableForSale": _constant(True),
    "createdAt": _constant(SHOP_CREATED),
    "updatedAt": _constant(SHOP_CREATED),
    "defaultCursor": _default_cursor,
    "inventoryPolicy": _constant("DENY"),
    "inventoryQuantity": _constant(0),
    "position": _variant_position,
    "requiresComponents": _constant(False),
    "sellableOnlineQuantity": _constant(0),
    "sellingPlanGroupCount": _constant(0),
    "showUnitPrice": _constant(False),
    "storefrontId": _storefront_id,
    "taxable": _constant(True),
}


# --------------------------------------------------------------------------- order lines


def _line_fulfilled(line: Record, info: GraphQLResolveInfo) -> bool:
    """A line counts as shipped when its order has a complete (not partial) fulfillment."""
    order = order_of(_shop(info), line)
    return any(f["status"] == "SUCCESS" and not f["_partial"] for f in order["_fulfillments"])


def _current_quantity(line: Record) -> int:
    return int(line["quantity"] - line.get("_refunded", 0))


def _unfulfilled(line: Record, info: GraphQLResolveInfo) -> int:
    return 0 if _line_fulfilled(line, info) else _current_quantity(line)


def _lines_sum(lines: Iterable[Record]) -> Decimal:
    return _sum(line["_price"] * line["quantity"] for line in lines)


def _discount_ratio(order: Record) -> Decimal:
    """What is left of each line's price after order-level discounts (1 without discounts)."""
    gross = _lines_sum(order["_lines"])
    return order["_total"] / gross if gross else Decimal(1)


def _unit_after_discounts(line: Record, info: GraphQLResolveInfo) -> Decimal:
    return (line["_price"] * _discount_ratio(order_of(_shop(info), line))).quantize(CENT)


def _variant_title(line: Record, info: GraphQLResolveInfo) -> str | None:
    variant = _shop(info).variants.get(line.get("_variant") or "")
    return variant["title"] if variant else None


def _line_product(line: Record, info: GraphQLResolveInfo) -> Record | None:
    variant = _shop(info).variants.get(line.get("_variant") or "")
    return _shop(info).products.get(variant["_product"]) if variant else None


def _line_contract(line: Record, info: GraphQLResolveInfo) -> Record | None:
    """The subscription contract a selling-plan line started (same customer and variant)."""
    if not line.get("sellingPlan"):
        return None
    shop = _shop(info)
    customer = order_of(shop, line)["_customer"]
    return next(
        (
            c
            for c in shop.contracts.values()
            if c["_customer"] == customer and any(s["variantId"] == line["_variant"] for s in c["_lines"])
        ),
        None,
    )


def _fulfillment_status_text(line: Record, info: GraphQLResolveInfo) -> str:
    return "fulfilled" if _line_fulfilled(line, info) else "unfulfilled"


def _price(line: Record, _: GraphQLResolveInfo) -> Decimal:
    return line["_price"]


def _original_total(line: Record, _: GraphQLResolveInfo) -> Decimal:
    return line["_price"] * line["quantity"]


def _unfulfilled_total(line: Record, info: GraphQLResolveInfo) -> Decimal:
    return line["_price"] * _unfulfilled(line, info)


def _zero(*_: Any, **__: Any) -> Decimal:
    return ZERO


LINE_ITEM: dict[str, Resolver] = {
    **_money_fields("originalTotal", _original_total),
    **_money_fields("discountedTotal", _original_total),  # no discounts on a single line
    **_money_fields("discountedUnitPrice", _price),
    **_money_fields("discountedUnitPriceAfterAllDiscounts", _unit_after_discounts),
    **_money_fields("totalDiscount", _zero),
    **_money_fields("unfulfilledDiscountedTotal", _unfulfilled_total),
    **_money_fields("unfulfilledOriginalTotal", _unfulfilled_total),
    "originalUnitPrice": _text(_price),
    "canRestock": lambda line, info: _current_quantity(line) > 0,
    "restockable": lambda line, info: _current_quantity(line) > 0,
    "contract": _line_contract,
    "customAttributes": _constant([]),
    "fulfillableQuantity": _unfulfilled,
    "unfulfilledQuantity": _unfulfilled,
    "fulfillmentStatus": _fulfillment_status_text,
    "isGiftCard": _constant(False),
    "merchantEditable": _constant(True),
    "nonFulfillableQuantity": lambda line, info: int(line.get("_refunded", 0)),
    "product": _line_product,
    "requiresShipping": _constant(True),
    "taxable": _constant(True),
    "variantTitle": _variant_title,
    "vendor": lambda line, info: _shop(info).brand,
}


# --------------------------------------------------------------------------- fulfillments, refunds


def _fulfillment_name(fulfillment: Record, info: GraphQLResolveInfo) -> str:
    order = order_of(_shop(info), fulfillment)
    index = next(i for i, f in enumerate(order["_fulfillments"], 1) if f["id"] == fulfillment["id"])
    return f"{order['name']}-F{index}"


FULFILLMENT: dict[str, Resolver] = {
    "deliveredAt": lambda f, info: f["createdAt"] if f.get("displayStatus") == "DELIVERED" else None,
    "legacyResourceId": _legacy,
    "name": _fulfillment_name,
    "order": lambda f, info: order_of(_shop(info), f),
    "requiresShipping": _constant(True),
    "totalQuantity": lambda f, info: sum(line["quantity"] for line in order_of(_shop(info), f)["_lines"]),
    "updatedAt": lambda f, info: f["createdAt"],
}


def _refund_line_price(refund_line: Record, _: GraphQLResolveInfo) -> Decimal:
    return refund_line["lineItem"]["_price"]


def _refund_line_subtotal(refund_line: Record, _: GraphQLResolveInfo) -> Decimal:
    return refund_line["lineItem"]["_price"] * refund_line["quantity"]


REFUND_LINE_ITEM: dict[str, Resolver] = {
    **_money_fields("price", _refund_line_price),
    **_money_fields("subtotal", _refund_line_subtotal),
    **_money_fields("totalTax", _zero),
    "restocked": lambda r, info: r["restockType"] in ("RETURN", "CANCEL", "LEGACY_RESTOCK"),
}

REFUND: dict[str, Resolver] = {
    "legacyResourceId": _legacy,
    "order": lambda refund, info: order_of(_shop(info), refund),
    "processedAt": lambda refund, info: refund["createdAt"],
    "updatedAt": lambda refund, info: refund["createdAt"],
    "totalRefunded": _v2(lambda refund, info: refund["_amount"]),
}


# --------------------------------------------------------------------------- transactions


def _given_back(transaction: Record, info: GraphQLResolveInfo) -> Decimal:
    order = order_of(_shop(info), transaction)
    return _sum(
        t["_amount"]
        for t in order["_transactions"]
        if t.get("_parent") == transaction["id"] and t["kind"] == "REFUND" and t["status"] == "SUCCESS"
    )


def _refundable_left(transaction: Record, info: GraphQLResolveInfo) -> Decimal | None:
    if transaction["kind"] not in ("SALE", "CAPTURE") or transaction["status"] != "SUCCESS":
        return None
    return transaction["_amount"] - _given_back(transaction, info)


def _optional(
    shape: Callable[[Decimal, str], Any],
) -> Callable[[Callable[[Record, GraphQLResolveInfo], Decimal | None]], Resolver]:
    def wrap(figure: Callable[[Record, GraphQLResolveInfo], Decimal | None]) -> Resolver:
        def resolve(record: Record, info: GraphQLResolveInfo) -> Any:
            value = figure(record, info)
            return None if value is None else shape(value, _shop(info).currency)

        return resolve

    return wrap


_optional_v2 = _optional(money_v2)
_optional_text = _optional(lambda value, currency: amount_text(value))


def _amount_of(transaction: Record, _: GraphQLResolveInfo) -> Decimal:
    return transaction["_amount"]


ORDER_TRANSACTION: dict[str, Resolver] = {
    "amount": _text(_amount_of),
    "amountV2": _v2(_amount_of),
    **_money_fields("totalUnsettled", _zero),
    "formattedGateway": lambda t, info: (t.get("gateway") or "").replace("_", " ").title() or None,
    "manualPaymentGateway": lambda t, info: t.get("gateway") == "manual",
    "manuallyCapturable": _constant(False),
    "maximumRefundable": _optional_text(_refundable_left),
    "maximumRefundableV2": _optional_v2(_refundable_left),
    "multiCapturable": _constant(False),
    "order": lambda t, info: order_of(_shop(info), t),
    "paymentId": lambda t, info: f"r{_legacy(t)}",
    "processedAt": lambda t, info: t["createdAt"],
    "receiptJson": _constant("{}"),
    "test": _constant(False),
}


def transactions(
    order: Record,
    _: GraphQLResolveInfo,
    first: int | None = None,
    capturable: bool | None = None,
    manuallyResolvable: bool | None = None,
) -> list[Record]:
    """``Order.transactions``: nothing here is capturable or waits to be resolved by hand."""
    items = [] if capturable or manuallyResolvable else order["_transactions"]
    return items[:first] if first is not None else items


# --------------------------------------------------------------------------- orders


def _refunded(order: Record, info: GraphQLResolveInfo) -> Decimal:
    return _shop(info).refunded(order)


def _total(order: Record, _: GraphQLResolveInfo) -> Decimal:
    return order["_total"]


def _current_total(order: Record, info: GraphQLResolveInfo) -> Decimal:
    return order["_total"] - _refunded(order, info)


def _discounts(order: Record, _: GraphQLResolveInfo) -> Decimal:
    return max(ZERO, _lines_sum(order["_lines"]) - order["_total"])


def _received(order: Record, _: GraphQLResolveInfo) -> Decimal:
    return _sum(
        t["_amount"]
        for t in order["_transactions"]
        if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"
    )


def _refunded_payments(order: Record, _: GraphQLResolveInfo) -> Decimal:
    return _sum(
        t["_amount"] for t in order["_transactions"] if t["kind"] == "REFUND" and t["status"] == "SUCCESS"
    )


def _outstanding(order: Record, info: GraphQLResolveInfo) -> Decimal:
    return max(ZERO, order["_total"] - _received(order, info))


def _net_payment(order: Record, info: GraphQLResolveInfo) -> Decimal:
    return _received(order, info) - _refunded_payments(order, info)


def _order_number(order: Record, _: GraphQLResolveInfo) -> int:
    digits = re.sub(r"\D", "", order["name"])
    return int(digits) if digits else int(_legacy(order))


def _addresses_match(record: Record, _: GraphQLResolveInfo) -> bool:
    def key(address: Record | None) -> tuple[Any, ...]:
        address = address or {}
        return tuple(address.get(k) for k in ("address1", "address2", "city", "zip", "countryCodeV2"))

    return key(record.get("shippingAddress")) == key(record.get("billingAddress"))


def _payment_gateways(order: Record, _: GraphQLResolveInfo) -> list[str]:
    return list(dict.fromkeys(t["gateway"] for t in order["_transactions"] if t.get("gateway")))


def _accepts_marketing(order: Record, info: GraphQLResolveInfo) -> bool:
    customer = _shop(info).customers.get(order.get("_customer") or "") or {}
    consent = customer.get("emailMarketingConsent") or {}
    return consent.get("marketingState") == "SUBSCRIBED"


def _fulfillable(order: Record, info: GraphQLResolveInfo) -> bool:
    return not order["cancelledAt"] and any(_unfulfilled(line, info) for line in order["_lines"])


def _confirmation(order: Record, _: GraphQLResolveInfo) -> str:
    """A 9-character code from the order id, shaped like Shopify's ("A1B2C3D4E")."""
    number, alphabet, code = int(_legacy(order)), "ABCDEFGHJKLMNPQRSTUVWXYZ123456789", ""
    for _index in range(9):
        number, digit = divmod(number * 7919 + 13, len(alphabet))
        code += alphabet[digit]
    return code


def _editable_errors(order: Record, _: GraphQLResolveInfo) -> list[str]:
    return ["Order is cancelled"] if order["cancelledAt"] else []


def _status_page(order: Record, info: GraphQLResolveInfo, **_: Any) -> str:
    return f"{_shop_url(info)}/{_shop(info).shop_id}/orders/{_legacy(order)}/authenticate"


ORDER: dict[str, Resolver] = {
    **_money_fields("cartDiscountAmount", _discounts),
    **_money_fields("currentCartDiscountAmount", _discounts),
    **_money_fields("currentShippingPrice", _zero),
    **_money_fields("currentSubtotalPrice", _current_total),
    **_money_fields("currentTotalDiscounts", _discounts),
    **_money_fields("currentTotalTax", _zero),
    **_money_fields("netPayment", _net_payment),
    **_money_fields("originalTotalPrice", _total),
    **_money_fields("refundDiscrepancy", _zero),
    **_money_fields("subtotalPrice", _total),
    **_money_fields("totalCapturable", _zero),
    **_money_fields("totalDiscounts", _discounts),
    **_money_fields("totalOutstanding", _outstanding),
    **_money_fields("totalReceived", _received),
    **_money_fields("totalRefundedShipping", _zero),
    **_money_fields("totalShippingPrice", _zero),
    **_money_fields("totalTax", _zero),
    **_money_fields("totalTipReceived", _zero),
    "totalPrice": _text(_total),
    "totalRefunded": _text(_refunded),
    "totalTipReceived": _v2(_zero),  # deprecated MoneyV2 (its Set has the same name)
    "billingAddressMatchesShippingAddress": _addresses_match,
    "canMarkAsPaid": lambda o, info: not o["cancelledAt"] and _outstanding(o, info) > 0,
    "canNotifyCustomer": lambda o, info: bool(o.get("email")),
    "capturable": _constant(False),
    "closed": _constant(False),
    "confirmationNumber": _confirmation,
    "confirmed": _constant(True),
    "currentSubtotalLineItemsQuantity": lambda o, info: sum(_current_quantity(line) for line in o["_lines"]),
    "subtotalLineItemsQuantity": lambda o, info: sum(line["quantity"] for line in o["_lines"]),
    "currentTotalWeight": _constant("0"),
    "totalWeight": _constant("0"),
    "customerAcceptsMarketing": _accepts_marketing,
    "customerLocale": _constant("en"),
    "discountCodes": lambda o, info: list(o.get("discountCodes") or []),
    "discountCode": lambda o, info: (o.get("discountCodes") or [None])[0],
    "displayAddress": lambda o, info: o.get("billingAddress") or o.get("shippingAddress"),
    "dutiesIncluded": _constant(False),
    "edited": _constant(False),
    "estimatedTaxes": _constant(False),
    "fulfillable": _fulfillable,
    "fullyPaid": lambda o, info: _outstanding(o, info) == 0,
    "unpaid": lambda o, info: _received(o, info) == 0 and o["_total"] > 0,
    "hasTimelineComment": _constant(False),
    "merchantEditable": lambda o, info: not o["cancelledAt"],
    "merchantEditableErrors": _editable_errors,
    "nonFulfillableLineItems": lambda o, info, reverse=False, **page: connection(
        [line for line in o["_lines"] if _current_quantity(line) == 0], reverse=reverse, **page
    ),
    "number": _order_number,
    "paymentGatewayNames": _payment_gateways,
    "presentmentCurrencyCode": lambda o, info: o["currencyCode"],
    "productNetwork": _constant(False),
    "refundable": lambda o, info: not o["cancelledAt"] and _current_total(o, info) > 0,
    "requiresShipping": _constant(True),
    "restockable": lambda o, info: any(_current_quantity(line) for line in o["_lines"]),
    "returnStatus": _constant("NO_RETURN"),
    "riskLevel": _constant("LOW"),
    "sourceName": lambda o, info: o.get("sourceName") or "web",
    "statusPageUrl": _status_page,
    "taxExempt": _constant(False),
    "taxesIncluded": _constant(False),
    "test": _constant(False),
}


# --------------------------------------------------------------------------- draft orders


def _draft_subtotal(draft: Record, _: GraphQLResolveInfo) -> Decimal:
    return _lines_sum(draft["_lines"])


def _draft_total(draft: Record, info: GraphQLResolveInfo) -> Decimal:
    return draft_total(_shop(info), draft)


def _draft_discounts(draft: Record, info: GraphQLResolveInfo) -> Decimal:
    return _draft_subtotal(draft, info) - _draft_total(draft, info)


def applied_discount(draft: Record, info: GraphQLResolveInfo) -> Record | None:
    """``DraftOrder.appliedDiscount``: the input with its amount worked out (``description`` is
    ``String!`` on Shopify, so an unset one reads as an empty string)."""
    discount = draft.get("appliedDiscount")
    if not discount:
        return None
    subtotal = _draft_subtotal(draft, info)
    value = Decimal(str(discount["value"]))
    amount = subtotal * value / 100 if discount["valueType"] == "PERCENTAGE" else min(value, subtotal)
    return {**discount, "description": discount.get("description") or "", "_amount": amount.quantize(CENT)}


def _discount_amount(discount: Record, _: GraphQLResolveInfo) -> Decimal:
    return discount["_amount"]


DRAFT_ORDER_APPLIED_DISCOUNT: dict[str, Resolver] = _money_fields("amount", _discount_amount)


def _draft_line_total(line: Record, _: GraphQLResolveInfo) -> Decimal:
    return line["_price"] * line["quantity"]


DRAFT_ORDER_LINE_ITEM: dict[str, Resolver] = {
    **_money_fields("approximateDiscountedUnitPrice", _price),
    **_money_fields("discountedTotal", _draft_line_total),
    **_money_fields("discountedUnitPrice", _price),
    **_money_fields("originalTotal", _draft_line_total),
    **_money_fields("totalDiscount", _zero),
    "originalUnitPrice": _text(_price),
    "originalUnitPriceWithCurrency": _v2(_price),
    "bundleComponents": _constant([]),
    "components": _constant([]),
    "custom": lambda line, info: not line.get("_variant"),
    "customAttributes": lambda line, info: list(line.get("customAttributes") or []),
    "isGiftCard": _constant(False),
    "name": lambda line, info: _line_name(line, info),
    "product": _line_product,
    "requiresShipping": lambda line, info: line.get("requiresShipping", True) is not False,
    "taxable": lambda line, info: line.get("taxable", True) is not False,
    "uuid": lambda line, info: line.get("uuid") or _legacy(line),
    "variantTitle": _variant_title,
    "vendor": lambda line, info: _shop(info).brand if line.get("_variant") else None,
}


def _line_name(line: Record, info: GraphQLResolveInfo) -> str:
    variant = _shop(info).variants.get(line.get("_variant") or "")
    return variant["displayName"] if variant else line["title"]


DRAFT_ORDER: dict[str, Resolver] = {
    **_money_fields("lineItemsSubtotalPrice", _draft_subtotal),
    **_money_fields("totalDiscounts", _draft_discounts),
    **_money_fields("totalLineItemsPrice", _draft_subtotal),
    **_money_fields("totalShippingPrice", _zero),
    **_money_fields("totalTax", _zero),
    "lineItemsSubtotalPrice": _bag(_draft_subtotal),  # a MoneyBag without the ``Set`` suffix
    "subtotalPrice": _text(_draft_subtotal),
    "totalPrice": _text(_draft_total),
    "appliedDiscount": applied_discount,
    "allVariantPricesOverridden": _constant(False),
    "anyVariantPricesOverridden": _constant(False),
    "allowDiscountCodesInCheckout": lambda d, info: bool(d.get("allowDiscountCodesInCheckout")),
    "billingAddressMatchesShippingAddress": _addresses_match,
    "currencyCode": lambda d, info: _shop(info).currency,
    "presentmentCurrencyCode": lambda d, info: _shop(info).currency,
    "defaultCursor": _default_cursor,
    "hasTimelineComment": _constant(False),
    "invoiceEmailTemplateSubject": lambda d, info: f"Complete your purchase from {_shop(info).brand}",
    "marketName": _constant("United States"),
    "marketRegionCountryCode": lambda d, info: (d.get("shippingAddress") or {}).get("countryCodeV2") or "US",
    "note2": lambda d, info: d.get("note"),
    "ready": _constant(True),
    "taxExempt": lambda d, info: bool(d.get("taxExempt")),
    "taxesIncluded": _constant(False),
    "totalQuantityOfLineItems": lambda d, info: sum(line["quantity"] for line in d["_lines"]),
    "totalWeight": _constant("0"),
    "updatedAt": lambda d, info: d.get("completedAt") or d["createdAt"],
    "visibleToCustomer": lambda d, info: bool(d.get("visibleToCustomer")),
}


# --------------------------------------------------------------------------- subscriptions


def _subscription_line_total(line: Record, _: GraphQLResolveInfo) -> Decimal:
    return line["_price"] * line["quantity"]


def _contract_orders(contract: Record, info: GraphQLResolveInfo) -> list[Record]:
    """The customer's selling-plan orders of the contract's variants (oldest first)."""
    variants = {line["variantId"] for line in contract["_lines"]}
    return [
        order
        for order in _shop(info).customer_orders(contract["_customer"])
        if any(line.get("sellingPlan") and line["_variant"] in variants for line in order["_lines"])
    ]


SUBSCRIPTION_LINE: dict[str, Resolver] = {
    "customAttributes": _constant([]),
    "lineDiscountedPrice": _v2(_subscription_line_total),
    "productId": lambda line, info: (
        _shop(info).variants[line["variantId"]]["_product"]
        if line.get("variantId") in _shop(info).variants
        else None
    ),
    "requiresShipping": _constant(True),
    "taxable": _constant(True),
    "variantTitle": lambda line, info: _variant_title({"_variant": line.get("variantId")}, info),
}

SUBSCRIPTION_CONTRACT: dict[str, Resolver] = {
    "currencyCode": lambda c, info: _shop(info).currency,
    "customAttributes": _constant([]),
    "deliveryPrice": _v2(_zero),
    "lineCount": lambda c, info: len(c["_lines"]),
    "orders": lambda c, info, reverse=False, **page: connection(
        _contract_orders(c, info), reverse=reverse, **page
    ),
    "originOrder": lambda c, info: next(iter(_contract_orders(c, info)), None),
    "revisionId": _constant("1"),
}


# --------------------------------------------------------------------------- nodes


def find_node(shop: ShopState, gid: str) -> Record | None:
    """Any record by its GID (``node(id:)``), nested ones (lines, refunds...) included."""
    for collection in (shop.customers, shop.orders, shop.products, shop.variants, shop.draft_orders):
        if gid in collection:
            return collection[gid]
    if gid in shop.contracts:
        return shop.contracts[gid]
    nested = [
        *(order[key] for order in shop.orders.values() for key in NESTED),
        *(draft["_lines"] for draft in shop.draft_orders.values()),
    ]
    return next((record for records in nested for record in records if record["id"] == gid), None)


def node_type(record: Record, *_: Any) -> str:
    """The GraphQL type of a record: the kind in its GID (``gid://shopify/Order/1`` is an Order)."""
    return record["id"].split("/")[3]


def resolve_node(_: Any, info: GraphQLResolveInfo, id: str) -> Record | None:
    return find_node(_shop(info), id)


def resolve_nodes(_: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[Record | None]:
    return [find_node(_shop(info), gid) for gid in ids]


# --------------------------------------------------------------------------- wiring

BY_TYPE: dict[str, dict[str, Resolver]] = {
    "MailingAddress": MAILING_ADDRESS,
    "Shop": SHOP,
    "Customer": CUSTOMER,
    "Product": PRODUCT,
    "ProductVariant": PRODUCT_VARIANT,
    "LineItem": LINE_ITEM,
    "Fulfillment": FULFILLMENT,
    "RefundLineItem": REFUND_LINE_ITEM,
    "Refund": REFUND,
    "OrderTransaction": ORDER_TRANSACTION,
    "Order": ORDER,
    "DraftOrderAppliedDiscount": DRAFT_ORDER_APPLIED_DISCOUNT,
    "DraftOrderLineItem": DRAFT_ORDER_LINE_ITEM,
    "DraftOrder": DRAFT_ORDER,
    "SubscriptionLine": SUBSCRIPTION_LINE,
    "SubscriptionContract": SUBSCRIPTION_CONTRACT,
}

LEGACY_ID_TYPES = ("Customer", "ProductVariant", "Order", "DraftOrder")


def attach(schema: GraphQLSchema) -> None:
    """Set the resolvers above on ``schema`` (only for fields the schema declares)."""
    for type_name, resolvers in BY_TYPE.items():
        fields = schema.get_type(type_name).fields  # type: ignore[union-attr]
        for field_name, resolver in resolvers.items():
            if field_name in fields:
                fields[field_name].resolve = resolver
    schema.get_type("Order").fields["transactions"].resolve = transactions  # type: ignore[union-attr]
    query = schema.get_type("QueryRoot").fields  # type: ignore[union-attr]
    query["node"].resolve = resolve_node
    query["nodes"].resolve = resolve_nodes
    schema.get_type("Node").resolve_type = node_type  # type: ignore[union-attr]
