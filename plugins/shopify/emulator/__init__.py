"""An emulator of Shopify's GraphQL Admin API for tests and the sandbox (a Starlette app).

It serves ``POST /admin/api/{version}/graphql.json`` and executes real GraphQL (graphql-core)
over ``emulator_schema``: validation errors, variable coercion and unknown fields fail as on
Shopify. It charges each query's calculated cost (``cost.py``) against a leaky bucket per store
token, answers ``THROTTLED`` (HTTP 200, ``extensions.cost`` with ``actualQueryCost: null``) when
the bucket is short, refunds the unspent part, and reports ``throttleStatus`` on every answer.
Mutations check their input and answer ``userErrors``; ``refundCreate`` honours
``@idempotent(key:)`` (required from 2026-04). Draft orders get an ``invoiceUrl`` served by
``GET /{shop_id}/invoices/{token}``.

Several stores live side by side; the access token picks the store (as on Shopify, where a token
belongs to one shop). ``python -m plugins.shopify.emulator --port N`` serves the seed data.
"""

from __future__ import annotations

import argparse
import base64
import functools
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    get_directive_values,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.emulator import FaultMiddleware, Faults, run_forever
from plugins.shopify.cost import actual_cost, operation_of, requested_cost
from plugins.shopify.emulator.schema import build
from plugins.shopify.settings import API_VERSION, IDEMPOTENT_REFUNDS_SINCE, version_at_least

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
MAX_PAGE = 250
IDEMPOTENCY_REQUIRED_SINCE = "2026-04"
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- small helpers


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def amount_text(value: Decimal) -> str:
    return str(value.quantize(CENT))


def money_v2(value: Decimal, currency: str) -> dict[str, str]:
    return {"amount": amount_text(value), "currencyCode": currency}


def money_bag(value: Decimal, currency: str) -> dict[str, Any]:
    money = money_v2(value, currency)
    return {"shopMoney": money, "presentmentMoney": money}


