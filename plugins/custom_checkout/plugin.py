"""Custom checkout hook implementation: checkout links on the team's own cart, one store per brand.

For brands that sell through a cart of their own (not one of the built-in platforms): the link
is built from a URL template, or answered by the team's endpoint to a signed POST. It only makes
links; it holds no customers or orders, so it takes no part in look-ups.
"""

from __future__ import annotations

from collections.abc import Awaitable

from hub.core.doctor import Check
from hub.core.errors import FatalError
from hub.core.hookspecs import hookimpl
from hub.core.models import CheckoutLink, CheckoutLinkRequest
from hub.core.plugin import HubContext, Kind, Plugin
from plugins.custom_checkout.client import PLATFORM
from plugins.custom_checkout.operations import CustomCheckoutStore, open_store
from plugins.custom_checkout.settings import CustomCheckoutSettings

_ONLY_LINKS = "custom checkout only makes checkout links: the brand's records live elsewhere"


class CustomCheckoutPlugin(Plugin):
    """Checkout links from a URL template or the team's signed endpoint (``[plugins.custom_checkout]``)."""

    name = PLATFORM
    kinds = (Kind.COMMERCE,)
    settings_model = CustomCheckoutSettings
    description = "Custom checkout: links on the team's own cart (URL template or signed endpoint)"
    unsupported = {
        "commerce_find_customers": _ONLY_LINKS,
        "commerce_list_orders": _ONLY_LINKS,
        "commerce_get_order": _ONLY_LINKS,
        "commerce_refund_order": _ONLY_LINKS,
        "commerce_list_subscriptions": _ONLY_LINKS,
        "commerce_cancel_subscription": _ONLY_LINKS,
        "commerce_change_shipping_address": _ONLY_LINKS,
        "commerce_create_replacement_order": _ONLY_LINKS,
        "commerce_update_consent": _ONLY_LINKS,
    }

    def __init__(self) -> None:
        super().__init__()
        self.stores: dict[str, CustomCheckoutStore] = {}

    async def start(self, context: HubContext) -> None:
        for key, store in self.settings.stores.items():
            self.stores[key] = open_store(key, store, self.settings, context)

    async def stop(self) -> None:
        stores, self.stores = self.stores, {}
        for store in stores.values():
            await store.client.aclose()

    def store_for(self, key: str | None) -> CustomCheckoutStore:
        """The store ``key`` names; with one store configured, a request naming none means it."""
        if key is None and len(self.stores) == 1:
            return next(iter(self.stores.values()))
        if key not in self.stores:
            known = ", ".join(sorted(self.stores)) or "none"
            raise FatalError(
                PLATFORM, f"unknown custom checkout store {key!r} (configured: {known})", field="store"
            )
        return self.stores[key]

    @hookimpl
    def hub_check(self) -> Awaitable[list[Check]] | None:
        """One ``configuration`` row per store (``CustomCheckoutStore.check``)."""
        if not self.enabled:
            return None
        return self._check_stores()

    async def _check_stores(self) -> list[Check]:
        return [row for store in self.stores.values() for row in store.check()]

    @hookimpl
    async def commerce_create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        return await self.store_for(request.store).create_checkout_link(request)
