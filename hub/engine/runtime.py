"""What a process builds once: plugins, configuration, state store, and the started hub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pluggy
from pydantic import ValidationError

from hub.core.config import HubConfig, load_config
from hub.core.errors import ConfigError
from hub.core.logs import configure_logging
from hub.core.manager import Hub, get_plugin_manager, settings_models
from hub.flows import FLOWS, load_flows
from hub.flows.base import Flow
from hub.store import Store, StoreUnreachable


@dataclass
class Runtime:
    """Everything a run needs, built once per process.

    ``session()`` hands out the started ``Hub``: the first user starts the plugins (and their
    HTTP clients), the last one to leave stops them, so runs that overlap share one set of
    clients and none is ever closed under a running flow.
    """

    pm: pluggy.PluginManager
    config: HubConfig
    store: Store
    transports: dict[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    _started: Hub | None = field(default=None, repr=False)
    _users: int = field(default=0, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @classmethod
    def load(cls, config_path: str | Path | None = None) -> Runtime:
        pm = get_plugin_manager()
        config = load_config(config_path, models=settings_models(pm))
        return cls.from_config(pm, config)

    @classmethod
    def from_config(
        cls,
        pm: pluggy.PluginManager,
        config: HubConfig,
        transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    ) -> Runtime:
        configure_logging(config.hub.log_level, config.secrets())
        store = Store(config.hub.database_url)
        try:
            store.migrate()
        except StoreUnreachable as exc:
            raise ConfigError(config.source, "hub.database_url", str(exc)) from None
        return cls(pm=pm, config=config, store=store, transports=transports or {})

    def hub(self) -> Hub:
        """A new, unstarted hub over this runtime's plugins (to inspect capabilities)."""
        return Hub(self.pm, self.config, transports=self.transports)

    @property
    def started(self) -> Hub | None:
        """The hub a session has started, if any."""
        return self._started

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Hub]:
        """The started hub, shared by everyone inside a session at the same time."""
        async with self._lock:
            if self._users == 0:
                hub = self.hub()
                await hub.start()
                self._started = hub
            self._users += 1
        assert self._started is not None
        try:
            yield self._started
        finally:
            async with self._lock:
                self._users -= 1
                if self._users == 0 and self._started is not None:
                    hub, self._started = self._started, None
                    await hub.stop()

    def flow(self, name: str) -> Flow:
        """The configured flow, its options validated (``ConfigError`` naming the key)."""
        flow_cls = load_flows().get(name)
        if flow_cls is None:
            known = ", ".join(sorted(FLOWS)) or "none"
            raise ConfigError(self.config.source, f"flows.{name}", f"unknown flow (known: {known})")
        try:
            options = flow_cls.options_model.model_validate(self.config.flow(name).options)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(part) for part in first["loc"])
            reason = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
            raise ConfigError(self.config.source, f"flows.{name}.{loc}", reason) from None
        return flow_cls(options)


def describe_missing(runtime: Runtime) -> dict[str, list[str]]:
    """For each enabled flow, the capabilities no enabled plugin provides."""
    hub = runtime.hub()
    report: dict[str, list[str]] = {}
    for name, settings in runtime.config.flows.items():
        if settings.enabled and name in load_flows():
            report[name] = hub.missing(FLOWS[name].requires)
    return report
