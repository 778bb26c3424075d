"""Running a flow once: load config, take the flow's lease, run it, record the run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pluggy
from pydantic import ValidationError

from hub.core import metrics
from hub.core.config import HubConfig, load_config
from hub.core.errors import ConfigError, HubError
from hub.core.logs import configure_logging
from hub.core.manager import Hub, get_plugin_manager, settings_models
from hub.core.store import Store, StoreUnreachable
from hub.flows import FLOWS, load_flows
from hub.flows.base import Flow, Progress, RunContext

log = logging.getLogger("hub.runner")

OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Runtime:
    """Everything a run needs, built once per process."""

    pm: pluggy.PluginManager
    config: HubConfig
    store: Store
    transports: dict[str, httpx.AsyncBaseTransport] = field(default_factory=dict)

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
        return Hub(self.pm, self.config, transports=self.transports)

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


@dataclass
class RunReport:
    flow: str
    status: str  # ok | failed | skipped
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    planned: list[str] = field(default_factory=list)
    run_id: int | None = None
    report: list[str] = field(default_factory=list)

    @classmethod
    def merge(cls, flow: str, parts: list[RunReport]) -> RunReport:
        """One report for a flow run in several scopes."""
        if len(parts) == 1:
            return parts[0]
        statuses = {part.status for part in parts}
        status = "failed" if "failed" in statuses else "skipped" if statuses == {"skipped"} else "ok"
        counts: Counter[str] = Counter()
        for part in parts:
            counts.update(part.counts)
        errors = [part.error for part in parts if part.error and part.status == "failed"]
        return cls(
            flow,
            status,
            dict(counts),
            "; ".join(errors) or None,
            [line for part in parts for line in part.planned],
            None,
            [line for part in parts for line in part.report],
        )


async def run_flow(
    runtime: Runtime,
    name: str,
    *,
    dry_run: bool = False,
    wait: bool = False,
    progress: Progress | None = None,
    scope: str | None = None,
    hub: Hub | None = None,
) -> RunReport:
    """Run one flow once: every scope it splits into (or just ``scope``), each under its lease.

    A lease held elsewhere is waited for with ``wait``; otherwise that scope is skipped.
    """
    flow = runtime.flow(name)
    running = hub or runtime.hub()
    missing = running.missing(flow.requires)
    if missing:
        raise ConfigError(
            runtime.config.source, f"flows.{name}", f"no enabled plugin provides {', '.join(missing)}"
        )
    scopes = [scope] if scope is not None else flow.scopes(runtime.config)
    async with contextlib.AsyncExitStack() as stack:
        if hub is None:
            await stack.enter_async_context(running)
        reports = [
            await _run_scope(runtime, flow, name, one, running, dry_run=dry_run, wait=wait, progress=progress)
            for one in scopes
        ]
    return RunReport.merge(name, reports)


async def _run_scope(
    runtime: Runtime,
    flow: Flow,
    name: str,
    scope: str,
    hub: Hub,
    *,
    dry_run: bool,
    wait: bool,
    progress: Progress | None,
) -> RunReport:
    store, ttl = runtime.store, timedelta(seconds=runtime.config.hub.lease_seconds)
    lease = f"flow:{name}:{scope}"
    owner = f"{OWNER}:{uuid.uuid4().hex[:6]}"  # one owner per run, even inside one process
    if not await _take_lease(store, lease, owner, ttl, wait):
        return RunReport(name, "skipped", error=f"another run holds {lease} ({store.lease_holder(lease)})")
    renewer = asyncio.create_task(_keep_lease(store, lease, owner, ttl))
    run_id = store.run_started(name, scope)
    started = time.monotonic()
    ctx = RunContext(
        hub=hub,
        store=store,
        config=runtime.config,
        flow=name,
        dry_run=dry_run,
        scope=scope,
        progress=progress,
    )
    # Recorded as failed unless the flow returns: an unexpected error (a bug) still propagates
    # with its traceback, but never leaves the run looking successful.
    status, error = "failed", "stopped by an unexpected error (see the log)"
    try:
        await flow.run(ctx)
        status, error = "ok", None
    except HubError as exc:
        status, error = "failed", str(exc)
        log.error("%s%s failed: %s", name, f" [{scope}]" if scope else "", exc)
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        store.run_finished(run_id, status, dict(ctx.counts), error, ctx.report)
        metrics.run_finished(name, status, time.monotonic() - started)
        store.release_lease(lease, owner)
    return RunReport(name, status, dict(ctx.counts), error, ctx.planned, run_id, ctx.report)


async def _take_lease(store: Store, lease: str, owner: str, ttl: timedelta, wait: bool) -> bool:
    while not store.acquire_lease(lease, owner, ttl):
        if not wait:
            return False
        await asyncio.sleep(0.2)
    return True


async def _keep_lease(store: Store, lease: str, owner: str, ttl: timedelta) -> None:
    """Renew the lease while the run lasts; a process that dies lets it expire."""
    while True:
        await asyncio.sleep(ttl.total_seconds() / 3)
        store.acquire_lease(lease, owner, ttl)


def describe_missing(runtime: Runtime) -> dict[str, list[str]]:
    """For each enabled flow, the capabilities no enabled plugin provides."""
    hub = runtime.hub()
    report: dict[str, list[str]] = {}
    for name, settings in runtime.config.flows.items():
        if settings.enabled and name in load_flows():
            report[name] = hub.missing(FLOWS[name].requires)
    return report


def flow_counts_line(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to do"