def e164(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return phonenumbers.format_number(phonenumbers.parse(raw, "US"), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return raw


def user_error(field_path: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field_path, "message": message}
    if code is not None:
        error["code"] = code
    return error


# --------------------------------------------------------------------------- cost bucket


class CostBucket:
    """Shopify's leaky bucket: ``maximum`` points, restoring ``restore_rate`` points a second."""

    def __init__(
        self, maximum: float, restore_rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.maximum, self.restore_rate, self.clock = maximum, restore_rate, clock
        self.available = maximum
        self._stamp = clock()
        self._lock = threading.Lock()

    def _restore(self) -> None:
        moment = self.clock()
        self.available = min(self.maximum, self.available + (moment - self._stamp) * self.restore_rate)
        self._stamp = moment

    def try_charge(self, points: float) -> bool:
        with self._lock:
            self._restore()
            if points > self.available:
                return False
            self.available -= points
            return True

    def refund(self, points: float) -> None:
        with self._lock:
            self._restore()
            self.available = min(self.maximum, self.available + max(0.0, points))

    def status(self) -> dict[str, float]:
        with self._lock:
            self._restore()
            return {
                "maximumAvailable": float(self.maximum),
                "currentlyAvailable": float(int(self.available)),
                "restoreRate": float(self.restore_rate),
            }


# --------------------------------------------------------------------------- search syntax

_TOKEN = re.compile(r'(\w+):("(?:[^"\\]|\\.)*"|\S+)|\b(OR|AND)\b|(\S+)')


def parse_search(query: str | None) -> list[list[tuple[str | None, str]]]:
    """Shopify's search syntax as OR-groups of AND-ed ``field:value`` terms (quotes allowed)."""
    groups: list[list[tuple[str | None, str]]] = [[]]
    for match in _TOKEN.finditer(query or ""):
        name, value, operator, bare = match.groups()
        if operator == "OR":
            groups.append([])
        elif operator == "AND":
            continue
        elif name:
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            groups[-1].append((name.lower(), value))
        elif bare:
            groups[-1].append((None, bare))
    return [group for group in groups if group]


@functools.lru_cache(maxsize=1024)
def _search_groups(query: str | None) -> tuple[tuple[tuple[str | None, str], ...], ...]:
    """``parse_search`` once per query text: a search tests every record against the same query."""
    return tuple(tuple(group) for group in parse_search(query))


def matches(
    query: str | None, record: dict[str, Any], test: Callable[[dict[str, Any], str | None, str], bool]
) -> bool:
    groups = _search_groups(query)
    return not groups or any(all(test(record, name, value) for name, value in group) for group in groups)


# --------------------------------------------------------------------------- pagination


def _cursor(record_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last_id": record_id}).encode()).decode()


def _cursor_position(cursor: str, ids: list[str]) -> int:
    try:
        record_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))["last_id"]
        return ids.index(record_id)
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from None


def connection(
    items: list[dict[str, Any]],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool | None = False,
    **_: Any,
) -> dict[str, Any]:
    """A Relay connection over ``items`` with opaque cursors and Shopify's page-size rules.

    ``reverse`` turns the order round first; other arguments (``sortKey``, ``savedSearchId``)
    are for the resolver that chose ``items``.
    """
    if reverse:
        items = list(reversed(items))
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    size = first if first is not None else last
    assert size is not None
    if size < 0 or size > MAX_PAGE:
        raise GraphQLError(
            f"The {'first' if first is not None else 'last'} argument must be between 0 and {MAX_PAGE}"
        )
    ids = [item["id"] for item in items]
    start = _cursor_position(after, ids) + 1 if after else 0
    end = _cursor_position(before, ids) if before else len(items)
    window = items[start:end]
    if first is not None:
        page, has_next, has_previous = window[:first], len(window) > first, start > 0
    else:
        page = window[-size:] if size else []
        has_next, has_previous = end < len(items), len(window) > size
    edges = [{"cursor": _cursor(item["id"]), "node": item} for item in page]
    return {
        "edges": edges,
        "nodes": page,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


# --------------------------------------------------------------------------- store state


@dataclass
class ShopState:
    """One store's data. Records are dicts shaped like the GraphQL types; ``_``-keys are internal."""

    domain: str
    token: str
    brand: str
    shop_id: int
    currency: str = "USD"
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    draft_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    discount_codes: dict[str, Decimal] = field(default_factory=dict)
    idempotency: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    bucket: CostBucket | None = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(self.shop_id * 1000 + 1)
        self._order_numbers = itertools.count(1001)
        self._draft_numbers = itertools.count(1)

    def new_gid(self, kind: str) -> str:
        return f"gid://shopify/{kind}/{next(self._ids)}"

    def next_order_name(self) -> str:
        return f"#{next(self._order_numbers)}"

    def next_draft_name(self) -> str:
        return f"#D{next(self._draft_numbers)}"

    # ---- seeding helpers

    def add_product(self, title: str, variants: Iterable[tuple[str, str, Decimal | str]]) -> dict[str, Any]:
        """A product with ``(sku, variant title, price)`` variants."""
        product = {"id": self.new_gid("Product"), "title": title}
        self.products[product["id"]] = product
        for sku, variant_title, price in variants:
            variant_id = self.new_gid("ProductVariant")
            self.variants[variant_id] = {
                "id": variant_id,
                "legacyResourceId": variant_id.rsplit("/", 1)[-1],
                "sku": sku,
                "title": variant_title,
                "displayName": f"{title} - {variant_title}",
                "price": amount_text(Decimal(str(price))),
                "_product": product["id"],
                "_price": Decimal(str(price)),
            }
        return product

    def variant_by_sku(self, sku: str) -> dict[str, Any]:
        return next(v for v in self.variants.values() if v["sku"] == sku)

    def add_customer(
        self,
        first_name: str,
        last_name: str,
        email: str | None = None,
        phone: str | None = None,
        *,
        address: dict[str, Any] | None = None,
        email_consent: str = "NOT_SUBSCRIBED",
        sms_consent: str | None = None,
        created_at: datetime | None = None,
        tags: Iterable[str] = (),
    ) -> dict[str, Any]:
        customer_id = self.new_gid("Customer")
        created = created_at or now_utc()
        customer = {
            "id": customer_id,
            "legacyResourceId": customer_id.rsplit("/", 1)[-1],
            "firstName": first_name,
            "lastName": last_name,
            "displayName": f"{first_name} {last_name}".strip(),
            "email": email,
            "phone": e164(phone),
            "createdAt": iso(created),
            "updatedAt": iso(created),
            "tags": list(tags),
            "note": None,
            "defaultAddress": mailing_address(address, self.new_gid("MailingAddress")) if address else None,
            "emailMarketingConsent": {
                "marketingState": email_consent,
                "marketingOptInLevel": "SINGLE_OPT_IN",
                "consentUpdatedAt": iso(created),
            }
            if email
            else None,
            "smsMarketingConsent": {
                "marketingState": sms_consent or "NOT_SUBSCRIBED",
                "marketingOptInLevel": "SINGLE_OPT_IN",
                "consentUpdatedAt": iso(created),
                "consentCollectedFrom": "OTHER",
            }
            if phone
            else None,
        }
        self.customers[customer_id] = customer
        return customer

    def add_order(
        self,
        customer: dict[str, Any] | None,
        lines: Iterable[tuple[str, int]],
        *,
        created_at: datetime | None = None,
        shipping_address: dict[str, Any] | None = None,
        subscription: bool = False,
        tags: Iterable[str] = (),
        financial_status: str = "PAID",
        gateway: str = "shopify_payments",
    ) -> dict[str, Any]:
        """A paid order of ``(sku, quantity)`` lines; a SALE transaction carries the payment."""
        created = created_at or now_utc()
        order_id = self.new_gid("Order")
        line_items = []
        for sku, quantity in lines:
            variant = self.variant_by_sku(sku)
            product = self.products[variant["_product"]]
            line_items.append(
                {
                    "id": self.new_gid("LineItem"),
                    "title": product["title"],
                    "name": variant["displayName"],
                    "sku": sku,
                    "quantity": quantity,
                    "_price": variant["_price"],
                    "_variant": variant["id"],
                    "_refunded": 0,
                    "_order": order_id,
                    "sellingPlan": {
                        "name": "Delivery every 30 days",
                        "sellingPlanId": self.new_gid("SellingPlan"),
                    }
                    if subscription
                    else None,
                }
            )
        total = sum((line["_price"] * line["quantity"] for line in line_items), Decimal(0))
        address = shipping_address or (customer or {}).get("defaultAddress")
        order = {
            "id": order_id,
            "legacyResourceId": order_id.rsplit("/", 1)[-1],
            "name": self.next_order_name(),
            "email": (customer or {}).get("email"),
            "createdAt": iso(created),
            "processedAt": iso(created),
            "updatedAt": iso(created),
            "cancelledAt": None,
            "tags": list(tags),
            "note": None,
            "customAttributes": [],
            "currencyCode": self.currency,
            "shippingAddress": _copy_address(address, self.new_gid("MailingAddress")),
            "billingAddress": _copy_address(address, self.new_gid("MailingAddress")),
            "_customer": (customer or {}).get("id"),
            "_lines": line_items,
            "_total": total,
            "_financial": financial_status,
            "_fulfillments": [],
            "_refunds": [],
            "_transactions": [],
        }
        if financial_status == "PAID" and total > 0:
            sale = self.new_transaction("SALE", total, gateway, created, order=order_id)
            order["_transactions"].append(sale)
        self.orders[order_id] = order
        return order

    def new_transaction(
        self,
        kind: str,
        amount: Decimal,
        gateway: str,
        moment: datetime,
        parent: str | None = None,
        *,
        order: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": self.new_gid("OrderTransaction"),
            "_order": order,
            "kind": kind,
            "status": "SUCCESS",
            "gateway": gateway,
            "createdAt": iso(moment),
            "_amount": amount,
            "_parent": parent,
        }

    def fulfill(
        self,
        order: dict[str, Any],
        tracking_number: str | None = None,
        *,
        company: str = "USPS",
        shipped_at: datetime | None = None,
        partial: bool = False,
    ) -> dict[str, Any]:
        fulfillment = {
            "id": self.new_gid("Fulfillment"),
            "status": "SUCCESS",
            "displayStatus": "FULFILLED",
            "createdAt": iso(shipped_at or now_utc()),
            "_partial": partial,
            "_order": order["id"],
            "trackingInfo": [
                {
                    "company": company,
                    "number": tracking_number,
                    "url": f"https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
                }
            ]
            if tracking_number
            else [],
        }
        order["_fulfillments"].append(fulfillment)
        return fulfillment

    def add_subscription(
        self,
        customer: dict[str, Any],
        sku: str,
        quantity: int = 1,
        *,
        status: str = "ACTIVE",
        created_at: datetime | None = None,
        next_billing: datetime | None = None,
    ) -> dict[str, Any]:
        variant = self.variant_by_sku(sku)
        created = created_at or now_utc()
        contract = {
            "id": self.new_gid("SubscriptionContract"),
            "status": status,
            "createdAt": iso(created),
            "updatedAt": iso(created),
            "nextBillingDate": iso(next_billing or created + timedelta(days=30)),
            "_customer": customer["id"],
            "_lines": [
                {
                    "id": self.new_gid("SubscriptionLine"),
                    "title": self.products[variant["_product"]]["title"],
                    "sku": sku,
                    "quantity": quantity,
                    "_price": variant["_price"],
                    "variantId": variant["id"],
                }
            ],
        }
        self.contracts[contract["id"]] = contract
        return contract

    # ---- computed figures

    def refunded(self, order: dict[str, Any]) -> Decimal:
        return sum((refund["_amount"] for refund in order["_refunds"]), Decimal(0))

    def customer_orders(self, customer_id: str) -> list[dict[str, Any]]:
        found = [o for o in self.orders.values() if o["_customer"] == customer_id]
        return sorted(found, key=lambda o: (o["createdAt"], o["id"]))


def mailing_address(data: dict[str, Any], address_id: str) -> dict[str, Any]:
    """A ``MailingAddress`` from seed data or a ``MailingAddressInput``."""
    first, last = data.get("firstName"), data.get("lastName")
    country = data.get("countryCode") or data.get("countryCodeV2")
    return {
        "id": address_id,
        "firstName": first,
        "lastName": last,
        "name": data.get("name") or " ".join(p for p in (first, last) if p) or None,
        "company": data.get("company"),
        "address1": data.get("address1"),
        "address2": data.get("address2"),
        "city": data.get("city"),
        "province": data.get("province") or data.get("provinceCode"),
        "provinceCode": data.get("provinceCode"),
        "zip": data.get("zip"),
        "country": data.get("country") or country,
        "countryCodeV2": country,
        "phone": data.get("phone"),
    }


def _copy_address(address: dict[str, Any] | None, address_id: str) -> dict[str, Any] | None:
    return {**address, "id": address_id} if address else None


@dataclass
class RequestContext:
    """What resolvers see: the store the token belongs to, the API version, the public base URL."""

    shop: ShopState
    version: str
    base_url: str
    schema: GraphQLSchema


@dataclass
class EmulatorState:
    """Every store, the bucket defaults and counters tests assert on."""

    bucket_size: float = 2000.0
    restore_rate: float = 100.0
    max_query_cost: int = 1000
    clock: Callable[[], float] = time.monotonic
    shops: dict[str, ShopState] = field(default_factory=dict)
    requests: int = 0
    throttled: int = 0

    def add_shop(
        self, domain: str, *, brand: str, token: str | None = None, currency: str = "USD"
    ) -> ShopState:
        shop = ShopState(
            domain=domain,
            token=token or f"shpat_{secrets.token_hex(16)}",
            brand=brand,
            shop_id=len(self.shops) + 1,
            currency=currency,
        )
        shop.bucket = CostBucket(self.bucket_size, self.restore_rate, self.clock)
        self.shops[domain] = shop
        return shop

    def shop_for_token(self, token: str | None) -> ShopState | None:
        return next(
            (s for s in self.shops.values() if token and secrets.compare_digest(s.token, token)), None
        )

    def shop_by_id(self, shop_id: int) -> ShopState | None:
        return next((s for s in self.shops.values() if s.shop_id == shop_id), None)


# --------------------------------------------------------------------------- resolvers: reading


def _ctx(info: GraphQLResolveInfo) -> RequestContext:
    return info.context


def _shop(info: GraphQLResolveInfo) -> ShopState:
    return info.context.shop


def _sorted(items: Iterable[dict[str, Any]], key: str, reverse: bool) -> list[dict[str, Any]]:
    return sorted(items, key=lambda r: (r.get(key) or "", _numeric_id(r["id"])), reverse=bool(reverse))


def _numeric_id(gid: str) -> int:
    return int(gid.rsplit("/", 1)[-1])


def _customer_matches(record: dict[str, Any], name: str | None, value: str) -> bool:
    value_ci = value.lower()
    if name == "email":
        return (record.get("email") or "").lower() == value_ci
    if name == "phone":
        return bool(record.get("phone")) and record["phone"] == e164(value)
    if name in ("first_name", "last_name"):
        return (record.get("firstName" if name == "first_name" else "lastName") or "").lower() == value_ci
    if name == "tag":
        return value_ci in (t.lower() for t in record.get("tags") or [])
    if name == "id":
        return record["legacyResourceId"] == value
    if name is None:
        text = " ".join(str(record.get(k) or "") for k in ("firstName", "lastName", "email", "phone")).lower()
        return value_ci in text
    return False


def _order_matches(record: dict[str, Any], name: str | None, value: str) -> bool:
    value_ci = value.lower()
    if name == "name":
        return record["name"].lower() in (value_ci, f"#{value_ci}")
    if name == "email":
        return (record.get("email") or "").lower() == value_ci
    if name == "customer_id":
        return (record.get("_customer") or "").rsplit("/", 1)[-1] == value
    if name == "tag":
        return value_ci in (t.lower() for t in record.get("tags") or [])
    if name is None:
        return value_ci in record["name"].lower()
    return False


def _draft_matches(record: dict[str, Any], name: str | None, value: str) -> bool:
    if name == "tag":
        return value.lower() in (t.lower() for t in record.get("tags") or [])
    if name == "status":
        return record["status"].lower() == value.lower()
    return False


def _variant_matches(record: dict[str, Any], name: str | None, value: str) -> bool:
    if name == "sku":
        return (record.get("sku") or "") == value
    if name is None:
        return value.lower() in record["displayName"].lower()
    return False


def resolve_customers(
    _: Any,
    info: GraphQLResolveInfo,
    query: str | None = None,
    sortKey: str | None = None,
    reverse: bool = False,
    **page: Any,
) -> dict[str, Any]:
    found = [c for c in _shop(info).customers.values() if matches(query, c, _customer_matches)]
    return connection(_sorted(found, "createdAt" if sortKey == "CREATED_AT" else "id", reverse), **page)


def resolve_orders(
    _: Any,
    info: GraphQLResolveInfo,
    query: str | None = None,
    sortKey: str | None = None,
    reverse: bool = False,
    **page: Any,
) -> dict[str, Any]:
    found = [o for o in _shop(info).orders.values() if matches(query, o, _order_matches)]
    return connection(
        _sorted(found, "createdAt" if sortKey in ("CREATED_AT", "PROCESSED_AT") else "id", reverse), **page
    )


def resolve_customer_orders(
    customer: dict[str, Any],
    info: GraphQLResolveInfo,
    query: str | None = None,
    sortKey: str | None = None,
    reverse: bool = False,
    **page: Any,
) -> dict[str, Any]:
    found = [o for o in _shop(info).customer_orders(customer["id"]) if matches(query, o, _order_matches)]
    return connection(
        _sorted(found, "createdAt" if sortKey in ("CREATED_AT", "PROCESSED_AT") else "id", reverse), **page
    )


def resolve_draft_orders(
    _: Any, info: GraphQLResolveInfo, query: str | None = None, reverse: bool = False, **page: Any
) -> dict[str, Any]:
    found = [d for d in _shop(info).draft_orders.values() if matches(query, d, _draft_matches)]
    return connection(_sorted(found, "id", reverse), **page)


def resolve_variants(
    _: Any, info: GraphQLResolveInfo, query: str | None = None, reverse: bool = False, **page: Any
) -> dict[str, Any]:
    found = [v for v in _shop(info).variants.values() if matches(query, v, _variant_matches)]
    return connection(_sorted(found, "id", bool(reverse)), **page)


def _by_id(collection: str) -> Callable[..., dict[str, Any] | None]:
    def resolve(_: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        return getattr(_shop(info), collection).get(id)

    return resolve


def _contract_matches(record: dict[str, Any], name: str | None, value: str) -> bool:
    if name == "status":
        return record["status"].lower() == value.lower()
    if name == "customer_id":
        return (record.get("_customer") or "").rsplit("/", 1)[-1] == value
    return False


def resolve_contracts(
    _: Any, info: GraphQLResolveInfo, query: str | None = None, reverse: bool = False, **page: Any
) -> dict[str, Any]:
    found = [c for c in _shop(info).contracts.values() if matches(query, c, _contract_matches)]
    return connection(_sorted(found, "id", bool(reverse)), **page)


def resolve_customer_contracts(
    customer: dict[str, Any], info: GraphQLResolveInfo, reverse: bool = False, **page: Any
) -> dict[str, Any]:
    found = [c for c in _shop(info).contracts.values() if c["_customer"] == customer["id"]]
    return connection(_sorted(found, "id", bool(reverse)), **page)


def resolve_shop(_: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    shop = _shop(info)
    return {
        "id": f"gid://shopify/Shop/{shop.shop_id}",
        "name": shop.brand,
        "myshopifyDomain": shop.domain,
        "currencyCode": shop.currency,
    }


def _live_orders(info: GraphQLResolveInfo, customer: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in _shop(info).customer_orders(customer["id"]) if not o["cancelledAt"]]


def _amount_spent(customer: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, str]:
    shop = _shop(info)
    spent = sum((o["_total"] - shop.refunded(o) for o in _live_orders(info, customer)), Decimal(0))
    return money_v2(spent, shop.currency)


def _order_money(kind: str) -> Callable[[dict[str, Any], GraphQLResolveInfo], dict[str, Any]]:
    def resolve(order: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any]:
        refunded = _shop(info).refunded(order)
        value = {"total": order["_total"], "current": order["_total"] - refunded, "refunded": refunded}[kind]
        return money_bag(value, order["currencyCode"])

    return resolve


def _financial_status(order: dict[str, Any], info: GraphQLResolveInfo) -> str:
    refunded = _shop(info).refunded(order)
    if refunded > 0:
        return "REFUNDED" if refunded >= order["_total"] else "PARTIALLY_REFUNDED"
    return order["_financial"]


def _fulfillment_status(order: dict[str, Any], _: GraphQLResolveInfo) -> str:
    live = [f for f in order["_fulfillments"] if f["status"] == "SUCCESS"]
    if not live:
        return "UNFULFILLED"
    return "PARTIALLY_FULFILLED" if all(f["_partial"] for f in live) else "FULFILLED"


def _limited(key: str) -> Callable[..., list[dict[str, Any]]]:
    def resolve(
        record: dict[str, Any], _: GraphQLResolveInfo, first: int | None = None, **__: Any
    ) -> list[dict[str, Any]]:
        items = record[key]
        return items[:first] if first is not None else items

    return resolve


def _line_price(line: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any]:
    return money_bag(line["_price"], _shop(info).currency)


def _lookup(
    collection: str, key: str
) -> Callable[[dict[str, Any], GraphQLResolveInfo], dict[str, Any] | None]:
    def resolve(record: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any] | None:
        target = record.get(key)
        return getattr(_shop(info), collection).get(target) if target else None

    return resolve


def _transaction_parent(transaction: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any] | None:
    for order in _shop(info).orders.values():
        for candidate in order["_transactions"]:
            if candidate["id"] == transaction.get("_parent"):
                return candidate
    return None


def _draft_subtotal(draft: dict[str, Any]) -> Decimal:
    return sum((line["_price"] * line["quantity"] for line in draft["_lines"]), Decimal(0))


def draft_total(shop: ShopState, draft: dict[str, Any]) -> Decimal:
    """Subtotal less the applied discount, then less percentage discount codes; never below zero."""
    subtotal = total = _draft_subtotal(draft)
    discount = draft.get("appliedDiscount")
    if discount:
        value = Decimal(str(discount["value"]))
        total -= subtotal * value / 100 if discount["valueType"] == "PERCENTAGE" else value
    for code in draft.get("discountCodes") or []:
        total -= total * shop.discount_codes.get(code.upper(), Decimal(0)) / 100
    return max(Decimal(0), total.quantize(CENT))


def _attach_resolvers(schema: GraphQLSchema) -> GraphQLSchema:
    def on(type_name: str, field_name: str, resolver: Callable[..., Any]) -> None:
        schema.get_type(type_name).fields[field_name].resolve = resolver  # type: ignore[union-attr]

    for name, resolver in {
        "customers": resolve_customers,
        "orders": resolve_orders,
        "draftOrders": resolve_draft_orders,
        "productVariants": resolve_variants,
        "subscriptionContracts": resolve_contracts,
        "shop": resolve_shop,
        "customer": _by_id("customers"),
        "order": _by_id("orders"),
        "draftOrder": _by_id("draft_orders"),
        "subscriptionContract": _by_id("contracts"),
    }.items():
        on("QueryRoot", name, resolver)
    on("Customer", "orders", resolve_customer_orders)
    on("Customer", "subscriptionContracts", resolve_customer_contracts)
    on("Customer", "amountSpent", _amount_spent)
    on("Customer", "numberOfOrders", lambda c, info: str(len(_live_orders(info, c))))
    on("Customer", "lastOrder", lambda c, info: (_shop(info).customer_orders(c["id"]) or [None])[-1])
    on("Order", "totalPriceSet", _order_money("total"))
    on("Order", "currentTotalPriceSet", _order_money("current"))
    on("Order", "totalRefundedSet", _order_money("refunded"))
    on("Order", "displayFinancialStatus", _financial_status)
    on("Order", "displayFulfillmentStatus", _fulfillment_status)
    on("Order", "customer", _lookup("customers", "_customer"))
    on("Order", "lineItems", lambda o, info, **page: connection(o["_lines"], **page))
    on("Order", "fulfillments", _limited("_fulfillments"))
    on("Order", "refunds", _limited("_refunds"))
    on("Order", "transactions", _limited("_transactions"))
    on("LineItem", "originalUnitPriceSet", _line_price)
    on("LineItem", "variant", _lookup("variants", "_variant"))
    on("LineItem", "currentQuantity", lambda line, info: line["quantity"] - line["_refunded"])
    on("LineItem", "refundableQuantity", lambda line, info: line["quantity"] - line["_refunded"])
    on("Fulfillment", "trackingInfo", _limited("trackingInfo"))
    on("Refund", "totalRefundedSet", lambda r, info: money_bag(r["_amount"], _shop(info).currency))
    on("Refund", "refundLineItems", lambda r, info, **page: connection(r["_lines"], **page))
    on("OrderTransaction", "amountSet", lambda t, info: money_bag(t["_amount"], _shop(info).currency))
    on("OrderTransaction", "parentTransaction", _transaction_parent)
    on("ProductVariant", "product", _lookup("products", "_product"))
    on("DraftOrder", "customer", _lookup("customers", "_customer"))
    on("DraftOrder", "order", _lookup("orders", "_order"))
    on("DraftOrder", "lineItems", lambda d, info, **page: connection(d["_lines"], **page))
    on("DraftOrder", "subtotalPriceSet", lambda d, info: money_bag(_draft_subtotal(d), _shop(info).currency))
    on(
        "DraftOrder",
        "totalPriceSet",
        lambda d, info: money_bag(draft_total(_shop(info), d), _shop(info).currency),
    )
    on("DraftOrderLineItem", "originalUnitPriceSet", _line_price)
    on("DraftOrderLineItem", "variant", _lookup("variants", "_variant"))
    on("SubscriptionContract", "customer", _lookup("customers", "_customer"))
    on("SubscriptionContract", "lines", lambda c, info, **page: connection(c["_lines"], **page))
    on("SubscriptionLine", "currentPrice", lambda line, info: money_v2(line["_price"], _shop(info).currency))
    for name, resolver in MUTATIONS.items():
        on("Mutation", name, resolver)
    # Imported here: ``fields`` builds on the helpers above (a module-level import would be circular).
    from plugins.shopify.emulator import fields

    fields.attach(schema)
    return schema


# --------------------------------------------------------------------------- resolvers: mutations


def _idempotency_key(info: GraphQLResolveInfo) -> str | None:
    directive = info.schema.get_directive("idempotent")
    if directive is None:
        return None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    return values["key"] if values else None


def refund_create(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """``refundCreate``: replays a stored result for a known ``@idempotent`` key."""
    context: RequestContext = _ctx(info)
    key = _idempotency_key(info)
    if key is None and version_at_least(context.version, IDEMPOTENCY_REQUIRED_SINCE):
        raise GraphQLError(
            "The @idempotent directive is required for this mutation.",
            extensions={"code": "IDEMPOTENCY_KEY_REQUIRED"},
        )  # code string unconfirmed
    fingerprint = json.dumps(input, sort_keys=True, default=str)
    if key is not None and key in context.shop.idempotency:
        stored_fingerprint, payload = context.shop.idempotency[key]
        if stored_fingerprint != fingerprint:
            raise GraphQLError(
                "The idempotency key was already used with different arguments.",
                extensions={"code": "IDEMPOTENCY_KEY_MISMATCH"},
            )  # unconfirmed wording
        return payload
    payload = _create_refund(context.shop, input)
    if key is not None:
        context.shop.idempotency[key] = (fingerprint, payload)
    return payload


def _create_refund(shop: ShopState, data: dict[str, Any]) -> dict[str, Any]:
    order = shop.orders.get(data["orderId"])
    if order is None:
        return {
            "refund": None,
            "order": None,
            "userErrors": [user_error(["orderId"], "Order does not exist")],
        }
    errors, lines = _refund_lines(order, data.get("refundLineItems") or [])
    transactions = data.get("transactions") or []
    amount = sum((Decimal(str(t["amount"])) for t in transactions), Decimal(0))
    refundable = order["_total"] - shop.refunded(order)
    if amount > refundable and not data.get("allowOverRefunding"):
        errors.append(
            user_error(
                ["transactions"],
                f"Refund amount {amount_text(amount)} is greater than the "
                f"refundable amount {amount_text(refundable)}",
            )
        )
    errors += _check_parents(order, transactions)
    if errors:
        return {"refund": None, "order": None, "userErrors": errors}
    moment = now_utc()
    for line, quantity, restock in lines:
        line["_refunded"] += quantity
        line.setdefault("_restocked", 0)
        line["_restocked"] += quantity if restock in ("RETURN", "CANCEL") else 0
    for transaction in transactions:
        order["_transactions"].append(
            shop.new_transaction(
                "REFUND",
                Decimal(str(transaction["amount"])),
                transaction["gateway"],
                moment,
                transaction.get("parentId"),
                order=order["id"],
            )
        )
    refund = {
        "id": shop.new_gid("Refund"),
        "createdAt": iso(moment),
        "note": data.get("note"),
        "_amount": amount,
        "_order": order["id"],
        "_lines": [
            {
                "id": shop.new_gid("RefundLineItem"),
                "lineItem": line,
                "quantity": quantity,
                "restockType": restock,
            }
            for line, quantity, restock in lines
        ],
    }
    order["_refunds"].append(refund)
    order["updatedAt"] = iso(moment)
    return {"refund": refund, "order": order, "userErrors": []}


def _refund_lines(
    order: dict[str, Any], items: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], int, str]]]:
    errors, lines = [], []
    by_id = {line["id"]: line for line in order["_lines"]}
    for index, item in enumerate(items):
        line = by_id.get(item["lineItemId"])
        where = ["refundLineItems", str(index)]
        if line is None:
            errors.append(user_error([*where, "lineItemId"], "Line item does not exist"))
        elif item["quantity"] > line["quantity"] - line["_refunded"]:
            errors.append(
                user_error([*where, "quantity"], "Quantity cannot refund more items than were purchased")
            )
        else:
            lines.append((line, item["quantity"], item.get("restockType") or "NO_RESTOCK"))
    return errors, lines


def _check_parents(order: dict[str, Any], transactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors = []
    by_id = {t["id"]: t for t in order["_transactions"]}
    for index, transaction in enumerate(transactions):
        parent = by_id.get(transaction.get("parentId") or "")
        where = ["transactions", str(index), "parentId"]
        if transaction.get("kind") != "REFUND":
            errors.append(user_error(["transactions", str(index), "kind"], "Kind must be refund"))
        elif parent is None or parent["kind"] not in ("SALE", "CAPTURE") or parent["status"] != "SUCCESS":
            errors.append(user_error(where, "Parent transaction does not exist or cannot be refunded"))
        else:
            given_back = sum(
                (
                    t["_amount"]
                    for t in order["_transactions"]
                    if t.get("_parent") == parent["id"] and t["kind"] == "REFUND"
                ),
                Decimal(0),
            )
            if Decimal(str(transaction["amount"])) > parent["_amount"] - given_back:
                errors.append(
                    user_error(
                        ["transactions", str(index), "amount"],
                        "Amount is greater than the amount left on the parent transaction",
                    )
                )
    return errors


def _address_errors(data: dict[str, Any] | None, where: list[str]) -> list[dict[str, Any]]:
    if data is None:
        return []
    missing = [name for name in ("address1", "city", "countryCode", "zip") if not data.get(name)]
    return [user_error([*where, name], f"{name} can't be blank") for name in missing]


def order_update(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """``orderUpdate``: like Shopify it does not stop an address edit after fulfilment (reference §4)."""
    shop = _shop(info)
    order = shop.orders.get(input["id"])
    if order is None:
        return {"order": None, "userErrors": [user_error(["id"], "Order does not exist")]}
    errors = _address_errors(input.get("shippingAddress"), ["shippingAddress"])
    if errors:
        return {"order": None, "userErrors": errors}
    if input.get("shippingAddress") is not None:
        order["shippingAddress"] = mailing_address(input["shippingAddress"], shop.new_gid("MailingAddress"))
    for key in ("email", "note", "tags", "phone", "poNumber"):
        if key in input:
            order[key] = input[key]
    if input.get("customAttributes") is not None:
        order["customAttributes"] = input["customAttributes"]
    order["updatedAt"] = iso(now_utc())
    return {"order": order, "userErrors": []}


# ``DraftOrderInput`` fields kept as given and read back under the same name on ``DraftOrder``.
DRAFT_INPUT_KEPT = (
    "poNumber",
    "taxExempt",
    "visibleToCustomer",
    "allowDiscountCodesInCheckout",
    "acceptAutomaticDiscounts",
    "reserveInventoryUntil",
)


def draft_order_create(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    context: RequestContext = _ctx(info)
    shop = context.shop
    errors, lines = _draft_lines(shop, input.get("lineItems") or [])
    customer_id = (input.get("purchasingEntity") or {}).get("customerId") or input.get("customerId")
    if customer_id and customer_id not in shop.customers:
        errors.append(user_error(["purchasingEntity", "customerId"], "Customer does not exist"))
    codes = [code for code in input.get("discountCodes") or []]
    errors += [
        user_error(["discountCodes"], f"Discount code {code} is not valid")
        for code in codes
        if code.upper() not in shop.discount_codes
    ]
    errors += _address_errors(input.get("shippingAddress"), ["shippingAddress"])
    if errors:
        return {"draftOrder": None, "userErrors": errors}
    draft_id, token = shop.new_gid("DraftOrder"), secrets.token_hex(16)
    customer = shop.customers.get(customer_id or "")
    draft = {
        "id": draft_id,
        "legacyResourceId": draft_id.rsplit("/", 1)[-1],
        "name": shop.next_draft_name(),
        "status": "OPEN",
        "invoiceUrl": f"{context.base_url}/{shop.shop_id}/invoices/{token}",
        "_token": token,
        "email": input.get("email") or (customer or {}).get("email"),
        "phone": input.get("phone"),
        "note": input.get("note"),
        "tags": list(input.get("tags") or []),
        "createdAt": iso(now_utc()),
        "completedAt": None,
        "customAttributes": list(input.get("customAttributes") or []),
        "discountCodes": codes,
        "appliedDiscount": input.get("appliedDiscount"),
        **{key: input.get(key) for key in DRAFT_INPUT_KEPT},
        "billingAddress": mailing_address(input["billingAddress"], shop.new_gid("MailingAddress"))
        if input.get("billingAddress")
        else None,
        "_customer": customer_id,
        "shippingAddress": mailing_address(input["shippingAddress"], shop.new_gid("MailingAddress"))
        if input.get("shippingAddress")
        else _copy_address((customer or {}).get("defaultAddress"), shop.new_gid("MailingAddress")),
        "_lines": lines,
        "_order": None,
    }
    shop.draft_orders[draft_id] = draft
    return {"draftOrder": draft, "userErrors": []}


def _draft_lines(
    shop: ShopState, items: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if not items:
        return [user_error(["lineItems"], "Add at least 1 product")], []
    errors, lines = [], []
    for index, item in enumerate(items):
        where = ["lineItems", str(index)]
        if item["quantity"] < 1:
            errors.append(user_error([*where, "quantity"], "Quantity must be greater than 0"))
        if item.get("variantId"):
            variant = shop.variants.get(item["variantId"])
            if variant is None:
                errors.append(user_error([*where, "variantId"], "Product variant does not exist"))
                continue
            title = shop.products[variant["_product"]]["title"]
            lines.append(
                {
                    "id": shop.new_gid("DraftOrderLineItem"),
                    "title": title,
                    "sku": variant["sku"],
                    "quantity": item["quantity"],
                    "_price": variant["_price"],
                    "_variant": variant["id"],
                    **_draft_line_extras(item),
                }
            )
        elif item.get("title") and item.get("originalUnitPrice") is not None:
            lines.append(
                {
                    "id": shop.new_gid("DraftOrderLineItem"),
                    "title": item["title"],
                    "sku": item.get("sku"),
                    "quantity": item["quantity"],
                    "_price": Decimal(str(item["originalUnitPrice"])),
                    "_variant": None,
                    **_draft_line_extras(item),
                }
            )
        else:
            errors.append(user_error(where, "Custom line items need a title and an originalUnitPrice"))
    return errors, lines


def _draft_line_extras(item: dict[str, Any]) -> dict[str, Any]:
    """What a ``DraftOrderLineItemInput`` sets beyond product, price and quantity."""
    return {
        "uuid": item.get("uuid") or str(uuid.uuid4()),
        "customAttributes": list(item.get("customAttributes") or []),
        "requiresShipping": item.get("requiresShipping") is not False,
        "taxable": item.get("taxable") is not False,
    }


def draft_order_complete(
    _: Any,
    info: GraphQLResolveInfo,
    id: str,
    paymentPending: bool | None = None,
    sourceName: str | None = None,
    paymentGatewayId: str | None = None,
) -> dict[str, Any]:
    shop = _shop(info)
    draft = shop.draft_orders.get(id)
    if draft is None:
        return {"draftOrder": None, "userErrors": [user_error(["id"], "Draft order does not exist")]}
    if draft["status"] == "COMPLETED":
        return {"draftOrder": None, "userErrors": [user_error(["id"], "This order has already been paid")]}
    moment = now_utc()
    total = draft_total(shop, draft)
    order_id = shop.new_gid("Order")
    order = {
        "id": order_id,
        "legacyResourceId": order_id.rsplit("/", 1)[-1],
        "name": shop.next_order_name(),
        "email": draft["email"],
        "createdAt": iso(moment),
        "processedAt": iso(moment),
        "updatedAt": iso(moment),
        "cancelledAt": None,
        "tags": list(draft["tags"]),
        "note": draft["note"],
        "customAttributes": list(draft["customAttributes"]),
        "discountCodes": list(draft["discountCodes"]),
        "poNumber": draft.get("poNumber"),
        "sourceName": sourceName or "shopify_draft_order",
        "currencyCode": shop.currency,
        "shippingAddress": _copy_address(draft["shippingAddress"], shop.new_gid("MailingAddress")),
        "billingAddress": _copy_address(
            draft.get("billingAddress") or draft["shippingAddress"], shop.new_gid("MailingAddress")
        ),
        "_customer": draft["_customer"],
        "_total": total,
        "_financial": "PENDING" if paymentPending else "PAID",
        "_fulfillments": [],
        "_refunds": [],
        "_transactions": [],
        "_lines": [
            {
                "id": shop.new_gid("LineItem"),
                "title": line["title"],
                "name": line["title"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "_price": line["_price"],
                "_variant": line["_variant"],
                "_refunded": 0,
                "_order": order_id,
                "sellingPlan": None,
            }
            for line in draft["_lines"]
        ],
    }
    if total > 0 and not paymentPending:
        order["_transactions"].append(shop.new_transaction("SALE", total, "manual", moment, order=order_id))
    shop.orders[order_id] = order
    draft.update(status="COMPLETED", completedAt=iso(moment), _order=order_id)
    return {"draftOrder": draft, "userErrors": []}


def subscription_contract_cancel(
    _: Any, info: GraphQLResolveInfo, subscriptionContractId: str
) -> dict[str, Any]:
    contract = _shop(info).contracts.get(subscriptionContractId)
    if contract is None:
        return {
            "contract": None,
            "userErrors": [
                # Shopify's error codes here are INVALID and CONTRACT_TERMINATED only.
                user_error(["subscriptionContractId"], "Contract does not exist", "INVALID")
            ],
        }
    if contract["status"] in ("CANCELLED", "EXPIRED"):
        return {
            "contract": None,
            "userErrors": [
                user_error(
                    ["subscriptionContractId"],
                    f"Cannot cancel a contract that is {contract['status'].lower()}",
                    "INVALID",
                )
            ],
        }
    contract.update(status="CANCELLED", updatedAt=iso(now_utc()), nextBillingDate=None)
    return {"contract": contract, "userErrors": []}


def _consent_update(channel: str) -> Callable[..., dict[str, Any]]:
    field_name = "emailMarketingConsent" if channel == "email" else "smsMarketingConsent"
    needs = "email" if channel == "email" else "phone"

    def resolve(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        customer = _shop(info).customers.get(input["customerId"])
        if customer is None:
            return {
                "customer": None,
                "userErrors": [user_error(["input", "customerId"], "Customer not found", "INVALID")],
            }
        if not customer.get(needs):
            return {
                "customer": None,
                "userErrors": [
                    user_error(
                        ["input", field_name],
                        f"Customer must have {'an email address' if needs == 'email' else 'a phone'}"
                        f" to update {channel} marketing consent",
                        "MISSING_ARGUMENT",
                    )
                ],
            }
        given = input[field_name]
        customer[field_name] = {
            "marketingState": given["marketingState"],
            "marketingOptInLevel": given.get("marketingOptInLevel") or "SINGLE_OPT_IN",
            "consentUpdatedAt": given.get("consentUpdatedAt") or iso(now_utc()),
            **({"consentCollectedFrom": "OTHER"} if channel == "sms" else {}),
        }
        customer["updatedAt"] = iso(now_utc())
        return {"customer": customer, "userErrors": []}

    return resolve


def customer_create(_: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """``customerCreate``: a name, an email or a phone is needed; email and phone are unique."""
    shop = _shop(info)
    email, phone = (input.get("email") or "").strip() or None, (input.get("phone") or "").strip() or None
    errors = []
    if not (email or phone or input.get("firstName") or input.get("lastName")):
        errors.append(user_error(["input"], "A name, phone number, or email address must be present"))
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(user_error(["input", "email"], "Email is invalid"))
    elif email and any((c.get("email") or "").lower() == email.lower() for c in shop.customers.values()):
        errors.append(user_error(["input", "email"], "Email has already been taken"))
    if phone and any(c.get("phone") == e164(phone) for c in shop.customers.values()):
        errors.append(user_error(["input", "phone"], "Phone has already been taken"))
    if errors:
        return {"customer": None, "userErrors": errors}
    addresses = input.get("addresses") or []
    customer = shop.add_customer(
        input.get("firstName") or "",
        input.get("lastName") or "",
        email,
        phone,
        address=addresses[0] if addresses else None,
        tags=input.get("tags") or (),
    )
    customer["note"] = input.get("note")
    return {"customer": customer, "userErrors": []}


MUTATIONS: dict[str, Callable[..., Any]] = {
    "customerCreate": customer_create,
    "refundCreate": refund_create,
    "orderUpdate": order_update,
    "draftOrderCreate": draft_order_create,
    "draftOrderComplete": draft_order_complete,
    "subscriptionContractCancel": subscription_contract_cancel,
    "customerEmailMarketingConsentUpdate": _consent_update("email"),
    "customerSmsMarketingConsentUpdate": _consent_update("sms"),
}

@functools.cache
def schema_for(with_idempotent: bool) -> GraphQLSchema:
    """The executable schema of a version (``build``'s, with the resolvers), built on first use:
    building one from the SDL costs about 0.1 s, and a sandbox speaks one version."""
    return _attach_resolvers(build(with_idempotent))


# --------------------------------------------------------------------------- HTTP layer


def error_body(status: int) -> Response:
    """Shopify's plain error bodies (also used for injected faults)."""
    texts = {
        401: INVALID_TOKEN,
        404: "Not Found",
        429: "Exceeded 2 calls per second for api client. Reduce "
        "request rates to resume uninterrupted service.",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
    }
    return JSONResponse({"errors": texts.get(status, f"HTTP {status}")}, status_code=status)


def _graphql_errors(errors: list[Any], extensions: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"errors": [e.formatted if isinstance(e, GraphQLError) else e for e in errors]}
    if extensions:
        body["extensions"] = extensions
    return JSONResponse(body)


def create_app(state: EmulatorState | None = None, *, faults: Faults | None = None) -> Any:
    """The emulator as an ASGI app; ``app.state.emulator`` is the ``EmulatorState`` to assert on."""
    state = state or EmulatorState()

    async def graphql_endpoint(request: Request) -> Response:
        version = request.path_params["version"]
        if not API_VERSION.match(version):
            return error_body(404)
        state.requests += 1
        shop = state.shop_for_token(request.headers.get("x-shopify-access-token"))
        host = request.headers.get("host", "")
        if shop is None or (host.endswith(".myshopify.com") and host != shop.domain):
            return error_body(401)
        try:
            body = json.loads(await request.body())
            query = body["query"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse(
                {"errors": {"query": "Required parameter missing or invalid"}}, status_code=400
            )
        response = _execute(
            state,
            shop,
            version,
            str(request.base_url).rstrip("/"),
            query,
            body.get("variables") or {},
            body.get("operationName"),
        )
        response.headers["X-Shopify-API-Version"] = version
        return response

    async def invoice(request: Request) -> Response:
        shop = state.shop_by_id(int(request.path_params["shop_id"]))
        token = request.path_params["token"]
        draft = next((d for d in (shop.draft_orders.values() if shop else ()) if d["_token"] == token), None)
        if shop is None or draft is None:
            return error_body(404)
        return JSONResponse({"draft_order": draft_order_rest(shop, draft)})

    routes = [
        Route("/admin/api/{version}/graphql.json", graphql_endpoint, methods=["POST"]),
        Route("/{shop_id:int}/invoices/{token}", invoice, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = state
    if faults is None:
        return app
    wrapped = FaultMiddleware(app, faults, error_body=error_body)
    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped


@functools.lru_cache(maxsize=512)
def checked_document(
    schema: GraphQLSchema, query: str, operation_name: str | None
) -> tuple[DocumentNode, OperationDefinitionNode, tuple[GraphQLError, ...]]:
    """The query parsed, its operation, and what validating it against ``schema`` found.

    Parsing and validating depend only on the text and the schema, and a client sends the same
    few documents over and over: done once per document, they were most of the emulator's time
    (graphql-core's validation visits every node with every rule). The document is never
    changed by executing it, so sharing it between requests is safe. Raises ``GraphQLError``
    (syntax) or ``ValueError`` (no such operation) as parsing does; neither is cached.
    """
    document = parse(query)
    operation = operation_of(document, operation_name)
    return document, operation, tuple(validate(schema, document))


def _execute(
    state: EmulatorState,
    shop: ShopState,
    version: str,
    base_url: str,
    query: str,
    variables: dict[str, Any],
    operation_name: str | None,
) -> JSONResponse:
    """Parse, validate, charge the bucket, execute, refund the unspent points."""
    schema = schema_for(version_at_least(version, IDEMPOTENT_REFUNDS_SINCE))
    try:
        document, operation, errors = checked_document(schema, query, operation_name)
    except GraphQLError as exc:
        return _graphql_errors([exc])
    except ValueError as exc:
        return _graphql_errors([{"message": str(exc)}])
    if errors:
        return _graphql_errors(list(errors))
    requested = requested_cost(document, variables, operation_name)
    assert shop.bucket is not None
    if requested > state.max_query_cost:
        return _graphql_errors(
            [
                {
                    "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                    f"({state.max_query_cost}).",
                    "extensions": {
                        "code": "MAX_COST_EXCEEDED",
                        "cost": requested,
                        "maxCost": state.max_query_cost,
                    },
                }
            ]
        )
    if not shop.bucket.try_charge(requested):
        state.throttled += 1
        cost = {
            "requestedQueryCost": requested,
            "actualQueryCost": None,
            "throttleStatus": shop.bucket.status(),
        }
        return _graphql_errors(
            [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            {"cost": cost},
        )
    context = RequestContext(shop=shop, version=version, base_url=base_url, schema=schema)
    result = execute_sync(
        schema, document, context_value=context, variable_values=variables, operation_name=operation_name
    )
    actual = actual_cost(document, result.data, operation_name) if result.data else 0
    if operation.operation == OperationType.MUTATION and result.data is None:
        actual = 0
    shop.bucket.refund(requested - actual)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    body["data"] = result.data
    body["extensions"] = {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": shop.bucket.status(),
        }
    }
    return JSONResponse(body)


def draft_order_rest(shop: ShopState, draft: dict[str, Any]) -> dict[str, Any]:
    """The draft order as the REST/webhook shape (what the invoice link resolves to)."""
    address = draft.get("shippingAddress") or None
    customer = shop.customers.get(draft.get("_customer") or "")
    discount = draft.get("appliedDiscount")
    return {
        "id": int(draft["legacyResourceId"]),
        "name": draft["name"],
        "status": draft["status"].lower(),
        "email": draft["email"],
        "currency": shop.currency,
        "invoice_url": draft["invoiceUrl"],
        "subtotal_price": amount_text(_draft_subtotal(draft)),
        "total_price": amount_text(draft_total(shop, draft)),
        "note": draft["note"],
        "tags": ", ".join(draft["tags"]),
        "note_attributes": [{"name": a["key"], "value": a["value"]} for a in draft["customAttributes"]],
        "discount_codes": list(draft["discountCodes"]),
        "applied_discount": {
            "value": str(discount["value"]),
            "value_type": discount["valueType"].lower(),
            "title": discount.get("title"),
        }
        if discount
        else None,
        "line_items": [
            {
                "variant_id": int(line["_variant"].rsplit("/", 1)[-1]) if line["_variant"] else None,
                "title": line["title"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "price": amount_text(line["_price"]),
            }
            for line in draft["_lines"]
        ],
        "shipping_address": {
            "first_name": address.get("firstName"),
            "last_name": address.get("lastName"),
            "name": address.get("name"),
            "company": address.get("company"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province_code": address.get("provinceCode"),
            "zip": address.get("zip"),
            "country_code": address.get("countryCodeV2"),
            "phone": address.get("phone"),
        }
        if address
        else None,
        "customer": {
            "id": int(customer["legacyResourceId"]),
            "email": customer["email"],
            "first_name": customer["firstName"] or None,
            "last_name": customer["lastName"] or None,
        }
        if customer
        else None,
        "order_id": int(draft["_order"].rsplit("/", 1)[-1]) if draft.get("_order") else None,
        "created_at": draft["createdAt"],
    }


def main() -> None:
    from plugins.shopify.emulator.seed import build_seed

    parser = argparse.ArgumentParser(description="Shopify GraphQL Admin API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    run_forever(create_app(build_seed(args.seed)), args.host, args.port)


if __name__ == "__main__":
    main()
