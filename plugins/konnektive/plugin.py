"""Konnektive (Checkout Champ) hook implementations: one store per brand, found by ``ref.store``."""

from __future__ import annotations

from collections.abc import AsyncIterator

from hub.core.errors import MappingError
from hub.core.hookspecs import hookimpl
from hub.core.models import (
    Address,
    CheckoutLink,
    CheckoutLinkRequest,
    Order,
    Ref,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
)
from hub.core.plugin import Kind, MultiStorePlugin
from plugins.konnektive.operations import KonnektiveStore, open_store
from plugins.konnektive.settings import KonnektiveSettings


class KonnektivePlugin(MultiStorePlugin[KonnektiveStore]):
    """Customers, orders, refunds, purchases (subscriptions), replacements and checkout links on
    Konnektive. Konnektive mints no hosted checkout URL: a checkout link is the brand's funnel
    page (``checkout_url``) with the cart and the customer in its query, the customer imported
    as a lead first (``/leads/import/``, the partial order the funnel completes)."""

    name = "konnektive"
    platform_label = "Konnektive"
    kinds = (Kind.COMMERCE,)
    unsupported = {
        "commerce_update_consent": (
            "Konnektive's customer API has no email/SMS/phone marketing-consent fields "
            "(only a one-way do-not-contact blacklist that cannot be read back)"
        ),
    }
    settings_model = KonnektiveSettings
    description = "Konnektive / Checkout Champ CRM: one account per brand"

    open_store = staticmethod(open_store)

    @hookimpl
    def commerce_list_orders(self, customer: Ref) -> AsyncIterator[list[Order | MappingError]]:
        return self.store_of(customer).list_orders(customer.id)

    @hookimpl
    async def commerce_get_order(self, ref: Ref) -> Order:
        return await self.store_of(ref).get_order(ref.id)

    @hookimpl
    async def commerce_list_subscriptions(self, customer: Ref) -> list[Subscription]:
        return await self.store_of(customer).list_subscriptions(customer.id)

    @hookimpl
    async def commerce_refund_order(self, request: RefundRequest) -> Refund:
        return await self.store_of(request.order).refund_order(request)

    @hookimpl
    async def commerce_cancel_subscription(self, ref: Ref, reason: str, idempotency_key: str) -> Subscription:
        return await self.store_of(ref).cancel_subscription(ref.id, reason, idempotency_key)

    @hookimpl
    async def commerce_change_shipping_address(self, ref: Ref, address: Address) -> Order:
        return await self.store_of(ref).change_shipping_address(ref.id, address)

    @hookimpl
    async def commerce_create_replacement_order(self, request: ReplacementRequest) -> Order:
        return await self.store_of(request.order).create_replacement_order(request)

    @hookimpl
    async def commerce_create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        return await self.store_of(request).create_checkout_link(request)
