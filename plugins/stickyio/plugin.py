"""Sticky.io hook implementations: one CRM instance per brand, found by ``ref.store``."""

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
from plugins.stickyio.client import PLATFORM
from plugins.stickyio.operations import StickyStore, open_store
from plugins.stickyio.settings import StickyioSettings


class StickyioPlugin(MultiStorePlugin[StickyStore]):
    """Sticky.io (formerly LimeLight) CRM instances, one per brand, over the v1 JSON API."""

    name = PLATFORM
    platform_label = "Sticky.io"
    kinds = (Kind.COMMERCE,)
    unsupported = {
        "commerce_update_consent": "Sticky.io's v1 API has no marketing-consent fields on customers "
        "or orders (email/SMS opt-in is kept by the merchant's funnel or ESP)",
    }
    settings_model = StickyioSettings
    description = "Sticky.io CRM (v1 JSON API): orders, refunds, recurring orders, prospects"
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
