"""What the hooks do on one store: GraphQL calls in, domain models out.

``plugin.py`` holds only the hook implementations and routes each call to the ``ShopifyStore``
owning the record; the sequencing (read before write, refuse before harm) lives here.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from hub.core.doctor import Check, permissions_note, probe
from hub.core.errors import FatalError, MappingError
from hub.core.http import RateLimiter, TokenBucketLimiter
from hub.core.lookup import (
    AmbiguousMatch,
    email_key,
    exact_matches,
    is_person,
    one_exact,
    order_number_key,
)
from hub.core.mapping import map_records
from hub.core.models import (
    Address,
    Channel,
    CheckoutLink,
    CheckoutLinkRequest,
    Consent,
    Customer,
    Disposition,
    Money,
    Order,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
    SubscriptionStatus,
)
from hub.core.plugin import HubContext
from plugins.shopify import queries as q
from plugins.shopify.client import PLATFORM, ShopifyClient, mutation_payload, require
from plugins.shopify.mapping import (
    checkout_link_from_graphql,
    customer_from_graphql,
    key_in_note,
    order_from_graphql,
    refund_from_graphql,
    subscription_from_graphql,
)
from plugins.shopify.settings import ShopifySettings, ShopifyStoreSettings

# An order in these fulfillment states has not left the warehouse; its address may change.
EDITABLE_FULFILLMENT = {"UNFULFILLED", "PENDING_FULFILLMENT", "OPEN", "ON_HOLD", "SCHEDULED"}
CAPTURES = {"SALE", "CAPTURE"}
KEY_NAMESPACE = uuid.UUID("6f1c1d0e-5b5e-4f43-9a0c-3f1f3c7e2a11")


def search_value(value: str) -> str:
    """Quote a value for Shopify's search syntax (``email:"a@b.c"``)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node_email(node: dict[str, Any]) -> str | None:
    """A customer node's email (``email``, else its default email address)."""
    return node.get("email") or (node.get("defaultEmailAddress") or {}).get("emailAddress")


def shopify_idempotency_key(ledger_key: str) -> str:
    """A UUID for ``@idempotent(key:)``: Shopify's examples use UUIDs (format rules unconfirmed), so a
    ledger key that is not one is turned into a stable UUIDv5 — the same ledger key, the same UUID."""
    try:
        return str(uuid.UUID(ledger_key))
    except ValueError:
        return str(uuid.uuid5(KEY_NAMESPACE, ledger_key))


def replacement_tag(ledger_key: str) -> str:
    """A short tag (Shopify tags are limited to 40 characters) that finds the replacement again."""
    return "hub-replacement-" + hashlib.sha256(ledger_key.encode()).hexdigest()[:16]


def mailing_address_input(address: Address) -> dict[str, Any]:
    """``MailingAddressInput``; Shopify overwrites the whole address, so every field is sent."""
    country = address.country.strip().upper()
    if len(country) != 2:
        raise FatalError(
            PLATFORM,
            f"country must be an ISO 3166-1 alpha-2 code, got {address.country!r}",
            field="address.country",
        )
    first, _, last = (address.name or "").strip().rpartition(" ")
    return {
        "firstName": first or None,
        "lastName": last or None,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "provinceCode": address.region,
        "zip": address.postal_code,
        "countryCode": country,
        "phone": address.phone,
    }


SHOPIFY_SCOPES = (
    "read_customers, write_customers (consent), read_orders, write_orders (refunds, addresses), "
    "write_draft_orders (replacements, checkout links), read/write_own_subscription_contracts"
)
"""The Admin API access scopes the hub's flows use (the app's configuration grants them)."""


