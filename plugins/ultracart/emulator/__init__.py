"""An emulator of the UltraCart REST API v2 (the subset the hub uses), as a Starlette app.

Same paths under ``/rest/v2``, the simple-key (and browser-key) header check, the API version
header, the ``success``/``metadata``/``error`` envelope with ``UC-REST-ERROR`` on errors,
``_limit``/``_offset`` pagination with ``result_set`` (``_limit`` above 200 refused), ``_expand``
(sparse objects unless expanded), a per-key rate limit answering 429, and fault injection.

Several merchant accounts live side by side, each reached with its own key, so one emulator
serves every brand. State is in ``app.state.emulator`` (an ``EmulatorState``): tests assert on
``state.refunds`` (every refund paid), orders, auto orders and carts.

Run standalone: ``python -m plugins.ultracart.emulator --port 8106`` (seeded with ``build_seed``).
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import random
import threading
import uuid
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.emulator import FaultMiddleware, Faults, FixedWindow, run_forever
from plugins.ultracart.settings import API_VERSION, MAX_PAGE_SIZE

PREFIX = "/rest/v2"
CENT = Decimal("0.01")
ORDER_EXPANSIONS = {
    "billing": "billing",
    "shipping": "shipping",
    "item": "items",
    "items": "items",
    "summary": "summary",
    "payment": "payment",
    "marketing": "marketing",
    "internal": "internal",
    "auto_order": "auto_order",
    "customer_profile": "customer_profile",
    "checkout": "checkout",
}
HANDOFF_OPERATIONS = {"checkout", "view", "payPal", "payPalCredit", "affirm", "sezzle"}


# --------------------------------------------------------------------------- data


@dataclass
class Merchant:
    """One UltraCart merchant account and the keys that reach it."""

    merchant_id: str
    simple_key: str
    browser_key: str | None = None
    currency: str = "USD"
    brand: str | None = None


@dataclass
class EmulatorState:
    """Everything the emulator holds; tests read it to see what the platform did."""

    merchants: dict[str, Merchant] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    auto_orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    catalog: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    coupons: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    carts: dict[str, dict[str, Any]] = field(default_factory=dict)
    email_lists: dict[int, set[str]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    requests: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=50_000))
    windows: dict[str, FixedWindow] = field(default_factory=dict)
    rate_limit: tuple[int, float] | None = None
    require_api_version: bool = True
    order_seq: itertools.count = field(default_factory=lambda: itertools.count(9_100_000))
    oid_seq: itertools.count = field(default_factory=lambda: itertools.count(500_000))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refused(self) -> int:
        """Requests refused with 429 by the per-key windows."""
        return sum(window.refused for window in self.windows.values())

    def refunds_for(self, order_id: str) -> list[dict[str, Any]]:
        return [refund for refund in self.refunds if refund["order_id"] == order_id]


def now_dts() -> str:
    return dts(datetime.now(UTC))


def dts(moment: datetime | str) -> str:
    """A timestamp as UltraCart writes it: ISO 8601 to the second with its offset
    (``2021-05-18T12:10:19-04:00``), never with microseconds."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.isoformat(timespec="seconds")


def cur(amount: Decimal | int | str, currency: str = "USD") -> dict[str, Any]:
    """An UltraCart ``Currency`` object (value kept as Decimal until it is rendered)."""
    value = Decimal(str(amount)).quantize(CENT)
    return {
        "value": value,
        "currency_code": currency,
        "exchange_rate": Decimal(1),
        "localized": value,
        "localized_formatted": f"${value:,.2f}",
    }


def _amount(value: Any) -> Decimal:
    if isinstance(value, dict):
        value = value.get("value")
    return Decimal(str(value)) if value is not None else Decimal(0)


def _e164(raw: Any) -> str | None:
    if not raw:
        return None
    try:
        number = phonenumbers.parse(str(raw), "US")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --------------------------------------------------------------------------- seeding helpers


def add_merchant(
    state: EmulatorState,
    merchant_id: str,
    simple_key: str,
    *,
    brand: str | None = None,
    browser_key: str | None = None,
    currency: str = "USD",
) -> Merchant:
    merchant = Merchant(merchant_id, simple_key, browser_key, currency, brand)
    state.merchants[merchant_id] = merchant
    return merchant


def add_item(state: EmulatorState, merchant_id: str, item_id: str, description: str, cost: str) -> None:
    state.catalog[(merchant_id, item_id)] = {
        "merchant_item_id": item_id,
        "description": description,
        "cost": Decimal(cost),
    }


def add_customer(
    state: EmulatorState,
    merchant_id: str,
    email: str,
    *,
    first_name: str = "Pat",
    last_name: str = "Doe",
    phone: str | None = None,
    address1: str = "1 Main St",
    city: str = "Austin",
    state_region: str = "TX",
    postal_code: str = "73301",
    country_code: str = "US",
    signup_dts: str | None = None,
    oid: int | None = None,
) -> int:
    oid = oid if oid is not None else next(state.oid_seq)
    book = {
        "first_name": first_name,
        "last_name": last_name,
        "address1": address1,
        "city": city,
        "state_region": state_region,
        "postal_code": postal_code,
        "country_code": country_code,
        "day_phone": phone,
    }
    state.customers[oid] = {
        "customer_profile_oid": oid,
        "merchant_id": merchant_id,
        "email": email,
        "billing": [{**book, "customer_billing_oid": oid * 10, "default_billing": True}],
        "shipping": [{**book, "customer_shipping_oid": oid * 10 + 1, "default_shipping": True}],
        "signup_dts": dts(signup_dts or "2022-01-10T09:00:00-05:00"),
        "last_modified_dts": dts(signup_dts or "2022-01-10T09:00:00-05:00"),
    }
    return oid


