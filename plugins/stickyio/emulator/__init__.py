"""An emulator of Sticky.io's v1 JSON API: ``POST /api/v1/{method}`` per CRM instance.

Several instances (one per brand) are served side by side, chosen like the real service by the
``{app_key}.sticky.io`` sub-domain of the Host header, or, on loopback, by a path prefix
``/{app_key}/api/v1/{method}``. What it reproduces (reference: shared/reference/stickyio.md):

* Basic auth per instance; a refusal is HTTP 401 carrying the v1 envelope with
  ``response_code "200"`` (Invalid login credentials) — ``auth_failure_status=200`` gives the
  other documented variant, the same envelope with HTTP 200.
* ``response_code`` envelopes, HTTP 200 for business errors, strings everywhere, and a numeric
  code on the order-id validation path (906) to catch clients comparing with ints.
* Per-method request limits (120/min, 60/min for ``subscription_order_update``) counted per
  instance; over the limit HTTP 429 with ``Retry-After`` (the 429 itself is assumed).
* customer_find / order_find (MM/DD/YYYY dates, 909 on no match), customer_view, order_view (one
  id flat, an array as a ``data`` map), order_refund (balance checks), order_update (keyed form,
  notes appended), order_update_recurring, new_order_card_on_file, NewProspect / prospect_view.
* Fault injection through ``hub.sandbox.emulator.FaultMiddleware`` with the v1 error body.

State is exposed as ``app.state.emulator`` (a ``StickyioEmulator``): instances, their orders,
the refunds actually paid and the recurring changes, for tests to assert on.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import itertools
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.emulator import FaultMiddleware, Faults, FixedWindow, run_forever
from hub.sandbox.world import SandboxWorld, sandbox_host, store_key
from plugins.stickyio import mapping
from plugins.stickyio.mapping import PLATFORM, StoreInfo

BRANDS: tuple[tuple[str, str], ...] = (
    ("avajanes", "Ava Jane's Kitchen"),
    ("brightnaturals", "Bright Naturals"),
    ("earthecho", "Earth Echo"),
    ("mesacookware", "Mesa Cookware"),
    ("paleohacks", "PaleoHacks"),
    ("paleoplan", "Paleo Plan"),
    ("physiotru", "PhysioTru"),
)
DEFAULT_LIMITS = {"subscription_order_update": 60, "product_bundle_index": 60}
UPDATABLE = {
    "first_name", "last_name", "email", "phone", "shipping_method", "tracking_number", "notes", "rma",
    "return", "chargeback", "fraud", "blacklist", "recurring_date", "stop_recurring_next_success",
    "rebill_discount", "confirmation_status", "payment_received", "gift_recipient_email",
}
_UPDATE_ALIASES = {
    "shipping_address1": "shipping_street_address", "shipping_address2": "shipping_street_address2",
    "shipping_zip": "shipping_postcode", "billing_address1": "billing_street_address",
    "billing_address2": "billing_street_address2", "billing_zip": "billing_postcode",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def envelope(code: str | int, message: str, **extra: Any) -> dict[str, Any]:
    return {"response_code": code, "error_found": "1", "error_message": message, **extra}


def error_body(status: int) -> Response:
    """The v1 error body for an injected HTTP status (FaultMiddleware)."""
    return JSONResponse(envelope(str(status), f"HTTP {status}", status="ERROR"), status_code=status)


# --------------------------------------------------------------------------- data


@dataclass
class Instance:
    """One CRM instance (``{app_key}.sticky.io``): credentials, catalogue, records, logs."""

    app_key: str
    brand: str
    username: str = "hub_api"
    password: str = "secret"
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    prospects: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    """Every refund actually paid: ``{"order_id", "amount", "keep_recurring", "at"}``."""
    recurring_changes: list[dict[str, Any]] = field(default_factory=list)
    decline_next_order: str | None = None
    """When set, the next new_order_card_on_file is declined with this reason."""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(10001))

    def next_id(self) -> str:
        return str(next(self._ids))


def add_product(instance: Instance, product_id: str, sku: str, name: str, price: str,
                recurring: bool = False) -> dict[str, Any]:
    model = ({"id": "3", "name": "Monthly Subscription", "description": "Bills every 30 days"}
             if recurring else {"id": "2", "name": "Straight Sale", "description": "One-time"})
    product = {"product_id": product_id, "sku": sku, "name": name, "price": price,
               "billing_model": model, "recurring": recurring}
    instance.products[product_id] = product
    return product


def add_customer(instance: Instance, *, first_name: str, last_name: str, email: str,
                 phone: str = "", created: datetime | None = None, country: str = "US",
                 customer_id: str | None = None) -> dict[str, Any]:
    customer_id = customer_id or instance.next_id()
    customer = {
        "customer_id": customer_id, "first_name": first_name, "last_name": last_name,
        "email": email, "phone": phone, "country": country,
        "date_created": stamp(created or _now() - timedelta(days=400)),
    }
    instance.customers[customer_id] = customer
    return customer


@dataclass
class Ship:
    line1: str
    city: str
    state: str
    postcode: str
    country: str = "US"


def add_order(instance: Instance, customer_id: str, items: list[tuple[str, int]], *,
              created: datetime | None = None, shipped: datetime | None = None,
              tracking: str | None = None, status: str | None = None, address: Ship | None = None,
              recurring: bool = False, billing_cycle: int = 0, parent_id: str = "0",
              order_id: str | None = None, notes: list[str] | None = None,
              shipping: str = "0.00", discount: str = "0.00") -> dict[str, Any]:
    """Add an order in order_view shape; ``items`` are ``(product_id, quantity)``.

    ``shipping`` (``shipping_amount``) is added to ``order_total``; ``discount`` (a coupon,
    ``coupon_discount_amount``) comes off it, the products keeping their prices. Both field
    names are sticky.io's as public integrations read them from order_view (not in the reference).
    """
    customer = instance.customers[customer_id]
    created = created or _now() - timedelta(days=10)
    ship = address or Ship("1 Main St", "Austin", "TX", "78701")
    products, total = [], Decimal(0)
    for product_id, quantity in items:
        product = instance.products[product_id]
        total += Decimal(product["price"]) * quantity
        products.append(_order_product(product, quantity, recurring, created))
    order_id = order_id or instance.next_id()
    order = {
        "response_code": "100",
        "order_id": order_id,
        "customer_id": customer_id,
        "order_status": status or ("8" if shipped else "2"),
        "time_stamp": stamp(created),
        "order_total": money(total + Decimal(shipping) - Decimal(discount)),
        "shipping_amount": money(Decimal(shipping)),
        "coupon_discount_amount": money(Decimal(discount)),
        "email_address": customer["email"],
        "customers_telephone": customer["phone"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        **_address_fields("billing", customer, ship),
        **_address_fields("shipping", customer, ship),
        "shipping_method_name": "Standard",
        "shipping_date": shipped.strftime("%Y-%m-%d") if shipped else "Not Shipped",
        "tracking_number": tracking or "",
        "products": products,
        "main_product_id": products[0]["product_id"] if products else "",
        "is_recurring": "1" if recurring else "0",
        "recurring_date": (created + timedelta(days=30)).strftime("%Y-%m-%d") if recurring else "",
        "on_hold": "0", "hold_date": "",
        "billing_cycle": str(billing_cycle),
        "parent_id": parent_id, "child_id": "", "ancestor_id": parent_id,
        "amount_refunded_to_date": "0.00",
        "is_void": "no",
        "decline_reason": "",
        "gateway_id": "1", "campaign_id": "1", "cc_type": "visa", "cc_first_6": "411111",
        "cc_last_4": "1111", "cc_expires": "1230", "is_fraud": "0", "is_blacklisted": "0",
        "employeeNotes": list(notes or []),
        "systemNotes": [f"{stamp(created)} Order created"],
    }
    if status == "7":
        order["decline_reason"] = "Insufficient funds REFID:" + order_id
    instance.orders[order_id] = order
    if parent_id not in ("", "0") and parent_id in instance.orders:
        parent = instance.orders[parent_id]
        parent["child_id"] = order_id
        parent["is_recurring"], parent["recurring_date"] = "0", ""
        for product in parent["products"]:
            product["is_recurring"], product["recurring_date"] = "0", ""
    return order


def _order_product(product: dict[str, Any], quantity: int, recurring: bool,
                   created: datetime) -> dict[str, Any]:
    # Sold on its subscription billing model only when the order recurs; else a straight sale.
    model = (dict(product["billing_model"]) if recurring
             else {"id": "2", "name": "Straight Sale", "description": "One-time"})
    return {
        "product_id": product["product_id"], "sku": product["sku"], "name": product["name"],
        "price": product["price"], "product_qty": str(quantity),
        "billing_model": model,
        "is_recurring": "1" if recurring else "0",
        "recurring_date": (created + timedelta(days=30)).strftime("%Y-%m-%d") if recurring else "",
    }


def _address_fields(prefix: str, customer: dict[str, Any], ship: Ship) -> dict[str, str]:
    return {
        f"{prefix}_first_name": customer["first_name"], f"{prefix}_last_name": customer["last_name"],
        f"{prefix}_street_address": ship.line1, f"{prefix}_street_address2": "",
        f"{prefix}_city": ship.city, f"{prefix}_state": ship.state,
        f"{prefix}_postcode": ship.postcode, f"{prefix}_country": ship.country,
    }


# --------------------------------------------------------------------------- the emulator


class StickyioEmulator:
    """All instances plus the server-side knobs (limits, auth variant)."""

    def __init__(self, instances: dict[str, Instance], *, limit: int = 120,
                 method_limits: dict[str, int] | None = None, window: float = 60.0,
                 auth_failure_status: int = 401) -> None:
        self.instances = instances
        self.limit, self.window = limit, window
        self.method_limits = dict(DEFAULT_LIMITS if method_limits is None else method_limits)
        self.auth_failure_status = auth_failure_status
        self.windows: dict[tuple[str, str], FixedWindow] = {}
        self.calls: Counter[tuple[str, str]] = Counter()

    @property
    def refused(self) -> int:
        """Requests refused with 429 across every instance and method."""
        return sum(w.refused for w in self.windows.values())

    def window_for(self, app_key: str, method: str) -> FixedWindow:
        key = (app_key, method)
        if key not in self.windows:
            self.windows[key] = FixedWindow(self.method_limits.get(method, self.limit), self.window)
        return self.windows[key]

    def instance_for(self, request: Request) -> Instance | None:
        prefixed = request.path_params.get("app_key")
        if prefixed:
            return self.instances.get(prefixed)
        host = (request.headers.get("host") or "").split(":")[0]
        return self.instances.get(host.split(".")[0])

    async def handle(self, request: Request) -> Response:
        instance = self.instance_for(request)
        if instance is None:
            return JSONResponse(envelope("400", "Unknown instance"), status_code=404)
        if not _authorised(request, instance):
            return JSONResponse(envelope("200", "Invalid login credentials", status="ERROR"),
                                status_code=self.auth_failure_status)
        method = request.path_params["method"]
        allowed, _, reset = self.window_for(instance.app_key, method).hit()
        if not allowed:
            wait = max(1, reset - int(datetime.now(UTC).timestamp()))
            return JSONResponse(
                envelope("429", f"Rate limit exceeded for {method}", status="ERROR"),
                status_code=429, headers={"Retry-After": str(wait)})
        self.calls[(instance.app_key, method)] += 1
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse(envelope("400", "Request body is not valid JSON"))
        if not isinstance(body, dict):
            return JSONResponse(envelope("400", "Request body must be a JSON object"))
        handler = METHODS.get(method)
        if handler is None:
            return JSONResponse(envelope("400", f"Invalid method: {method}"))
        return JSONResponse(handler(instance, body))


def _authorised(request: Request, instance: Instance) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == instance.username and password == instance.password


# --------------------------------------------------------------------------- v1 methods


def _ok(**fields: Any) -> dict[str, Any]:
    return {"response_code": "100", "error_found": "0", **fields}


def _dates(body: dict[str, Any]) -> tuple[date, date] | dict[str, Any]:
    try:
        start = datetime.strptime(str(body.get("start_date", "")), "%m/%d/%Y").date()
        end = datetime.strptime(str(body.get("end_date", "")), "%m/%d/%Y").date()
    except ValueError:
        return envelope("400", "start_date and end_date are required as MM/DD/YYYY")
    return start, end


def _created_on(record: dict[str, Any], key: str) -> date:
    return date.fromisoformat(record[key][:10])  # YYYY-MM-DD; strptime was 10% of the demo


def _digits(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    return digits[-10:]  # US numbers compared without the country code


def validate_credentials(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    return _ok()


def customer_find(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    dates = _dates(body)
    if isinstance(dates, dict):
        return dates
    criteria = body.get("criteria")
    if criteria != "all" and not isinstance(criteria, dict):
        return envelope("400", "criteria is required")
    found = []
    for customer in instance.customers.values():
        if not dates[0] <= _created_on(customer, "date_created") <= dates[1]:
            continue
        if isinstance(criteria, dict):
            if "email" in criteria and customer["email"].lower() != str(criteria["email"]).lower():
                continue
            if "phone" in criteria and _digits(customer["phone"]) != _digits(criteria["phone"]):
                continue
        found.append(customer)
    if not found:
        return envelope("909", "No match found")
    result = _ok(total_customers=str(len(found)), customer_id=[c["customer_id"] for c in found])
    if body.get("return_type") == "customer_view":
        result["data"] = {c["customer_id"]: _customer_view(instance, c) for c in found}
    return result


def _customer_view(instance: Instance, customer: dict[str, Any]) -> dict[str, Any]:
    orders = [o for o in instance.orders.values() if o["customer_id"] == customer["customer_id"]]
    return {**customer, "order_count": str(len(orders))}


def customer_view(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    customer = instance.customers.get(str(body.get("customer_id", "")))
    if customer is None:
        return envelope("909", "No match found")
    return _ok(**_customer_view(instance, customer))


def order_find(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    dates = _dates(body)
    if isinstance(dates, dict):
        return dates
    criteria = body.get("criteria")
    if criteria != "all" and not isinstance(criteria, dict):
        return envelope("400", "criteria is required")
    found = []
    for order in instance.orders.values():
        if not dates[0] <= _created_on(order, "time_stamp") <= dates[1]:
            continue
        if isinstance(criteria, dict) and not _order_matches(order, criteria):
            continue
        found.append(order)
    if not found:
        return envelope("909", "No match found")
    result = _ok(total_orders=str(len(found)), order_id=[o["order_id"] for o in found])
    if body.get("return_type") == "order_view":
        result["data"] = {o["order_id"]: o for o in found}
    return result


def _order_matches(order: dict[str, Any], criteria: dict[str, Any]) -> bool:
    if "email" in criteria and order["email_address"].lower() != str(criteria["email"]).lower():
        return False
    if "recurring" in criteria and order["is_recurring"] != "1":
        return False
    return not ("declines" in criteria and order["order_status"] != "7")


def _order_ids(value: Any) -> list[str] | dict[str, Any]:
    ids = value if isinstance(value, list) else [value]
    for item in ids:
        text = str(item).strip()
        if not text.lstrip("-").isdigit() or int(text) < 1:
            # The validation path answers with a *number*, as the real API does on some errors.
            return envelope(906, "Order id must be greater than or equal to 1")
    return [str(int(str(i).strip())) for i in ids]


def order_view(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    ids = _order_ids(body.get("order_id"))
    if isinstance(ids, dict):
        return ids
    missing = [i for i in ids if i not in instance.orders]
    if missing:
        return envelope("350", f"Invalid order id: {missing[0]}")
    if isinstance(body.get("order_id"), list):
        return _ok(total_orders=str(len(ids)), data={i: instance.orders[i] for i in ids})
    return dict(instance.orders[ids[0]])


def order_refund(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    ids = _order_ids(body.get("order_id"))
    if isinstance(ids, dict):
        return ids
    order = instance.orders.get(ids[0])
    if order is None:
        return envelope("350", f"Invalid order id: {ids[0]}")
    try:
        amount = Decimal(str(body.get("amount", "")))
    except InvalidOperation:
        return envelope("600", "Invalid refund amount")  # code unconfirmed
    if not amount.is_finite() or amount <= 0:
        return envelope("600", "Invalid refund amount")
    if order["order_status"] in ("7", "11") or order["is_void"] == "yes":
        return envelope("600", "Order has no captured payment to refund")
    refunded = Decimal(order["amount_refunded_to_date"])
    remaining = Decimal(order["order_total"]) - refunded
    if remaining <= 0:
        return envelope("600", "Order has already been fully refunded")
    if amount > remaining:
        return envelope("600", f"Refund amount exceeds the amount available to refund ({money(remaining)})")
    order["amount_refunded_to_date"] = money(refunded + amount)
    if amount == remaining:
        order["order_status"] = "6"
    keep = str(body.get("keep_recurring", "1")) == "1"
    if not keep:
        _stop(order)
    transaction = f"T{instance.next_id()}"
    instance.refunds.append({"order_id": order["order_id"], "amount": money(amount),
                             "keep_recurring": keep, "at": stamp(_now()), "transaction_id": transaction})
    order["systemNotes"].append(f"{stamp(_now())} Refund of {money(amount)} ({transaction})")
    return _ok(order_id=order["order_id"], transaction_id=transaction, amount=money(amount))


def _stop(order: dict[str, Any]) -> None:
    order["is_recurring"], order["recurring_date"] = "0", ""
    order["on_hold"], order["hold_date"] = "1", _now().strftime("%Y-%m-%d")
    for product in order["products"]:
        product["is_recurring"], product["recurring_date"] = "0", ""


def order_update(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    targets = body.get("order_id")
    if not isinstance(targets, dict) or not targets:
        return envelope("400", "order_id must map order ids to the fields to update")
    for order_id, fields in targets.items():
        if order_id not in instance.orders:
            return envelope("350", f"Invalid order id: {order_id}")
        if not isinstance(fields, dict) or not fields:
            return envelope("400", f"No fields to update for order {order_id}")
        for name in fields:
            if not _updatable(name):
                return envelope("400", f"Invalid field: {name}")
    for order_id, fields in targets.items():
        _apply_update(instance, instance.orders[order_id], fields)
    return _ok(order_id=list(targets))


def _updatable(name: str) -> bool:
    return name in UPDATABLE or name in _UPDATE_ALIASES or name.startswith(("shipping_", "billing_"))


def _apply_update(instance: Instance, order: dict[str, Any], fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "notes":
            order["employeeNotes"].append(f"{stamp(_now())} {instance.username}: {value}")
        elif name == "tracking_number":
            order["tracking_number"] = str(value)
            if value:
                order["order_status"] = "8"
                order["shipping_date"] = _now().strftime("%Y-%m-%d")
        else:
            order[_UPDATE_ALIASES.get(name, name)] = str(value)


def order_update_recurring(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    ids = _order_ids(body.get("order_id"))
    if isinstance(ids, dict):
        return ids
    order = instance.orders.get(ids[0])
    if order is None:
        return envelope("350", f"Invalid order id: {ids[0]}")
    status = body.get("status")
    if status not in ("stop", "start", "reset"):
        return envelope("400", "status must be stop, start or reset")
    if status == "stop":
        if order["is_recurring"] != "1":
            return envelope("600", "Order is not currently recurring")  # code unconfirmed
        _stop(order)
    else:
        order["is_recurring"], order["on_hold"], order["hold_date"] = "1", "0", ""
        order["recurring_date"] = (_now() + timedelta(days=30)).strftime("%Y-%m-%d")
    instance.recurring_changes.append({"order_id": order["order_id"], "status": status,
                                       "at": stamp(_now())})
    return _ok(order_id=order["order_id"])


def new_order_card_on_file(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    previous_id = str(body.get("previousOrderId") or "")
    if not previous_id:
        return envelope("10331", "previousOrderId is required")
    previous = instance.orders.get(previous_id)
    if previous is None:
        return envelope("350", f"Invalid order id: {previous_id}")
    if not body.get("campaignId") or not body.get("shippingId"):
        return envelope("400", "campaignId and shippingId are required")
    offers = body.get("offers")
    if not isinstance(offers, list) or not offers:
        return envelope("400", "offers are required")
    for offer in offers:
        if not isinstance(offer, dict) or str(offer.get("product_id")) not in instance.products:
            return envelope("10600", "Invalid product id")
    if instance.decline_next_order:
        reason, instance.decline_next_order = instance.decline_next_order, None
        return {"response_code": "800", "error_found": "1", "transId": "0", "authId": "",
                "orderTotalAmount": "0.00", "gateway_id": "1",
                "decline_reason": f"{reason} REFID:{instance.next_id()}",
                "provider_response_code": "05"}
    return _ok(**_create_from_previous(instance, previous, offers, body))


def _create_from_previous(instance: Instance, previous: dict[str, Any], offers: list[dict[str, Any]],
                          body: dict[str, Any]) -> dict[str, Any]:
    order_id = instance.next_id()
    created = _now()
    products, total = [], Decimal(0)
    for offer in offers:
        catalogue = instance.products[str(offer["product_id"])]
        price = Decimal(str(offer.get("price", catalogue["price"])))
        quantity = int(offer.get("quantity", 1))
        total += price * quantity
        item = _order_product({**catalogue, "price": money(price)}, quantity, False, created)
        products.append(item)
    order = {key: (list(value) if isinstance(value, list) else value) for key, value in previous.items()}
    order.update({
        "order_id": order_id, "order_status": "2", "time_stamp": stamp(created),
        "order_total": money(total), "products": products,
        "main_product_id": products[0]["product_id"], "is_recurring": "0", "recurring_date": "",
        "billing_cycle": "0", "parent_id": "0", "child_id": "", "ancestor_id": "0",
        "shipping_date": "Not Shipped", "tracking_number": "", "amount_refunded_to_date": "0.00",
        "on_hold": "0", "hold_date": "", "decline_reason": "",
        "employeeNotes": ([f"{stamp(created)} {instance.username}: {body['notes']}"]
                          if body.get("notes") else []),
        "systemNotes": [f"{stamp(created)} Order created from {previous['order_id']} (card on file)"],
    })
    camel = {"shippingAddress1": "shipping_street_address", "shippingAddress2": "shipping_street_address2",
             "shippingCity": "shipping_city", "shippingState": "shipping_state",
             "shippingZip": "shipping_postcode", "shippingCountry": "shipping_country",
             "shippingFirstName": "shipping_first_name", "shippingLastName": "shipping_last_name"}
    for source, target in camel.items():
        if source in body:
            order[target] = str(body[source])
    instance.orders[order_id] = order
    return {"order_id": order_id, "transactionID": f"T{order_id}", "orderTotal": money(total),
            "customerId": order["customer_id"]}


def new_prospect(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("campaignId"):
        return envelope("400", "campaignId is required")
    if not _EMAIL.match(str(body.get("email", ""))):
        return envelope("342", "Invalid email address")
    prospect_id = instance.next_id()
    instance.prospects[prospect_id] = {
        "prospect_id": prospect_id, "campaign_id": str(body["campaignId"]),
        "first_name": body.get("firstName", ""), "last_name": body.get("lastName", ""),
        "email": body["email"], "phone": body.get("phone", ""),
        "address": body.get("address1", ""), "address2": body.get("address2", ""),
        "city": body.get("city", ""), "state": body.get("state", ""), "zip": body.get("zip", ""),
        "country": body.get("country", ""), "ip_address": body.get("ipAddress", ""),
        "affiliate": body.get("AFFID", ""), "notes": body.get("notes", ""),
        "date_created": stamp(_now()),
    }
    return _ok(prospectId=prospect_id)


def prospect_view(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    prospect = instance.prospects.get(str(body.get("prospect_id", "")))
    if prospect is None:
        return envelope("909", "No match found")
    return _ok(**prospect)


def product_index(instance: Instance, body: dict[str, Any]) -> dict[str, Any]:
    """The catalogue's products by id (``product_id``: an array, or comma-separated text);
    unknown ids are left out, and none known is code 10600 (shape unconfirmed, reference §3)."""
    raw = body.get("product_id")
    asked = [str(v) for v in raw] if isinstance(raw, list) else [
        part.strip() for part in str(raw or "").split(",") if part.strip()]
    found = {pid: instance.products[pid] for pid in asked if pid in instance.products}
    if not found:
        return envelope("10600", "Invalid product id")
    return _ok(products={pid: {"product_id": pid, "product_name": p["name"], "product_sku": p["sku"],
                                "product_price": p["price"]} for pid, p in found.items()})


METHODS = {
    "product_index": product_index,
    "validate_credentials": validate_credentials,
    "customer_find": customer_find,
    "customer_view": customer_view,
    "order_find": order_find,
    "order_view": order_view,
    "order_refund": order_refund,
    "order_update": order_update,
    "order_update_recurring": order_update_recurring,
    "new_order_card_on_file": new_order_card_on_file,
    "NewProspect": new_prospect,
    "prospect_view": prospect_view,
}


def create_app(instances: dict[str, Instance] | None = None, *, limit: int = 120,
               method_limits: dict[str, int] | None = None, window: float = 60.0,
               faults: Faults | None = None, auth_failure_status: int = 401) -> Any:
    """The emulator as an ASGI app; ``app.state.emulator`` holds its state."""
    emulator = StickyioEmulator(instances if instances is not None else build_seed(),
                                limit=limit, method_limits=method_limits, window=window,
                                auth_failure_status=auth_failure_status)
    routes = [
        Route("/api/v1/{method}", emulator.handle, methods=["POST"]),
        Route("/{app_key}/api/v1/{method}", emulator.handle, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    if faults is None:
        return app
    wrapped = FaultMiddleware(app, faults, error_body)
    wrapped.state = app.state  # type: ignore[attr-defined]
    return wrapped


# --------------------------------------------------------------------------- seed data

_FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Frank", "Grace", "Hiro", "Iris", "Jamal", "Kara",
          "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara"]
_LAST = ["Lopez", "Nguyen", "Smith", "Patel", "Okafor", "Kim", "Rossi", "Berg", "Cohen", "Diaz"]
_CITIES = [("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Portland", "OR", "97205"),
           ("Miami", "FL", "33130"), ("Chicago", "IL", "60601"), ("Boston", "MA", "02108")]
_CATALOGUE = {
    "avajanes": [("Ava Jane's Cookbook", "24.95", False), ("Spice Blend Box", "39.00", True)],
    "brightnaturals": [("Collagen Peptides", "44.95", True), ("Vitamin D3", "19.95", False)],
    "earthecho": [("Super Greens", "49.95", True), ("Beet Chews", "29.95", False)],
    "mesacookware": [("Cast Iron Skillet", "89.00", False), ("Seasoning Oil", "14.50", False)],
    "paleohacks": [("Paleo Protein", "54.95", True), ("Paleo Snack Pack", "21.99", False)],
    "paleoplan": [("Meal Plan Membership", "9.99", True), ("Recipe Book", "17.00", False)],
    "physiotru": [("Joint Support", "39.95", True), ("Back Pain Course", "47.00", False)],
}


def build_seed(seed: int = 7, customers_per_brand: int = 6,
               now: datetime | None = None) -> dict[str, Instance]:
    """Instances for the seven brands: customers (some shopping at two brands with the same
    email), shipped and unshipped orders, a declined one, a partly refunded one, and recurring
    chains (an active rebill, a stopped one). The same seed gives the same records; their dates
    are relative to ``now`` (today by default) so recent orders stay recent."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0)
    instances: dict[str, Instance] = {}
    shared_people: list[tuple[str, str, str, str]] = []
    for app_key, brand in BRANDS:
        instance = Instance(app_key=app_key, brand=brand, password=f"{app_key}-secret")
        for index, (name, price, recurring) in enumerate(_CATALOGUE[app_key], start=1):
            add_product(instance, str(index), f"{app_key[:3].upper()}-{index:03d}", name, price, recurring)
        for n in range(customers_per_brand):
            person = _person(rng, app_key, n, shared_people)
            first, last, email, phone = person
            city, state, postcode = rng.choice(_CITIES)
            created = now - timedelta(days=rng.randint(200, 900))
            customer = add_customer(instance, first_name=first, last_name=last, email=email,
                                    phone=phone, created=created)
            _seed_orders(instance, rng, customer["customer_id"], created, now,
                         Ship(f"{rng.randint(10, 9999)} Oak Ave", city, state, postcode))
        instances[app_key] = instance
    return instances


