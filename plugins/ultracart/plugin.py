"""UltraCart hook implementations: route each hook to the store (brand) that owns the record."""

from __future__ import annotations

from collections.abc import Awaitable

from hub.core.hookspecs import hookimpl
from hub.core.http import SlidingWindowLimiter
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
from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.ultracart.client import PLATFORM, UltracartClient
from plugins.ultracart.mapping import WebhookEvent, webhook_body, webhook_events
from plugins.ultracart.operations import UltracartStore
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
    unsupported: dict[str, str] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self, context: HubContext) -> None:
        settings: UltracartSettings = self.settings
        transport = context.transport_for(self.name)
        for key, store in settings.stores.items():
            # The limit is per application key, so each store gets its own pacing.
            limiter = context.rate_limiter(
                f"{self.name}.{key}",
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
                transport=transport,
                timeout=settings.timeout_seconds,
                policy=settings.retry_policy(),
                page_size=settings.page_size,
            )
            self.stores[key] = UltracartStore(
                key, store, client, skip_customer_notification=settings.skip_customer_notification
            )

    def webhook_events(self, raw: bytes | str) -> list[WebhookEvent]:
        """Events of a webhook delivery, each with a ref into the store of its merchant id."""
        by_merchant = {
            store.settings.merchant_id: key
            for key, store in self.stores.items()
            if store.settings.merchant_id
        }
        return webhook_events(webhook_body(raw), by_merchant)

    @hookimpl
    def hub_sandbox(self, world: SandboxWorld, kind: Kind) -> SandboxApp | None:
        # The emulator is sandbox-only code: a production hub never imports it.
        from plugins.ultracart.emulator import create_app, seed_from_world
        if kind is not Kind.COMMERCE or not world.people_on(self.name):
            return None
        state, settings = seed_from_world(world, base_url=f"{sandbox_host(self.name)}/rest/v2")
        return SandboxApp(name=self.name, app=create_app(state), settings=settings, state=state)

    # ------------------------------------------------------------------ commerce hooks

    @hookimpl
    def commerce_list_orders(self, customer: Ref) -> Awaitable[list[Order]] | None:
        if not self.owns(customer):
            return None
        return self.store_for(customer.store).list_orders(customer.id)

    @hookimpl
    def commerce_get_order(self, ref: Ref) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self.store_for(ref.store).get_order(ref.id)

    @hookimpl
    def commerce_refund_order(self, request: RefundRequest) -> Awaitable[Refund] | None:
        if not self.owns(request.order):
            return None
        return self.store_for(request.order.store).refund(request)

    @hookimpl
    def commerce_list_subscriptions(self, customer: Ref) -> Awaitable[list[Subscription]] | None:
        if not self.owns(customer):
            return None
        return self.store_for(customer.store).list_subscriptions(customer.id)

    @hookimpl
    def commerce_cancel_subscription(
        self, ref: Ref, reason: str, idempotency_key: str
    ) -> Awaitable[Subscription] | None:
        if not self.owns(ref):
            return None
        return self.store_for(ref.store).cancel_subscription(ref.id, reason, idempotency_key)

    @hookimpl
    def commerce_change_shipping_address(self, ref: Ref, address: Address) -> Awaitable[Order] | None:
        if not self.owns(ref):
            return None
        return self.store_for(ref.store).change_shipping_address(ref.id, address)

    @hookimpl
    def commerce_create_replacement_order(self, request: ReplacementRequest) -> Awaitable[Order] | None:
        if not self.owns(request.order):
            return None
        return self.store_for(request.order.store).create_replacement(request)

    @hookimpl
    def commerce_create_checkout_link(self, request: CheckoutLinkRequest) -> Awaitable[CheckoutLink] | None:
        if not self.owns(request):
            return None
        return self.store_for(request.store).create_checkout_link(request)

    @hookimpl
    def commerce_update_consent(self, customer: Ref, consent: Consent) -> Awaitable[Customer] | None:
        if not self.owns(customer):
            return None
        return self.store_for(customer.store).update_consent(customer, consent)
