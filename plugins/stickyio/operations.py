"""What the hooks do on one Sticky.io instance (one brand): reads, refunds, recurring, orders.

``plugin.py`` only routes a hook to the right ``StickyStore``; the platform logic (which v1 calls,
in what order, and how a repeated request is recognised) is here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from hub.core.doctor import Check, permissions_note, probe
from hub.core.errors import FatalError, IdempotencyConflict, MappingError, NotFoundError
from hub.core.lookup import is_person, one_exact, order_number_key
from hub.core.mapping import map_records
from hub.core.models import (
    Address,
    CheckoutLink,
    CheckoutLinkRequest,
    Customer,
    FinancialStatus,
    Order,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
    id_order,
)
from hub.core.plugin import HubContext
from hub.core.sorting import sorted_pages
from plugins.stickyio import mapping
from plugins.stickyio.client import PLATFORM, StickyioClient
from plugins.stickyio.mapping import StoreInfo
from plugins.stickyio.settings import StickyioSettings, StickyioStoreSettings

MAX_CHAIN = 100  # rebill chains are followed at most this far (guards a cyclic child_id)


STICKY_METHODS = (
    "the API account's methods order_view, order_find, customer_find, customer_view, order_refund, "
    "order_update, subscription_order_update, new_order_card_on_file, NewProspect and product_index "
    "(checkout links)"
)
"""The v1 methods the hub's flows call: the API account must be permitted each."""


