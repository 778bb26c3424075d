"""Shopify hook implementations (GraphQL Admin API, one store per brand)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from hub.core.errors import MappingError
from hub.core.hookspecs import hookimpl
from hub.core.models import (
    Address,
    CheckoutLink,
    CheckoutLinkRequest,
    Consent,
    Customer,
    Order,
    Ref,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
)
from hub.core.plugin import Kind, MultiStorePlugin
from hub.core.webhooks import WebhookEvent
from plugins.shopify import webhooks
from plugins.shopify.client import PLATFORM
from plugins.shopify.operations import ShopifyStore, open_store
from plugins.shopify.settings import ShopifySettings


class ShopifyPlugin(MultiStorePlugin[ShopifyStore]):
    """Shopify stores through the GraphQL Admin API, paced by each store's cost bucket."""

    name = PLATFORM
    platform_label = "Shopify"
    kinds = (Kind.COMMERCE,)
    settings_model = ShopifySettings
    description = (
        "Shopify GraphQL Admin API. Subscriptions are the contracts this app owns (third-party "
        "subscription apps keep their own); marketing consent covers email and SMS, not phone."
    )
    open_store = staticmethod(open_store)

    @hookimpl
    def hub_webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify and read a delivery addressed to this platform (``webhooks.read_webhook``)."""
        return webhooks.read_webhook(self.settings, headers, body)

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

    @hookimpl
    async def commerce_update_consent(self, customer: Ref, consent: Consent) -> Customer:
        return await self.store_of(customer).update_consent(customer.id, consent)
