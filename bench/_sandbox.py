"""The sandbox's emulators served on loopback (one process each), and a hub pointed at them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
from _common import ROOT, NoLimits, Served

from hub.core.config import HubConfig, config_from_mapping
from hub.core.manager import Hub, built_in_plugins, get_plugin_manager, settings_models
from hub.engine import Runtime
from hub.sandbox import SANDBOX_CONFIG, Sandbox
from hub.sandbox.world import SandboxApp


def build(per_brand: int, calls: int = 0, only: list[str] | None = None) -> Sandbox:
    """A seeded sandbox; ``calls`` replaces Aircall's 60 calls with that many, from the world's people."""
    # The six built-ins unless told otherwise: a half-installed third-party plugin is not measured.
    pm = get_plugin_manager(only or list(built_in_plugins()))
    sandbox = Sandbox(pm, per_brand=per_brand)
    sandbox.build()
    if calls and "aircall" in sandbox.apps:
        from plugins.aircall.emulator import build_seed, create_app

        assert sandbox.world is not None
        book: dict[str, list[str]] = {}
        for person in sandbox.world.people:
            book.setdefault(person.brand, []).append(person.phone)
        seed = build_seed(
            sandbox.world.seed, now=int(sandbox.world.now.timestamp()), calls=calls, customer_numbers=book
        )
        app = create_app(seed)
        old = sandbox.apps["aircall"]
        sandbox.apps["aircall"] = SandboxApp("aircall", app, old.settings, app.state.emulator)
    return sandbox


@contextlib.contextmanager
def served(sandbox: Sandbox) -> Iterator[dict[str, Served]]:
    """Every emulator of ``sandbox`` in its own process (each a copy of the seeded state)."""
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(Served(lambda app=app: app.app))
            for name, app in sorted(sandbox.apps.items())
        }


def config(sandbox: Sandbox, servers: dict[str, Served], database: Path) -> HubConfig:
    urls = {name: server.url for name, server in servers.items()}
    raw = sandbox.raw_config(ROOT / SANDBOX_CONFIG, database_url=f"sqlite:///{database}", base_urls=urls)
    return config_from_mapping(raw, source=str(SANDBOX_CONFIG), models=settings_models(sandbox.pm))


def runtime(
    sandbox: Sandbox,
    servers: dict[str, Served],
    database: Path,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> Runtime:
    return Runtime.from_config(sandbox.pm, config(sandbox, servers, database), transports=transports)


def hub(run: Runtime, limits_off: bool = True) -> Hub:
    return Hub(run.pm, run.config, transports=run.transports, limiters=NoLimits() if limits_off else None)
