"""The Shopify emulator as the sandbox runs it: the world's Shopify brands, one store each."""

from __future__ import annotations

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.shopify.emulator import EmulatorState, create_app
from plugins.shopify.emulator.seed import sandbox_stores, seed_from_world

NAME = "shopify"
PLUS_PLAN = {"bucket_size": 20_000.0, "restore_rate": 1_000.0}
"""The sandbox's stores are on Shopify Plus: 1,000 points restored a second (the published rate,
``shared/reference/shopify.md`` §2) and a bucket of 20 seconds of it, as the Standard plan's
2,000 / 100. The emulator still charges, throttles and reports every query's cost as Shopify
does; on the Standard plan the demo spent most of its time waiting for points to come back to
a bucket that an in-process emulator, answering at once, had no need of."""


def sandbox_app(world: SandboxWorld) -> SandboxApp | None:
    """The GraphQL emulator with the world's Shopify brands (their orders join the world)."""
    brands = world.brands_on(NAME)
    if not brands:
        return None
    state = seed_from_world(world, EmulatorState(**PLUS_PLAN))
    stores = {
        key: store for key, store in sandbox_stores(sandbox_host(NAME)).items() if store["brand"] in brands
    }
    # The client starts from the same bucket (it then follows what each answer reports).
    return SandboxApp(name=NAME, app=create_app(state), settings={"stores": stores, **PLUS_PLAN}, state=state)
