"""The embedded engine (one machine, no service needed): APScheduler 3 in this process.

One job per unit, from its flow's ``every`` or ``cron``: one run of a unit at a time
(``max_instances=1``), misfires coalesce into one run, and a unit whose schedule fired while the
hub was down runs at start. Jobs live in memory and are rebuilt from the configuration at every
start; what a run has done lives in the state store (SQLite by default). The plugins are started
once for the whole process, and stopping waits for the runs under way to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub.engine.run import Announce, RunReport, log_line, run_unit
from hub.engine.runtime import Runtime
from hub.engine.units import Unit, is_due, trigger_for, units

log = logging.getLogger("hub.schedule")

MISFIRE_GRACE_SECONDS = 300


class EmbeddedEngine:
    """The units of the enabled flows on their schedules, inside this process's event loop."""

    def __init__(self, runtime: Runtime, announce: Announce = log_line) -> None:
        self.runtime, self.announce = runtime, announce
        # A firing skipped because the unit's run is still going is the design (one run at a
        # time, misfires coalesce), not something to warn an operator about.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        self.scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
            timezone=UTC,
        )
        self.reports: list[RunReport] = []
        self._running: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def schedule(self) -> list[Unit]:
        """Add a job per unit of every enabled, scheduled flow; returns the units."""
        now = datetime.now(UTC)
        last = self.runtime.store.runs.latest()
        scheduled = []
        for unit in units(self.runtime):
            trigger = trigger_for(self.runtime.config.flow(unit.flow))
            if trigger is None:
                continue
            first = now if is_due(self.runtime, unit, last.get((unit.flow, unit.scope)), now) else None
            self.scheduler.add_job(
                self._run,
                trigger,
                args=[unit],
                id=str(unit),
                name=str(unit),
                **({"next_run_time": first} if first else {}),
            )
            scheduled.append(unit)
        return scheduled

    async def _run(self, unit: Unit) -> None:
        """The job: the run is its own task, shielded, so stopping the scheduler never cancels
        a run half-way (a cancelled run would leave its ledger entry to the next one)."""
        task = asyncio.create_task(self._one(unit), name=f"hub-run-{unit}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        with contextlib.suppress(asyncio.CancelledError):  # the scheduler stopping: serve() waits
            await asyncio.shield(task)

    async def _one(self, unit: Unit) -> None:
        try:
            report = await run_unit(self.runtime, unit)
            self.reports.append(report)
            self.announce(unit, report)
        except Exception:  # a configuration error found late: the other units go on
            log.exception("%s: could not run", unit)

    async def serve(self, stop: asyncio.Event) -> list[Unit]:
        """Run until ``stop`` is set, then let the runs under way finish."""
        async with self.runtime.session():
            scheduled = self.schedule()
            self.scheduler.start()
            try:
                await stop.wait()
            finally:
                self.scheduler.shutdown(wait=False)
                if self._running:
                    await asyncio.gather(*self._running, return_exceptions=True)
        return scheduled

    @contextlib.asynccontextmanager
    async def started(self) -> AsyncIterator[EmbeddedEngine]:
        """Run in the background while the caller serves something else (``hub serve --schedule``)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.serve(stop))
        try:
            yield self
        finally:
            stop.set()
            await task
