"""Konnektive (Checkout Champ) hook implementations: one store per brand, routed by ``ref.store``."""

from __future__ import annotations

from collections.abc import Awaitable
from zoneinfo import ZoneInfo

from hub.core.hookspecs import hookimpl
from hub.core.http import SlidingWindowLimiter
from hub.core.models import (
    Address,
    Order,
    Ref,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
)
from hub.core.plugin import HubContext, Kind, MultiStorePlugin
from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.konnektive import mapping
from plugins.konnektive.client import KonnektiveClient
from plugins.konnektive.mapping import StoreView
from plugins.konnektive.operations import KonnektiveStore
from plugins.konnektive.settings import KonnektiveSettings


class KonnektivePlugin(MultiStorePlugin[KonnektiveStore]):
    """Customers, orders, refunds, purchases (subscriptions) and replacements on Konnektive."""

    name = "konnektive"
    platform_label = "Konnektive"
    kinds = (Kind.COMMERCE,)
    unsupported = {
        "commerce_create_checkout_link": (
            "Konnektive has no API that mints a hosted checkout URL; checkout pages are funnels "
            "built in the CRM"
        ),
        "commerce_update_consent": (
            "Konnektive's customer API has no email/SMS/phone marketing-consent fields "
            "(only a one-way do-not-contact blacklist that cannot be read back)"
        ),
    }
    settings_model = KonnektiveSettings
    description = "Konnektive / Checkout Champ CRM: one account per brand"

    async def start(self, context: HubContext) -> None:
        settings: KonnektiveSettings = self.settings
        policy = settings.retry_policy()
        for key, store in settings.stores.items():
            # Each store is its own Konnektive account, so each gets its own gentle pace.
            limiter = context.rate_limiter(
                f"{self.name}.{key}",
                settings.requests_per_window,
                settings.window_seconds,
                lambda: SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
            )
            client = KonnektiveClient(
                key,
                store,
                limiter=limiter,
                transport=context.transport_for(self.name),
                results_per_page=settings.results_per_page,
                timeout=settings.timeout_seconds,
                policy=policy,
            )
            self.stores[key] = KonnektiveStore(client, compute_summary=settings.compute_customer_summary)

    @hookimpl
    def hub_sandbox(self, world: SandboxWorld, kind: Kind) -> SandboxApp | None:
        """The emulator with the world's Konnektive brands; their orders join the world."""
        # The emulator is sandbox-only code: a production hub never imports it.
        from plugins.konnektive.emulator import brand_slug, create_app, sandbox_stores, seed_from_world
        if kind is not Kind.COMMERCE or not world.brands_on(self.name):
            return None
        seed = seed_from_world(world)
        app = create_app(seed)
        stores = sandbox_stores(seed, sandbox_host(self.name))
        for account in seed.accounts:
            view = StoreView(
                key=brand_slug(account.brand), brand=account.brand, currency="USD", zone=ZoneInfo("UTC")
            )
            world.orders.extend(
                mapping.order(raw, view) for raw in seed.orders if raw["_brand"] == account.brand
            )
            world.subscriptions.extend(
                mapping.subscription(raw, view) for raw in seed.purchases if raw["_brand"] == account.brand
            )
        return SandboxApp(name=self.name, app=app, settings={"stores": stores}, state=app.state.emulator)

    def _store(self, ref: Ref) -> KonnektiveStore:
        return self.store_for(ref.store)

    # ------------------------------------------------------------------ look-ups

    @hookimpl
    def commerce_list_orders(self, customer: Ref) -> Awaitable[list[Order]] | None:
        if not self.owns(customer):
            return None
        return self._store(customer).orders_of(customer.id)

    @hookimpl
    def commerce_get_order(self, ref: Ref) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self._store(ref).get_order(ref.id)

    @hookimpl
    def commerce_list_subscriptions(self, customer: Ref) -> Awaitable[list[Subscription]] | None:
        if not self.owns(customer):
            return None
        return self._store(customer).subscriptions_of(customer.id)

    # ------------------------------------------------------------------ actions

    @hookimpl
    def commerce_refund_order(self, request: RefundRequest) -> Awaitable[Refund] | None:
        if not self.owns(request.order):
            return None
        return self._store(request.order).refund(request)

    @hookimpl
    def commerce_cancel_subscription(
        self, ref: Ref, reason: str, idempotency_key: str
    ) -> Awaitable[Subscription] | None:
        if not self.owns(ref):
            return None
        return self._store(ref).cancel_subscription(ref.id, reason, idempotency_key)

    @hookimpl
    def commerce_change_shipping_address(self, ref: Ref, address: Address) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self._store(ref).change_shipping_address(ref.id, address)

    @hookimpl
    def commerce_create_replacement_order(self, request: ReplacementRequest) -> Awaitable[Order] | None:
        if not self.owns(request.order):
            return None
        return self._store(request.order).create_replacement(request)
