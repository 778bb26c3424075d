"""An in-memory emulator of the Konnektive (Checkout Champ) CRM API, as a Starlette app.

Faithful to shared/reference/konnektive.md: ``GET|POST /{section}/{action}/`` (trailing slash
optional), parameters from the query string then the form body, ``loginId`` / ``password`` on
every call, HTTP 200 ``{"result": "SUCCESS"|"ERROR", "message": ...}`` envelopes (errors are
plain strings, "no results" is an ERROR), pages of at most 200, required m/d/Y date ranges
without an id filter, every scalar as a string, order ``items`` keyed by item id, and a refund
state machine that records every REFUND transaction.

Several accounts (one per brand) live side by side: each API user sees its own brand's data.
Knobs: a server-side request window answering 429, injected faults (``Faults``), IP-whitelist
and endpoint-permission refusals per API user, and ``lose_answers`` (do the work, then answer
504, as when a response is lost after the CRM committed).

Run standalone: ``python -m plugins.konnektive.emulator --port 8104`` (seeded for every brand).
"""

from __future__ import annotations

import argparse
import copy
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.emulator import FaultMiddleware, Faults, FixedWindow, run_forever
from hub.sandbox.world import Person, SandboxWorld

MAX_PAGE = 200
DEFAULT_PAGE = 25
STAMP = "%Y-%m-%d %H:%M:%S"
ORDER_STATUSES = {"COMPLETE", "PARTIAL", "DECLINED", "REFUNDED", "CANCELLED", "COD_PENDING"}
PAY_SOURCES = {"CREDITCARD", "PREPAID", "CHECK", "ACCTONFILE", "COD", "DIRECTDEBIT"}
FULFILLMENT_STATUSES = {"SHIPPED", "RMA_PENDING", "RETURNED", "CANCELLED"}
TXN_TYPES = {"SALE", "AUTHORIZE", "CAPTURE", "VOID", "REFUND"}
_PHONE = re.compile(r"^[0-9-]{1,20}$")
_BILLING = ("firstName", "lastName", "companyName", "address1", "address2", "city", "state",
            "postalCode", "country", "emailAddress", "phoneNumber")
_SHIPPING = ("shipFirstName", "shipLastName", "shipCompanyName", "shipAddress1", "shipAddress2",
             "shipCity", "shipState", "shipPostalCode", "shipCountry")


class ApiError(Exception):
    """A business error: answered as HTTP 200 ``result: ERROR`` with this message."""


@dataclass
class Account:
    """An API user and the brand (account data) it sees."""

    login_id: str
    password: str
    brand: str
    ip_whitelisted: bool = True
    endpoints: set[str] | None = None  # None: every endpoint granted


@dataclass
class Product:
    product_id: str
    brand: str
    name: str
    sku: str
    price: str
    recurring: bool = False


