"""What the hooks do on one Konnektive account (store): reads, and writes guarded by reads.

Konnektive has no idempotency keys. Every write that must not happen twice (refund, replacement
order) is bracketed by markers the plugin writes into the customer's notes, which the CRM
keeps (``/customer/addnote/``, read back through ``/customer/history/``)::

    [hub refund intent] key=<idempotency key> order=<orderId> amount=12.50
    ... /order/refund/ ...
    [hub refund done] key=<idempotency key> order=<orderId> txn=<transactionId> amount=12.50

Recognition rule, applied before every refund (see ``refund``):
1. a ``done`` marker with this key: the refund was made; it is returned, nothing is paid;
2. an ``intent`` marker with this key but no ``done`` (a crash or timeout after asking for the
   refund): a successful REFUND transaction on the order for exactly the intended amount that
   no other ``done`` marker claims is this refund; it is claimed and returned, nothing is paid;
3. otherwise the refund never happened: the balance is checked (never above what is left) and
   it is paid once, with a fresh ``intent`` marker written first.
A refund made by hand (no intent marker for the key) is never mistaken for ours, but it does
reduce the refundable balance, so a double payment beyond the order total is impossible.
Subscription cancels need no marker: the purchase's status says whether rebills are stopped.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from hub.core.doctor import Check, permissions_note, probe
from hub.core.errors import FatalError, MappingError, PlatformError, RetriableError
from hub.core.http import SlidingWindowLimiter
from hub.core.lookup import email_key, exact_matches, one_exact, order_number_key, phone_key
from hub.core.mapping import map_records
from hub.core.models import (
    Address,
    CheckoutLink,
    CheckoutLinkRequest,
    Customer,
    FinancialStatus,
    Money,
    Order,
    Refund,
    RefundLine,
    RefundRequest,
    ReplacementRequest,
    Subscription,
    SubscriptionStatus,
)
from hub.core.plugin import HubContext
from hub.core.sorting import PAGE_SIZE, SpillSort, chunks, sorted_pages
from plugins.konnektive import mapping
from plugins.konnektive.client import PLATFORM, KonnektiveClient
from plugins.konnektive.mapping import Marker, StoreView, text
from plugins.konnektive.settings import KonnektiveSettings, KonnektiveStoreSettings

log = logging.getLogger("hub.plugins.konnektive")

CANCEL_REASON_MAX = 100  # the API refuses longer cancelReason values
_UNPAID = frozenset({FinancialStatus.PENDING, FinancialStatus.DECLINED, FinancialStatus.VOIDED})


def marker_value(value: str) -> str:
    """How a value is written into a marker (no spaces), for comparisons too."""
    return value.strip().replace(" ", "_")


def cents(amount: Decimal) -> str:
    return f"{amount:.2f}"


KONNEKTIVE_ENDPOINTS = (
    "Access Details for customer/query, order/query, purchase/query, order/refund, purchase/cancel, "
    "customer/update, order/import, leads/import (checkout links)"
)
"""The endpoints the hub's flows call: an API user's permission list must grant each."""


class KonnektiveStore:
    """One brand's Konnektive account, as the hooks need it."""

    def __init__(self, client: KonnektiveClient, *, compute_summary: bool = False) -> None:
        self.client = client
        store = client.store
        self.view = StoreView(key=client.store_key, brand=store.brand, currency=store.currency,
                              zone=client.zone)
        self.compute_summary = compute_summary

    # ------------------------------------------------------------------ hub doctor

    async def check(self) -> list[Check]:
        """``/customer/query/`` for one id (an empty answer is fine), and the clock from it."""
        key = self.view.key
        rows, found = await probe(
            PLATFORM,
            key,
            lambda: self.client.query_by_id("customer/query", {"customerId": "0"}, limit=1),
            auth_fix=(
                f"set [plugins.konnektive.stores.{key}] login_id and password to an API user's "
                "(Admin > Users, access level Api User) and whitelist this host's IP for it"
            ),
            date=lambda: self.client.server_date,
            describe=lambda _: f"API user accepted for {self.view.brand}",
        )
        if found is not None:
            rows.append(permissions_note(PLATFORM, key, KONNEKTIVE_ENDPOINTS))
        return rows

    # ------------------------------------------------------------------ customers

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer | MappingError]:
        """The customers with this email (exact, any case) or phone, from ``/customer/query/``.

        Konnektive's customer record carries no lifetime figures (reference: customer fields), so
        they are left empty: the CS Assist summary works them out from the orders it lists
        (``hub.flows.summary.OrderTally``), one read of the orders and refunds serving both. With
        ``compute_customer_summary`` the look-up reads them here too (two more requests per
        customer), for a caller that wants the figures without the orders.
        """
        records: dict[str, Mapping[str, Any]] = {}
        if email:
            found = await self.client.query_all("customer/query", {"emailAddress": email})
            # Guard against a partial match: only the exact address (any case) is this person.
            for raw in exact_matches(found, email, lambda r: text(r, "emailAddress"), email_key):
                records.setdefault(str(raw.get("customerId")), raw)
        if phone:
            for raw in await self._customers_by_phone(phone):
                records.setdefault(str(raw.get("customerId")), raw)
        customers: list[Customer | MappingError] = []
        for raw in records.values():
            figures = None
            customer_id = text(raw, "customerId")  # without one, mapping names the field below
            if self.compute_summary and customer_id:
                figures = mapping.customer_figures(await self.all_orders(customer_id), self.view.currency)
            customers += map_records([raw], lambda r: mapping.customer(r, self.view, figures),  # noqa: B023
                                     platform=mapping.PLATFORM, record="customer", id_field="customerId")
        return customers

    async def _customers_by_phone(self, phone: str) -> list[Mapping[str, Any]]:
        wanted = phone_key(phone)
        if wanted is None:
            return []  # not a phone number: nothing can match it exactly
        for digits in mapping.digits_for_search(phone):
            found = await self.client.query_all("customer/query", {"phoneNumber": digits})
            matching = [
                raw for raw in found
                if phone_key(text(raw, "phoneNumber"), text(raw, "country")) == wanted
            ]
            if matching:
                return matching
        return []

    # ------------------------------------------------------------------ orders

    async def list_orders(self, customer_id: str) -> AsyncIterator[list[Order | MappingError]]:
        """A customer's orders with their refunds, newest first; unmappable ones as ``MappingError`` last.

        An order is mapped with its refunds, read after the orders: the orders wait in a spill
        (memory bounded, arrival order kept) until the refunds are in, then are sorted in
        bounded memory too (the query's order is not the hook's).
        """
        with SpillSort[dict[str, Any]](lambda _: 0) as raws:  # every key equal: arrival order kept
            async for page in self.client.query_pages("order/query", {"customerId": customer_id}):
                # customerId as an order filter is unconfirmed: never show another customer's orders.
                raws.add(raw for raw in page if text(raw, "customerId") == customer_id)
            txns = await self.client.query_all(
                "transactions/query", {"customerId": customer_id, "txnType": "REFUND"}
            )
            refunds = self._refunds_by_order(txns)

            def order_of(raw: dict[str, Any]) -> Order:
                return mapping.order(raw, self.view, refunds.get(str(raw.get("orderId")), []))

            async def mapped() -> AsyncIterator[list[Order | MappingError]]:
                for batch in chunks(raws.ordered(), PAGE_SIZE):
                    yield map_records(
                        batch, order_of, platform=mapping.PLATFORM, record="order", id_field="orderId"
                    )

            newest = sorted_pages(mapped(), key=lambda order: (order.created_at, order.id), reverse=True)
            async for page in newest:
                yield page

    async def all_orders(self, customer_id: str) -> list[Order | MappingError]:
        """Every page of ``list_orders`` in one list (the customer figures need them all)."""
        return [order async for page in self.list_orders(customer_id) for order in page]

    def _refunds_by_order(self, txns: list[dict[str, Any]]) -> dict[str, list[Refund]]:
        grouped: dict[str, list[Refund]] = defaultdict(list)
        for txn in txns:
            order_id = text(txn, "orderId")
            if order_id and mapping.is_successful_refund(txn):
                grouped[order_id].append(mapping.refund(txn, self.view, order_id))
        return grouped

    async def raw_order(self, order_id: str) -> dict[str, Any]:
        found = await self.client.query_by_id("order/query", {"orderId": order_id})
        return one_exact(found, order_id, lambda r: text(r, "orderId"), order_number_key,
                         platform=mapping.PLATFORM, what=f"order {order_id} in store {self.view.key}")

    async def refund_txns(self, order_id: str) -> list[dict[str, Any]]:
        txns = await self.client.query_all(
            "transactions/query", {"orderId": order_id, "txnType": "REFUND"}, date_range=False
        )
        return [t for t in txns if text(t, "orderId") == order_id and mapping.is_successful_refund(t)]

    async def get_order(self, order_id: str) -> Order:
        raw = await self.raw_order(order_id)
        txns = await self.refund_txns(order_id)
        return self._order(raw, txns)

    def _order(self, raw: Mapping[str, Any], txns: list[dict[str, Any]]) -> Order:
        order_id = str(raw.get("orderId"))
        return mapping.order(raw, self.view, [mapping.refund(t, self.view, order_id) for t in txns])

    # ------------------------------------------------------------------ subscriptions

    async def list_subscriptions(self, customer_id: str) -> list[Subscription | MappingError]:
        raws = await self.client.query_all("purchase/query", {"customerId": customer_id})
        mine = [raw for raw in raws if text(raw, "customerId") == customer_id]
        return map_records(mine, lambda raw: mapping.subscription(raw, self.view),
                           platform=mapping.PLATFORM, record="purchase", id_field="purchaseId")

    async def _raw_purchase(self, purchase_id: str) -> dict[str, Any]:
        found = await self.client.query_by_id("purchase/query", {"purchaseId": purchase_id})
        return one_exact(found, purchase_id, lambda r: text(r, "purchaseId"), order_number_key,
                         platform=mapping.PLATFORM, what=f"purchase {purchase_id} in store {self.view.key}")

    async def cancel_subscription(self, purchase_id: str, reason: str, key: str) -> Subscription:
        """Stop rebills now; a purchase already stopped is returned as it is (read first)."""
        raw = await self._raw_purchase(purchase_id)
        if mapping.subscription_status(raw) in (SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED):
            return mapping.subscription(raw, self.view)
        params = {
            "purchaseId": purchase_id,
            "cancelReason": cancel_reason(reason, key),
            "afterNextBill": 0,  # stop now, not after one more rebill
            "fullRefund": 0,  # refunds go through the refund hook, with its own checks
        }
        try:
            await self.client.call("purchase/cancel", params, repeatable=False)
        except FatalError:
            # Cancelled meanwhile (another worker, an agent)? Then the goal is reached.
            raw = await self._raw_purchase(purchase_id)
            if mapping.subscription_status(raw) is SubscriptionStatus.CANCELLED:
                return mapping.subscription(raw, self.view)
            raise
        return mapping.subscription(await self._raw_purchase(purchase_id), self.view)

    # ------------------------------------------------------------------ address

    async def change_shipping_address(self, order_id: str, new: Address) -> Order:
        raw = await self.raw_order(order_id)
        order = self._order(raw, [])
        if order.shipped:
            when = order.shipped_at.date().isoformat() if order.shipped_at else "already"
            raise FatalError(mapping.PLATFORM, f"order {order_id} has shipped ({when}); "
                             "its shipping address can no longer be changed", code="already_shipped")
        if order.financial_status in (FinancialStatus.VOIDED, FinancialStatus.DECLINED):
            raise FatalError(mapping.PLATFORM, f"order {order_id} is {order.financial_status.value}; "
                             "there is no shipment to redirect", code="not_shippable")
        # Setting the same values twice is harmless, so this write may be retried.
        await self.client.call("order/update", {"orderId": order_id, **ship_params(new)})
        updated = await self.get_order(order_id)
        # The field list of /order/update/ is unconfirmed: verify instead of trusting SUCCESS.
        if not same_place(updated.shipping_address, new):
            raise FatalError(mapping.PLATFORM, f"order {order_id}: the CRM accepted the address "
                             "change but the order still shows the old address", code="not_applied")
        return updated

    # ------------------------------------------------------------------ notes (markers)

    async def markers(self, customer_id: str, action: str, order_id: str) -> list[Marker]:
        history = await self.client.query_all("customer/history", {"customerId": customer_id},
                                              date_range=False)
        found = mapping.markers(mapping.note_texts(history))
        return [m for m in found if m.action == action and m.fields.get("order") == order_id]

    async def add_note(self, customer_id: str, message: str) -> None:
        await self.client.call("customer/addnote", {"customerId": customer_id, "message": message},
                               repeatable=False)

    async def _add_done_note(self, customer_id: str, message: str) -> None:
        # The money has moved; a lost "done" note is recovered by rule 2 on the next try.
        try:
            await self.add_note(customer_id, message)
        except PlatformError as exc:
            log.warning("konnektive: could not record a done marker: %s", exc)

    # ------------------------------------------------------------------ refunds

    async def refund_order(self, request: RefundRequest) -> Refund:
        order_id = request.order.id
        raw = await self.raw_order(order_id)
        customer_id = mapping.required_text(raw, "order", "customerId")
        txns = await self.refund_txns(order_id)
        order = self._order(raw, txns)
        key = marker_value(request.idempotency_key)
        marks = [m for m in await self.markers(customer_id, "refund", order_id) if m.fields.get("key") == key]
        recognised = await self._recognise_refund(customer_id, order_id, key, marks, txns, request)
        if recognised is not None:
            return recognised
        amount = self._amount_to_refund(request, order)
        await self.add_note(customer_id, mapping.marker_text(
            "refund", "intent", key=key, order=order_id, amount=cents(amount), reason=request.reason.value))
        params: dict[str, Any] = {"orderId": order_id}
        if amount == order.total.amount and not txns:
            params["fullRefund"] = 1
        else:
            params.update(fullRefund=0, refundAmount=cents(amount))
        answer = await self.client.call("order/refund", params, repeatable=False)
        txn_id, txn = await self._new_refund_txn(order_id, {str(t.get("transactionId")) for t in txns},
                                                 amount, answer)
        await self._add_done_note(customer_id, mapping.marker_text(
            "refund", "done", key=key, order=order_id, txn=txn_id, amount=cents(amount),
            reason=request.reason.value))
        if txn is not None:
            return mapping.refund(txn, self.view, order_id, reason=request.reason.value, note=request.note)
        return self._refund_record(txn_id, order_id, amount, request)

    async def _recognise_refund(self, customer_id: str, order_id: str, key: str, marks: list[Marker],
                                txns: list[dict[str, Any]], request: RefundRequest) -> Refund | None:
        by_id = {str(t.get("transactionId")): t for t in txns}
        for mark in marks:
            if mark.state == "done":
                txn = by_id.get(mark.fields.get("txn", ""))
                if txn is not None:
                    return mapping.refund(txn, self.view, order_id, reason=request.reason.value,
                                          note=request.note)
                amount = Decimal(mark.fields.get("amount", "0"))
                return self._refund_record(mark.fields.get("txn", "?"), order_id, amount, request)
        intended = {Decimal(m.fields["amount"]) for m in marks
                    if m.state == "intent" and "amount" in m.fields}
        if not intended:
            return None
        claimed = {m.fields.get("txn") for m in await self.markers(customer_id, "refund", order_id)
                   if m.state == "done"}
        for txn_id, txn in by_id.items():
            amount = abs(mapping.decimal_of(txn.get("totalAmount"), "transaction", "totalAmount"))
            if txn_id not in claimed and amount in intended:
                await self._add_done_note(customer_id, mapping.marker_text(
                    "refund", "done", key=key, order=order_id, txn=txn_id, amount=cents(amount),
                    reason=request.reason.value))
                return mapping.refund(txn, self.view, order_id, reason=request.reason.value,
                                      note=request.note)
        return None

    def _amount_to_refund(self, request: RefundRequest, order: Order) -> Decimal:
        if order.financial_status in _UNPAID:
            raise FatalError(mapping.PLATFORM, f"order {order.id} is {order.financial_status.value}: "
                             "nothing was paid, nothing can be refunded", code="not_paid")
        refundable = order.refundable.amount
        if request.amount is not None:
            if request.amount.currency != order.total.currency:
                raise FatalError(mapping.PLATFORM, f"refund in {request.amount.currency} on an order "
                                 f"in {order.total.currency}", code="currency")
            amount = request.amount.amount
        elif request.lines:
            amount = lines_amount(order, request.lines)
        else:
            amount = refundable
        if amount != amount.quantize(Decimal("0.01")):
            raise FatalError(mapping.PLATFORM, f"refund amount {amount} has more than 2 decimals",
                             code="amount")
        if refundable <= 0:
            raise FatalError(mapping.PLATFORM, f"order {order.id} is already fully refunded",
                             code="nothing_refundable")
        if amount > refundable:
            raise FatalError(mapping.PLATFORM, f"refund of {cents(amount)} is above the refundable "
                             f"balance {cents(refundable)} of order {order.id}", code="above_balance")
        return amount

    async def _new_refund_txn(self, order_id: str, before: set[str], amount: Decimal,
                              answer: Any) -> tuple[str, dict[str, Any] | None]:
        """The REFUND transaction the call created (the refund answer's shape is unconfirmed)."""
        answered = text(answer, "transactionId") if isinstance(answer, Mapping) else None
        for txn in await self.refund_txns(order_id):
            txn_id = str(txn.get("transactionId"))
            size = abs(mapping.decimal_of(txn.get("totalAmount"), "transaction", "totalAmount"))
            if txn_id == answered or (answered is None and txn_id not in before and size == amount):
                return txn_id, txn
        if answered is not None:
            return answered, None
        # Paid but not visible yet: retrying later is right, and rule 2 will recognise it then.
        raise RetriableError(mapping.PLATFORM, f"order {order_id}: refund accepted but no new REFUND "
                             "transaction is visible yet; the next try will recognise it", code="unseen")

    def _refund_record(self, txn_id: str, order_id: str, amount: Decimal, request: RefundRequest) -> Refund:
        return Refund(platform=mapping.PLATFORM, id=txn_id, store=self.view.key, order_id=order_id,
                      amount=Money(amount=amount, currency=self.view.currency),
                      reason=request.reason.value, note=request.note)

    # ------------------------------------------------------------------ replacement orders

    async def create_replacement_order(self, request: ReplacementRequest) -> Order:
        """A zero-priced copy of some items, guarded by markers like refunds (rules 1 to 3)."""
        order_id = request.order.id
        raw = await self.raw_order(order_id)
        customer_id = mapping.required_text(raw, "order", "customerId")
        key = marker_value(request.idempotency_key)
        marks = [m for m in await self.markers(customer_id, "replacement", order_id)
                 if m.fields.get("key") == key]
        products = replacement_products(raw, request.lines)
        existing = await self._recognise_replacement(customer_id, order_id, key, marks, products)
        if existing is not None:
            return existing
        params = replacement_params(raw, products, request.shipping_address, self.client.store.campaign_id)
        await self.add_note(customer_id, mapping.marker_text(
            "replacement", "intent", key=key, order=order_id, reason=marker_value(request.reason)[:60]))
        answer = await self.client.call("order/import", params, repeatable=False)
        new_id = text(answer, "orderId") if isinstance(answer, Mapping) else None
        if new_id is None:
            raise FatalError(mapping.PLATFORM, "order import answered without an orderId", code="no_id")
        await self._add_done_note(customer_id, mapping.marker_text(
            "replacement", "done", key=key, order=order_id, new=new_id))
        return await self.get_order(new_id)

    async def _recognise_replacement(self, customer_id: str, order_id: str, key: str,
                                     marks: list[Marker], products: list[tuple[str, int]]) -> Order | None:
        for mark in marks:
            if mark.state == "done" and mark.fields.get("new"):
                return await self.get_order(mark.fields["new"])
        if not any(mark.state == "intent" for mark in marks):
            return None
        claimed = {m.fields.get("new") for m in await self.markers(customer_id, "replacement", order_id)
                   if m.state == "done"} | {order_id}
        wanted = sorted(products)
        for raw in await self.client.query_all("order/query", {"customerId": customer_id}):
            candidate = str(raw.get("orderId"))
            if candidate in claimed or text(raw, "customerId") != customer_id:
                continue
            if mapping.decimal_of(raw.get("totalAmount"), "order", "totalAmount") == 0 and \
                    sorted(_products_of(raw)) == wanted:
                await self._add_done_note(customer_id, mapping.marker_text(
                    "replacement", "done", key=key, order=order_id, new=candidate))
                return await self.get_order(candidate)
        return None


    # ------------------------------------------------------------------ checkout links

    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        """The brand's checkout page with the cart and the customer in its query.

        Konnektive mints no checkout URL (reference §7), but its funnels are built on the API:
        a lead page imports the customer (``/leads/import/``: a partial order) and the checkout
        page completes that order (``/order/import/`` with its ``orderId``). So the hub does the
        lead page's part: every SKU is checked against the catalogue (``sku_product_ids``: an
        unknown SKU is refused, nothing sent), the lead is imported with the customer, the
        shipping address and the sales rep, the notes go on the customer's notes, and the link
        is ``checkout_url`` carrying ``orderId``, the products, the coupon, the rep and the
        customer (Konnektive's parameter names, which form-code pages read).
        """
        store = self.client.store
        campaign = store.checkout_campaign_id or store.campaign_id
        if not store.checkout_url or not campaign:
            raise FatalError(mapping.PLATFORM, f"store {self.client.store_key}: set checkout_url and "
                             "campaign_id to create checkout links", code="not_configured")
        products = checkout_products(request, store.sku_product_ids, self.client.store_key)
        customer = checkout_customer(request, store.sales_rep_param)
        order_id = customer_id = None
        if store.checkout_creates_lead:
            # Not repeatable (no idempotency key): the flow's ledger asks for one link per request.
            lead = await self.client.call("leads/import", {"campaignId": campaign, **customer},
                                          repeatable=False)
            order_id = text(lead, "orderId") if isinstance(lead, Mapping) else None
            customer_id = text(lead, "customerId") if isinstance(lead, Mapping) else None
            if order_id is None:
                raise FatalError(mapping.PLATFORM, "lead import answered without an orderId", code="no_id")
        if request.notes and customer_id:
            await self.add_note(customer_id, f"hub checkout link notes: {request.notes}")
        query = {**({"orderId": order_id} if order_id else {}), "campaignId": campaign, **products,
                 **customer}
        if request.discount_code:
            query["couponCode"] = request.discount_code
        query.update({f"meta_{key}": value for key, value in sorted(request.metadata.items())})
        separator = "&" if "?" in store.checkout_url else "?"
        url = f"{store.checkout_url}{separator}{urlencode(query)}"
        return CheckoutLink(platform=mapping.PLATFORM, store=self.client.store_key,
                            id=order_id or _link_id(url), url=url)


