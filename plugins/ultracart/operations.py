"""What the hooks do on one UltraCart store: calls through the client, shapes through mapping.

``plugin.py`` only routes a hook to the right ``UltracartStore``; the platform steps (which
calls, in which order, what is checked before a write) live here.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.core.allocation import unit_price
from hub.core.doctor import Check, permissions_note, probe
from hub.core.errors import FatalError, MappingError, NotFoundError
from hub.core.http import SlidingWindowLimiter
from hub.core.lookup import email_key, one_exact, order_number_key, phone_key
from hub.core.mapping import map_records
from hub.core.models import (
    Address,
    Channel,
    CheckoutLink,
    CheckoutLinkRequest,
    Consent,
    Customer,
    Money,
    Order,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
    SubscriptionStatus,
    utcnow,
)
from hub.core.plugin import HubContext
from hub.core.sorting import sorted_pages
from plugins.ultracart import mapping
from plugins.ultracart.client import (
    AUTO_ORDER_EXPAND,
    CUSTOMER_EXPAND,
    ORDER_EXPAND,
    PLATFORM,
    UltracartClient,
)
from plugins.ultracart.mapping import CENT, amount_of, currency_obj
from plugins.ultracart.settings import UltracartSettings, UltracartStoreSettings

PHONE_QUERY_FIELDS = ("billing_day_phone", "billing_evening_phone", "shipping_day_phone")


@dataclass
class RefundPlan:
    """The amount to pay back and the edited order to PUT to ``/refund``."""

    amount: Decimal
    body: dict[str, Any]


ULTRACART_PERMISSIONS = "the key's read/write permissions for customer, order, auto order and checkout"
"""What the hub's flows use of an UltraCart key (set per application in the back office)."""


