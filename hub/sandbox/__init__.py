"""The sandbox: every plugin's emulator, seeded from one world, wired in place of the network.

``Sandbox.build`` asks each plugin (``hub_sandbox`` hook) for its seeded emulator; the demo
plugs them in-process through ``httpx.ASGITransport``, ``hub sandbox`` serves them on loopback.
The package: ``world`` (the seeded people, orders and subscriptions), ``emulator`` (faults,
counting transports, server-side windows, serving on loopback), and this builder. A production
hub imports only ``world`` (the ``hub_sandbox`` hook's types); plugins import their own
``emulator`` modules only inside that hook.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pluggy

from hub.core.config import HubConfig, config_from_mapping, config_path
from hub.core.errors import ConfigError
from hub.core.manager import plugin_infos, settings_models
from hub.core.plugin import Kind
from hub.sandbox.world import SandboxApp, SandboxWorld, build_world, sandbox_host

SANDBOX_CONFIG = Path(__file__).resolve().parents[2] / "config" / "sandbox.toml"
"""The sandbox's settings, found from the package (not the working directory), so ``hub demo``
works wherever it is run; wheels carry a copy at ``hub/sandbox/sandbox.toml`` (see pyproject)."""
if not SANDBOX_CONFIG.exists():
    SANDBOX_CONFIG = Path(__file__).resolve().parent / "sandbox.toml"
KIND_ORDER = (Kind.COMMERCE, Kind.HELPDESK, Kind.TELEPHONY)


@dataclass
class Sandbox:
    pm: pluggy.PluginManager
    seed: int = 7
    per_brand: int = 40
    empty: bool = False
    """Seed the helpdesk as a new workspace (``SandboxWorld.empty``): ``hub setup`` has work to do."""
    world: SandboxWorld | None = None
    apps: dict[str, SandboxApp] = field(default_factory=dict)

    def build(self) -> dict[str, SandboxApp]:
        """Seed every plugin's emulator from one world: stores, then helpdesk, then telephony."""
        # The stores that keep customers sell the brands; a checkout-only plugin sells none.
        stores = [
            info.name
            for info in plugin_infos(self.pm)
            if Kind.COMMERCE in info.kinds and "commerce_find_customers" in info.capabilities
        ]
        self.world = build_world(stores, seed=self.seed, per_brand=self.per_brand, empty=self.empty)
        for kind in KIND_ORDER:
            for app in self.pm.hook.hub_sandbox(world=self.world, kind=kind):
                if app is not None:
                    self.apps[app.name] = app
        return self.apps

    def transports(self) -> dict[str, httpx.AsyncBaseTransport]:
        """In-process transports to the emulators, their answers dated as a server's are."""
        from hub.sandbox.emulator import DateHeader  # starlette: only once emulators are asked for

        return {name: httpx.ASGITransport(app=DateHeader(app.app)) for name, app in self.apps.items()}

    def config(self, path: Path | None = None, *, database_url: str | None = None) -> HubConfig:
        """The sandbox config file, with each emulator's own settings under the file's keys."""
        file, _ = config_path(path or SANDBOX_CONFIG)
        raw = self.raw_config(file, database_url=database_url)
        return config_from_mapping(raw, source=str(file), models=settings_models(self.pm))

    def raw_config(
        self, file: Path, *, database_url: str | None = None, base_urls: dict[str, str] | None = None
    ) -> dict[str, Any]:
        try:
            raw = copy.deepcopy(tomllib.loads(file.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(str(file), "(file)", "sandbox configuration not found") from None
        if database_url:
            raw.setdefault("hub", {})["database_url"] = database_url
        plugins: dict[str, Any] = raw.setdefault("plugins", {})
        for name, app in self.apps.items():
            settings = {**app.settings, **plugins.get(name, {})}
            if base_urls and name in base_urls:
                settings = _rebase(settings, sandbox_host(name), base_urls[name])
            plugins[name] = {"enabled": True, **settings}
        return raw


def live_config_toml(sandbox: Sandbox, urls: dict[str, str]) -> str:
    """A config file for the emulators served on loopback (``hub sandbox``)."""
    import tomli_w

    raw = sandbox.raw_config(SANDBOX_CONFIG, database_url="sqlite:///var/sandbox-live.db", base_urls=urls)
    return "# Written by `hub sandbox`: the hub pointed at the emulators it serves.\n" + tomli_w.dumps(raw)


def _rebase(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {key: _rebase(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_rebase(item, old, new) for item in value]
    return value