@dataclass
class Seed:
    """Everything the emulator holds, as plain data (records in Konnektive's own shape)."""

    accounts: list[Account] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    purchases: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the API shows it (internal ``_`` keys removed)."""
    return {key: copy.deepcopy(value) for key, value in record.items() if not key.startswith("_")}


class KonnektiveEmulator:
    """The CRM's state plus the request handlers. ``app.state.emulator`` in tests."""

    def __init__(self, *, timezone: str = "UTC") -> None:
        self.zone = ZoneInfo(timezone)
        self.accounts: dict[str, Account] = {}
        self.products: dict[str, Product] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.purchases: dict[str, dict[str, Any]] = {}
        self.transactions: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.refunds_paid: list[dict[str, str]] = []
        self.cancels: list[dict[str, str]] = []
        self.imports: list[str] = []
        self.leads: list[str] = []
        """Partial orders made by ``/leads/import/`` (a funnel's lead page), in order."""
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.lose_answers: Counter[str] = Counter()
        self.window: FixedWindow | None = None
        self.throttled = 0
        self._ids: Counter[str] = Counter()

    # ------------------------------------------------------------------ seeding helpers

    def _next(self, kind: str, start: int) -> int:
        self._ids[kind] += 1
        return start + self._ids[kind]

    def now(self) -> datetime:
        return datetime.now(self.zone).replace(microsecond=0, tzinfo=None)

    def add_account(self, login_id: str, password: str, brand: str, **knobs: Any) -> Account:
        account = Account(login_id, password, brand, **knobs)
        self.accounts[login_id] = account
        return account

    def add_product(self, brand: str, name: str, sku: str, price: str, *, recurring: bool = False) -> Product:
        product = Product(str(self._next("product", 100)), brand, name, sku, price, recurring)
        self.products[product.product_id] = product
        return product

    def add_customer(self, brand: str, *, created: datetime | None = None, **fields: str) -> dict[str, Any]:
        stamp = (created or self.now()).strftime(STAMP)
        customer = {"customerId": str(self._next("customer", 1000)), "_brand": brand,
                    "dateCreated": stamp, "dateUpdated": stamp, **{k: str(v) for k, v in fields.items()}}
        for key in (*_BILLING, *_SHIPPING):
            customer.setdefault(key, "")
        self.customers[customer["customerId"]] = customer
        return customer

    def add_order(self, customer_id: str, lines: list[tuple[Product, int]], *,
                  created: datetime | None = None, status: str = "COMPLETE", shipping: str = "0.00",
                  campaign_id: str = "1",
                  prices: list[Decimal] | None = None, order_type: str = "NEW_SALE",
                  purchase_for: Product | None = None, discount: str = "0.00",
                  coupon_code: str = "") -> dict[str, Any]:
        """An order (and its SALE transaction when paid) for an existing customer.

        ``prices`` overrides the catalog unit price of each line (0 for a free replacement).
        ``discount`` (with its ``couponCode``) comes off the order's ``totalAmount`` only: the
        reference names no discount field on an order or its items, which keep their prices.
        """
        customer = self.customers[customer_id]
        stamp = (created or self.now()).strftime(STAMP)
        order_id = f"K{self._next('order', 4_000_000):07d}"
        items: dict[str, dict[str, str]] = {}
        subtotal = Decimal(0)
        for index, (product, quantity) in enumerate(lines):
            price = Decimal(product.price) if prices is None else prices[index]
            item_id = str(self._next("item", 70_000))
            items[item_id] = {"productId": product.product_id, "name": product.name,
                              "productSku": product.sku, "price": money(price), "qty": str(quantity),
                              "shipping": "0.00"}
            subtotal += price * quantity
        total = subtotal + Decimal(shipping) - Decimal(discount)
        order = {
            "orderId": order_id, "customerId": customer_id, "_brand": customer["_brand"],
            "orderStatus": status, "orderType": order_type, "campaignId": campaign_id,
            "campaignName": f"{customer['_brand']} Main", "couponCode": coupon_code, "currencySymbol": "$",
            "price": money(subtotal), "shipping": money(Decimal(shipping)), "totalAmount": money(total),
            "dateCreated": stamp, "dateUpdated": stamp, "items": items, "fulfillments": [],
            **{key: customer.get(key, "") for key in (*_BILLING, *_SHIPPING)},
        }
        self.orders[order_id] = order
        if status in ("COMPLETE", "REFUNDED") and total > 0:
            self._add_txn(order, "SALE", total, stamp)
        if purchase_for is not None:
            purchase = self.add_purchase(order, purchase_for, created=created)
            for item in items.values():
                if item["productId"] == purchase_for.product_id:
                    item["purchaseId"] = purchase["purchaseId"]
        self._add_history(customer_id, customer["_brand"], f"New order {order_id}", stamp)
        return order

    def add_purchase(self, order: dict[str, Any], product: Product, *, created: datetime | None = None,
                     status: str = "ACTIVE", interval_days: int = 30) -> dict[str, Any]:
        start = created or self.now()
        purchase = {
            "purchaseId": str(self._next("purchase", 50_000)), "orderId": order["orderId"],
            "customerId": order["customerId"], "_brand": order["_brand"], "productId": product.product_id,
            "productName": product.name, "productSku": product.sku, "status": status,
            "billingCycleType": "RECURRING", "billingCycleNumber": "1",
            "billingIntervalDays": str(interval_days), "price": product.price, "totalBilled": product.price,
            "nextBillDate": (start + timedelta(days=interval_days)).strftime("%Y-%m-%d"),
            "dateCreated": start.strftime(STAMP), "dateUpdated": start.strftime(STAMP),
            "cancelReason": "", **{key: order.get(key, "") for key in (*_BILLING, *_SHIPPING)},
        }
        self.purchases[purchase["purchaseId"]] = purchase
        return purchase

    def ship_order(self, order_id: str, tracking: str, shipped: date, carrier: str = "USPS") -> None:
        self.orders[order_id]["fulfillments"] = [{
            "fulfillmentId": str(self._next("fulfillment", 9000)), "status": "SHIPPED",
            "trackingNumber": tracking, "dateShipped": shipped.strftime("%Y-%m-%d"), "shipCarrier": carrier,
        }]

    def _add_txn(self, order: dict[str, Any], txn_type: str, amount: Decimal, stamp: str) -> dict[str, Any]:
        txn = {
            "transactionId": str(self._next("txn", 800_000)), "orderId": order["orderId"],
            "customerId": order["customerId"], "purchaseId": "", "_brand": order["_brand"],
            "txnType": txn_type, "txnDate": stamp, "dateCreated": stamp, "totalAmount": money(amount),
            "amountRefunded": "0.00", "responseType": "SUCCESS", "responseText": "Approved",
            "merchantTxnId": f"m{self._ids['txn']:08d}", "isChargedback": "0",
        }
        self.transactions[txn["transactionId"]] = txn
        return txn

    def _add_history(self, customer_id: str, brand: str, message: str, stamp: str) -> None:
        self.history.append({"historyId": str(self._next("history", 1)), "customerId": customer_id,
                             "_brand": brand, "dateCreated": stamp, "message": message})

    # ------------------------------------------------------------------ seed in / out

    def load(self, seed: Seed) -> None:
        for account in seed.accounts:
            self.accounts[account.login_id] = copy.deepcopy(account)
        for product in seed.products:
            self.products[product.product_id] = copy.deepcopy(product)
        for table, records, key in ((self.customers, seed.customers, "customerId"),
                                    (self.orders, seed.orders, "orderId"),
                                    (self.purchases, seed.purchases, "purchaseId"),
                                    (self.transactions, seed.transactions, "transactionId")):
            for record in records:
                table[record[key]] = copy.deepcopy(record)
        self.history.extend(copy.deepcopy(seed.history))
        numbered = (("customer", self.customers, 1000), ("purchase", self.purchases, 50_000),
                    ("txn", self.transactions, 800_000), ("product", self.products, 100),
                    ("order", {k[1:]: v for k, v in self.orders.items()}, 4_000_000),
                    ("item", {i: 0 for o in self.orders.values() for i in o["items"]}, 70_000),
                    ("history", {e["historyId"]: e for e in self.history}, 1))
        for kind, table, base in numbered:
            used = [int(key) - base for key in table if str(key).isdigit()]
            self._ids[kind] = max([self._ids[kind], *used])  # new ids never collide with loaded ones

    def export(self) -> Seed:
        return Seed(
            accounts=copy.deepcopy(list(self.accounts.values())),
            products=copy.deepcopy(list(self.products.values())),
            customers=copy.deepcopy(list(self.customers.values())),
            orders=copy.deepcopy(list(self.orders.values())),
            purchases=copy.deepcopy(list(self.purchases.values())),
            transactions=copy.deepcopy(list(self.transactions.values())),
            history=copy.deepcopy(self.history),
        )

    # ------------------------------------------------------------------ HTTP

    async def handle(self, request: Request) -> Response:
        endpoint = f"{request.path_params['section']}/{request.path_params['action']}".lower()
        params = dict(request.query_params)
        if request.method == "POST" and request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            # Parsed by hand: Starlette's form parser needs python-multipart, which we do not ship.
            body = (await request.body()).decode("utf-8", errors="replace")
            for key, value in parse_qsl(body, keep_blank_values=True):
                params.setdefault(key, value)
        if self.window is not None:
            allowed, _, reset = self.window.hit()
            if not allowed:
                self.throttled += 1
                retry = max(0.0, reset - datetime.now(UTC).timestamp())
                return JSONResponse({"result": "ERROR", "message": "Too many requests"}, status_code=429,
                                    headers={"Retry-After": f"{retry:.2f}"})
        try:
            account = self._authorise(endpoint, params)
            self.calls.append((endpoint, {k: v for k, v in params.items()
                                          if k not in ("loginId", "password")}))
            handler = HANDLERS.get(endpoint)
            if handler is None:
                raise ApiError(f"Invalid API endpoint /{endpoint}/")
            message = handler(self, account, params)
        except ApiError as exc:
            return JSONResponse({"result": "ERROR", "message": str(exc)})
        if self.lose_answers[endpoint] > 0:
            self.lose_answers[endpoint] -= 1
            return HTMLResponse("<html><body>504 Gateway Time-out</body></html>", status_code=504)
        return JSONResponse({"result": "SUCCESS", "message": message})

    def _authorise(self, endpoint: str, params: dict[str, str]) -> Account:
        account = self.accounts.get(params.get("loginId", ""))
        if account is None or account.password != params.get("password"):
            raise ApiError("Invalid login credentials")
        if not account.ip_whitelisted:
            raise ApiError("IP address 127.0.0.1 is not whitelisted for this API user")
        if account.endpoints is not None and endpoint not in account.endpoints:
            raise ApiError(f"API user does not have permission to access /{endpoint}/")
        return account

    # ------------------------------------------------------------------ shared validation

    def _paging(self, params: dict[str, str]) -> tuple[int, int]:
        try:
            per_page = int(params.get("resultsPerPage", DEFAULT_PAGE))
            page = int(params.get("page", 1))
        except ValueError:
            raise ApiError("resultsPerPage and page must be integers") from None
        if per_page < 1 or per_page > MAX_PAGE:
            raise ApiError(f"resultsPerPage must be between 1 and {MAX_PAGE}")
        if page < 1:
            raise ApiError("page must be 1 or more")
        return per_page, page

    def _dates(self, params: dict[str, str], *, required: bool) -> tuple[datetime, datetime] | None:
        start, end = params.get("startDate"), params.get("endDate")
        if not start and not end:
            if required:
                raise ApiError("startDate and endDate are required")
            return None
        if not start or not end:
            raise ApiError("startDate and endDate are required")
        first = _parse_query_date(start, "startDate")
        last = _parse_query_date(end, "endDate")
        if len(end) <= 10:
            last = last + timedelta(days=1) - timedelta(seconds=1)  # a bare end date is inclusive
        return first, last

    def _query(self, records: list[dict[str, Any]], params: dict[str, str], noun: str, *,
               id_filters: tuple[str, ...], date_keys: dict[str, str]) -> dict[str, Any]:
        per_page, page = self._paging(params)
        window = self._dates(params, required=not any(params.get(k) for k in id_filters))
        if window is not None:
            range_type = params.get("dateRangeType", "dateCreated")
            if range_type not in date_keys:
                raise ApiError(f"Invalid dateRangeType {range_type}")
            key = date_keys[range_type]
            records = [r for r in records if window[0] <= datetime.strptime(r[key], STAMP) <= window[1]]
        records = sorted(records, key=lambda r: (r.get("dateCreated", ""), _id_key(r)),
                         reverse=params.get("sortDir") == "1")
        chunk = records[(page - 1) * per_page: page * per_page]
        if not chunk:
            raise ApiError(f"No {noun} matching those parameters could be found")
        return {"totalResults": len(records), "resultsPerPage": per_page, "page": str(page),
                "data": [public(r) for r in chunk]}

    def _mine(self, table: dict[str, dict[str, Any]], account: Account) -> list[dict[str, Any]]:
        return [r for r in table.values() if r["_brand"] == account.brand]

    def _customer(self, account: Account, customer_id: str | None) -> dict[str, Any]:
        customer = self.customers.get(customer_id or "")
        if customer is None or customer["_brand"] != account.brand:
            raise ApiError("Customer could not be found")
        return customer

    def _order(self, account: Account, order_id: str | None) -> dict[str, Any]:
        order = self.orders.get(order_id or "")
        if order is None or order["_brand"] != account.brand:
            raise ApiError("Order could not be found")
        return order

    # ------------------------------------------------------------------ customers

    def customer_query(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        records = self._mine(self.customers, account)
        phone = params.get("phoneNumber")
        if phone is not None and not _PHONE.match(phone):
            raise ApiError("phoneNumber may contain only digits and dashes (max 20)")
        records = _filter(records, params, exact=("customerId", "postalCode"),
                          folded=("emailAddress", "firstName", "lastName"))
        if phone:
            records = [r for r in records if digits(r.get("phoneNumber")) == digits(phone)]
        return self._query(records, params, "customers", id_filters=("customerId",),
                           date_keys={"dateCreated": "dateCreated", "dateUpdated": "dateUpdated",
                                      "mostRecentActivity": "dateUpdated"})

    def customer_history(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        customer = self._customer(account, params.get("customerId"))
        entries = [e for e in self.history if e["customerId"] == customer["customerId"]]
        return self._query(entries, params, "history", id_filters=("customerId",),
                           date_keys={"dateCreated": "dateCreated"})

    def customer_addnote(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        customer = self._customer(account, params.get("customerId"))
        message = (params.get("message") or "").strip()
        if not message:
            raise ApiError("message is required")
        self._add_history(customer["customerId"], account.brand, message, self.now().strftime(STAMP))
        return {"customerId": customer["customerId"]}

    def customer_update(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        customer = self._customer(account, params.get("customerId"))
        for key in (*_BILLING, *_SHIPPING, "custom1", "custom2", "custom3", "custom4", "custom5"):
            if key in params:
                customer[key] = "" if params[key] == "NULL" else params[key]
        customer["dateUpdated"] = self.now().strftime(STAMP)
        return {"customerId": customer["customerId"]}

    # ------------------------------------------------------------------ orders

    def order_query(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        status = params.get("orderStatus")
        if status and status not in ORDER_STATUSES:
            raise ApiError(f"Invalid orderStatus {status}")
        records = _filter(self._mine(self.orders, account), params,
                          exact=("orderId", "customerId", "orderStatus", "campaignId"),
                          folded=("emailAddress",))
        if params.get("phoneNumber"):
            records = [r for r in records if digits(r.get("phoneNumber")) == digits(params["phoneNumber"])]
        return self._query(records, params, "orders", id_filters=("orderId", "customerId"),
                           date_keys={"dateCreated": "dateCreated", "dateUpdated": "dateUpdated"})

    def order_update(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        order = self._order(account, params.get("orderId"))
        for key in (*_BILLING, *_SHIPPING):
            if key in params:
                order[key] = "" if params[key] == "NULL" else params[key]
        order["dateUpdated"] = self.now().strftime(STAMP)
        return {"orderId": order["orderId"]}

    def order_refund(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        order = self._order(account, params.get("orderId"))
        full = _flag(params, "fullRefund")
        sale = next((t for t in self.transactions.values() if t["orderId"] == order["orderId"]
                     and t["txnType"] in ("SALE", "CAPTURE") and t["responseType"] == "SUCCESS"), None)
        if sale is None:
            raise ApiError("Order has no successful sale to refund")
        remaining = Decimal(sale["totalAmount"]) - Decimal(sale["amountRefunded"])
        if remaining <= 0:
            raise ApiError("Order has already been fully refunded")
        if full:
            amount = remaining
        else:
            amount = _amount(params, "refundAmount", required=True)
            if amount <= 0:
                raise ApiError("refundAmount must be greater than 0")
            if amount > remaining:
                raise ApiError(f"Refund amount exceeds the amount remaining ({money(remaining)})")
        return self._refund(order, sale, amount)

    def _refund(self, order: dict[str, Any], sale: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        stamp = self.now().strftime(STAMP)
        refund = self._add_txn(order, "REFUND", amount, stamp)
        refund["purchaseId"] = sale.get("purchaseId", "")
        sale["amountRefunded"] = money(Decimal(sale["amountRefunded"]) + amount)
        if Decimal(sale["amountRefunded"]) >= Decimal(sale["totalAmount"]):
            order["orderStatus"] = "REFUNDED"
        order["dateUpdated"] = stamp
        self.refunds_paid.append({"orderId": order["orderId"], "amount": money(amount),
                                  "transactionId": refund["transactionId"]})
        return {"orderId": order["orderId"], "refundAmount": money(amount)}

    def order_import(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        if not params.get("campaignId"):
            raise ApiError("campaignId is required")
        pay_source = params.get("paySource", "")
        if pay_source not in PAY_SOURCES:
            raise ApiError(f"Invalid paySource {pay_source}")
        if pay_source == "ACCTONFILE":
            customer = self._customer(account, params.get("customerId"))
        elif pay_source == "CREDITCARD" and not params.get("cardNumber"):
            raise ApiError("cardNumber is required for paySource CREDITCARD")
        else:
            missing = [k for k in ("firstName", "lastName", "emailAddress") if not params.get(k)]
            if missing:
                raise ApiError(f"{missing[0]} is required")
            customer = self.add_customer(account.brand, **{k: params[k] for k in _BILLING if k in params})
        lines, shipping = self._import_lines(account, params)
        ship_to = {key: params[key] for key in _SHIPPING if key in params}
        order = self.add_order(customer["customerId"], [(p, q) for p, q, _ in lines],
                               campaign_id=params["campaignId"], shipping=money(shipping),
                               prices=[price for _, _, price in lines])
        order.update(ship_to)
        self.imports.append(order["orderId"])
        return {"orderId": order["orderId"], "customerId": customer["customerId"],
                "totalAmount": order["totalAmount"], "orderStatus": order["orderStatus"]}

    def leads_import(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        """A lead: the customer (new, or the one ``orderId`` names) and a PARTIAL order with no
        items, which the funnel's checkout page completes with ``/order/import/``."""
        if not params.get("campaignId"):
            raise ApiError("campaignId is required")
        if not any(params.get(k) for k in ("firstName", "lastName", "emailAddress", "phoneNumber")):
            raise ApiError("firstName, lastName, emailAddress or phoneNumber is required")
        if params.get("phoneNumber") and not re.fullmatch(r"[\d-]{1,20}", params["phoneNumber"]):
            raise ApiError("phoneNumber must be digits and dashes, at most 20")
        fields = {k: params[k] for k in (*_BILLING, *_SHIPPING, "custom1", "custom2", "custom3", "custom4",
                                         "custom5", "affId") if params.get(k)}
        if params.get("orderId"):  # the lead page calls again as the form fills in
            order = self._order(account, params["orderId"])
            order.update(fields)
            self.customers[order["customerId"]].update(fields)
            return {"orderId": order["orderId"], "customerId": order["customerId"]}
        customer = self.add_customer(account.brand, **fields)
        order = self.add_order(customer["customerId"], [], status="PARTIAL", campaign_id=params["campaignId"])
        order.update(fields)
        self.leads.append(order["orderId"])
        return {"orderId": order["orderId"], "customerId": customer["customerId"]}

    def _import_lines(self, account: Account, params: dict[str, str]
                      ) -> tuple[list[tuple[Product, int, Decimal]], Decimal]:
        lines: list[tuple[Product, int, Decimal]] = []
        shipping = Decimal(0)
        index = 1
        while f"product{index}_id" in params:
            product = self.products.get(params[f"product{index}_id"])
            if product is None or product.brand != account.brand:
                raise ApiError(f"Invalid product{index}_id")
            try:
                quantity = int(params.get(f"product{index}_qty", "1"))
            except ValueError:
                raise ApiError(f"product{index}_qty must be an integer") from None
            if quantity < 1:
                raise ApiError(f"product{index}_qty must be 1 or more")
            price = _amount(params, f"product{index}_price") if f"product{index}_price" in params \
                else Decimal(product.price)
            shipping += _amount(params, f"product{index}_shipPrice") \
                if f"product{index}_shipPrice" in params else Decimal(0)
            if price < 0 or shipping < 0:
                raise ApiError(f"product{index} prices cannot be negative")
            lines.append((product, quantity, price))
            index += 1
        if not lines:
            raise ApiError("product1_id is required")
        return lines, shipping

    # ------------------------------------------------------------------ purchases

    def purchase_query(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        records = _filter(self._mine(self.purchases, account), params,
                          exact=("purchaseId", "orderId", "customerId", "status"), folded=("emailAddress",))
        if params.get("phoneNumber"):
            records = [r for r in records if digits(r.get("phoneNumber")) == digits(params["phoneNumber"])]
        return self._query(records, params, "purchases", id_filters=("purchaseId", "orderId", "customerId"),
                           date_keys={"dateCreated": "dateCreated", "dateUpdated": "dateUpdated"})

    def purchase_cancel(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        purchase = self.purchases.get(params.get("purchaseId", ""))
        if purchase is None or purchase["_brand"] != account.brand:
            raise ApiError("Purchase could not be found")
        reason = (params.get("cancelReason") or "").strip()
        if not reason:
            raise ApiError("cancelReason is required")
        if len(reason) > 100:
            raise ApiError("cancelReason must be 100 characters or less")
        if purchase["status"] == "CANCELLED":
            raise ApiError("Purchase is already cancelled")
        stamp = self.now().strftime(STAMP)
        purchase["cancelReason"], purchase["dateUpdated"] = reason, stamp
        if _flag(params, "afterNextBill"):
            purchase["cancelAfterNextBill"] = "1"
        else:
            purchase["status"], purchase["dateCancelled"] = "CANCELLED", stamp
        if _flag(params, "fullRefund"):
            order = self.orders[purchase["orderId"]]
            sale = next((t for t in self.transactions.values()
                         if t["orderId"] == order["orderId"] and t["txnType"] == "SALE"), None)
            if sale is not None and Decimal(sale["totalAmount"]) > Decimal(sale["amountRefunded"]):
                self._refund(order, sale, Decimal(sale["totalAmount"]) - Decimal(sale["amountRefunded"]))
        self.cancels.append({"purchaseId": purchase["purchaseId"], "cancelReason": reason})
        return {"purchaseId": purchase["purchaseId"], "status": purchase["status"]}

    # ------------------------------------------------------------------ transactions, fulfilment

    def transactions_query(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        txn_type = params.get("txnType")
        if txn_type and txn_type not in TXN_TYPES:
            raise ApiError(f"Invalid txnType {txn_type}")
        records = _filter(self._mine(self.transactions, account), params,
                          exact=("transactionId", "customerId", "orderId", "purchaseId", "txnType",
                                 "responseType", "isChargedback"), folded=())
        return self._query(records, params, "transactions",
                           id_filters=("transactionId", "customerId", "orderId", "purchaseId"),
                           date_keys={"dateCreated": "txnDate", "dateUpdated": "txnDate"})

    def fulfillment_update(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        order = self._order(account, params.get("orderId"))
        status = params.get("fulfillmentStatus", "")
        if status not in FULFILLMENT_STATUSES:
            raise ApiError(f"Invalid fulfillmentStatus {status}")
        if status == "SHIPPED":
            if not params.get("trackingNumber") or not params.get("dateShipped"):
                raise ApiError("trackingNumber and dateShipped are required when SHIPPED")
            shipped = _parse_query_date(params["dateShipped"], "dateShipped").date()
            self.ship_order(order["orderId"], params["trackingNumber"], shipped,
                            params.get("shipCarrier", "USPS"))
        else:
            for entry in order["fulfillments"] or [{}]:
                entry["status"] = status
            order["fulfillments"] = order["fulfillments"] or [{"status": status}]
        return {"orderId": order["orderId"]}


HANDLERS: dict[str, Callable[[KonnektiveEmulator, Account, dict[str, str]], Any]] = {
    "customer/query": KonnektiveEmulator.customer_query,
    "customer/history": KonnektiveEmulator.customer_history,
    "customer/addnote": KonnektiveEmulator.customer_addnote,
    "customer/update": KonnektiveEmulator.customer_update,
    "order/query": KonnektiveEmulator.order_query,
    "order/update": KonnektiveEmulator.order_update,
    "order/refund": KonnektiveEmulator.order_refund,
    "order/import": KonnektiveEmulator.order_import,
    "leads/import": KonnektiveEmulator.leads_import,
    "purchase/query": KonnektiveEmulator.purchase_query,
    "purchase/cancel": KonnektiveEmulator.purchase_cancel,
    "transactions/query": KonnektiveEmulator.transactions_query,
    "fulfillment/update": KonnektiveEmulator.fulfillment_update,
}


def _id_key(record: dict[str, Any]) -> str:
    for key in ("orderId", "transactionId", "purchaseId", "customerId", "historyId"):
        if key in record:
            return str(record[key]).rjust(30, "0")
    return ""


def _filter(records: list[dict[str, Any]], params: dict[str, str], *, exact: tuple[str, ...],
            folded: tuple[str, ...]) -> list[dict[str, Any]]:
    for key in exact:
        if params.get(key):
            records = [r for r in records if str(r.get(key, "")) == params[key]]
    for key in folded:
        if params.get(key):
            records = [r for r in records if str(r.get(key, "")).lower() == params[key].strip().lower()]
    return records


def _flag(params: dict[str, str], key: str) -> bool:
    value = params.get(key, "0")
    if value not in ("0", "1"):
        raise ApiError(f"{key} must be 0 or 1")
    return value == "1"


def _amount(params: dict[str, str], key: str, *, required: bool = False) -> Decimal:
    raw = params.get(key)
    if raw is None or raw == "":
        if required:
            raise ApiError(f"{key} is required")
        return Decimal(0)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ApiError(f"{key} must be a number") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ApiError(f"{key} must be a number with at most 2 decimals")
    return value


def _parse_query_date(value: str, key: str) -> datetime:
    for fmt in ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ApiError(f"{key} must be in m/d/Y format")


def error_body(status: int) -> Response:
    """What injected faults look like: the envelope on 429, a proxy's HTML page on 5xx."""
    if status == 429:
        return JSONResponse({"result": "ERROR", "message": "Too many requests"}, status_code=429)
    return HTMLResponse(f"<html><body><h1>{status}</h1>Service unavailable</body></html>", status_code=status)


def create_app(seed: Seed | None = None, *, faults: Faults | None = None,
               rate_limit: tuple[int, float] | None = None, timezone: str = "UTC") -> Starlette:
    """The emulator app; ``rate_limit=(requests, seconds)`` turns on a server-side window."""
    emulator = KonnektiveEmulator(timezone=timezone)
    if seed is not None:
        emulator.load(seed)
    if rate_limit is not None:
        emulator.window = FixedWindow(*rate_limit)
    routes = [
        Route("/{section}/{action}/", emulator.handle, methods=["GET", "POST"]),
        Route("/{section}/{action}", emulator.handle, methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    app.state.faults = faults or Faults()
    app.add_middleware(FaultMiddleware, faults=app.state.faults, error_body=error_body)
    return app


# ---------------------------------------------------------------------- seed data

BRAND_CATALOG: dict[str, list[tuple[str, str, str, bool]]] = {
    "Ava Jane's Kitchen": [("AJK-SPICE", "Seasoning Sampler", "29.95", False),
                           ("AJK-BROTH", "Bone Broth Club", "39.00", True)],
    "Bright Naturals": [("BN-VITC", "Vitamin C Serum", "24.50", False),
                        ("BN-COLL", "Collagen Monthly", "44.95", True)],
    "Earth Echo": [("EE-BEET", "Beet Flow", "49.95", False), ("EE-GREENS", "Greens Monthly", "54.00", True)],
    "Mesa Cookware": [("MC-SKILLET", "Cast Iron Skillet 12in", "89.00", False),
                      ("MC-OIL", "Seasoning Oil Refill", "14.99", True)],
    "PaleoHacks": [("PH-COOKBOOK", "Paleo Cookbook", "19.99", False),
                   ("PH-SNACK", "Snack Box Subscription", "34.95", True)],
    "Paleo Plan": [("PP-PLAN", "Meal Plan Membership", "9.99", True),
                   ("PP-GUIDE", "Starter Guide", "12.00", False)],
    "PhysioTru": [("PT-MOVE", "Mobility Program", "97.00", False),
                  ("PT-COACH", "Coaching Monthly", "29.00", True)],
}
FIRST = ("Ava", "Liam", "Mia", "Noah", "Zoe", "Ethan", "Ivy", "Lucas", "Ruby", "Owen", "Nora", "Eli")
LAST = ("Hart", "Rivera", "Nguyen", "Patel", "Brooks", "Kim", "Lopez", "Reed", "Shaw", "Young")
STREETS = ("Oak St", "Maple Ave", "Cedar Ln", "Pine Rd", "Elm Ct", "Birch Way")
CITIES = (("Austin", "TX", "78701", "512"), ("Denver", "CO", "80202", "303"),
          ("Portland", "OR", "97201", "503"), ("Tampa", "FL", "33602", "813"))


def brand_slug(brand: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", brand.lower().replace("'", "")).strip("_")


def brand_credentials(brand: str) -> tuple[str, str]:
    """The seeded API user of a brand (sandbox only)."""
    slug = brand_slug(brand)
    return f"api_{slug}"[:32], f"pw-{slug}-sandbox"[:32]


def build_seed(seed: int = 7, customers_per_brand: int = 5, *,
               brands: tuple[str, ...] = tuple(BRAND_CATALOG)) -> Seed:
    """Deterministic data for the brands: customers, orders (shipped or not), subscriptions."""
    rng = random.Random(seed)
    emulator = KonnektiveEmulator()
    start = datetime(2025, 1, 6, 9, 0, 0)
    for brand in brands:
        emulator.add_account(*brand_credentials(brand), brand)
        products = [emulator.add_product(brand, name, sku, price, recurring=recurring)
                    for sku, name, price, recurring in BRAND_CATALOG[brand]]
        for number in range(customers_per_brand):
            _seed_customer(emulator, rng, brand, number, products, start)
    return emulator.export()


def _seed_customer(emulator: KonnektiveEmulator, rng: random.Random, brand: str, number: int,
                   products: list[Product], start: datetime, person: Person | None = None) -> None:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, postal, area = rng.choice(CITIES)
    street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
    phone = f"{area}-555-{rng.randint(100, 199):04d}"
    email = f"{first}.{last}.{brand_slug(brand)}{number}@example.com".lower()
    if person is not None:  # the sandbox world's person: same name, email and phone everywhere
        first, last, email = person.first_name, person.last_name, person.email
        phone = f"{person.phone[2:5]}-{person.phone[5:8]}-{person.phone[8:]}"
    created = start + timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 600))
    fields = {"firstName": first, "lastName": last, "emailAddress": email, "phoneNumber": phone,
              "address1": street, "city": city, "state": state, "postalCode": postal, "country": "US",
              "shipFirstName": first, "shipLastName": last, "shipAddress1": street, "shipCity": city,
              "shipState": state, "shipPostalCode": postal, "shipCountry": "US"}
    customer = emulator.add_customer(brand, created=created, **fields)
    one_off = [p for p in products if not p.recurring]
    recurring = [p for p in products if p.recurring]
    for index in range(rng.randint(1, 4)):
        when = created + timedelta(days=index * rng.randint(5, 40), hours=rng.randint(0, 8))
        product = rng.choice(one_off)
        subscribe = index == 0 and recurring and rng.random() < 0.5
        lines = [(product, rng.randint(1, 2))] + ([(recurring[0], 1)] if subscribe else [])
        order = emulator.add_order(customer["customerId"], lines, created=when,
                                   shipping=rng.choice(("0.00", "5.95", "7.50")),
                                   purchase_for=recurring[0] if subscribe else None)
        if rng.random() < 0.6:  # most orders have shipped, some have not yet
            emulator.ship_order(order["orderId"], f"9400{rng.randint(10**15, 10**16 - 1)}",
                                (when + timedelta(days=rng.randint(1, 3))).date())


def seed_from_world(world: SandboxWorld) -> Seed:
    """The world's Konnektive brands, with its people as customers and their orders."""
    rng = random.Random(world.seed * 37 + 11)
    emulator = KonnektiveEmulator()
    start = (world.now - timedelta(days=400)).replace(tzinfo=None)
    for brand in world.brands_on("konnektive"):
        emulator.add_account(*brand_credentials(brand), brand)
        products = [emulator.add_product(brand, name, sku, price, recurring=recurring)
                    for sku, name, price, recurring in BRAND_CATALOG[brand]]
        for number, person in enumerate(p for p in world.people_on("konnektive") if p.brand == brand):
            _seed_customer(emulator, rng, brand, number, products, start, person)
    return emulator.export()


def sandbox_stores(seed: Seed, base_url: str) -> dict[str, dict[str, Any]]:
    """``[plugins.konnektive.stores]`` entries matching the seeded API users, each with its
    campaign, its funnel's checkout page and its catalogue (SKU -> product id)."""
    return {brand_slug(account.brand): {"brand": account.brand, "base_url": base_url,
                                        "login_id": account.login_id, "password": account.password,
                                        "campaign_id": "1",
                                        "checkout_url": "https://checkout."
                                        f"{brand_slug(account.brand).replace('_', '-')}.example/checkout",
                                        "sku_product_ids": {p.sku: p.product_id for p in seed.products
                                                            if p.brand == account.brand}}
            for account in seed.accounts}


def main() -> None:
    parser = argparse.ArgumentParser(description="Konnektive CRM API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=5, help="customers per brand")
    args = parser.parse_args()
    run_forever(create_app(build_seed(args.seed, args.customers)), args.host, args.port)


if __name__ == "__main__":
    main()
