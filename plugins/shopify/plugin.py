"""Shopify hook implementations (GraphQL Admin API, one store per brand)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from hub.core.hookspecs import hookimpl
from hub.core.http import RateLimiter, TokenBucketLimiter
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
from hub.core.plugin import HubContext, Kind, MultiStorePlugin
from hub.core.webhooks import WebhookEvent
from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.shopify import webhooks
from plugins.shopify.client import PLATFORM, ShopifyClient
from plugins.shopify.operations import ShopifyStore
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

    async def start(self, context: HubContext) -> None:
        settings: ShopifySettings = self.settings
        policy = settings.retry_policy()
        for key, store in settings.stores.items():
            client = ShopifyClient(
                base_url=store.url,
                api_version=settings.api_version,
                access_token=store.access_token.get_secret_value(),
                limiter=self._limiter(context, key, settings),
                policy=policy,
                transport=context.transport_for(self.name),
                timeout=settings.timeout_seconds,
                max_query_cost=settings.max_query_cost,
            )
            self.stores[key] = ShopifyStore(
                key, store.brand, client, idempotent_refunds=settings.idempotent_refunds
            )

    def _limiter(self, context: HubContext, key: str, settings: ShopifySettings) -> RateLimiter:
        """Shopify's bucket is per app and store: a limiter given for the store, else our own bucket."""
        # Not a Redis window even when one is configured: Shopify charges the requested cost up
        # front and refunds the unused part, which a shared window cannot give back (pacing at
        # requested cost would run far below the real limit). Every response reports the
        # store's one bucket (throttleStatus), which each worker's bucket adopts before sending.
        return context.limiters.get(f"{self.name}.{key}") or TokenBucketLimiter(
            settings.bucket_size, settings.restore_rate
        )

    def _store(self, ref: Ref | None, store_key: str | None = None) -> ShopifyStore:
        return self.store_for(
            store_key if store_key is not None else (ref.store if ref is not None else None)
        )

    # ---- collecting look-ups

    @hookimpl
    def hub_webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        """Verify and read a delivery addressed to this platform (``webhooks.read_webhook``)."""
        if platform != self.name or not self.enabled:
            return None
        return webhooks.read_webhook(self.settings, headers, body)

    @hookimpl
    def hub_sandbox(self, world: SandboxWorld, kind: Kind) -> SandboxApp | None:
        """The GraphQL emulator with the world's Shopify brands (their orders join the world)."""
        # The emulator is sandbox-only code: a production hub never imports it.
        from plugins.shopify.emulator import create_app
        from plugins.shopify.emulator.seed import sandbox_stores, seed_from_world
        if kind is not Kind.COMMERCE or not world.brands_on(self.name):
            return None
        state = seed_from_world(world)
        stores = {
            key: store
            for key, store in sandbox_stores(sandbox_host(self.name)).items()
            if store["brand"] in world.brands_on(self.name)
        }
        return SandboxApp(name=self.name, app=create_app(state), settings={"stores": stores}, state=state)

    # ---- actions on one record

    @hookimpl
    def commerce_list_orders(self, customer: Ref) -> Awaitable[list[Order]] | None:
        if not self.owns(customer):
            return None
        return self._call(lambda: self._store(customer).list_orders(customer.id))

    @hookimpl
    def commerce_get_order(self, ref: Ref) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self._call(lambda: self._store(ref).get_order(ref.id))

    @hookimpl
    def commerce_refund_order(self, request: RefundRequest) -> Awaitable[Refund] | None:
        if not self.owns(request.order):
            return None
        return self._call(lambda: self._store(request.order).refund_order(request))

    @hookimpl
    def commerce_list_subscriptions(self, customer: Ref) -> Awaitable[list[Subscription]] | None:
        if not self.owns(customer):
            return None
        return self._call(lambda: self._store(customer).list_subscriptions(customer.id))

    @hookimpl
    def commerce_cancel_subscription(
        self, ref: Ref, reason: str, idempotency_key: str
    ) -> Awaitable[Subscription] | None:
        if not self.owns(ref):
            return None
        # Cancelling is read-first (a cancelled contract is returned as is), so the key is not needed.
        return self._call(lambda: self._store(ref).cancel_subscription(ref.id))

    @hookimpl
    def commerce_change_shipping_address(self, ref: Ref, address: Address) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self._call(lambda: self._store(ref).change_shipping_address(ref.id, address))

    @hookimpl
    def commerce_create_replacement_order(self, request: ReplacementRequest) -> Awaitable[Order] | None:
        if not self.owns(request.order):
            return None
        return self._call(lambda: self._store(request.order).create_replacement_order(request))

    @hookimpl
    def commerce_create_checkout_link(self, request: CheckoutLinkRequest) -> Awaitable[CheckoutLink] | None:
        if not self.owns(request):
            return None
        return self._call(lambda: self._store(None, request.store).create_checkout_link(request))

    @hookimpl
    def commerce_update_consent(self, customer: Ref, consent: Consent) -> Awaitable[Customer] | None:
        if not self.owns(customer):
            return None
        return self._call(lambda: self._store(customer).update_consent(customer.id, consent))

    @staticmethod
    async def _call(operation: Any) -> Any:
        """Resolve the store inside the coroutine, so a bad store key fails when awaited."""
        return await operation()