# ---------------------------------------------------------------------- request builders


def cancel_reason(reason: str, key: str) -> str:
    """``cancelReason`` (max 100) carrying the idempotency key, kept by the CRM on the purchase."""
    suffix = f" [hub:{key}]"
    room = CANCEL_REASON_MAX - len(suffix)
    if room < 10:
        return f"{reason}"[:CANCEL_REASON_MAX]
    return f"{reason.strip()[:room]}{suffix}"


def checkout_products(request: CheckoutLinkRequest, catalogue: Mapping[str, str],
                      store: str) -> dict[str, str]:
    """``product<n>_id`` / ``product<n>_qty`` of the cart; ``FatalError`` naming unknown SKUs."""
    unknown = [p.sku for p in request.products if not catalogue.get(p.sku)]
    if unknown:
        raise FatalError(mapping.PLATFORM, f"store {store} has no product with SKU {', '.join(unknown)} "
                         "(its catalogue is sku_product_ids)", field="products.sku", code="unknown_sku")
    params: dict[str, str] = {}
    for index, product in enumerate(request.products, start=1):
        params[f"product{index}_id"] = catalogue[product.sku]
        params[f"product{index}_qty"] = str(product.quantity)
    return params


def checkout_customer(request: CheckoutLinkRequest, rep_param: str) -> dict[str, str]:
    """The customer as lead-import (and checkout page) parameters: name, email, phone, address."""
    params = {
        "firstName": request.first_name,
        "lastName": request.last_name,
        "emailAddress": request.email,
        # The CRM keeps numbers as typed; digits only (its rule), the national number first.
        "phoneNumber": mapping.digits_for_search(request.phone)[0] if request.phone else None,
        rep_param: request.sales_rep,
    }
    if request.shipping_address is not None:
        address = request.shipping_address
        if not address.name and request.name:
            address = address.model_copy(update={"name": request.name})
        params.update(ship_params(address, blank=None))
        # The lead's own address is the shipping one: the checkout page asks for billing.
        params.update({"address1": address.line1, "address2": address.line2, "city": address.city,
                       "state": address.region, "postalCode": address.postal_code,
                       "country": address.country})
    return {key: value for key, value in params.items() if value}


