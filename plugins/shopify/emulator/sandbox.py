"""The Shopify emulator as the sandbox runs it: the world's Shopify brands, one store each."""

from __future__ import annotations

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.shopify.emulator import create_app
from plugins.shopify.emulator.seed import sandbox_stores, seed_from_world

NAME = "shopify"


def sandbox_app(world: SandboxWorld) -> SandboxApp | None:
    """The GraphQL emulator with the world's Shopify brands (their orders join the world)."""
    brands = world.brands_on(NAME)
    if not brands:
        return None
    state = seed_from_world(world)
    stores = {
        key: store for key, store in sandbox_stores(sandbox_host(NAME)).items() if store["brand"] in brands
    }
    return SandboxApp(name=NAME, app=create_app(state), settings={"stores": stores}, state=state)