def _person(rng: random.Random, app_key: str, n: int,
            shared: list[tuple[str, str, str, str]]) -> tuple[str, str, str, str]:
    if n == 0 and shared and rng.random() < 0.7:
        return shared[rng.randrange(len(shared))]  # the same shopper at another brand
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first}.{last}.{app_key}{n}@example.com".lower()
    phone = f"512555{rng.randint(1000, 9999)}"
    person = (first, last, email, phone)
    if n == 1:
        shared.append(person)
    return person


def _seed_orders(instance: Instance, rng: random.Random, customer_id: str, since: datetime,
                 now: datetime, ship: Ship) -> None:
    straight = [p for p, v in instance.products.items() if not v["recurring"]]
    recurring = [p for p, v in instance.products.items() if v["recurring"]]
    for _ in range(rng.randint(1, 3)):
        created = since + timedelta(days=rng.randint(1, max(2, (now - since).days - 20)))
        kind = rng.random()
        if kind < 0.15:
            add_order(instance, customer_id, [(rng.choice(straight), 1)], created=created, status="7",
                      address=ship)
        elif kind < 0.65:
            add_order(instance, customer_id, [(rng.choice(straight), rng.randint(1, 3))], created=created,
                      shipped=created + timedelta(days=2), tracking=f"1Z{rng.randint(10**9, 10**10)}",
                      address=ship)
        else:
            order = add_order(instance, customer_id, [(rng.choice(straight), 1)],
                              created=now - timedelta(days=rng.randint(0, 3)), address=ship)
            if rng.random() < 0.3:
                order["amount_refunded_to_date"] = money(Decimal(order["order_total"]) / 2)
    if recurring and rng.random() < 0.6:
        first = add_order(instance, customer_id, [(recurring[0], 1)], created=now - timedelta(days=45),
                          shipped=now - timedelta(days=43), tracking="9400100000000000000001",
                          recurring=True, address=ship)
        rebill = add_order(instance, customer_id, [(recurring[0], 1)], created=now - timedelta(days=15),
                           recurring=True, billing_cycle=1, parent_id=first["order_id"], address=ship)
        if rng.random() < 0.3:
            _stop(rebill)