def _link_id(url: str) -> str:
    """An id for a link with no lead behind it: the link's own digest."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def ship_params(new: Address, *, blank: str | None = "NULL") -> dict[str, str]:
    """Ship-to parameters; ``blank`` is what an empty field is sent as (None: left out)."""
    first, _, last = (new.name or "").strip().partition(" ")
    values = {
        "shipFirstName": first or None,
        "shipLastName": last or None,
        "shipCompanyName": new.company,
        "shipAddress1": new.line1,
        "shipAddress2": new.line2,
        "shipCity": new.city,
        "shipState": new.region,
        "shipPostalCode": new.postal_code,
        "shipCountry": new.country,
    }
    # On updates the literal NULL blanks a field; leaving it out would keep the old value.
    sent = {key: (value or blank) for key, value in values.items()}
    return {key: value for key, value in sent.items() if value is not None}


def same_place(current: Address | None, wanted: Address) -> bool:
    if current is None:
        return False
    def norm(value: str | None) -> str:
        return (value or "").strip().lower()
    return all(norm(getattr(current, f)) == norm(getattr(wanted, f))
               for f in ("line1", "line2", "city", "postal_code", "country"))


def lines_amount(order: Order, lines: tuple[RefundLine, ...]) -> Decimal:
    """Unit price times quantity of the refunded lines (shipping is not included)."""
    by_id = {item.id: item for item in order.line_items}
    total = Decimal(0)
    for line in lines:
        item = by_id.get(line.line_item_id)
        if item is None:
            raise FatalError(mapping.PLATFORM, f"order {order.id} has no item {line.line_item_id}",
                             code="unknown_item")
        if line.quantity > item.quantity:
            raise FatalError(mapping.PLATFORM, f"item {line.line_item_id}: {line.quantity} asked, "
                             f"{item.quantity} ordered", code="quantity")
        total += item.price.amount * line.quantity
    return total


def _products_of(raw: Mapping[str, Any]) -> list[tuple[str, int]]:
    return [(text(item, "productId") or "", int(Decimal(text(item, "qty") or "1")))
            for _, item in mapping.items_of(raw)]


def replacement_products(raw: Mapping[str, Any], lines: tuple[RefundLine, ...]) -> list[tuple[str, int]]:
    """``(productId, quantity)`` for each line, checked against the original order."""
    items = dict(mapping.items_of(raw))
    if not lines:
        raise FatalError(mapping.PLATFORM, "a replacement needs at least one line", code="no_lines")
    products = []
    for line in lines:
        item = items.get(line.line_item_id)
        if item is None:
            raise FatalError(mapping.PLATFORM, f"order {raw.get('orderId')} has no item "
                             f"{line.line_item_id}", code="unknown_item")
        ordered = int(Decimal(text(item, "qty") or "1"))
        if line.quantity > ordered:
            raise FatalError(mapping.PLATFORM, f"item {line.line_item_id}: {line.quantity} asked, "
                             f"{ordered} ordered", code="quantity")
        product_id = text(item, "productId")
        if product_id is None:
            raise MappingError(mapping.PLATFORM, "order item", "productId", "missing")
        products.append((product_id, line.quantity))
    return products


_BILLING = ("firstName", "lastName", "companyName", "address1", "address2", "city", "state",
            "postalCode", "country", "emailAddress", "phoneNumber")
_SHIPPING = ("shipFirstName", "shipLastName", "shipCompanyName", "shipAddress1", "shipAddress2",
             "shipCity", "shipState", "shipPostalCode", "shipCountry")


def replacement_params(raw: Mapping[str, Any], products: list[tuple[str, int]],
                       ship_to: Address | None, default_campaign: str | None) -> dict[str, Any]:
    campaign = text(raw, "campaignId") or default_campaign
    if campaign is None:
        raise FatalError(mapping.PLATFORM, f"order {raw.get('orderId')} names no campaignId and the "
                         "store has no campaign_id setting for replacements", code="no_campaign")
    params: dict[str, Any] = {
        "campaignId": campaign,
        "customerId": text(raw, "customerId"),
        # Re-use the customer's stored card: with every price at 0 nothing is charged
        # (how ACCTONFILE selects the customer is unconfirmed; customerId is the safest guess).
        "paySource": "ACCTONFILE",
    }
    params.update({key: value for key in _BILLING if (value := text(raw, key))})
    if ship_to is not None:
        params.update(ship_params(ship_to, blank=None))
    else:
        params.update({key: value for key in _SHIPPING if (value := text(raw, key))})
    for index, (product_id, quantity) in enumerate(products, start=1):
        params[f"product{index}_id"] = product_id
        params[f"product{index}_qty"] = quantity
        params[f"product{index}_price"] = "0.00"
        params[f"product{index}_shipPrice"] = "0.00"
    return params


def open_store(
    key: str, store: KonnektiveStoreSettings, settings: KonnektiveSettings, context: HubContext
) -> KonnektiveStore:
    """The store ``[plugins.konnektive.stores.<key>]`` with its client open."""
    # Each store is its own Konnektive account, so each gets its own gentle pace.
    limiter = context.rate_limiter(
        f"{PLATFORM}.{key}",
        settings.requests_per_window,
        settings.window_seconds,
        lambda: SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
    )
    client = KonnektiveClient(
        key,
        store,
        limiter=limiter,
        transport=context.transport_for(PLATFORM),
        results_per_page=settings.page_size,
        timeout=settings.timeout_seconds,
        policy=settings.retry_policy(),
    )
    return KonnektiveStore(client, compute_summary=settings.compute_customer_summary)