def add_order(
    state: EmulatorState,
    merchant_id: str,
    customer_oid: int,
    items: list[tuple[str, int]],
    *,
    created: str | None = None,
    shipped: bool = False,
    tracking: str | None = None,
    shipping_cost: str = "5.95",
    tax_rate: str = "0.08",
    order_id: str | None = None,
    stage: str | None = None,
    mailing_list: bool = True,
    sms_opt_in: bool = False,
    auto_order_oid: int | None = None,
    coupon: str | None = None,
    line_discounts: dict[str, str] | None = None,
) -> str:
    """Add a paid order for a customer; ``shipped`` completes it with a tracking number.

    ``line_discounts`` (merchant item id -> amount off that line's total) shows on the item
    (``discount``, ``unit_cost_with_discount``, ``total_cost_with_discount``); ``coupon`` (a
    code in ``state.coupons``, percent off) is an order-level discount: it shows only on the
    summary (``subtotal_discount``), lowering the total and the taxable amount, not the items.
    """
    customer = state.customers[customer_oid]
    currency = state.merchants[merchant_id].currency
    order_id = order_id or f"{merchant_id}-{next(state.order_seq):010d}"
    created = dts(created) if created else now_dts()
    lines, subtotal = [], Decimal(0)
    for index, (item_id, quantity) in enumerate(items, start=1):
        product = state.catalog[(merchant_id, item_id)]
        line_total = (product["cost"] * quantity).quantize(CENT)
        line = {
            "item_index": index,
            "merchant_item_id": item_id,
            "description": product["description"],
            "quantity": Decimal(quantity),
            "quantity_refunded": Decimal(0),
            "cost": cur(product["cost"], currency),
            "total_cost_with_discount": cur(line_total, currency),
            "total_refunded": cur(0, currency),
            "shipped_dts": None,
            "kit_component": False,
        }
        off = Decimal((line_discounts or {}).get(item_id, "0"))
        if off:
            line_total -= off
            line["discount"] = cur(off, currency)
            line["total_cost_with_discount"] = cur(line_total, currency)
            line["unit_cost_with_discount"] = cur(line_total / quantity, currency)
        subtotal += line_total
        lines.append(line)
    discount = Decimal(0)
    if coupon is not None:
        discount = (subtotal * Decimal(state.coupons[(merchant_id, coupon)]) / 100).quantize(CENT)
    tax = ((subtotal - discount) * Decimal(tax_rate)).quantize(CENT)
    shipping_total = Decimal(shipping_cost)
    book = dict(customer["shipping"][0])
    for key in ("customer_shipping_oid", "default_shipping"):
        book.pop(key, None)
    ship_dts = None
    if shipped:
        ship_dts = dts(datetime.fromisoformat(created) + timedelta(days=2))
        for line in lines:
            line["shipped_dts"] = ship_dts
    number = tracking or (f"1Z{zlib.crc32(order_id.encode()) % 10**12:012d}" if shipped else None)
    state.orders[order_id] = {
        "order_id": order_id,
        "merchant_id": merchant_id,
        "customer_profile_oid": customer_oid,
        "current_stage": stage or ("Completed Order" if shipped else "Shipping Department"),
        "creation_dts": created,
        "currency_code": currency,
        "refund_dts": None,
        "refund_reason": None,
        "billing": {**book, "email": customer["email"], "day_phone_e164": _e164(book.get("day_phone"))},
        "shipping": {
            **book,
            "shipping_method": "USPS Priority",
            "shipping_date": ship_dts,
            "tracking_numbers": [number] if number else [],
            "tracking_number_details": [],
        },
        "items": lines,
        "summary": {
            "subtotal": cur(subtotal, currency),
            **({"subtotal_discount": cur(discount, currency)} if coupon is not None else {}),
            "tax": cur(tax, currency),
            "shipping_handling_total": cur(shipping_total, currency),
            "total": cur(subtotal - discount + tax + shipping_total, currency),
            "total_refunded": cur(0, currency),
            "subtotal_refunded": cur(0, currency),
            "tax_refunded": cur(0, currency),
            "shipping_handling_refunded": cur(0, currency),
        },
        "payment": {
            "payment_method": "Credit Card",
            "payment_status": "Processed",
            "payment_dts": created,
            "test_order": False,
        },
        "marketing": {"mailing_list": mailing_list, "cell_phone_opt_in": sms_opt_in},
        "internal": {"merchant_notes": None, "transactional_merchant_notes": []},
        "auto_order": {"auto_order_oid": auto_order_oid} if auto_order_oid else None,
        "checkout": {},
    }
    return order_id


def add_auto_order(
    state: EmulatorState, original_order_id: str, *, status: str = "active", next_attempt: str | None = None
) -> int:
    """Turn an order into the start of an auto order (subscription) rebilling its first item."""
    order = state.orders[original_order_id]
    oid = next(state.oid_seq)
    first = order["items"][0]
    next_attempt = dts(next_attempt or "2031-01-01T10:00:00-05:00")
    state.auto_orders[oid] = {
        "auto_order_oid": oid,
        "auto_order_code": f"AO{oid}",
        "merchant_id": order["merchant_id"],
        "customer_profile_oid": order["customer_profile_oid"],
        "original_order_id": original_order_id,
        "status": status,
        "enabled": status == "active",
        "next_attempt": next_attempt,
        "canceled_dts": None,
        "canceled_by_user": None,
        "cancel_reason": None,
        "failure_reason": None,
        "items": [
            {
                "original_item_id": first["merchant_item_id"],
                "original_quantity": first["quantity"],
                "arbitrary_unit_cost": first["cost"]["value"],
                "frequency": "Monthly",  # one of UltraCart's enumerated frequencies
                "next_shipment_dts": next_attempt,
            }
        ],
        "rebill_orders": [],
    }
    order["auto_order"] = {"auto_order_oid": oid, "auto_order_code": f"AO{oid}"}
    return oid


# --------------------------------------------------------------------------- responses


def _wire(value: Any) -> Any:
    """The JSON UltraCart sends: numbers for Currency values and quantities, and unset fields left
    out rather than ``null`` (its typed clients declare every field non-nullable and refuse one)."""
    if isinstance(value, Decimal):
        return float(value)  # Currency.value and quantities are JSON numbers
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple | set):
        return [_wire(v) for v in value]
    return value


def ok(payload: dict[str, Any], result_set: dict[str, Any] | None = None) -> JSONResponse:
    metadata: dict[str, Any] = {}
    if result_set is not None:
        metadata["result_set"] = result_set
    for key in payload:
        metadata.setdefault("payload_name", key)
    body = {"success": True, **payload, "metadata": metadata}
    return JSONResponse(_wire(body))


