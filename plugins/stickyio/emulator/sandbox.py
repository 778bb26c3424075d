"""The Sticky.io emulator as the sandbox runs it: one CRM instance per brand of the shared world."""

from __future__ import annotations

from hub.sandbox.world import SandboxApp, SandboxWorld
from plugins.stickyio.emulator import create_app, seed_from_world

NAME = "stickyio"


def sandbox_app(world: SandboxWorld) -> SandboxApp | None:
    """The emulator seeded with the world's Sticky.io shoppers, and settings reaching it."""
    if not world.people_on(NAME):
        return None
    instances, settings = seed_from_world(world)
    # The sandbox serves faster than a real CRM; config/sandbox.toml paces the client to match.
    app = create_app(instances, limit=6000, method_limits={})
    return SandboxApp(name=NAME, app=app, settings=settings, state=app.state.emulator)