class UltracartStore:
    """One configured store (brand): its settings and its API client."""

    def __init__(
        self,
        key: str,
        settings: UltracartStoreSettings,
        client: UltracartClient,
        *,
        skip_customer_notification: bool = False,
    ) -> None:
        self.key, self.settings, self.client = key, settings, client
        self.skip_customer_notification = skip_customer_notification

    @property
    def brand(self) -> str:
        return self.settings.brand

    # ------------------------------------------------------------------ hub doctor

    async def check(self) -> list[Check]:
        """One customer page of one (``GET /customer/customers?_limit=1``), and the clock."""
        rows, answer = await probe(
            PLATFORM,
            self.key,
            lambda: self.client.call("GET", "/customer/customers", params={"_limit": 1}, idempotent=True),
            auth_fix=(
                f"set [plugins.ultracart.stores.{self.key}] simple_key to a key of the merchant's "
                "(Configuration > Back Office > Authorized Applications)"
            ),
            date=lambda: self.client.server_date,
            describe=lambda _: f"key accepted for {self.brand}",
        )
        if answer is not None:
            rows.append(permissions_note(PLATFORM, self.key, ULTRACART_PERMISSIONS))
        return rows

    # ------------------------------------------------------------------ customers

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer]:
        found: dict[Any, dict[str, Any]] = {}
        if email:
            async for page in self.client.pages(
                "GET",
                "customer/customers",
                "customers",
                params={"email": email, "_expand": CUSTOMER_EXPAND},
            ):
                found.update({c.get("customer_profile_oid"): c for c in page})
        if phone:
            queries = [self._query_customers({field: phone}) for field in PHONE_QUERY_FIELDS]
            for records in await asyncio.gather(*queries):
                found.update({c.get("customer_profile_oid"): c for c in records})
        # The searches may match loosely: keep only profiles with exactly this email or phone.
        found = {oid: c for oid, c in found.items() if _is_person(c, email, phone)}
        oids = [c.get("customer_profile_oid") for c in found.values()]
        consents = await asyncio.gather(*(self._consents(oid) for oid in oids))
        by_data = {id(data): consent for data, consent in zip(found.values(), consents, strict=True)}
        return map_records(found.values(), lambda data: self._customer(data, by_data[id(data)]),
                           platform=PLATFORM, record="customer", id_field="customer_profile_oid")

    async def _query_customers(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        # UltraCart matches phone text as stored (unconfirmed whether it normalises): we search
        # with E.164, which is how the hub stores and passes phones.
        records: list[dict[str, Any]] = []
        async for page in self.client.pages(
            "POST", "customer/customers/query", "customers", params={"_expand": CUSTOMER_EXPAND}, body=query
        ):
            records.extend(page)
        return records

    async def _consents(self, customer_oid: Any) -> tuple[Consent, ...]:
        """Email/SMS opt-ins from the customer's latest order (UltraCart records them at checkout)."""
        if customer_oid is None:
            return ()
        envelope = await self.client.call(
            "POST",
            "order/orders/query",
            idempotent=True,
            params={"_limit": 1, "_offset": 0, "_sort": "-creation_dts", "_expand": "marketing"},
            body={"customer_profile_oid": customer_oid},
        )
        orders = envelope.get("orders") or []
        if not orders:
            return ()
        latest = orders[0]
        when = mapping.parse_dts(latest.get("creation_dts"), "order", "creation_dts")
        return mapping.consents_from_marketing(latest.get("marketing"), when)

    def _customer(self, data: dict[str, Any], consents: tuple[Consent, ...] = ()) -> Customer:
        return mapping.customer_from_json(
            data, store=self.key, brand=self.brand, currency=self.settings.currency, consents=consents
        )

    async def get_customer(self, oid: str) -> Customer:
        envelope = await self.client.call(
            "GET", f"customer/customers/{_int_id(oid, 'customer')}", params={"_expand": CUSTOMER_EXPAND}
        )
        data = _payload(envelope, "customer", oid)
        return self._customer(data, await self._consents(data.get("customer_profile_oid")))

    async def update_consent(self, customer_id: str, consent: Consent) -> Customer:
        if consent.channel is not Channel.EMAIL:
            raise FatalError(
                PLATFORM,
                f"UltraCart keeps {consent.channel.value} consent only as recorded at "
                "checkout; no API changes it",
                code="consent_channel_unsupported",
            )
        list_uuid = self.settings.marketing_email_list_uuid
        if not list_uuid:
            raise FatalError(
                PLATFORM,
                f"store {self.key}: set marketing_email_list_uuid to change email "
                "consent (membership of that list is the consent)",
                code="not_configured",
            )
        changes = (
            {"add_to_lists": [list_uuid], "remove_from_lists": []}
            if consent.opted_in
            else {"add_to_lists": [], "remove_from_lists": [list_uuid]}
        )
        oid = _int_id(customer_id, "customer")
        # Adding to / removing from a list twice leaves the same membership: safe to retry.
        await self.client.call("POST", f"customer/customers/{oid}/email_lists", body=changes, idempotent=True)
        current = await self.get_customer(customer_id)
        stamped = Consent(
            channel=Channel.EMAIL, opted_in=consent.opted_in, updated_at=consent.updated_at or utcnow()
        )
        others = tuple(c for c in current.consents if c.channel is not Channel.EMAIL)
        return current.model_copy(update={"consents": (stamped, *others)})

    # ------------------------------------------------------------------ orders

    async def order_json(self, order_id: str) -> dict[str, Any]:
        order_id = _path_id(order_id, "order")
        envelope = await self.client.call("GET", f"order/orders/{order_id}", params={"_expand": ORDER_EXPAND})
        # Act only on an answer that says it is the order asked for (same id, any case).
        return one_exact([_payload(envelope, "order", order_id)], order_id, lambda o: o.get("order_id"),
                         order_number_key, platform=PLATFORM, what=f"order {order_id} in store {self.key}")

    def _order(self, data: dict[str, Any]) -> Order:
        return mapping.order_from_json(data, store=self.key, brand=self.brand)

    async def get_order(self, order_id: str) -> Order:
        return self._order(await self.order_json(order_id))

    async def list_orders(self, customer_id: str) -> AsyncIterator[list[Order | MappingError]]:
        """Newest first; an order that cannot be mapped is a ``MappingError`` (last).

        Pages are sorted again (the sort asked of the query is not relied on), in bounded memory.
        """
        profile = _int_id(customer_id, "customer")
        # The query filters by profile; an answer naming another profile is another buyer's order
        # and is never shown (or offered for a refund). Without the profile expanded, it cannot tell.
        mine = str(customer_id).strip()

        async def mapped() -> AsyncIterator[list[Order | MappingError]]:
            async for page in self.client.pages(
                "POST",
                "order/orders/query",
                "orders",
                params={"_expand": ORDER_EXPAND, "_sort": "-creation_dts"},
                body={"customer_profile_oid": profile},
            ):
                orders = map_records(
                    page, self._order, platform=PLATFORM, record="order", id_field="order_id"
                )
                yield [o for o in orders if isinstance(o, MappingError) or o.customer_id in (None, mine)]

        async for page in sorted_pages(mapped(), key=lambda order: order.created_at, reverse=True):
            yield page

    # ------------------------------------------------------------------ refunds

    async def refund_order(self, request: RefundRequest) -> Refund:
        order_id = request.order.id
        order = await self.order_json(order_id)
        # Mapping checks the order's money is all in one currency (MappingError otherwise): the
        # balance below is computed from the raw figures and must not mix two.
        self._order(order)
        currency = mapping.order_currency(order) or self.settings.currency
        key = mapping.marker_key(request.idempotency_key)
        # 1. The hub writes "[hub-refund key=... amount=...]" into the order's merchant notes in the
        #    same PUT that pays the refund, so a refund already made under this key is found here.
        for refund in mapping.hub_refunds(order, self.key):
            if refund.id == f"{order_id}:{key}":
                return refund
        if request.amount is not None and request.amount.currency != currency:
            raise FatalError(
                PLATFORM,
                f"order {order_id} is in {currency}, refund asked in {request.amount.currency}",
                code="currency_mismatch",
            )
        plan = plan_refund(order, request, currency)
        # 2. After a crash, if UltraCart did not keep the note (unconfirmed that the refund PUT
        #    saves merchant notes), the refund shows only as refunded money no marker explains:
        #    an unexplained refunded amount equal to this request is taken to be ours and returned,
        #    because paying twice is the worse mistake (an agent can still refund again by hand).
        unexplained = _unexplained_refunded(order, self.key)
        if unexplained > 0 and unexplained == plan.amount:
            return Refund(
                platform=PLATFORM,
                id=f"{order_id}:{key}",
                store=self.key,
                order_id=order_id,
                amount=Money(amount=plan.amount, currency=currency),
                reason=request.reason.value,
                note="recognised from the order's refunded total (no marker found)",
                created_at=mapping.parse_dts(order.get("refund_dts"), "order", "refund_dts"),
            )
        await self._check_refundable(order_id)
        marker = mapping.refund_marker(
            request.idempotency_key, Money(amount=plan.amount, currency=currency), request.reason.value
        )
        _write_note(plan.body, order, marker)
        plan.body["refund_reason"] = request.admin_reason or request.reason.value
        envelope = await self.client.call(
            "PUT",
            f"order/orders/{order_id}/refund",
            body=plan.body,
            idempotent=False,
            params={
                "reject_after_refund": False,
                "skip_customer_notification": self.skip_customer_notification,
                "auto_order_cancel": False,
                "manual_refund": False,
                "reverse_affiliate_transactions": True,
                "_expand": ORDER_EXPAND,
            },
        )
        updated = envelope.get("order") or {}
        for refund in mapping.hub_refunds(updated, self.key):
            if refund.id == f"{order_id}:{key}":
                return refund
        # UltraCart answered success but did not echo the note: report what was paid.
        return Refund(
            platform=PLATFORM,
            id=f"{order_id}:{key}",
            store=self.key,
            order_id=order_id,
            amount=Money(amount=plan.amount, currency=currency),
            reason=request.reason.value,
            note=request.note,
            created_at=utcnow(),
        )

    async def _check_refundable(self, order_id: str) -> None:
        envelope = await self.client.call("GET", f"order/orders/{order_id}/refundable")
        if envelope.get("refundable") is False:
            reason = (
                "manual refund needed: several charges"
                if envelope.get("manual_because_multiple_charges")
                else "UltraCart says the order is not refundable"
            )
            raise FatalError(PLATFORM, f"order {order_id}: {reason}", code="not_refundable")

    # ------------------------------------------------------------------ subscriptions

    def _subscription(self, data: dict[str, Any], customer_id: str | None = None) -> Subscription:
        return mapping.subscription_from_json(
            data, store=self.key, currency=self.settings.currency, customer_id=customer_id
        )

    async def list_subscriptions(self, customer_id: str) -> list[Subscription | MappingError]:
        subscriptions: list[Subscription | MappingError] = []
        async for page in self.client.pages(
            "POST",
            "auto_order/auto_orders/query",
            "auto_orders",
            params={"_expand": AUTO_ORDER_EXPAND},
            body={"customer_profile_oid": _int_id(customer_id, "customer")},
        ):
            subscriptions += map_records(
                page, lambda data: self._subscription(data, customer_id),
                platform=PLATFORM, record="auto_order", id_field="auto_order_oid",
            )
        return subscriptions

    async def cancel_subscription(self, oid: str, reason: str, idempotency_key: str) -> Subscription:
        path = f"auto_order/auto_orders/{_int_id(oid, 'auto_order')}"
        envelope = await self.client.call("GET", path, params={"_expand": AUTO_ORDER_EXPAND})
        current = _payload(envelope, "auto_order", oid)
        if mapping.subscription_status(current) is not SubscriptionStatus.ACTIVE:
            return self._subscription(current)  # already stopped: nothing to do
        body = copy.deepcopy(current)
        body["enabled"] = False
        body["cancel_reason"] = f"{reason} [hub-cancel key={mapping.marker_key(idempotency_key)}]"[:250]
        # The PUT sets a target state (enabled=false): repeating it changes nothing, so retry.
        envelope = await self.client.call(
            "PUT", path, body=body, idempotent=True, params={"_expand": AUTO_ORDER_EXPAND}
        )
        return self._subscription(_payload(envelope, "auto_order", oid))

    # ------------------------------------------------------------------ address, replacement

    async def change_shipping_address(self, order_id: str, address: Address) -> Order:
        order = await self.order_json(order_id)
        refuse_if_shipped(order)
        body = copy.deepcopy(order)
        shipping = body.setdefault("shipping", {}) or {}
        shipping.update(mapping.address_to_uc(address))
        body["shipping"] = shipping
        envelope = await self.client.call(
            "PUT", f"order/orders/{order_id}", body=body, idempotent=True, params={"_expand": ORDER_EXPAND}
        )
        return self._order(_payload(envelope, "order", order_id))

    async def create_replacement_order(self, request: ReplacementRequest) -> Order:
        order_id = request.order.id
        original = await self.order_json(order_id)
        marker = f"[hub-replacement key={mapping.marker_key(request.idempotency_key)}]"
        existing = await self._find_order_with_note(original, marker)
        if existing is not None:
            return self._order(existing)
        body = {
            "original_order_id": order_id,
            "items": replacement_items(original, request),
            "free": True,
            "skip_payment": True,
            "immediate_charge": False,
            "additional_merchant_notes_new_order": f"{marker} {request.reason}",
            "additional_merchant_notes_original_order": f"Replacement sent by the hub: {request.reason}",
        }
        # Not retried: a second POST would create a second order; the marker search above
        # recognises the first one when the flow tries again.
        envelope = await self.client.call(
            "POST", f"order/orders/{order_id}/replacement", body=body, idempotent=False
        )
        # OrderReplacementResponse is camelCase on UltraCart (``orderId``, ``errorMessage``);
        # the snake_case spellings are read too.
        new_id = envelope.get("orderId") or envelope.get("order_id")
        if envelope.get("successful") is False or not new_id:
            problem = (
                envelope.get("errorMessage") or envelope.get("error_message") or envelope.get("feedback")
            )
            raise FatalError(
                PLATFORM,
                f"replacement of {order_id} failed: {problem or 'no order id'}",
                code="replacement_failed",
            )
        new_id = str(new_id)
        if request.shipping_address is not None:
            return await self.change_shipping_address(new_id, request.shipping_address)
        return await self.get_order(new_id)

    async def _find_order_with_note(self, original: dict[str, Any], marker: str) -> dict[str, Any] | None:
        email = (original.get("billing") or {}).get("email")
        if not email:
            return None
        query = {"email": email, "creation_date_begin": original.get("creation_dts")}
        async for page in self.client.pages(
            "POST", "order/orders/query", "orders", params={"_expand": ORDER_EXPAND}, body=query
        ):
            for candidate in page:
                if any(marker in text for text, _ in mapping.order_notes(candidate)):
                    return candidate
        return None

    # ------------------------------------------------------------------ checkout

    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        if not self.settings.storefront_host:
            raise FatalError(
                PLATFORM,
                f"store {self.key}: storefront_host is needed for checkout links",
                code="not_configured",
            )
        created = await self.client.call("GET", "checkout/cart", browser=True, params={"_expand": "items"})
        cart = _payload(created, "cart", "new cart")
        fill_cart(cart, request, self.settings.sales_rep_custom_field)
        updated = await self.client.call(
            "PUT",
            "checkout/cart",
            body=cart,
            browser=True,
            idempotent=True,
            params={"_expand": "items,summary"},
        )
        _raise_cart_errors(updated)
        cart = _payload(updated, "cart", str(cart.get("cart_id")))
        handoff = await self.client.call(
            "POST",
            "checkout/cart/handoff",
            browser=True,
            idempotent=True,
            body={"cart": cart, "operation": "checkout", "secure_host_name": self.settings.storefront_host},
        )
        _raise_cart_errors(handoff)
        return mapping.checkout_link_from(handoff, cart, store=self.key)


# --------------------------------------------------------------------------- pure helpers


PATH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
"""What an UltraCart order id looks like (``DEMO-0009100002``): it goes into the REST path."""


def _path_id(value: str, kind: str) -> str:
    """``value`` (blanks and a leading ``#`` dropped) when it is one plain path segment, else
    ``NotFoundError`` before anything is sent.

    The id is as a ticket or a form typed it: ``../../customer/customers/1`` would otherwise
    have sent ``GET /customer/customers/1`` with the merchant's key.
    """
    text = value.strip().removeprefix("#").strip()
    if not PATH_ID.fullmatch(text):
        raise NotFoundError(PLATFORM, f"{kind} id {value!r} is not an UltraCart {kind} id")
    return text


def _int_id(value: str, kind: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise NotFoundError(PLATFORM, f"{kind} id {value!r} is not an UltraCart object id") from None


def _is_person(data: dict[str, Any], email: str | None, phone: str | None) -> bool:
    """Whether a customer profile has exactly ``email``, or ``phone`` on any of its addresses."""
    if email and email_key(data.get("email")) == email_key(email):
        return True
    wanted = phone_key(phone) if phone else None
    if wanted is None:
        return False
    for entry in [*(data.get("billing") or []), *(data.get("shipping") or [])]:
        if not isinstance(entry, dict):
            continue
        for field in ("day_phone", "evening_phone"):
            if phone_key(entry.get(field), entry.get("country_code")) == wanted:
                return True
    return False


def _payload(envelope: dict[str, Any], key: str, what: str) -> dict[str, Any]:
    payload = envelope.get(key)
    if not isinstance(payload, dict):
        raise NotFoundError(PLATFORM, f"no {key} {what!r} in the answer")
    return payload


def _raise_cart_errors(envelope: dict[str, Any]) -> None:
    errors = envelope.get("errors") or []
    if errors:
        raise FatalError(PLATFORM, "cart refused: " + "; ".join(str(e) for e in errors), code="cart_errors")


def _unexplained_refunded(order: dict[str, Any], store: str) -> Decimal:
    total = amount_of((order.get("summary") or {}).get("total_refunded"))
    ours = sum((r.amount.amount for r in mapping.hub_refunds(order, store)), Decimal(0))
    return total - ours


def _write_note(body: dict[str, Any], order: dict[str, Any], marker: str) -> None:
    """Put the marker in ``internal.merchant_notes`` the way the account keeps notes.

    With transactional notes on (the order has ``transactional_merchant_notes``) the field only
    writes one new note, so it carries the marker alone; otherwise it is the full text, so the
    marker is appended to what is there.
    """
    internal = body.setdefault("internal", {}) or {}
    body["internal"] = internal
    if "transactional_merchant_notes" in (order.get("internal") or {}):
        internal["merchant_notes"] = marker
    else:
        existing = (order.get("internal") or {}).get("merchant_notes") or ""
        internal["merchant_notes"] = f"{existing}\n{marker}".strip()


def refuse_if_shipped(order: dict[str, Any]) -> None:
    order_id = order.get("order_id")
    if mapping.is_shipped(order):
        when = mapping.shipped_at(order)
        at = f" on {when.date().isoformat()}" if when else ""
        raise FatalError(
            PLATFORM,
            f"order {order_id} has already shipped{at}; its address cannot change",
            code="already_shipped",
        )
    if order.get("current_stage") in mapping.CLOSED_STAGES:
        raise FatalError(
            PLATFORM,
            f"order {order_id} is {order.get('current_stage')}; its address cannot change",
            code="order_closed",
        )


def _item_left(item: dict[str, Any], paid: Decimal) -> Decimal:
    """What is left to refund on an item the customer paid ``paid`` for."""
    return paid - amount_of(item.get("total_refunded"))


def plan_refund(order: dict[str, Any], request: RefundRequest, currency: str) -> RefundPlan:
    """Turn a refund request into the order body UltraCart's refund call expects.

    UltraCart refunds by target state: every ``*_refunded`` field carries the total that should be
    refunded after the call, and it pays the difference. Lines raise an item's refunded quantity
    and amount; an amount alone is spread over the items, then shipping, then tax; neither means
    everything that is left. Amounts above the refundable balance are refused here.

    An item is worth what the customer paid for it (``mapping.item_totals``: its own discount
    and its share of an order-level coupon taken off), never its list ``cost``: some units of a
    line are worth that over its quantity, rounded down to the cent, and the last units of a
    line what is left of it. The amount is always sent with the quantity: how UltraCart prices
    a refund by quantity alone is not documented (its sample sends quantities only), and a
    price from ``total_cost_with_discount`` would keep the coupon in it.
    """
    body = copy.deepcopy(order)
    summary = body.setdefault("summary", {})
    total = amount_of(summary.get("total"))
    already = amount_of(summary.get("total_refunded"))
    balance = total - already
    if balance <= 0:
        raise FatalError(
            PLATFORM, f"order {order.get('order_id')} has nothing left to refund", code="over_refund"
        )
    wanted = request.amount.amount if request.amount is not None else None
    if wanted is not None and wanted > balance:
        raise FatalError(
            PLATFORM,
            f"refund of {wanted} {currency} is above the refundable balance of "
            f"{balance} {currency} on order {order.get('order_id')}",
            code="over_refund",
        )
    items = list(zip(body.get("items") or [], mapping.item_totals(order), strict=True))
    if request.lines:
        paid = _refund_lines(items, request, currency, wanted, order.get("order_id"))
    else:
        paid = _refund_amount(items, summary, currency, wanted if wanted is not None else balance)
    if paid <= 0:
        raise FatalError(PLATFORM, "nothing to refund", code="over_refund")
    summary["total_refunded"] = currency_obj(already + paid, currency)
    return RefundPlan(amount=paid.quantize(CENT), body=body)


def _raise_item(item: dict[str, Any], amount: Decimal, currency: str) -> None:
    item["total_refunded"] = currency_obj(amount_of(item.get("total_refunded")) + amount, currency)


def _units_worth(item: dict[str, Any], paid: Decimal, units: Decimal, currency: str) -> Decimal:
    """What ``units`` more of an item are worth: their share of what was paid for it (rounded
    down to the cent), or all that is left of it when they are its last ones."""
    quantity = amount_of(item.get("quantity"))
    left = _item_left(item, paid)
    if amount_of(item.get("quantity_refunded")) + units >= quantity:
        return left
    return min(unit_price(paid, int(quantity), currency) * units, left)


def _refund_lines(
    items: list[tuple[dict[str, Any], Decimal]],
    request: RefundRequest,
    currency: str,
    wanted: Decimal | None,
    order_id: Any,
) -> Decimal:
    by_index = {str(item.get("item_index")): (item, paid) for item, paid in items}
    planned: list[tuple[dict[str, Any], Decimal, Decimal]] = []
    for line in request.lines:
        found = by_index.get(line.line_item_id)
        if found is None:
            raise FatalError(PLATFORM, f"order {order_id} has no item {line.line_item_id}", code="bad_line")
        item, item_paid = found
        quantity = amount_of(item.get("quantity"))
        refunded_qty = amount_of(item.get("quantity_refunded"))
        if refunded_qty + line.quantity > quantity:
            raise FatalError(
                PLATFORM,
                f"item {line.line_item_id}: {line.quantity} more refunded would "
                f"exceed the {quantity} bought ({refunded_qty} already)",
                code="over_refund",
            )
        value = _units_worth(item, item_paid, Decimal(line.quantity), currency)
        item["quantity_refunded"] = refunded_qty + line.quantity
        planned.append((item, value, refunded_qty))
    lines_value = sum((value for _, value, _ in planned), Decimal(0))
    if wanted is not None and wanted > lines_value:
        raise FatalError(
            PLATFORM,
            f"refund of {wanted} is more than the lines are worth ({lines_value})",
            code="over_refund",
        )
    remaining = lines_value if wanted is None else wanted
    for item, value, refunded_qty in planned:
        part = min(value, remaining)
        if part <= 0:
            # UltraCart pays a raised quantity whose amount is left as it was (its own samples
            # refund by quantity alone): an item the amount does not reach keeps its quantity.
            item["quantity_refunded"] = refunded_qty
            continue
        _raise_item(item, part, currency)
        remaining -= part
    return lines_value if wanted is None else wanted


def _refund_amount(
    items: list[tuple[dict[str, Any], Decimal]], summary: dict[str, Any], currency: str, amount: Decimal
) -> Decimal:
    remaining = amount
    for item, paid in items:
        left = _item_left(item, paid)
        if remaining <= 0 or left <= 0:
            continue
        part = min(left, remaining)
        _raise_item(item, part, currency)
        if part == left:
            item["quantity_refunded"] = amount_of(item.get("quantity"))
        remaining -= part
    for total_key, refunded_key in (
        ("shipping_handling_total", "shipping_handling_refunded"),
        ("tax", "tax_refunded"),
    ):
        left = amount_of(summary.get(total_key)) - amount_of(summary.get(refunded_key))
        if remaining <= 0 or left <= 0:
            continue
        part = min(left, remaining)
        summary[refunded_key] = currency_obj(amount_of(summary.get(refunded_key)) + part, currency)
        remaining -= part
    if remaining > 0:
        raise FatalError(
            PLATFORM,
            f"refund of {amount} {currency} is above what the items, shipping and "
            f"tax still hold ({amount - remaining})",
            code="over_refund",
        )
    return amount


def replacement_items(order: dict[str, Any], request: ReplacementRequest) -> list[dict[str, Any]]:
    """``OrderReplacement.items`` from the request's lines (by item index)."""
    by_index = {str(item.get("item_index")): item for item in order.get("items") or []}
    items = []
    for line in request.lines:
        item = by_index.get(line.line_item_id)
        if item is None or not item.get("merchant_item_id"):
            raise FatalError(
                PLATFORM, f"order {order.get('order_id')} has no item {line.line_item_id}", code="bad_line"
            )
        if line.quantity > amount_of(item.get("quantity")):
            raise FatalError(
                PLATFORM,
                f"item {line.line_item_id}: cannot replace {line.quantity}, "
                f"only {item.get('quantity')} bought",
                code="bad_line",
            )
        items.append({"merchant_item_id": item["merchant_item_id"], "quantity": line.quantity})
    if not items:
        raise FatalError(PLATFORM, "a replacement needs at least one item", code="bad_line")
    return items


def fill_cart(cart: dict[str, Any], request: CheckoutLinkRequest, rep_field: int) -> None:
    """Put the request into a cart: items, customer, shipping, coupon, rep, notes and metadata."""
    cart["items"] = [{"item_id": p.sku, "quantity": p.quantity} for p in request.products]
    billing = cart.get("billing") or {}
    billing.update(
        {
            "email": request.email,
            "first_name": request.first_name,
            "last_name": request.last_name,
            "day_phone": request.phone,
        }
    )
    cart["billing"] = {k: v for k, v in billing.items() if v is not None}
    if request.shipping_address is not None:
        shipping = mapping.address_to_uc(request.shipping_address)
        shipping["first_name"] = shipping["first_name"] or request.first_name
        shipping["last_name"] = shipping["last_name"] or request.last_name
        cart["shipping"] = {k: v for k, v in shipping.items() if v is not None}
    if request.discount_code:
        cart["coupons"] = [{"coupon_code": request.discount_code}]
    checkout = cart.get("checkout") or {}
    if request.notes:
        checkout["comments"] = request.notes  # CartCheckout.comments: the order's comments
    free_fields = [n for n in range(1, 8) if n != rep_field]
    if request.sales_rep:
        checkout[f"custom_field{rep_field}"] = request.sales_rep
    if len(request.metadata) > len(free_fields):
        raise FatalError(
            PLATFORM,
            f"UltraCart carts hold {len(free_fields)} metadata fields, {len(request.metadata)} given",
            code="too_much_metadata",
        )
    for number, (key, value) in zip(free_fields, sorted(request.metadata.items()), strict=False):
        checkout[f"custom_field{number}"] = f"{key}={value}"
    cart["checkout"] = checkout


def open_store(
    key: str, store: UltracartStoreSettings, settings: UltracartSettings, context: HubContext
) -> UltracartStore:
    """The merchant account ``[plugins.ultracart.stores.<key>]`` with its client open."""
    # The limit is per application key, so each store gets its own pacing.
    limiter = context.rate_limiter(
        f"{PLATFORM}.{key}",
        settings.requests_per_window,
        settings.window_seconds,
        lambda: SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
    )
    client = UltracartClient(
        base_url=store.base_url,
        simple_key=store.simple_key.get_secret_value(),
        browser_key=store.browser_key.get_secret_value() if store.browser_key else None,
        api_version=settings.api_version,
        limiter=limiter,
        transport=context.transport_for(PLATFORM),
        timeout=settings.timeout_seconds,
        policy=settings.retry_policy(),
        page_size=settings.page_size,
    )
    return UltracartStore(key, store, client, skip_customer_notification=settings.skip_customer_notification)