class ShopifyStore:
    """One configured store: its key, brand and API client."""

    def __init__(self, key: str, brand: str, client: ShopifyClient, *, idempotent_refunds: bool) -> None:
        self.key, self.brand, self.client = key, brand, client
        self.idempotent_refunds = idempotent_refunds

    # ---- mapping shortcuts

    def _order(self, node: dict[str, Any]) -> Order:
        return order_from_graphql(node, store=self.key, brand=self.brand)

    def _customer(self, node: dict[str, Any]) -> Customer:
        return customer_from_graphql(node, store=self.key, brand=self.brand)

    async def _query(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await self.client.graphql(document, variables, idempotent=True)

    async def _mutate(
        self, document: str, variables: dict[str, Any], name: str, *, deduplicated: bool = False
    ) -> dict[str, Any]:
        data = await self.client.graphql(document, variables, idempotent=deduplicated)
        return mutation_payload(data, name)

    # ---- hub doctor

    async def check(self) -> list[Check]:
        """``{ shop { name } }`` with the store's token, and the clock from the answer."""
        rows, data = await probe(
            PLATFORM,
            self.key,
            lambda: self._query("{ shop { name myshopifyDomain } }", {}),
            auth_fix=(
                f"set [plugins.shopify.stores.{self.key}] access_token to the Admin API token of the "
                "store's custom app (Settings > Apps > Develop apps > API credentials)"
            ),
            date=lambda: self.client.server_date,
            describe=lambda data: f"shop {data['shop']['name']} ({data['shop']['myshopifyDomain']})",
        )
        if data is not None:
            rows.append(permissions_note(PLATFORM, self.key, SHOPIFY_SCOPES))
        return rows

    # ---- customers

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer]:
        terms = [f"email:{search_value(email)}"] if email else []
        terms += [f"phone:{search_value(phone)}"] if phone else []
        data = await self._query(
            q.FIND_CUSTOMERS, {"query": " OR ".join(terms), "first": q.CUSTOMERS_PER_SEARCH}
        )
        nodes = data["customers"]["nodes"]
        customers = map_records(nodes, self._customer, platform=PLATFORM, record="customer")
        # The search may match loosely; only the person asked for (exact email or E.164) is kept.
        return [
            c for c in customers if isinstance(c, MappingError) or is_person(c.email, c.phone, email, phone)
        ]

    async def get_customer(self, customer_id: str) -> Customer:
        data = await self._query(q.GET_CUSTOMER, {"id": customer_id})
        return self._customer(require(data.get("customer"), f"customer {customer_id}"))

    async def update_consent(self, customer_id: str, consent: Consent) -> Customer:
        if consent.channel == Channel.PHONE:
            raise FatalError(
                PLATFORM,
                "Shopify keeps marketing consent for email and SMS only; "
                "there is no phone-call consent to update",
                field="consent.channel",
            )
        state = {
            "marketingState": "SUBSCRIBED" if consent.opted_in else "UNSUBSCRIBED",
            "marketingOptInLevel": "SINGLE_OPT_IN",
        }
        if consent.updated_at is not None:
            state["consentUpdatedAt"] = consent.updated_at.isoformat().replace("+00:00", "Z")
        if consent.channel == Channel.EMAIL:
            document, name, field = (
                q.EMAIL_CONSENT_UPDATE,
                "customerEmailMarketingConsentUpdate",
                "emailMarketingConsent",
            )
        else:
            document, name, field = (
                q.SMS_CONSENT_UPDATE,
                "customerSmsMarketingConsentUpdate",
                "smsMarketingConsent",
            )
        payload = await self._mutate(document, {"input": {"customerId": customer_id, field: state}}, name)
        return self._customer(require(payload.get("customer"), f"customer {customer_id}"))

    # ---- orders

    async def list_orders(self, customer_id: str) -> AsyncIterator[list[Order | MappingError]]:
        """The customer's orders, newest first (Shopify sorts them), a page at a time; one that
        cannot be mapped is a ``MappingError`` in its place."""

        def connection(data: dict[str, Any]) -> dict[str, Any]:
            return require(data.get("customer"), f"customer {customer_id}")["orders"]

        async for page in self.client.paginate(
            q.CUSTOMER_ORDERS, {"id": customer_id, "first": q.ORDERS_PER_PAGE}, connection
        ):
            yield map_records(page, self._order, platform=PLATFORM, record="order")

    async def get_order(self, order_ref: str) -> Order:
        return self._order(await self._order_node(order_ref))

    async def _order_node(self, order_ref: str) -> dict[str, Any]:
        """By GID, or by the order number people quote (``#1001`` or ``1001``)."""
        if order_ref.startswith("gid://"):
            data = await self._query(q.GET_ORDER, {"id": order_ref})
            return require(data.get("order"), f"order {order_ref}")
        name = order_ref if order_ref.startswith("#") else f"#{order_ref}"
        data = await self._query(
            q.FIND_ORDER_BY_NAME,
            {"query": f"name:{search_value(name)}", "first": q.ORDERS_PER_NAME_SEARCH},
        )
        return one_exact(
            data["orders"]["nodes"],
            name,
            lambda node: node.get("name"),
            order_number_key,
            platform=PLATFORM,
            what=f"order {name} in store {self.key}",
        )

    async def change_shipping_address(self, order_ref: str, address: Address) -> Order:
        node = await self._order_node(order_ref)
        status = node.get("displayFulfillmentStatus")
        if node.get("cancelledAt"):
            raise FatalError(
                PLATFORM,
                f"order {node['name']} is cancelled; its address cannot change",
                code="order_cancelled",
            )
        order = self._order(node)
        # Shopify may accept an address edit on a shipped order (reference §4); refuse it here.
        if status not in EDITABLE_FULFILLMENT or order.shipped_at is not None:
            raise FatalError(
                PLATFORM,
                f"order {node['name']} has already shipped (fulfillment status "
                f"{status}); its shipping address can no longer be changed",
                code="already_fulfilled",
            )
        variables = {"input": {"id": node["id"], "shippingAddress": mailing_address_input(address)}}
        payload = await self._mutate(q.UPDATE_ORDER_ADDRESS, variables, "orderUpdate")
        return self._order(require(payload.get("order"), f"order {order_ref}"))

    # ---- refunds

    async def refund_order(self, request: RefundRequest) -> Refund:
        data = await self._query(q.ORDER_FOR_REFUND, {"id": await self._order_id(request.order.id)})
        node = require(data.get("order"), f"order {request.order.id}")
        order = self._order(node)
        for refund in order.refunds:
            if key_in_note(refund.note) == request.idempotency_key:
                return refund  # made before a crash or a retry: never pay twice
        amount = self._refund_amount(request, order)
        refund_input: dict[str, Any] = {
            "orderId": order.id,
            "note": self._refund_note(request),
            "notify": False,
            "transactions": self._refund_transactions(node, order.id, amount),
        }
        if request.lines:
            restock = "RETURN" if request.disposition == Disposition.RETURN_TO_STOCK else "NO_RESTOCK"
            refund_input["refundLineItems"] = [
                {"lineItemId": line.line_item_id, "quantity": line.quantity, "restockType": restock}
                for line in request.lines
            ]
        if self.idempotent_refunds:
            variables = {"input": refund_input, "key": shopify_idempotency_key(request.idempotency_key)}
            payload = await self._mutate(
                q.REFUND_CREATE_IDEMPOTENT, variables, "refundCreate", deduplicated=True
            )
        else:
            payload = await self._mutate(q.REFUND_CREATE, {"input": refund_input}, "refundCreate")
        return refund_from_graphql(
            require(payload.get("refund"), "refund"), order_id=order.id, store=self.key
        )

    async def _order_id(self, order_ref: str) -> str:
        return order_ref if order_ref.startswith("gid://") else (await self._order_node(order_ref))["id"]

    @staticmethod
    def _refund_note(request: RefundRequest) -> str:
        """Reason first (read back by the mapping), the ledger key last (recognised on re-runs)."""
        text = "; ".join(p for p in (request.note, request.admin_reason) if p)
        disposition = f" (goods: {request.disposition.value})" if request.disposition else ""
        return f"{request.reason.value}: {text}{disposition} [hub-key:{request.idempotency_key}]"

    @staticmethod
    def _refund_amount(request: RefundRequest, order: Order) -> Money:
        refundable = order.refundable
        if request.amount is not None:
            amount = request.amount
            if amount.currency != refundable.currency:
                raise FatalError(
                    PLATFORM,
                    f"refund in {amount.currency} on an order in {refundable.currency}",
                    field="amount.currency",
                )
        elif request.lines:
            by_id = {line.id: line for line in order.line_items}
            total = Decimal(0)
            for line in request.lines:
                item = by_id.get(line.line_item_id)
                if item is None:
                    raise FatalError(
                        PLATFORM,
                        f"order {order.number} has no line {line.line_item_id}",
                        field="lines.line_item_id",
                    )
                total += item.price.amount * line.quantity
            amount = Money(amount=total, currency=refundable.currency)
        else:
            amount = refundable
        if refundable.amount <= 0:
            raise FatalError(PLATFORM, f"order {order.number} has nothing left to refund", field="amount")
        if amount.amount > refundable.amount:
            raise FatalError(
                PLATFORM,
                f"refund of {amount} is above the refundable balance {refundable} of order {order.number}",
                field="amount",
            )
        return amount

    @staticmethod
    def _refund_transactions(node: dict[str, Any], order_id: str, amount: Money) -> list[dict[str, Any]]:
        """Spread the amount over the order's captured payments, minus what each already gave back."""
        transactions = node.get("transactions") or []
        refunded: dict[str, Decimal] = {}
        for t in transactions:
            parent = (t.get("parentTransaction") or {}).get("id")
            if t.get("kind") == "REFUND" and t.get("status") == "SUCCESS" and parent:
                refunded[parent] = refunded.get(parent, Decimal(0)) + Decimal(
                    t["amountSet"]["shopMoney"]["amount"]
                )
        remaining, result = amount.amount, []
        for t in transactions:
            if remaining <= 0:
                break
            if t.get("kind") not in CAPTURES or t.get("status") != "SUCCESS":
                continue
            left = Decimal(t["amountSet"]["shopMoney"]["amount"]) - refunded.get(t["id"], Decimal(0))
            portion = min(left, remaining)
            if portion > 0:
                result.append(
                    {
                        "orderId": order_id,
                        "parentId": t["id"],
                        "amount": f"{portion:.2f}",
                        "gateway": t.get("gateway") or "manual",
                        "kind": "REFUND",
                    }
                )
                remaining -= portion
        if remaining > 0:
            raise FatalError(
                PLATFORM,
                f"captured payments cannot cover a refund of {amount} ({remaining:.2f} short)",
                field="amount",
            )
        return result

    # ---- subscriptions

    async def list_subscriptions(self, customer_id: str) -> list[Subscription | MappingError]:
        """The customer's subscription contracts; an unmappable one is a ``MappingError`` in its place."""

        def connection(data: dict[str, Any]) -> dict[str, Any]:
            return require(data.get("customer"), f"customer {customer_id}")["subscriptionContracts"]

        found: list[Subscription | MappingError] = []
        async for page in self.client.paginate(
            q.CUSTOMER_SUBSCRIPTIONS, {"id": customer_id, "first": q.SUBSCRIPTIONS_PER_PAGE}, connection
        ):
            found += map_records(
                page, lambda node: subscription_from_graphql(node, store=self.key),
                platform=PLATFORM, record="subscription",
            )
        return found

    async def cancel_subscription(self, contract_id: str, reason: str, idempotency_key: str) -> Subscription:
        """``subscriptionContractCancel`` has no reason field: the reason stays on the ticket.

        Cancelling is read-first (a cancelled contract is returned as is), so the key is not sent.
        """
        data = await self._query(q.GET_SUBSCRIPTION, {"id": contract_id})
        current = subscription_from_graphql(
            require(data.get("subscriptionContract"), f"subscription contract {contract_id}"), store=self.key
        )
        if current.status == SubscriptionStatus.CANCELLED:
            return current
        payload = await self._mutate(q.CANCEL_SUBSCRIPTION, {"id": contract_id}, "subscriptionContractCancel")
        return subscription_from_graphql(require(payload.get("contract"), "contract"), store=self.key)

    # ---- replacement orders and checkout links

    async def create_replacement_order(self, request: ReplacementRequest) -> Order:
        """A draft order at 100% discount, completed: Shopify's own path to a real order
        (``orderCreate`` is meant for importing orders and is unconfirmed across versions)."""
        tag = replacement_tag(request.idempotency_key)
        data = await self._query(q.DRAFT_ORDERS_BY_TAG, {"query": f"tag:{search_value(tag)}"})
        for draft in data["draftOrders"]["nodes"]:
            if draft.get("order"):
                return self._order(draft["order"])  # made before: return it
            if draft.get("status") == "OPEN":
                return await self._complete_draft(draft["id"])
        node = await self._order_node(request.order.id)
        original = self._order(node)
        node_lines = {line["id"]: line for line in node["lineItems"]["nodes"]}
        draft_input = {
            "email": original.email,
            "lineItems": [
                self._replacement_line(node_lines, line.line_item_id, line.quantity, original.number)
                for line in request.lines
            ],
            "appliedDiscount": {"value": 100.0, "valueType": "PERCENTAGE", "title": "Replacement"},
            "note": f"Replacement for {original.number}: {request.reason} "
            f"[hub-key:{request.idempotency_key}]",
            "tags": ["replacement", tag],
        }
        if original.customer_id:
            draft_input["purchasingEntity"] = {"customerId": original.customer_id}
        address = request.shipping_address or original.shipping_address
        if address is not None:
            draft_input["shippingAddress"] = mailing_address_input(address)
        payload = await self._mutate(q.DRAFT_ORDER_CREATE, {"input": draft_input}, "draftOrderCreate")
        return await self._complete_draft(require(payload.get("draftOrder"), "draft order")["id"])

    @staticmethod
    def _replacement_line(lines: dict[str, Any], line_id: str, quantity: int, number: str) -> dict[str, Any]:
        line = lines.get(line_id)
        if line is None:
            raise FatalError(PLATFORM, f"order {number} has no line {line_id}", field="lines.line_item_id")
        if quantity > int(line.get("quantity") or 0):
            raise FatalError(
                PLATFORM,
                f"order {number} line {line_id} has only {line.get('quantity')} "
                f"items; cannot replace {quantity}",
                field="lines.quantity",
            )
        if line.get("variant"):
            return {"variantId": line["variant"]["id"], "quantity": quantity}
        price = line["originalUnitPriceSet"]["shopMoney"]["amount"]
        return {
            "title": line.get("title") or line.get("name"),
            "originalUnitPrice": price,
            "quantity": quantity,
        }

    async def _complete_draft(self, draft_id: str) -> Order:
        payload = await self._mutate(q.DRAFT_ORDER_COMPLETE, {"id": draft_id}, "draftOrderComplete")
        draft = require(payload.get("draftOrder"), f"draft order {draft_id}")
        return self._order(require(draft.get("order"), f"order of draft {draft_id}"))

    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        """A draft order for the customer; its ``invoiceUrl`` is the link they pay through.

        Every SKU must be a product variant of the store (unknown SKUs are refused before
        anything is written). The draft is attached to the customer with exactly this email;
        when there is none and the request names the person, the customer is created first
        (``customerCreate``: a draft order has no name of its own, so this is how the name
        reaches the draft and the order). An existing customer's record is never changed from
        a checkout link. The name also goes on the shipping address when the address has
        none; the phone, the sales rep and the notes go on the draft.
        """
        variants = await self._variants_by_sku([p.sku for p in request.products])
        customer_id = await self._checkout_customer(request)
        attributes = [{"key": "sales_rep", "value": request.sales_rep}] if request.sales_rep else []
        attributes += [{"key": key, "value": value} for key, value in sorted(request.metadata.items())]
        draft_input: dict[str, Any] = {
            "email": request.email,
            "lineItems": [{"variantId": variants[p.sku], "quantity": p.quantity} for p in request.products],
            "customAttributes": attributes,
            "tags": ["hub-checkout"],
        }
        note = checkout_note(request)
        if note:
            draft_input["note"] = note
        if request.phone:
            draft_input["phone"] = request.phone
        if customer_id:
            draft_input["purchasingEntity"] = {"customerId": customer_id}
        if request.shipping_address is not None:
            address = request.shipping_address
            if not address.name and request.name:
                address = address.model_copy(update={"name": request.name})
            draft_input["shippingAddress"] = mailing_address_input(address)
        if request.discount_code:
            # DraftOrderInput.discountCodes (newer versions; exact first version unconfirmed).
            draft_input["discountCodes"] = [request.discount_code]
        payload = await self._mutate(q.DRAFT_ORDER_CREATE, {"input": draft_input}, "draftOrderCreate")
        return checkout_link_from_graphql(require(payload.get("draftOrder"), "draft order"), store=self.key)

    async def _checkout_customer(self, request: CheckoutLinkRequest) -> str | None:
        """The id of the customer with exactly the request's email; a new one when none has it
        and the request names the person; None when neither (the draft carries the email)."""
        found = await self._query(
            q.FIND_CUSTOMERS, {"query": f"email:{search_value(request.email)}", "first": 2}
        )
        # The draft is attached to the customer with exactly this email, never a near match.
        customers = exact_matches(found["customers"]["nodes"], request.email, _node_email, email_key)
        if len(customers) > 1:
            raise AmbiguousMatch(
                PLATFORM, f"{len(customers)} customers have the email {request.email}", code="ambiguous"
            )
        if customers:
            return str(customers[0]["id"])
        if not request.name:
            return None
        # Not blindly repeatable, but Shopify refuses a second customer with this email
        # ("Email has already been taken"), so a retried create cannot make two. The phone
        # stays on the draft only: Shopify refuses a customer whose phone another one has.
        customer_input = {
            "email": request.email,
            "firstName": request.first_name,
            "lastName": request.last_name,
            "tags": ["hub-checkout"],
        }
        payload = await self._mutate(
            q.CUSTOMER_CREATE, {"input": {k: v for k, v in customer_input.items() if v}}, "customerCreate"
        )
        return str(require(payload.get("customer"), "customer")["id"])

    async def _variants_by_sku(self, skus: list[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(skus))
        query = " OR ".join(f"sku:{search_value(sku)}" for sku in wanted)
        data = await self._query(q.VARIANTS_BY_SKU, {"query": query, "first": min(250, 2 * len(wanted))})
        by_sku: dict[str, str] = {}
        for node in data["productVariants"]["nodes"]:
            by_sku.setdefault(node.get("sku") or "", node["id"])
        missing = [sku for sku in wanted if sku not in by_sku]
        if missing:
            raise FatalError(
                PLATFORM,
                f"store {self.key} has no product variant with SKU {', '.join(missing)}",
                field="products.sku",
            )
        return by_sku


def checkout_note(request: CheckoutLinkRequest) -> str | None:
    """The draft order's note: who sold it and the agent's notes (None when neither)."""
    parts = [f"Sales rep: {request.sales_rep}" if request.sales_rep else None, request.notes]
    return "\n".join(part for part in parts if part) or None


def open_store(
    key: str, store: ShopifyStoreSettings, settings: ShopifySettings, context: HubContext
) -> ShopifyStore:
    """The store ``[plugins.shopify.stores.<key>]`` with its client open."""
    client = ShopifyClient(
        base_url=store.url,
        api_version=settings.api_version,
        access_token=store.access_token.get_secret_value(),
        limiter=_cost_bucket(context, key, settings),
        policy=settings.retry_policy(),
        transport=context.transport_for(PLATFORM),
        timeout=settings.timeout_seconds,
        max_query_cost=settings.max_query_cost,
    )
    return ShopifyStore(key, store.brand, client, idempotent_refunds=settings.idempotent_refunds)


def _cost_bucket(context: HubContext, key: str, settings: ShopifySettings) -> RateLimiter:
    """Shopify's bucket is per app and store: a limiter given for the store, else our own bucket."""
    # Not a Redis window even when one is configured: Shopify charges the requested cost up
    # front and refunds the unused part, which a shared window cannot give back (pacing at
    # requested cost would run far below the real limit). Every response reports the
    # store's one bucket (throttleStatus), which each worker's bucket adopts before sending.
    own = TokenBucketLimiter(settings.bucket_size, settings.restore_rate)
    return context.limiters.get(f"{PLATFORM}.{key}") or own
