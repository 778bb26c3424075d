"""Sticky.io hook implementations: route each hook to the store (brand) that owns the record."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

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
from hub.core.plugin import HubContext, Kind, MultiStorePlugin
from hub.sandbox.world import SandboxApp, SandboxWorld
from plugins.stickyio.client import PLATFORM, StickyioClient
from plugins.stickyio.operations import StickyStore
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

    @hookimpl
    def hub_sandbox(self, world: SandboxWorld, kind: Kind) -> SandboxApp | None:
        """The emulator seeded with the world's Sticky.io shoppers, and settings reaching it."""
        # The emulator is sandbox-only code: a production hub never imports it.
        from plugins.stickyio.emulator import create_app, seed_from_world
        if kind is not Kind.COMMERCE or not world.people_on(self.name):
            return None
        instances, settings = seed_from_world(world)
        # The sandbox serves faster than a real CRM; config/sandbox.toml paces the client to match.
        app = create_app(instances, limit=6000, method_limits={})
        return SandboxApp(name=self.name, app=app, settings=settings, state=app.state.emulator)

    async def start(self, context: HubContext) -> None:
        settings: StickyioSettings = self.settings
        transport = context.transport_for(self.name)
        policy = settings.retry_policy()
        for key, store in settings.stores.items():
            # On top of the per-method limits, a deployment may share one allowance per store.
            shared = context.limiters.get(self.name) or (
                context.shared.window(
                    f"{self.name}.{key}", settings.requests_per_window, settings.window_seconds
                )
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
                policy=policy,
                transport=transport,
                timeout=settings.timeout_seconds,
            )
            self.stores[key] = StickyStore(key, store, client, settings.order_view_batch)

    def _store(self, store_key: str | None) -> StickyStore:
        return self.store_for(store_key)

    # ------------------------------------------------------------------ look-ups

    @hookimpl
    def commerce_list_orders(self, customer: Ref) -> Awaitable[list[Order]] | None:
        if not self.owns(customer):
            return None
        return self._call(customer.store, "list_orders", customer.id)

    @hookimpl
    def commerce_get_order(self, ref: Ref) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self._call(ref.store, "get_order", ref.id)

    @hookimpl
    def commerce_list_subscriptions(self, customer: Ref) -> Awaitable[list[Subscription]] | None:
        if not self.owns(customer):
            return None
        return self._call(customer.store, "list_subscriptions", customer.id)

    # ------------------------------------------------------------------ actions

    @hookimpl
    def commerce_refund_order(self, request: RefundRequest) -> Awaitable[Refund] | None:
        if not self.owns(request.order):
            return None
        return self._call(request.order.store, "refund", request)

    @hookimpl
    def commerce_cancel_subscription(
        self, ref: Ref, reason: str, idempotency_key: str
    ) -> Awaitable[Subscription] | None:
        if not self.owns(ref):
            return None
        return self._call(ref.store, "cancel_subscription", ref.id, reason, idempotency_key)

    @hookimpl
    def commerce_change_shipping_address(self, ref: Ref, address: Address) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self._call(ref.store, "change_shipping_address", ref.id, address)

    @hookimpl
    def commerce_create_replacement_order(self, request: ReplacementRequest) -> Awaitable[Order] | None:
        if not self.owns(request.order):
            return None
        return self._call(request.order.store, "create_replacement", request)

    @hookimpl
    def commerce_create_checkout_link(self, request: CheckoutLinkRequest) -> Awaitable[CheckoutLink] | None:
        if not self.owns(request):
            return None
        return self._call(request.store, "create_checkout_link", request)

    async def _call(self, store_key: str | None, operation: str, *args: Any) -> Any:
        """Resolve the store when awaited, so an unknown store is an error, not a routing miss."""
        store = self._store(store_key)
        return await getattr(store, operation)(*args)