class StickyStore:
    """One configured store: its client, its brand, and the hook operations on it."""

    def __init__(self, key: str, settings: StickyioStoreSettings, client: StickyioClient,
                 batch: int = 50) -> None:
        self.key, self.settings, self.client, self.batch = key, settings, client, batch
        self.info = StoreInfo(key=key, brand=settings.brand, currency=settings.currency,
                              timezone=settings.timezone)

    # ------------------------------------------------------------------ hub doctor

    async def check(self) -> list[Check]:
        """``validate_credentials`` with the store's API user, and the clock from the answer."""
        rows, answer = await probe(
            PLATFORM,
            self.key,
            self._validated,
            auth_fix=(
                f"set [plugins.stickyio.stores.{self.key}] username and password to an API account's "
                "(CRM: Admin > API Accounts)"
            ),
            date=lambda: self.client.server_date,
            describe=lambda _: f"API account accepted for {self.settings.brand}",
        )
        if answer is not None:
            rows.append(permissions_note(PLATFORM, self.key, STICKY_METHODS))
        return rows

    async def _validated(self) -> bool:
        await self.client.validate_credentials()
        return True

    # ------------------------------------------------------------------ reads

    async def order_body(self, order_id: str) -> dict[str, Any]:
        if not order_id.isdigit() or int(order_id) < 1:
            raise NotFoundError(PLATFORM, f"order {order_id!r} is not a Sticky.io order id")
        bodies = await self.client.order_view([order_id], self.batch)
        # order_view answers for the ids asked; still, act only on the body that says it is this one.
        return one_exact(bodies, order_id, lambda b: mapping.text(b.get("order_id")), order_number_key,
                         platform=PLATFORM, what=f"order {order_id} in store {self.key}")

    async def get_order(self, order_id: str) -> Order:
        return mapping.order(await self.order_body(order_id), self.info)

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer]:
        if email:
            criteria = {"email": email.strip()}
        elif phone:
            # customer_find by phone is unconfirmed; Sticky.io keeps what the funnel sent,
            # usually national digits, so search with those.
            criteria = {"phone": mapping.national_digits(phone)}
        else:
            return []
        bodies = await self.client.customer_find(criteria, self.settings.history_start)
        customers: list[Customer | MappingError] = []
        for body in bodies:
            if not _is_person(body, email, phone):
                continue  # a loose search hit: another person's record is never summarised
            customers += map_records([body], lambda b: mapping.customer(b, self.info),
                                     platform=mapping.PLATFORM, record="customer", id_field="customer_id")
        return customers

    async def list_orders(self, customer_id: str) -> AsyncIterator[list[Order | MappingError]]:
        """Newest first; an order that cannot be mapped is a ``MappingError`` (last).

        order_view answers in batches, in no promised order: sorted in bounded memory.
        """
        body = await self.client.customer_view(customer_id)

        async def mapped() -> AsyncIterator[list[Order | MappingError]]:
            async for bodies in self._customer_order_batches(body):
                yield map_records(bodies, lambda b: mapping.order(b, self.info),
                                  platform=mapping.PLATFORM, record="order", id_field="order_id")

        async for page in sorted_pages(mapped(), key=lambda o: (o.created_at, id_order(o.id)), reverse=True):
            yield page

    async def _customer_order_bodies(self, customer: dict[str, Any]) -> list[dict[str, Any]]:
        """Orders of a customer: order_find by its email (the documented criterion), then
        order_view in batches, keeping those of this customer id."""
        email, customer_id = _email_and_id(customer)
        if email is None:
            return []
        ids = await self.client.order_find_ids({"email": email}, self.settings.history_start)
        bodies = await self.client.order_view(ids, self.batch)
        return [b for b in bodies if customer_id is None or mapping.text(b.get("customer_id")) == customer_id]

    async def _customer_order_batches(self, customer: dict[str, Any]) -> AsyncIterator[list[dict[str, Any]]]:
        """``_customer_order_bodies``, one order_view batch at a time."""
        email, customer_id = _email_and_id(customer)
        if email is None:
            return
        ids = await self.client.order_find_ids({"email": email}, self.settings.history_start)
        async for bodies in self.client.order_view_batches(ids, self.batch):
            yield [
                b for b in bodies if customer_id is None or mapping.text(b.get("customer_id")) == customer_id
            ]

    async def list_subscriptions(self, customer_id: str) -> list[Subscription | MappingError]:
        customer = await self.client.customer_view(customer_id)
        bodies = await self._customer_order_bodies(customer)
        return map_records(mapping.chain_heads(bodies), lambda b: mapping.subscription(b, self.info),
                           platform=mapping.PLATFORM, record="subscription", id_field="order_id")

    # ------------------------------------------------------------------ notes

    async def add_note(self, order_id: str, note: str) -> None:
        """Employee note through order_update's keyed form (appends; never retried blindly)."""
        await self.client.call("order_update", {"order_id": {order_id: {"notes": note}}})

    # ------------------------------------------------------------------ refunds

    async def refund_order(self, request: RefundRequest) -> Refund:
        """Refund once per idempotency key.

        Sticky.io has no idempotency keys and ``order_refund`` has no reason field, so the hub
        writes notes on the order around the refund and reads them back first:

        1. ``[hub-refund key=K amount=A reason=R]`` (written after the refund succeeded): the
           refund under K is done; it is returned, nothing is paid.
        2. ``[hub-refund-pending key=K amount=A before=B]`` (written before calling
           ``order_refund``, B = amount refunded to date at that moment): a previous attempt
           crashed or timed out around the refund. If the order's refunded-to-date now reaches
           B + A, an equal refund went through after that note, so it is recorded as done and
           returned instead of being paid again; otherwise it never happened and is paid now.
        3. Neither: the amount is checked against the refundable balance, the pending note is
           written, then the refund is made, then the done note.
        """
        order_id = request.order.id
        body = await self.order_body(order_id)
        order = mapping.order(body, self.info)
        key = request.idempotency_key
        done = next((r for r in order.refunds if r.id == f"{order_id}:{key}"), None)
        if done is not None:
            return done
        amount = self._refund_amount(request, order)
        pending = mapping.pending_refund(body, key)
        if pending is not None:
            pending_amount, before = pending
            if pending_amount != amount:
                raise IdempotencyConflict(
                    f"refund key {key!r} was started on order {order_id} for {pending_amount}, "
                    f"now asked for {amount}")
            if mapping.refunded_to_date(body) >= before + amount:
                return await self._record_refund(order_id, key, amount, request)
        self._check_refundable(order, amount)
        if pending is None:
            await self.add_note(order_id, mapping.refund_pending_note(
                key, amount, mapping.refunded_to_date(body)))
        await self.client.call("order_refund", {
            "order_id": order_id,
            "amount": f"{amount:.2f}",
            "keep_recurring": 1,  # a refund never stops rebills by itself; cancel does that
        })
        return await self._record_refund(order_id, key, amount, request)

    def _refund_amount(self, request: RefundRequest, order: Order) -> Decimal:
        if request.amount is not None:
            if request.amount.currency != order.total.currency:
                raise FatalError(PLATFORM, f"refund in {request.amount.currency} on an order in "
                                           f"{order.total.currency}")
            return request.amount.amount
        if request.lines:
            by_id = {item.id: item for item in order.line_items}
            total = Decimal(0)
            for line in request.lines:
                item = by_id.get(line.line_item_id)
                if item is None:
                    raise FatalError(PLATFORM, f"order {order.id} has no line {line.line_item_id!r}")
                if line.quantity > item.quantity:
                    raise FatalError(PLATFORM, f"order {order.id} line {item.id} has only "
                                               f"{item.quantity} units, {line.quantity} asked")
                total += item.price.amount * line.quantity
            return total
        return order.refundable.amount

    def _check_refundable(self, order: Order, amount: Decimal) -> None:
        if order.financial_status in (FinancialStatus.DECLINED, FinancialStatus.PENDING,
                                      FinancialStatus.VOIDED):
            raise FatalError(PLATFORM, f"order {order.id} is {order.financial_status.value}: "
                                       "no payment to refund")
        if amount <= 0:
            raise FatalError(PLATFORM, f"order {order.id}: nothing left to refund")
        if amount > order.refundable.amount:
            raise FatalError(PLATFORM, f"order {order.id}: refund of {amount:.2f} is above the "
                                       f"refundable balance {order.refundable}")

    async def _record_refund(self, order_id: str, key: str, amount: Decimal,
                             request: RefundRequest) -> Refund:
        parts = [request.admin_reason, request.note,
                 f"disposition: {request.disposition.value}" if request.disposition else None]
        note = "; ".join(p for p in parts if p) or None
        await self.add_note(order_id, mapping.refund_done_note(key, amount, request.reason.value, note))
        refreshed = await self.get_order(order_id)
        for refund in refreshed.refunds:
            if refund.id == f"{order_id}:{key}":
                return refund
        raise FatalError(PLATFORM, f"order {order_id}: refund note for {key!r} not found after writing it")

    # ------------------------------------------------------------------ recurring

    async def cancel_subscription(self, order_id: str, reason: str, key: str) -> Subscription:
        body = await self._chain_head(await self.order_body(order_id))
        if not mapping.is_subscription_order(body):
            raise FatalError(PLATFORM, f"order {order_id} is not a subscription order")
        head_id = str(body["order_id"])
        if mapping.flag(body.get("is_recurring")):
            await self.client.call("order_update_recurring", {"order_id": head_id, "status": "stop"})
        if not mapping.has_marker(body, mapping.CANCEL_RE, key):
            await self.add_note(head_id, mapping.cancel_note(key, reason))
        return mapping.subscription(await self.order_body(head_id), self.info)

    async def _chain_head(self, body: dict[str, Any]) -> dict[str, Any]:
        """Follow ``child_id`` to the latest order of a rebill chain (the one that recurs)."""
        for _ in range(MAX_CHAIN):
            child = mapping.text(body.get("child_id"))
            if child in (None, "0"):
                return body
            body = await self.order_body(child.split(",")[-1].strip())
        return body

    # ------------------------------------------------------------------ address

    async def change_shipping_address(self, order_id: str, new: Address) -> Order:
        body = await self.order_body(order_id)
        if mapping.is_shipped(body, self.info):
            shipped = mapping.text(body.get("shipping_date")) or "a tracking number is set"
            raise FatalError(PLATFORM, f"order {order_id} has already shipped ({shipped}); "
                                       "its shipping address can no longer be changed")
        await self.client.call("order_update",
                               {"order_id": {order_id: mapping.address_update_fields(new)}})
        return await self.get_order(order_id)

    # ------------------------------------------------------------------ new orders

    async def create_replacement_order(self, request: ReplacementRequest) -> Order:
        original = await self.order_body(request.order.id)
        existing = await self._find_replacement(original, request.idempotency_key)
        if existing is not None:
            return existing
        offers = self._replacement_offers(original, request)
        body: dict[str, Any] = {
            "previousOrderId": request.order.id,
            "campaignId": self.settings.campaign_id,
            "shippingId": self.settings.shipping_id,
            "offers": offers,
            "notes": mapping.replacement_note(request.idempotency_key, request.order.id, request.reason),
        }
        if request.shipping_address is not None:
            body.update(mapping.address_update_fields(request.shipping_address, camel=True))
        # Never retried: a repeated new_order_card_on_file creates (and charges) a second order.
        created = await self.client.call("new_order_card_on_file", body)
        new_id = mapping.text(created.get("order_id"))
        if new_id is None:
            raise FatalError(PLATFORM, "new_order_card_on_file answered without an order_id")
        return await self.get_order(new_id)

    async def _find_replacement(self, original: dict[str, Any], key: str) -> Order | None:
        """A replacement made under ``key`` before (its note carries the key)."""
        email = mapping.text(original.get("email_address"))
        created = mapping.timestamp(original.get("time_stamp"), self.info, "order", "time_stamp")
        if email is None or created is None:
            return None
        start = mapping.local_date(created, self.info) - timedelta(days=1)
        ids = await self.client.order_find_ids({"email": email}, start)
        for body in await self.client.order_view(ids, self.batch):
            if mapping.has_marker(body, mapping.REPLACEMENT_RE, key):
                return mapping.order(body, self.info)
        return None

    def _replacement_offers(self, original: dict[str, Any], request: ReplacementRequest) -> list[dict]:
        missing = [name for name in ("campaign_id", "shipping_id", "replacement_offer_id",
                                     "replacement_billing_model_id")
                   if getattr(self.settings, name) is None]
        if missing:
            raise FatalError(PLATFORM, f"store {self.key}: set {', '.join(missing)} to create "
                                       "replacement orders")
        items = {item.id: item for item in mapping.line_items(original, self.info.currency)}
        offers = []
        for line in request.lines:
            item = items.get(line.line_item_id)
            if item is None:
                raise FatalError(PLATFORM, f"order {request.order.id} has no product {line.line_item_id!r}")
            if line.quantity > item.quantity:
                raise FatalError(PLATFORM, f"order {request.order.id} product {item.id} had "
                                           f"{item.quantity} units, {line.quantity} asked")
            offers.append({
                "offer_id": self.settings.replacement_offer_id,
                "product_id": item.id,
                "billing_model_id": self.settings.replacement_billing_model_id,
                "quantity": line.quantity,
                "price": "0.00",  # a replacement is not charged
            })
        if not offers:
            raise FatalError(PLATFORM, "a replacement needs at least one line")
        return offers

    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        """Sticky.io has no hosted checkout: create a prospect (the CRM's pre-sale record) and
        hand out the merchant's funnel URL carrying it, as the funnel's own first step would.

        Every SKU is checked against the store's catalogue first: it must be mapped to a
        product id (``sku_product_ids``: v1 has no SKU search) and ``product_index`` must know
        that product, with that SKU when it says one. An unknown SKU is refused, nothing sent.
        """
        if not self.settings.funnel_url or not self.settings.campaign_id:
            raise FatalError(PLATFORM, f"store {self.key}: set funnel_url and campaign_id to create "
                                       "checkout links")
        await self._check_catalogue([p.sku for p in request.products])
        body: dict[str, Any] = {
            "campaignId": self.settings.campaign_id,
            "email": request.email,
            "firstName": request.first_name or "",
            "lastName": request.last_name or "",
            "phone": mapping.national_digits(request.phone) if request.phone else "",
            "ipAddress": request.metadata.get("ip_address", "127.0.0.1"),
            "AFFID": request.sales_rep or "",  # affiliate id: Sticky.io's sales attribution field
            "notes": _checkout_note(request),
        }
        if request.shipping_address is not None:
            address = request.shipping_address
            body.update({"address1": address.line1, "address2": address.line2 or "",
                         "city": address.city, "state": address.region or "",
                         "zip": address.postal_code or "", "country": address.country})
        created = await self.client.call("NewProspect", body)
        prospect_id = mapping.text(created.get("prospectId")) or mapping.text(created.get("prospect_id"))
        if prospect_id is None:
            raise FatalError(PLATFORM, "NewProspect answered without a prospectId")
        return CheckoutLink(platform=PLATFORM, store=self.key, id=prospect_id,
                            url=self._funnel_url(prospect_id, request))

    async def _check_catalogue(self, skus: list[str]) -> None:
        """Refuse (``FatalError`` on ``products.sku``) every SKU the store does not sell."""
        wanted = list(dict.fromkeys(skus))
        ids = {sku: self.settings.sku_product_ids.get(sku) for sku in wanted}
        unmapped = [sku for sku, product_id in ids.items() if not product_id]
        if unmapped:
            raise FatalError(PLATFORM, f"store {self.key} has no product with SKU {', '.join(unmapped)} "
                                       "(its catalogue is sku_product_ids)", field="products.sku")
        known = await self.client.product_index(sorted({str(i) for i in ids.values()}))
        unknown = [sku for sku, product_id in ids.items()
                   if not _sells(known.get(str(product_id)), sku)]
        if unknown:
            raise FatalError(PLATFORM, f"store {self.key} has no product with SKU {', '.join(unknown)} "
                                       "in its Sticky.io catalogue (product_index)", field="products.sku")

    def _funnel_url(self, prospect_id: str, request: CheckoutLinkRequest) -> str:
        query: dict[str, str] = {
            "prospect_id": prospect_id,
            "campaign_id": str(self.settings.campaign_id),
            "products": ",".join(f"{p.sku}:{p.quantity}" for p in request.products),
        }
        ids = [self.settings.sku_product_ids.get(p.sku) for p in request.products]
        if all(ids):
            query["product_ids"] = ",".join(f"{i}:{p.quantity}" for i, p in zip(ids, request.products,
                                                                                strict=True))
        if request.discount_code:
            query["coupon"] = request.discount_code
        if request.sales_rep:
            query["rep"] = request.sales_rep
        for name, value in sorted(request.metadata.items()):
            query[f"meta_{name}"] = value
        separator = "&" if "?" in str(self.settings.funnel_url) else "?"
        return f"{self.settings.funnel_url}{separator}{urlencode(query)}"


