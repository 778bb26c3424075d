"""The Intercom emulator as the sandbox runs it: the world's people as contacts, and their tickets."""

from __future__ import annotations

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host
from plugins.intercom.emulator import SANDBOX_TOKEN, create_app, seed_from_world
from plugins.intercom.emulator.setup_api import without_catalog

NAME = "intercom"


def sandbox_app(world: SandboxWorld) -> SandboxApp:
    """The emulator seeded from ``world``, and the settings reaching it as "Hub Automation".

    An ``empty`` world gives a workspace as a new one is: none of the hub's data attributes or
    ticket types (so no tickets), for ``hub setup`` to create.
    """
    workspace = seed_from_world(world)
    if world.empty:
        without_catalog(workspace)
    settings = {
        "access_token": SANDBOX_TOKEN,
        "admin_id": next(iter(workspace.admins)),  # "Hub Automation" writes the notes
        "base_url": sandbox_host(NAME),
        "client_secret": "sandbox-intercom-client-secret",  # signs webhooks and the inbox app
    }
    return SandboxApp(name=NAME, app=create_app(workspace), settings=settings, state=workspace)
