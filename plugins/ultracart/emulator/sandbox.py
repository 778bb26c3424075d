"""The UltraCart emulator as the sandbox runs it: one merchant per brand of the shared world."""

from __future__ import annotations

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.ultracart.emulator import create_app, seed_from_world

NAME = "ultracart"


def sandbox_app(world: SandboxWorld) -> SandboxApp | None:
    """The REST v2 emulator seeded with the world's UltraCart shoppers, and settings reaching it."""
    if not world.people_on(NAME):
        return None
    state, settings = seed_from_world(world, base_url=f"{sandbox_host(NAME)}/rest/v2")
    return SandboxApp(name=NAME, app=create_app(state), settings=settings, state=state)