def _is_person(body: dict[str, Any], email: str | None, phone: str | None) -> bool:
    """Whether a customer_view body has exactly this email, or this phone once in E.164."""
    found_email = mapping.text(body.get("email")) or mapping.text(body.get("email_address"))
    found_phone = mapping.text(body.get("phone")) or mapping.text(body.get("customers_telephone"))
    country = mapping.text(body.get("country")) or mapping.text(body.get("billing_country"))
    # When an email was asked, the search was by email only: the phone is not what was asked.
    return is_person(found_email, found_phone, email, None if email else phone, country)


def _sells(product: dict[str, Any] | None, sku: str) -> bool:
    """Whether ``product_index`` knows the product, with ``sku`` when it names one."""
    if product is None:
        return False
    named = mapping.text(product.get("product_sku")) or mapping.text(product.get("sku"))
    return named is None or named == sku


def _checkout_note(request: CheckoutLinkRequest) -> str:
    products = ", ".join(f"{p.sku} x{p.quantity}" for p in request.products)
    parts = [f"hub checkout link: {products}"]
    if request.discount_code:
        parts.append(f"coupon {request.discount_code}")
    if request.sales_rep:
        parts.append(f"rep {request.sales_rep}")
    if request.notes:
        parts.append(f"notes: {request.notes}")
    return "; ".join(parts)


