"""The one way a unit of work runs: lease and fencing token, run record, flow, outcome.

Every entry point (``hub run``, the embedded scheduler, webhooks, the procrastinate workers)
calls ``run_unit``. Whatever happens inside, the run ends with a status and one line: a platform
refusal, an outage of the database or Redis, a newer run taking over (``FencedOut``), or a bug
(logged with its traceback, recorded as one line). Cursors only move when their page is safe,
so a failed run is caught up by the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hub.core import metrics
from hub.core.errors import ConfigError, HubError
from hub.core.manager import Hub
from hub.engine.runtime import Runtime
from hub.engine.units import Unit
from hub.flows.base import REFUSALS_PARKED, Flow, Progress, RunContext
from hub.store import DEFAULT_HOLD, Fence, FencedOut, Store, StoreUnreachable, new_holder

log = logging.getLogger("hub.engine")


@dataclass
class RunReport:
    flow: str
    status: str  # ok | partial (refused writes parked) | failed | skipped
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    planned: list[str] = field(default_factory=list)
    run_id: int | None = None
    report: list[str] = field(default_factory=list)
    scope: str = ""
    seconds: float = 0.0

    @classmethod
    def merge(cls, flow: str, parts: list[RunReport]) -> RunReport:
        """One report for a flow run in several scopes."""
        if len(parts) == 1:
            return parts[0]
        statuses = {part.status for part in parts}
        status = (
            "failed"
            if "failed" in statuses
            else "partial"
            if "partial" in statuses
            else "skipped"
            if statuses == {"skipped"}
            else "ok"
        )
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
            seconds=sum(part.seconds for part in parts),
        )

    def line(self, unit: Unit | str) -> str:
        """The one line a service prints per run: unit, status, counts or error, duration."""
        detail = self.error or flow_counts_line(self.counts)
        return f"{unit} {self.status} in {self.seconds:.1f}s: {detail}"


def flow_counts_line(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to do"


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
    """Run every unit of flow ``name`` (or only ``scope``) once, one after another."""
    flow = runtime.flow(name)
    scopes = [scope] if scope is not None else flow.scopes(runtime.config)
    reports = [
        await run_unit(runtime, Unit(name, one), dry_run=dry_run, wait=wait, progress=progress, hub=hub)
        for one in scopes
    ]
    return RunReport.merge(name, reports)


async def run_unit(
    runtime: Runtime,
    unit: Unit,
    *,
    dry_run: bool = False,
    wait: bool = False,
    progress: Progress | None = None,
    hub: Hub | None = None,
) -> RunReport:
    """Run ``unit`` once under its lease; ``skipped`` if another run holds it (unless ``wait``).

    ``hub`` is a hub the caller started; by default the runtime's shared session is used.
    Raises ``ConfigError`` when the flow is unknown or no enabled plugin provides what it needs.
    """
    flow = runtime.flow(unit.flow)
    if hub is not None:
        report = await _run(runtime, hub, flow, unit, dry_run=dry_run, wait=wait, progress=progress)
    else:
        async with runtime.session() as started:
            report = await _run(runtime, started, flow, unit, dry_run=dry_run, wait=wait, progress=progress)
    return report


Announce = Callable[[Unit, RunReport], None]
"""What a service does with each finished run (``hub schedule`` and ``hub worker`` print its line)."""


def log_line(unit: Unit, report: RunReport) -> None:
    """The default announcement: the run's one line in the log (failed and partial as warnings)."""
    if report.status != "skipped":
        (log.warning if report.status in ("failed", "partial") else log.info)("%s", report.line(unit))


