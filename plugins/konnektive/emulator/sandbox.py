"""The Konnektive emulator as the sandbox runs it: one account per brand of the shared world."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.konnektive import mapping
from plugins.konnektive.emulator import brand_slug, create_app, sandbox_stores, seed_from_world
from plugins.konnektive.mapping import StoreView

NAME = "konnektive"


def sandbox_app(world: SandboxWorld) -> SandboxApp | None:
    """The emulator with the world's Konnektive brands; their orders and purchases join the world."""
    if not world.brands_on(NAME):
        return None
    seed = seed_from_world(world)
    app = create_app(seed)
    for account in seed.accounts:
        view = StoreView(
            key=brand_slug(account.brand), brand=account.brand, currency="USD", zone=ZoneInfo("UTC")
        )
        world.orders.extend(mapping.order(raw, view) for raw in seed.orders if raw["_brand"] == account.brand)
        world.subscriptions.extend(
            mapping.subscription(raw, view) for raw in seed.purchases if raw["_brand"] == account.brand
        )
    settings = {"stores": sandbox_stores(seed, sandbox_host(NAME))}
    return SandboxApp(name=NAME, app=app, settings=settings, state=app.state.emulator)