def plugin_config(instances: dict[str, Instance], base_url: str | None = None,
                  **extra: Any) -> dict[str, Any]:
    """A ``[plugins.stickyio]`` section for these instances: each app key is a store, reached at
    ``https://{app_key}.sticky.io`` (in-process) or ``{base_url}/{app_key}`` (served on loopback)."""
    stores = {}
    for app_key, instance in instances.items():
        stores[app_key] = {
            "brand": instance.brand,
            "base_url": f"{base_url}/{app_key}" if base_url else f"https://{app_key}.sticky.io",
            "username": instance.username,
            "password": instance.password,
            "campaign_id": "1",
            "shipping_id": "2",
            "replacement_offer_id": "1",
            "replacement_billing_model_id": "2",
            "funnel_url": f"https://checkout.{app_key}.example/order",
            "sku_product_ids": {p["sku"]: pid for pid, p in sorted(instance.products.items())},
        }
    return {"enabled": True, "stores": stores, **extra}


def seed_from_world(world: SandboxWorld) -> tuple[dict[str, Instance], dict[str, Any]]:
    """Instances for the brands the sandbox world sells on Sticky.io, its people as customers
    with shipped, unshipped and recurring orders (added to ``world`` as domain records), and the
    ``[plugins.stickyio]`` settings reaching them (store keys as the world names them)."""
    rng = random.Random(world.seed * 31 + 5)
    instances: dict[str, Instance] = {}
    store_of: dict[str, str] = {}
    for brand in world.brands_on(PLATFORM):
        key = store_key(brand)
        app_key = key.replace("_", "")
        catalogue = _CATALOGUE[{b: k for k, b in BRANDS}[brand]]
        instance = Instance(app_key=app_key, brand=brand, password=f"{app_key}-secret")
        for index, (name, price, recurring) in enumerate(catalogue, start=1):
            add_product(instance, str(index), f"{app_key[:3].upper()}-{index:03d}", name, price, recurring)
        instances[app_key], store_of[app_key] = instance, key
    for person in world.people_on(PLATFORM):
        instance = instances[person.store.replace("_", "")]
        created = world.now - timedelta(days=rng.randint(200, 700))
        customer = add_customer(instance, first_name=person.first_name, last_name=person.last_name,
                                email=person.email, phone=person.phone, created=created)
        city, state, postcode = rng.choice(_CITIES)
        _seed_orders(instance, rng, customer["customer_id"], created, world.now,
                     Ship(f"{rng.randint(10, 9999)} Oak Ave", city, state, postcode))
    settings = plugin_config(instances, base_url=sandbox_host(PLATFORM))
    settings["stores"] = {store_of[app_key]: section for app_key, section in settings["stores"].items()}
    for app_key, instance in instances.items():
        info = StoreInfo(key=store_of[app_key], brand=instance.brand, currency="USD")
        bodies = list(instance.orders.values())
        world.orders.extend(mapping.order(body, info) for body in bodies)
        world.subscriptions.extend(mapping.subscription(body, info) for body in mapping.chain_heads(bodies))
    return instances, settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Sticky.io v1 API emulator (seeded brands)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8085)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    instances = build_seed(args.seed)
    for app_key, instance in instances.items():
        # Credentials are the emulator's own fixed seed values, not real secrets.
        print(f"{instance.brand}: http://{args.host}:{args.port}/{app_key}  user={instance.username}")
    run_forever(create_app(instances), args.host, args.port)


if __name__ == "__main__":
    main()