async def _run(
    runtime: Runtime,
    hub: Hub,
    flow: Flow,
    unit: Unit,
    *,
    dry_run: bool,
    wait: bool,
    progress: Progress | None,
) -> RunReport:
    missing = hub.missing(flow.requires)
    if missing:
        source = runtime.config.source
        raise ConfigError(source, f"flows.{unit.flow}", f"no enabled plugin provides {', '.join(missing)}")
    store, ttl = runtime.store, timedelta(seconds=runtime.config.hub.lease_seconds)
    holder = new_holder(str(unit))
    started = time.monotonic()
    try:
        fence = await _take_lease(store, unit.lease, holder, ttl, wait)
    except StoreUnreachable as exc:
        return _ended(RunReport(unit.flow, "failed", error=str(exc), scope=unit.scope), started)
    if fence is None:
        holder_now = store.leases.holder(unit.lease)
        skipped = RunReport(unit.flow, "skipped", error=f"another run holds {unit.lease} ({holder_now})")
        return _ended(skipped, started)
    ctx = RunContext(
        hub=hub,
        store=store,
        config=runtime.config,
        flow=unit.flow,
        dry_run=dry_run,
        scope=unit.scope,
        progress=progress,
        fence=fence,
        holder=holder,
        hold=min(DEFAULT_HOLD, ttl),  # a unit's claims never outlive its lease
    )
    renewer = asyncio.create_task(_keep_lease(store, fence, ttl))
    run_id: int | None = None
    try:
        run_id = store.runs.started(unit.flow, unit.scope, fence.token)
        status, error = await _outcome(flow, ctx)
    except StoreUnreachable as exc:
        status, error = "failed", str(exc)
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
    seconds = time.monotonic() - started
    with contextlib.suppress(StoreUnreachable):  # the one line below still says what happened
        if run_id is not None:
            store.runs.finished(run_id, status, dict(ctx.counts), error, ctx.report)
        store.ledger.release(holder)  # what it left pending is recovered by the next run at once
        store.leases.release(fence)
    metrics.run_finished(unit.flow, status, seconds)
    report = RunReport(
        unit.flow, status, dict(ctx.counts), error, ctx.planned, run_id, ctx.report, unit.scope
    )
    return _ended(report, started)


async def _outcome(flow: Flow, ctx: RunContext) -> tuple[str, str | None]:
    """Run the flow: ``("ok", None)``, ``("partial", None)`` when a platform refused writes
    whose records were parked (a refusal is never "ok"), or ``("failed", one line saying why)``."""
    try:
        await flow.run(ctx)
    except FencedOut as exc:
        return "failed", f"stopped: {exc}"
    except HubError as exc:  # platform refusals, outages (database, Redis), capability gaps
        return "failed", str(exc)
    except Exception as exc:  # a bug: the traceback goes to the log, the run record gets one line
        log.exception("%s[%s]: unexpected error", ctx.flow, ctx.scope)
        return "failed", f"unexpected error {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    refused = ctx.counts[REFUSALS_PARKED]
    if refused:
        ctx.report.append(
            f"{refused} write(s) refused by the platform and parked: `hub dead-letters` shows why; "
            "`hub dead-letters retry ID` once the cause is fixed"
        )
        return "partial", None
    return "ok", None


def _ended(report: RunReport, started: float) -> RunReport:
    report.seconds = time.monotonic() - started
    return report


async def _take_lease(store: Store, lease: str, holder: str, ttl: timedelta, wait: bool) -> Fence | None:
    while (fence := store.leases.take(lease, holder, ttl)) is None:
        if not wait:
            return None
        await asyncio.sleep(0.2)
    return fence


async def _keep_lease(store: Store, fence: Fence, ttl: timedelta) -> None:
    """Renew the lease while the run lasts; a process that dies (or stalls) lets it expire."""
    while True:
        await asyncio.sleep(ttl.total_seconds() / 3)
        try:
            if not await asyncio.to_thread(store.leases.renew, fence, ttl):
                log.warning("%s: a newer run took the lease; this run's writes will be refused", fence.name)
                return
        except StoreUnreachable as exc:
            log.warning("%s: cannot renew the lease: %s", fence.name, exc)
