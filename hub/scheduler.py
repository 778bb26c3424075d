"""The scheduler: APScheduler 3 running each enabled flow on its interval or cron line.

Jobs live in the hub's database (SQLAlchemy job store), so several hub processes can share the
schedule; each run still takes the flow's lease, so two processes never run one flow together.
Misfired runs coalesce into one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.core.config import FlowSettings
from hub.runner import Runtime, flow_counts_line, run_flow

log = logging.getLogger("hub.scheduler")

MISFIRE_GRACE_SECONDS = 300
_runtime: Runtime | None = None  # jobs are stored by reference; they find the runtime here


def trigger_for(settings: FlowSettings) -> BaseTrigger | None:
    if settings.cron:
        return CronTrigger.from_crontab(settings.cron, timezone=UTC)
    if settings.interval:
        return IntervalTrigger(seconds=settings.interval.total_seconds(), timezone=UTC)
    return None


async def scheduled_run(flow: str) -> None:
    """The job APScheduler calls: one run of ``flow``, skipped if another process has it."""
    assert _runtime is not None, "scheduler job ran without a runtime"
    report = await run_flow(_runtime, flow)
    log.info("%s %s: %s", flow, report.status, report.error or flow_counts_line(report.counts))


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    global _runtime
    _runtime = runtime
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.store.engine)},
        executors={"default": AsyncIOExecutor()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=UTC,
    )
    return scheduler


def sync_jobs(scheduler: AsyncIOScheduler, runtime: Runtime) -> list[str]:
    """Make the stored jobs match the config: add or replace enabled flows, drop the rest."""
    wanted: list[str] = []
    for name, settings in runtime.config.flows.items():
        trigger = trigger_for(settings)
        if not settings.enabled or trigger is None:
            continue
        runtime.flow(name)  # fail now, naming the key, if the flow or its options are wrong
        scheduler.add_job(
            scheduled_run, trigger, args=[name], id=f"flow:{name}", name=name, replace_existing=True
        )
        wanted.append(name)
    for job in scheduler.get_jobs():
        if job.id.startswith("flow:") and job.name not in wanted:
            job.remove()
    return wanted


async def run_scheduler(runtime: Runtime, stop: asyncio.Event) -> list[str]:
    """Run until ``stop`` is set; returns the scheduled flow names."""
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    names = sync_jobs(scheduler, runtime)
    scheduler.resume()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=True)
    return names
