"""The Intercom emulator as the sandbox runs it: the world's people as contacts, and their tickets."""

from __future__ import annotations

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.intercom.emulator import SANDBOX_TOKEN, create_app, seed_from_world

NAME = "intercom"


def sandbox_app(world: SandboxWorld) -> SandboxApp:
    """The emulator seeded from ``world``, and the settings reaching it as "Hub Automation"."""
    workspace = seed_from_world(world)
    settings = {
        "access_token": SANDBOX_TOKEN,
        "admin_id": next(iter(workspace.admins)),  # "Hub Automation" writes the notes
        "base_url": sandbox_host(NAME),
        "client_secret": "sandbox-intercom-client-secret",  # signs webhooks and the inbox app
    }
    return SandboxApp(name=NAME, app=create_app(workspace), settings=settings, state=workspace)