def _email_and_id(customer: dict[str, Any]) -> tuple[str | None, str | None]:
    """What a customer's orders are found by (its email) and checked against (its id)."""
    email = mapping.text(customer.get("email")) or mapping.text(customer.get("email_address"))
    return email, mapping.text(customer.get("customer_id"))


def open_store(
    key: str, store: StickyioStoreSettings, settings: StickyioSettings, context: HubContext
) -> StickyStore:
    """The CRM instance ``[plugins.stickyio.stores.<key>]`` with its client open."""
    # On top of the per-method limits, a deployment may share one allowance per store.
    shared = context.limiters.get(PLATFORM) or (
        context.shared.window(f"{PLATFORM}.{key}", settings.requests_per_window, settings.window_seconds)
        if context.shared
        else None
    )
    client = StickyioClient(
        base_url=store.base_url,
        username=store.username,
        password=store.password.get_secret_value(),
        method_limit=settings.method_limits,
        default_limit=settings.requests_per_window,
        window_seconds=settings.window_seconds,
        window_margin=settings.window_margin_seconds,
        shared_limiter=shared,
        policy=settings.retry_policy(),
        transport=context.transport_for(PLATFORM),
        timeout=settings.timeout_seconds,
    )
    return StickyStore(key, store, client, settings.order_view_batch)
