"""Workers: several hub processes sharing the scheduled flows.

Work is split into units, one per flow and scope (a flow's store, for flows that split by
store). A worker takes a unit when it is due and its lease is free (the lease is a row in the
shared database, so no two workers run one unit at once); a worker that dies stops renewing
its leases and the survivors take the units over when they expire. Rate limits are shared in
Redis (``[hub] redis_url``), so the workers together stay under each platform's limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.core.store import RunRecord
from hub.runner import OWNER, RunReport, Runtime, flow_counts_line, run_flow
from hub.scheduler import trigger_for

log = logging.getLogger("hub.worker")


@dataclass(frozen=True)
class Unit:
    flow: str
    scope: str

    def __str__(self) -> str:
        return f"{self.flow}[{self.scope}]" if self.scope else self.flow


def units(runtime: Runtime) -> list[Unit]:
    """Every enabled flow's units, in the flows' dependency order."""
    from hub.flows import ORDER

    enabled = [name for name, s in runtime.config.flows.items() if s.enabled]
    ordered = [name for name in ORDER if name in enabled] + [n for n in enabled if n not in ORDER]
    return [Unit(name, scope) for name in ordered for scope in runtime.flow(name).scopes(runtime.config)]


def is_due(runtime: Runtime, unit: Unit, last: RunRecord | None, now: datetime) -> bool:
    """Due when it never ran, or its schedule fired since its last run ended."""
    if last is None or last.ended_at is None:
        return last is None
    trigger = trigger_for(runtime.config.flow(unit.flow))
    if trigger is None:
        return False
    next_fire = trigger.get_next_fire_time(None, last.ended_at)
    return next_fire is not None and next_fire <= now


async def run_worker(
    runtime: Runtime,
    stop: asyncio.Event,
    *,
    poll: float = 1.0,
    until_done_since: datetime | None = None,
) -> list[RunReport]:
    """Take due units until ``stop`` is set.

    With ``until_done_since`` the worker ends once every unit has run successfully since that
    moment (by any worker): the mode tests and one-off catch-ups use.
    """
    worker_id = OWNER
    host, pid = socket.gethostname(), os.getpid()
    reports: list[RunReport] = []
    store = runtime.store
    async with runtime.hub() as hub:
        while not stop.is_set():
            for unit in _shuffled(units(runtime)):
                if stop.is_set():
                    break
                if not _wanted(runtime, unit, until_done_since):
                    continue
                store.worker_seen(worker_id, host, pid, str(unit))
                report = await run_flow(runtime, unit.flow, scope=unit.scope, hub=hub)
                if report.status != "skipped":
                    log.info(
                        "%s %s: %s", unit, report.status, report.error or flow_counts_line(report.counts)
                    )
                    reports.append(report)
            store.worker_seen(worker_id, host, pid, None)
            if until_done_since and not any(_wanted(runtime, u, until_done_since) for u in units(runtime)):
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll)
    store.worker_gone(worker_id)
    return reports


def _shuffled(work: list[Unit]) -> list[Unit]:
    """Workers starting together spread over different units instead of queueing on one."""
    random.shuffle(work)
    return work


def _wanted(runtime: Runtime, unit: Unit, until_done_since: datetime | None) -> bool:
    key = (unit.flow, unit.scope)
    if until_done_since is not None:
        return key not in runtime.store.runs_since(until_done_since)
    return is_due(runtime, unit, runtime.store.last_runs().get(key), datetime.now(UTC))
