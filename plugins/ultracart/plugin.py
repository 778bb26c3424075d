"""UltraCart hook implementations: one merchant account per brand, found by ``ref.store``."""

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
from hub.core.webhooks import WebhookEvent as VerifiedEvent
from plugins.ultracart import webhooks
from plugins.ultracart.client import PLATFORM
from plugins.ultracart.mapping import WebhookEvent, webhook_body, webhook_events
from plugins.ultracart.operations import UltracartStore, open_store
from plugins.ultracart.settings import UltracartSettings


class UltracartPlugin(MultiStorePlugin[UltracartStore]):
    """UltraCart REST v2: customers, orders, refunds, auto orders, replacements, checkout hand-off.

    Several merchant accounts (one per brand) run side by side under ``stores``; every record
    carries its store key and brand. Email consent is changed through a configured email list;
    SMS/phone consent is read-only on UltraCart (recorded at checkout) and refused when asked.
    """

    name = PLATFORM
    platform_label = "UltraCart"
    kinds = (Kind.COMMERCE,)
    settings_model = UltracartSettings
    description = "UltraCart REST API v2 (simple key), one merchant account per brand"
    open_store = staticmethod(open_store)

    @hookimpl
    def hub_webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> VerifiedEvent:
        """Verify and read a delivery addressed to this platform (``webhooks.read_webhook``)."""
        return webhooks.read_webhook(self.settings, headers, body)

    def webhook_events(self, raw: bytes | str) -> list[WebhookEvent]:
        """Events of a webhook delivery, each with a ref into the store of its merchant id."""
        by_merchant = {key: store.settings.merchant_id for key, store in self.stores.items()}
        return webhook_events(webhook_body(raw), {m: key for key, m in by_merchant.items() if m})

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
