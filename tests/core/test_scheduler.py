"""Scheduler wiring: jobs from config in the database job store, coalescing, removal."""

from __future__ import annotations

import asyncio

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.core.config import config_from_mapping
from hub.core.manager import get_plugin_manager, settings_models
from hub.flows import FLOWS
from hub.flows.base import Flow, RunContext
from hub.runner import Runtime
from hub.scheduler import build_scheduler, run_scheduler, sync_jobs


class TickFlow(Flow):
    name = "tick"
    runs = 0

    async def run(self, ctx: RunContext) -> None:
        type(self).runs += 1


def runtime_with(url: str, flows: dict) -> Runtime:
    pm = get_plugin_manager(only=[])
    config = config_from_mapping({"hub": {"database_url": url}, "flows": flows}, source="t",
                                 models=settings_models(pm))
    return Runtime.from_config(pm, config)


@pytest.fixture(autouse=True)
def tick(monkeypatch):
    monkeypatch.setitem(FLOWS, "tick", TickFlow)
    monkeypatch.setitem(FLOWS, "tock", type("TockFlow", (TickFlow,), {"name": "tock"}))
    TickFlow.runs = 0


async def test_jobs_follow_the_config_and_live_in_the_database(sqlite_url):
    runtime = runtime_with(sqlite_url, {
        "tick": {"enabled": True, "every": "5m"},
        "tock": {"enabled": True, "cron": "*/15 * * * *"},
    })
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    try:
        assert sorted(sync_jobs(scheduler, runtime)) == ["tick", "tock"]
        jobs = {job.name: job for job in scheduler.get_jobs()}
        assert isinstance(jobs["tick"].trigger, IntervalTrigger)
        assert isinstance(jobs["tock"].trigger, CronTrigger)
        assert jobs["tick"].coalesce and jobs["tick"].max_instances == 1
        assert jobs["tick"].misfire_grace_time == 300
    finally:
        scheduler.shutdown(wait=False)

    # a restart with tock disabled removes its stored job
    runtime = runtime_with(sqlite_url, {"tick": {"enabled": True, "every": "5m"},
                                        "tock": {"enabled": False}})
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    try:
        sync_jobs(scheduler, runtime)
        assert [job.name for job in scheduler.get_jobs()] == ["tick"]
    finally:
        scheduler.shutdown(wait=False)


async def test_scheduler_runs_flows_and_stops_cleanly(sqlite_url):
    runtime = runtime_with(sqlite_url, {"tick": {"enabled": True, "every": "0.2s"}})
    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler(runtime, stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if TickFlow.runs >= 2:
            break
    stop.set()
    assert await task == ["tick"]
    assert TickFlow.runs >= 2
    assert all(r.status == "ok" for r in runtime.store.recent_runs(flow="tick"))
