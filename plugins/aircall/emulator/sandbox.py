"""The Aircall emulator as the sandbox runs it: calls from the world's customers (and strangers)."""

from __future__ import annotations

from hub.sandbox.world import BRANDS, SandboxApp, SandboxWorld, sandbox_host
from plugins.aircall.emulator import DEMO_API_ID, DEMO_API_TOKEN, build_seed, create_app

NAME = "aircall"


def sandbox_app(world: SandboxWorld) -> SandboxApp:
    """The emulator seeded with calls from up to four customers per brand, and settings reaching it."""
    numbers = {brand: [p.phone for p in world.people if p.brand == brand][:4] for brand in BRANDS}
    app = create_app(build_seed(world.seed, now=int(world.now.timestamp()), customer_numbers=numbers))
    settings = {
        "api_id": DEMO_API_ID,
        "api_token": DEMO_API_TOKEN,
        "webhook_token": "sandbox-aircall-webhook-token",
        "base_url": f"{sandbox_host(NAME)}/v1",
    }
    return SandboxApp(name=NAME, app=app, settings=settings, state=app.state.emulator)
