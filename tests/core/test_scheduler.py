"""The embedded engine: one APScheduler job per unit, from the config; runs; stops cleanly."""

from __future__ import annotations

import asyncio

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.core.config import config_from_mapping
from hub.core.manager import get_plugin_manager, settings_models
from hub.engine import Runtime, Unit, run_unit
from hub.engine.embedded import EmbeddedEngine
from hub.flows import FLOWS
from hub.flows.base import Flow, RunContext


class TickFlow(Flow):
    name = "tick"
    runs = 0
    active = 0
    overlap = 0

    async def run(self, ctx: RunContext) -> None:
        cls = type(self)
        cls.runs += 1
        cls.active += 1
        cls.overlap = max(cls.overlap, cls.active)
        try:
            await asyncio.sleep(0.3)  # longer than the interval: the next firing must not overlap
        finally:
            cls.active -= 1


def runtime_with(url: str, flows: dict) -> Runtime:
    pm = get_plugin_manager(only=[])
    config = config_from_mapping(
        {"hub": {"database_url": url}, "flows": flows}, source="t", models=settings_models(pm)
    )
    return Runtime.from_config(pm, config)


@pytest.fixture(autouse=True)
def tick(monkeypatch):
    monkeypatch.setitem(FLOWS, "tick", TickFlow)
    monkeypatch.setitem(FLOWS, "tock", type("TockFlow", (TickFlow,), {"name": "tock"}))
    TickFlow.runs = TickFlow.active = TickFlow.overlap = 0


async def test_one_job_per_unit_from_the_config(sqlite_url):
    runtime = runtime_with(
        sqlite_url,
        {"tick": {"enabled": True, "every": "5m"}, "tock": {"enabled": True, "cron": "*/15 * * * *"}},
    )
    engine = EmbeddedEngine(runtime)
    assert engine.schedule() == [Unit("tick"), Unit("tock")]
    engine.scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in engine.scheduler.get_jobs()}
        assert isinstance(jobs["tick"].trigger, IntervalTrigger)
        assert isinstance(jobs["tock"].trigger, CronTrigger)
        assert jobs["tick"].coalesce and jobs["tick"].max_instances == 1
        assert jobs["tick"].misfire_grace_time == 300
    finally:
        engine.scheduler.shutdown(wait=False)


async def test_a_unit_that_ran_recently_waits_for_its_schedule(sqlite_url):
    runtime = runtime_with(sqlite_url, {"tick": {"enabled": True, "every": "5m"}})
    assert (await run_unit(runtime, Unit("tick"))).status == "ok"
    engine = EmbeddedEngine(runtime)
    engine.schedule()
    engine.scheduler.start(paused=True)
    try:
        (job,) = engine.scheduler.get_jobs()
        wait = (job.next_run_time - runtime.store.runs.recent(1)[0].started_at).total_seconds()
        assert wait > 200  # not due now: the next firing is about 5 minutes out
    finally:
        engine.scheduler.shutdown(wait=False)


async def test_runs_on_schedule_never_overlap_and_stop_cleanly(sqlite_url):
    runtime = runtime_with(sqlite_url, {"tick": {"enabled": True, "every": "0.1s"}})
    stop = asyncio.Event()
    engine = EmbeddedEngine(runtime)
    task = asyncio.create_task(engine.serve(stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if TickFlow.runs >= 3:
            break
    stop.set()
    assert await task == [Unit("tick")]
    assert TickFlow.runs >= 3
    assert TickFlow.overlap == 1
    assert TickFlow.active == 0  # stopping waited for the run under way
    assert runtime.started is None  # the plugins were closed once, at the end
    assert all(r.status == "ok" for r in runtime.store.runs.recent(flow="tick"))