def uc_error(
    status: int,
    developer_message: str,
    *,
    user_message: str | None = None,
    error_code: str | None = None,
    object_id: str | None = None,
) -> JSONResponse:
    """UltraCart's error answer: the ``UC-REST-ERROR`` header and the ``error`` object."""
    body = {
        "success": False,
        "error": {
            "developer_message": developer_message,
            "user_message": user_message or developer_message,
            "error_code": error_code,
            "object_id": object_id,
        },
        "metadata": {},
    }
    return JSONResponse(_wire(body), status_code=status, headers={"UC-REST-ERROR": developer_message})


def injected_error(status: int) -> Response:
    messages = {
        429: "Status Code 429: you have exceeded the allowed API call rate limit for your application.",
        500: "Status Code 500: any server side error.",
        502: "Bad gateway",
        503: "Service unavailable",
    }
    return uc_error(status, messages.get(status, f"Status Code {status}"))


class HttpError(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def fail(status: int, message: str, **kwargs: Any) -> HttpError:
    return HttpError(uc_error(status, message, **kwargs))


# --------------------------------------------------------------------------- request plumbing


def _authenticate(state: EmulatorState, request: Request) -> Merchant:
    simple = request.headers.get("x-ultracart-simple-key")
    browser = request.headers.get("x-ultracart-browser-key")
    for merchant in state.merchants.values():
        if simple and simple == merchant.simple_key:
            return merchant
        if browser and browser == merchant.browser_key and request.url.path.startswith(f"{PREFIX}/checkout"):
            return merchant
    raise fail(401, "Permission Denied.  Invalid or missing API credentials.", error_code="401")


def _throttle(state: EmulatorState, request: Request) -> None:
    if state.rate_limit is None:
        return
    key = (
        request.headers.get("x-ultracart-simple-key") or request.headers.get("x-ultracart-browser-key") or ""
    )
    with state.lock:
        window = state.windows.setdefault(key, FixedWindow(*state.rate_limit))
    allowed, _, _ = window.hit()
    if not allowed:
        raise fail(
            429, "Status Code 429: you have exceeded the allowed API call rate limit for your application."
        )


def _check_version(state: EmulatorState, request: Request) -> None:
    # The real API falls back to a default version; the emulator insists, so a client that
    # forgets to pin the version fails its tests instead of drifting silently.
    version = request.headers.get("x-ultracart-api-version")
    if state.require_api_version and version != API_VERSION:
        raise fail(400, f"X-UltraCart-Api-Version must be {API_VERSION} (got {version!r})")


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        raise fail(400, "Request body is required.")
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise fail(400, "Unable to parse JSON request body.") from None


def _page_args(request: Request) -> tuple[int, int]:
    try:
        limit = int(request.query_params.get("_limit", 100))
        offset = int(request.query_params.get("_offset", 0))
    except ValueError:
        raise fail(400, "_limit and _offset must be integers") from None
    if limit > MAX_PAGE_SIZE or limit < 1:
        raise fail(400, f"_limit must be between 1 and {MAX_PAGE_SIZE}")
    if offset < 0:
        raise fail(400, "_offset must be zero or positive")
    return limit, offset


def _paged(request: Request, key: str, records: list[dict[str, Any]]) -> JSONResponse:
    limit, offset = _page_args(request)
    page = records[offset : offset + limit]
    more = offset + limit < len(records)
    return ok(
        {key: page},
        {
            "count": len(page),
            "limit": limit,
            "offset": offset,
            "more": more,
            "next_offset": offset + limit if more else None,
            "total_records": len(records),
        },
    )


def _expansions(request: Request) -> set[str]:
    raw = request.query_params.get("_expand") or ""
    return {part.strip().split(".")[0] for part in raw.split(",") if part.strip()}


# --------------------------------------------------------------------------- rendering


def _render_order(state: EmulatorState, order: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    """Sparse unless expanded: only the requested sub-objects come back."""
    out = {key: order[key] for key in ("order_id", "merchant_id", "current_stage", "creation_dts")}
    for key in ("currency_code", "refund_dts", "refund_reason"):
        out[key] = order.get(key)
    for name in expand:
        target = ORDER_EXPANSIONS.get(name)
        if target == "customer_profile":
            customer = state.customers.get(order["customer_profile_oid"]) or {}
            out[target] = {
                "customer_profile_oid": customer.get("customer_profile_oid"),
                "email": customer.get("email"),
            }
        elif target is not None:
            out[target] = copy.deepcopy(order.get(target))
    return out


def _orders_summary(state: EmulatorState, oid: int) -> dict[str, Any]:
    orders = [o for o in state.orders.values() if o["customer_profile_oid"] == oid]
    if not orders:
        return {"order_count": 0, "total": Decimal(0), "first_order_dts": None, "last_order_dts": None}
    dates = sorted(o["creation_dts"] for o in orders)
    total = sum(
        (_amount(o["summary"]["total"]) - _amount(o["summary"]["total_refunded"]) for o in orders), Decimal(0)
    )
    return {
        "order_count": len(orders),
        "total": total,
        "first_order_dts": dates[0],
        "last_order_dts": dates[-1],
    }


def _render_customer(state: EmulatorState, customer: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    out = {
        key: customer[key]
        for key in ("customer_profile_oid", "merchant_id", "email", "signup_dts", "last_modified_dts")
    }
    for name in ("billing", "shipping"):
        if name in expand:
            out[name] = copy.deepcopy(customer[name])
    if "orders_summary" in expand:
        out["orders_summary"] = _orders_summary(state, customer["customer_profile_oid"])
    return out


# Kept to answer queries by customer; not a field of UltraCart's AutoOrder (its customer is the
# original order's ``customer_profile``).
_AUTO_ORDER_INTERNAL = ("items", "rebill_orders", "customer_profile_oid")


def _render_auto_order(state: EmulatorState, auto_order: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    out = {k: v for k, v in auto_order.items() if k not in _AUTO_ORDER_INTERNAL}
    if "items" in expand:
        out["items"] = copy.deepcopy(auto_order["items"])
    if "original_order" in expand:
        original = state.orders.get(auto_order["original_order_id"])
        if original:
            out["original_order"] = _render_order(state, original, {"customer_profile", "summary"})
    return out


# --------------------------------------------------------------------------- lookups


def _order_of(state: EmulatorState, merchant: Merchant, order_id: str) -> dict[str, Any]:
    order = state.orders.get(order_id)
    if order is None or order["merchant_id"] != merchant.merchant_id:
        raise fail(404, f"Order {order_id} not found.", object_id=order_id)
    return order


def _customer_of(state: EmulatorState, merchant: Merchant, oid: str) -> dict[str, Any]:
    customer = state.customers.get(int(oid)) if oid.isdigit() else None
    if customer is None or customer["merchant_id"] != merchant.merchant_id:
        raise fail(404, f"Customer {oid} not found.", object_id=oid)
    return customer


def _auto_order_of(state: EmulatorState, merchant: Merchant, oid: str) -> dict[str, Any]:
    auto_order = state.auto_orders.get(int(oid)) if oid.isdigit() else None
    if auto_order is None or auto_order["merchant_id"] != merchant.merchant_id:
        raise fail(404, f"Auto order {oid} not found.", object_id=oid)
    return auto_order


def _phones_of(book: list[dict[str, Any]], key: str) -> set[str]:
    return {p for p in (_e164(entry.get(key)) for entry in book) if p}


def _customer_matches(customer: dict[str, Any], query: dict[str, Any]) -> bool:
    emails = {e.lower() for e in query.get("emails") or []}
    if query.get("email"):
        emails.add(str(query["email"]).lower())
    if emails and str(customer.get("email") or "").lower() not in emails:
        return False
    phone_fields = {
        "billing_day_phone": ("billing", "day_phone"),
        "billing_evening_phone": ("billing", "evening_phone"),
        "shipping_day_phone": ("shipping", "day_phone"),
        "shipping_evening_phone": ("shipping", "evening_phone"),
    }
    for query_key, (book, phone_key) in phone_fields.items():
        if query.get(query_key) and _e164(query[query_key]) not in _phones_of(customer[book], phone_key):
            return False
    return True


def _order_matches(state: EmulatorState, order: dict[str, Any], query: dict[str, Any]) -> bool:
    if query.get("customer_profile_oid") is not None and order["customer_profile_oid"] != int(
        query["customer_profile_oid"]
    ):
        return False
    if query.get("order_id") and order["order_id"] != query["order_id"]:
        return False
    if query.get("email") and order["billing"].get("email", "").lower() != str(query["email"]).lower():
        return False
    if query.get("phone") and _e164(query["phone"]) not in {
        _e164(order["billing"].get("day_phone")),
        _e164(order["shipping"].get("day_phone")),
    }:
        return False
    if query.get("current_stage") and order["current_stage"] != query["current_stage"]:
        return False
    created = datetime.fromisoformat(order["creation_dts"])
    if query.get("creation_date_begin") and created < datetime.fromisoformat(query["creation_date_begin"]):
        return False
    return not (
        query.get("creation_date_end") and created > datetime.fromisoformat(query["creation_date_end"])
    )


def _sorted_orders(request: Request, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sort = request.query_params.get("_sort") or "creation_dts"
    reverse = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in ("creation_dts", "order_id"):
        raise fail(400, f"Unsupported sort field {key}")
    if key == "creation_dts":
        return sorted(
            orders, key=lambda o: (datetime.fromisoformat(o["creation_dts"]), o["order_id"]), reverse=reverse
        )
    return sorted(orders, key=lambda o: o["order_id"], reverse=reverse)


# --------------------------------------------------------------------------- handlers: customers


async def list_customers(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    query = {"email": request.query_params.get("email")}
    for key in ("billing_day_phone", "billing_evening_phone", "shipping_day_phone"):
        query[key] = request.query_params.get(key)
    return _customers_answer(state, merchant, request, query)


async def query_customers(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    query = await _json_body(request)
    if not isinstance(query, dict):
        raise fail(400, "CustomerQuery must be an object")
    return _customers_answer(state, merchant, request, query)


def _customers_answer(
    state: EmulatorState, merchant: Merchant, request: Request, query: dict[str, Any]
) -> Response:
    expand = _expansions(request)
    matches = [
        c
        for oid, c in sorted(state.customers.items())
        if c["merchant_id"] == merchant.merchant_id and _customer_matches(c, query)
    ]
    return _paged(request, "customers", [_render_customer(state, c, expand) for c in matches])


async def customer_by_email(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    email = request.path_params["email"].lower()
    for customer in state.customers.values():
        if customer["merchant_id"] == merchant.merchant_id and customer["email"].lower() == email:
            return ok({"customer": _render_customer(state, customer, _expansions(request))})
    raise fail(404, f"Customer with email {email} not found.")


async def get_customer(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    customer = _customer_of(state, merchant, request.path_params["oid"])
    return ok({"customer": _render_customer(state, customer, _expansions(request))})


async def customer_email_lists(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    customer = _customer_of(state, merchant, request.path_params["oid"])
    changes = await _json_body(request)
    lists = state.email_lists.setdefault(customer["customer_profile_oid"], set())
    lists.update(changes.get("add_to_lists") or [])
    lists.difference_update(changes.get("remove_from_lists") or [])
    return JSONResponse(
        {
            "add_to_lists": changes.get("add_to_lists") or [],
            "remove_from_lists": changes.get("remove_from_lists") or [],
        }
    )


# --------------------------------------------------------------------------- handlers: orders


async def list_orders(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    params = request.query_params
    query = {
        key: params.get(key)
        for key in ("email", "phone", "current_stage", "creation_date_begin", "creation_date_end")
    }
    return _orders_answer(state, merchant, request, query)


async def query_orders(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    query = await _json_body(request)
    if not isinstance(query, dict):
        raise fail(400, "OrderQuery must be an object")
    return _orders_answer(state, merchant, request, query)


def _orders_answer(
    state: EmulatorState, merchant: Merchant, request: Request, query: dict[str, Any]
) -> Response:
    try:
        matches = [
            o
            for o in state.orders.values()
            if o["merchant_id"] == merchant.merchant_id and _order_matches(state, o, query)
        ]
    except (TypeError, ValueError):
        raise fail(400, "Invalid OrderQuery value") from None
    expand = _expansions(request)
    ordered = _sorted_orders(request, matches)
    limit, offset = _page_args(request)
    window = ordered[offset : offset + limit]
    rendered = [_render_order(state, o, expand) for o in window]
    more = offset + limit < len(ordered)
    return ok(
        {"orders": rendered},
        {
            "count": len(rendered),
            "limit": limit,
            "offset": offset,
            "more": more,
            "next_offset": offset + limit if more else None,
            "total_records": len(ordered),
        },
    )


async def get_order(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    order = _order_of(state, merchant, request.path_params["order_id"])
    return ok({"order": _render_order(state, order, _expansions(request))})


def _add_note(order: dict[str, Any], text: str | None) -> None:
    if text:
        order["internal"]["transactional_merchant_notes"].append(
            {"note": text, "note_dts": now_dts(), "user": "API", "ip_address": "127.0.0.1"}
        )


async def update_order(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    order = _order_of(state, merchant, request.path_params["order_id"])
    body = await _json_body(request)
    with state.lock:
        if isinstance(body.get("shipping"), dict):
            keep = {"shipping_date", "tracking_numbers", "tracking_number_details"}
            order["shipping"].update({k: v for k, v in body["shipping"].items() if k not in keep})
        if isinstance(body.get("billing"), dict):
            order["billing"].update(body["billing"])
        _add_note(order, (body.get("internal") or {}).get("merchant_notes"))
    return ok({"order": _render_order(state, order, _expansions(request))})


async def refundable(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    order = _order_of(state, merchant, request.path_params["order_id"])
    left = _amount(order["summary"]["total"]) - _amount(order["summary"]["total_refunded"])
    can = order["current_stage"] != "Rejected" and left > 0 and not order.get("refund_blocked")
    return ok(
        {
            "refundable": can,
            "item_level_refund_reason_required": False,
            "order_level_refund_reason_required": False,
            "manual_because_multiple_charges": False,
            "order_level_refund_reasons": [],
            "item_level_refund_reasons": [],
        }
    )


def _item_refund_target(item: dict[str, Any], sent: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The refunded quantity and amount an item should have after the call.

    UltraCart refunds by target state and takes the item's quantity, its amount, or both: its own
    samples only raise ``quantity_refunded`` (the amount then follows from the item's discounted
    unit price); an amount raised as well is what is paid for the item (a partial refund).
    """
    quantity = _amount(sent.get("quantity_refunded", item["quantity_refunded"]))
    refunded = _amount(sent.get("total_refunded", item["total_refunded"]))
    added = quantity - item["quantity_refunded"]
    if added > 0 and refunded == _amount(item["total_refunded"]) and item["quantity"]:
        unit = _amount(item["total_cost_with_discount"]) / item["quantity"]
        refunded = min((refunded + unit * added).quantize(CENT), _amount(item["total_cost_with_discount"]))
    return quantity, refunded


def _refund_delta(order: dict[str, Any], body: dict[str, Any]) -> tuple[Decimal, list[tuple[Any, ...]]]:
    """Check the requested refunded totals and return what they add (and the item updates)."""
    updates = []
    by_index = {item["item_index"]: item for item in order["items"]}
    delta = Decimal(0)
    for sent in body.get("items") or []:
        item = by_index.get(sent.get("item_index"))
        if item is None:
            raise fail(400, f"Unknown item_index {sent.get('item_index')}")
        quantity, refunded = _item_refund_target(item, sent)
        if quantity < item["quantity_refunded"] or refunded < _amount(item["total_refunded"]):
            raise fail(400, f"Item {item['item_index']}: refunded amounts cannot decrease.")
        if quantity > item["quantity"] or refunded > _amount(item["total_cost_with_discount"]):
            raise fail(400, f"Item {item['item_index']}: cannot refund more than was purchased.")
        delta += refunded - _amount(item["total_refunded"])
        updates.append((item, quantity, refunded))
    summary, sent_summary = order["summary"], body.get("summary") or {}
    for total_key, refunded_key in (
        ("tax", "tax_refunded"),
        ("shipping_handling_total", "shipping_handling_refunded"),
    ):
        new = _amount(sent_summary.get(refunded_key, summary[refunded_key]))
        old = _amount(summary[refunded_key])
        if new < old or new > _amount(summary[total_key]):
            raise fail(400, f"{refunded_key} must be between the amount already refunded and {total_key}.")
        delta += new - old
        updates.append((refunded_key, new))
    return delta, updates


async def refund_order(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    order = _order_of(state, merchant, request.path_params["order_id"])
    body = await _json_body(request)
    with state.lock:
        if order["current_stage"] == "Rejected":
            raise fail(400, "Order has been rejected and cannot be refunded.")
        delta, updates = _refund_delta(order, body)
        left = _amount(order["summary"]["total"]) - _amount(order["summary"]["total_refunded"])
        if delta <= 0:
            raise fail(400, "The refund amount must be greater than zero.")
        if delta > left:
            raise fail(400, f"Refund of {delta} exceeds the refundable amount of {left}.")
        currency = order["currency_code"]
        for update in updates:
            if len(update) == 3:
                item, quantity, refunded = update
                item["quantity_refunded"], item["total_refunded"] = quantity, cur(refunded, currency)
            else:
                order["summary"][update[0]] = cur(update[1], currency)
        summary = order["summary"]
        summary["total_refunded"] = cur(_amount(summary["total_refunded"]) + delta, currency)
        summary["subtotal_refunded"] = cur(
            sum((_amount(i["total_refunded"]) for i in order["items"]), Decimal(0)), currency
        )
        order["refund_dts"], order["refund_reason"] = now_dts(), body.get("refund_reason")
        _add_note(order, (body.get("internal") or {}).get("merchant_notes"))
        state.refunds.append(
            {
                "order_id": order["order_id"],
                "merchant_id": merchant.merchant_id,
                "amount": delta,
                "currency": currency,
                "reason": body.get("refund_reason"),
                "at": order["refund_dts"],
                "manual": request.query_params.get("manual_refund") == "true",
            }
        )
        if request.query_params.get("auto_order_cancel") == "true" and order.get("auto_order"):
            _cancel_auto_order(state.auto_orders[order["auto_order"]["auto_order_oid"]], "refund")
    return ok({"order": _render_order(state, order, _expansions(request))})


async def replacement(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    """``OrderReplacementResponse``: unlike the rest of the API its fields are camelCase
    (``orderId``, ``chargeSuccessful``, ``errorMessage``), as UltraCart's SDKs declare."""
    original = _order_of(state, merchant, request.path_params["order_id"])
    body = await _json_body(request)
    items = body.get("items") or []
    if not items:
        raise fail(400, "Replacement items are required.")
    wanted = []
    for item in items:
        key = (merchant.merchant_id, str(item.get("merchant_item_id")))
        if key not in state.catalog:
            return JSONResponse(
                _wire(
                    {
                        "successful": False,
                        "errorMessage": f"Item {key[1]} not found.",
                        "chargeSuccessful": False,
                        "free": body.get("free"),
                    }
                )
            )
        wanted.append((key[1], int(_amount(item.get("quantity") or 1))))
    with state.lock:
        new_id = add_order(
            state,
            merchant.merchant_id,
            original["customer_profile_oid"],
            wanted,
            shipping_cost="0" if body.get("free") else "5.95",
        )
        new = state.orders[new_id]
        if body.get("free"):
            for line in new["items"]:
                line["cost"], line["total_cost_with_discount"] = cur(0), cur(0)
            for key in ("subtotal", "tax", "total"):
                new["summary"][key] = cur(0, new["currency_code"])
            new["payment"]["payment_status"] = "Skipped"
        new["shipping"].update(
            {
                k: v
                for k, v in original["shipping"].items()
                if k not in ("shipping_date", "tracking_numbers", "tracking_number_details")
            }
        )
        _add_note(new, body.get("additional_merchant_notes_new_order"))
        _add_note(original, body.get("additional_merchant_notes_original_order"))
    return JSONResponse(
        {
            "successful": True,
            "orderId": new_id,
            "chargeSuccessful": not body.get("free"),
            "free": bool(body.get("free")),
        }
    )


# --------------------------------------------------------------------------- handlers: auto orders


def _cancel_auto_order(auto_order: dict[str, Any], reason: str | None) -> None:
    auto_order.update(
        {
            "enabled": False,
            "status": "canceled",
            "canceled_dts": now_dts(),
            "canceled_by_user": "API",
            "cancel_reason": reason,
        }
    )


async def get_auto_order(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    auto_order = _auto_order_of(state, merchant, request.path_params["oid"])
    return ok({"auto_order": _render_auto_order(state, auto_order, _expansions(request))})


async def auto_order_by_reference(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    order_id = request.path_params["order_id"]
    for auto_order in state.auto_orders.values():
        if auto_order["merchant_id"] == merchant.merchant_id and auto_order["original_order_id"] == order_id:
            return ok({"auto_order": _render_auto_order(state, auto_order, _expansions(request))})
    raise fail(404, f"No auto order for order {order_id}.")


async def update_auto_order(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    auto_order = _auto_order_of(state, merchant, request.path_params["oid"])
    body = await _json_body(request)
    with state.lock:
        if body.get("enabled") is False and auto_order["status"] == "active":
            _cancel_auto_order(auto_order, body.get("cancel_reason"))
        elif body.get("next_attempt"):
            auto_order["next_attempt"] = body["next_attempt"]
    return ok({"auto_order": _render_auto_order(state, auto_order, _expansions(request))})


async def query_auto_orders(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    query = await _json_body(request)
    matches = []
    for _oid, auto_order in sorted(state.auto_orders.items()):
        if auto_order["merchant_id"] != merchant.merchant_id:
            continue
        if query.get("customer_profile_oid") is not None and auto_order["customer_profile_oid"] != int(
            query["customer_profile_oid"]
        ):
            continue
        if query.get("original_order_id") and auto_order["original_order_id"] != query["original_order_id"]:
            continue
        if query.get("status") and auto_order["status"] != query["status"]:
            continue
        matches.append(_render_auto_order(state, auto_order, _expansions(request)))
    return _paged(request, "auto_orders", matches)


# --------------------------------------------------------------------------- handlers: checkout


def _price_cart(state: EmulatorState, merchant: Merchant, cart: dict[str, Any]) -> list[str]:
    errors, subtotal = [], Decimal(0)
    for item in cart.get("items") or []:
        product = state.catalog.get((merchant.merchant_id, str(item.get("item_id"))))
        if product is None:
            errors.append(f"Item {item.get('item_id')} is not available.")
            continue
        quantity = _amount(item.get("quantity") or 1)
        item.update(
            {
                "description": product["description"],
                "unit_cost": cur(product["cost"]),
                "total_cost": cur(product["cost"] * quantity),
            }
        )
        subtotal += product["cost"] * quantity
    discount = Decimal(0)
    for coupon in cart.get("coupons") or []:
        percent = state.coupons.get((merchant.merchant_id, str(coupon.get("coupon_code"))))
        if percent is None:
            errors.append(f"Coupon {coupon.get('coupon_code')} is not valid.")
        else:
            discount += (subtotal * percent / 100).quantize(CENT)
    cart["summary"] = {
        "subtotal": cur(subtotal),
        "subtotal_discount": cur(discount),
        "total": cur(subtotal - discount),
    }
    return errors


async def new_cart(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    cart_id = uuid.uuid4().hex.upper()
    cart = {
        "cart_id": cart_id,
        "merchant_id": merchant.merchant_id,
        "currency_code": merchant.currency,
        "base_currency_code": merchant.currency,
        "items": [],
        "billing": {},
        "shipping": {},
        "checkout": {},
        "coupons": [],
        "summary": {"subtotal": cur(0), "total": cur(0)},
    }
    state.carts[cart_id] = cart
    return ok({"cart": cart})


async def update_cart(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    body = await _json_body(request)
    stored = state.carts.get(str(body.get("cart_id")))
    if stored is None or stored["merchant_id"] != merchant.merchant_id:
        raise fail(400, "Unknown cart_id.")
    with state.lock:
        stored.update({k: v for k, v in body.items() if k not in ("cart_id", "merchant_id", "summary")})
        errors = _price_cart(state, merchant, stored)
    response = ok({"cart": stored, "errors": errors})
    return response


async def handoff(state: EmulatorState, merchant: Merchant, request: Request) -> Response:
    body = await _json_body(request)
    cart = body.get("cart") or {}
    stored = state.carts.get(str(cart.get("cart_id")))
    if stored is None or stored["merchant_id"] != merchant.merchant_id:
        raise fail(400, "Unknown cart_id.")
    if body.get("operation") not in HANDOFF_OPERATIONS:
        raise fail(400, f"operation must be one of {sorted(HANDOFF_OPERATIONS)}")
    if not body.get("secure_host_name"):
        raise fail(400, "secure_host_name is required.")
    with state.lock:
        stored.update({k: v for k, v in cart.items() if k not in ("cart_id", "merchant_id", "summary")})
        errors = _price_cart(state, merchant, stored)
        stored["secure_host_name"] = body["secure_host_name"]
    if errors:
        return JSONResponse(_wire({"redirect_to_url": None, "errors": errors, "cart": stored}))
    origin = f"{request.url.scheme}://{request.url.netloc}"
    url = f"{origin}/cgi-bin/UCEditor?merchantId={merchant.merchant_id}&cartId={stored['cart_id']}"
    return JSONResponse(_wire({"redirect_to_url": url, "errors": [], "cart": stored}))


async def storefront(request: Request) -> Response:
    """Where a hand-off link lands: the cart it was built from (no API key, like a browser)."""
    state: EmulatorState = request.app.state.emulator
    cart = state.carts.get(request.query_params.get("cartId", ""))
    if cart is None or cart["merchant_id"] != request.query_params.get("merchantId"):
        return JSONResponse({"error": "cart not found"}, status_code=404)
    return JSONResponse(_wire({"cart": cart}))


# --------------------------------------------------------------------------- app


def _api(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        state: EmulatorState = request.app.state.emulator
        state.requests.append((request.method, request.url.path))
        try:
            _throttle(state, request)
            merchant = _authenticate(state, request)
            _check_version(state, request)
            return await handler(state, merchant, request)
        except HttpError as error:
            return error.response

    return endpoint


ROUTES = [
    ("/customer/customers", list_customers, ["GET"]),
    ("/customer/customers/query", query_customers, ["POST"]),
    ("/customer/customers/by_email/{email}", customer_by_email, ["GET"]),
    ("/customer/customers/{oid}", get_customer, ["GET"]),
    ("/customer/customers/{oid}/email_lists", customer_email_lists, ["POST"]),
    ("/order/orders", list_orders, ["GET"]),
    ("/order/orders/query", query_orders, ["POST"]),
    ("/order/orders/{order_id}", get_order, ["GET"]),
    ("/order/orders/{order_id}", update_order, ["PUT"]),
    ("/order/orders/{order_id}/refundable", refundable, ["GET"]),
    ("/order/orders/{order_id}/refund", refund_order, ["PUT"]),
    ("/order/orders/{order_id}/replacement", replacement, ["POST"]),
    ("/auto_order/auto_orders/query", query_auto_orders, ["POST"]),
    ("/auto_order/auto_orders/reference_order_id/{order_id}", auto_order_by_reference, ["GET"]),
    ("/auto_order/auto_orders/{oid}", get_auto_order, ["GET"]),
    ("/auto_order/auto_orders/{oid}", update_auto_order, ["PUT"]),
    ("/checkout/cart", new_cart, ["GET"]),
    ("/checkout/cart", update_cart, ["PUT"]),
    ("/checkout/cart/handoff", handoff, ["POST"]),
]


def create_app(
    state: EmulatorState | None = None,
    *,
    rate_limit: tuple[int, float] | None = None,
    faults: Faults | None = None,
    require_api_version: bool = True,
) -> Starlette:
    """The emulator app; ``rate_limit=(requests, seconds)`` per key, ``faults`` injected errors."""
    state = state or build_seed()
    state.rate_limit = rate_limit
    state.require_api_version = require_api_version
    routes = [Route(PREFIX + path, _api(handler), methods=methods) for path, handler, methods in ROUTES]
    routes.append(Route("/cgi-bin/UCEditor", storefront, methods=["GET"]))
    app = Starlette(routes=routes)
    app.state.emulator = state
    app.state.faults = faults or Faults()
    app.add_middleware(
        FaultMiddleware,
        faults=app.state.faults,
        error_body=injected_error,
        exempt=lambda request: not request.url.path.startswith(PREFIX),
    )
    return app


# --------------------------------------------------------------------------- seed data

MERCHANT_IDS = {
    "Ava Jane's Kitchen": "AVAJK",
    "Bright Naturals": "BRNAT",
    "Earth Echo": "EECHO",
    "Mesa Cookware": "MESAC",
    "PaleoHacks": "PHACK",
    "Paleo Plan": "PPLAN",
    "PhysioTru": "PHYST",
}
PRODUCTS = {
    "AVAJK": [("AJK-SPICE", "Ava Jane's Spice Set", "29.95"), ("AJK-BROTH", "Bone Broth 6-pack", "44.00")],
    "BRNAT": [("BN-COLL", "Collagen Peptides", "39.95"), ("BN-D3K2", "Vitamin D3+K2", "19.95")],
    "EECHO": [("EE-GREENS", "Earth Echo Greens", "49.00"), ("EE-CACAO", "Raw Cacao", "24.50")],
    "MESAC": [("MC-SKILLET", "Cast Iron Skillet 12in", "89.99"), ("MC-DUTCH", "Dutch Oven", "149.00")],
    "PHACK": [("PH-COOKBOOK", "Paleo Cookbook", "19.99"), ("PH-BARS", "Paleo Bars 12-pack", "32.40")],
    "PPLAN": [("PP-MEALPLAN", "Meal Plan Quarterly", "59.85"), ("PP-GUIDE", "Starter Guide", "9.99")],
    "PHYST": [("PT-BALM", "Recovery Balm", "34.95"), ("PT-ROLLER", "Massage Roller", "27.00")],
}
FIRST = ["Avery", "Jordan", "Casey", "Riley", "Morgan", "Quinn", "Harper", "Rowan", "Emerson", "Sage"]
LAST = ["Nguyen", "Garcia", "Smith", "Okafor", "Kowalski", "Lindqvist", "Patel", "Moreau", "Silva", "Cohen"]
CITIES = [
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
    ("Miami", "FL", "33101"),
    ("Boise", "ID", "83702"),
]


def sandbox_key(merchant_id: str) -> str:
    return f"uc-sandbox-{merchant_id.lower()}"


def build_seed(seed: int = 7, customers_per_brand: int = 5) -> EmulatorState:
    """Realistic, deterministic data: every brand's merchant, products, customers, orders
    (shipped and not), auto orders; one customer email shared across two brands."""
    rng = random.Random(seed)
    state = EmulatorState()
    base = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    shared_email = "casey.shared@example.com"
    for brand_index, (brand, merchant_id) in enumerate(MERCHANT_IDS.items()):
        add_merchant(
            state,
            merchant_id,
            sandbox_key(merchant_id),
            brand=brand,
            browser_key=f"{sandbox_key(merchant_id)}-browser",
        )
        for item_id, description, cost in PRODUCTS[merchant_id]:
            add_item(state, merchant_id, item_id, description, cost)
        state.coupons[(merchant_id, "WELCOME10")] = Decimal(10)
        for n in range(customers_per_brand):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            city, region, postal = rng.choice(CITIES)
            email = (
                shared_email
                if n == 0 and brand_index < 2
                else f"{first.lower()}.{last.lower()}.{merchant_id.lower()}{n}@example.com"
            )
            oid = add_customer(
                state,
                merchant_id,
                email,
                first_name=first,
                last_name=last,
                phone=f"+1512555{brand_index:01d}{n:03d}",
                address1=f"{100 + n} Oak Ave",
                city=city,
                state_region=region,
                postal_code=postal,
                signup_dts=(base - timedelta(days=300 - n)).isoformat(),
            )
            for k in range(rng.randint(1, 3)):
                created = (base + timedelta(days=rng.randint(0, 120), hours=k)).isoformat()
                items = [(rng.choice(PRODUCTS[merchant_id])[0], rng.randint(1, 3))]
                order_id = add_order(
                    state,
                    merchant_id,
                    oid,
                    items,
                    created=created,
                    shipped=rng.random() < 0.6,
                    mailing_list=rng.random() < 0.7,
                    sms_opt_in=rng.random() < 0.3,
                )
                if k == 0 and n % 2 == 0:
                    add_auto_order(state, order_id, status="active" if n % 4 == 0 else "canceled")
    return state


def store_settings(
    state: EmulatorState, base_url: str = "https://secure.ultracart.com/rest/v2"
) -> dict[str, Any]:
    """``[plugins.ultracart.stores]`` entries matching the seeded merchants (for the sandbox)."""
    return {
        merchant.merchant_id.lower(): {
            "brand": merchant.brand,
            "merchant_id": merchant.merchant_id,
            "base_url": base_url,
            "simple_key": merchant.simple_key,
            "storefront_host": f"secure.{merchant.merchant_id.lower()}.example",
        }
        for merchant in state.merchants.values()
        if merchant.brand
    }


def main() -> None:  # pragma: no cover - manual entry point
    parser = argparse.ArgumentParser(description="UltraCart REST v2 emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per second per key (0 = off)")
    args = parser.parse_args()
    limit = (args.rate_limit, 1.0) if args.rate_limit else None
    run_forever(create_app(build_seed(args.seed), rate_limit=limit), args.host, args.port)


if __name__ == "__main__":  # pragma: no cover
    main()


def seed_from_world(
    world: Any, base_url: str = "https://secure.ultracart.com/rest/v2"
) -> tuple[EmulatorState, dict[str, Any]]:
    """Seed from the shared sandbox world: its UltraCart people become customers of their brand's
    merchant, each with orders (shipped and not) and, for some, an auto order. Returns the state
    and the ``[plugins.ultracart]`` settings reaching it; the domain orders and subscriptions are
    added to ``world`` so other emulators (the helpdesk's tickets) can name them."""
    from hub.sandbox.world import store_key
    from plugins.ultracart import mapping

    rng = random.Random(world.seed)
    state = EmulatorState()
    stores: dict[str, Any] = {}
    for brand in world.brands_on("ultracart"):
        merchant_id = MERCHANT_IDS[brand]
        add_merchant(state, merchant_id, sandbox_key(merchant_id), brand=brand)
        for item_id, description, cost in PRODUCTS[merchant_id]:
            add_item(state, merchant_id, item_id, description, cost)
        state.coupons[(merchant_id, "WELCOME10")] = Decimal(10)
        stores[store_key(brand)] = {
            "brand": brand,
            "merchant_id": merchant_id,
            "base_url": base_url,
            "simple_key": sandbox_key(merchant_id),
            "storefront_host": f"secure.{merchant_id.lower()}.example",
        }
    for n, person in enumerate(world.people_on("ultracart")):
        merchant_id = MERCHANT_IDS[person.brand]
        oid = add_customer(
            state,
            merchant_id,
            person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            phone=person.phone,
            address1=f"{100 + n} Oak Ave",
        )
        for k in range(rng.randint(1, 3)):
            created = (world.now - timedelta(days=rng.randint(1, 200), hours=k)).isoformat()
            items = [(rng.choice(PRODUCTS[merchant_id])[0], rng.randint(1, 3))]
            order_id = add_order(
                state,
                merchant_id,
                oid,
                items,
                created=created,
                shipped=rng.random() < 0.6,
                mailing_list=rng.random() < 0.7,
                sms_opt_in=rng.random() < 0.3,
            )
            if k == 0 and n % 3 == 0:
                add_auto_order(state, order_id, status="active" if n % 2 == 0 else "canceled")
    for order in state.orders.values():
        brand = state.merchants[order["merchant_id"]].brand or ""
        world.orders.append(
            mapping.order_from_json(
                _render_order(state, order, set(ORDER_EXPANSIONS)), store=store_key(brand), brand=brand
            )
        )
    for auto_order in state.auto_orders.values():
        brand = state.merchants[auto_order["merchant_id"]].brand or ""
        world.subscriptions.append(
            mapping.subscription_from_json(
                _render_auto_order(state, auto_order, {"items", "original_order"}),
                store=store_key(brand),
                currency="USD",
                customer_id=str(auto_order["customer_profile_oid"]),
            )
        )
    return state, {"enabled": True, "stores": stores}
