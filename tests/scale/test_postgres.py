"""PostgreSQL as the state store and the scheduler's job store."""

from __future__ import annotations

from sqlalchemy import inspect, text

from hub.core.config import config_from_mapping
from hub.core.manager import get_plugin_manager, settings_models
from hub.engine import Runtime
from hub.scheduler import build_scheduler, sync_jobs


async def test_scheduler_jobs_live_in_postgresql(pg_url):
    pm = get_plugin_manager(only=[])
    config = config_from_mapping(
        {"hub": {"database_url": pg_url}, "flows": {"agent_status": {"enabled": True, "every": "1m"}}},
        source="t",
        models=settings_models(pm),
    )
    runtime = Runtime.from_config(pm, config)
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    try:
        assert sync_jobs(scheduler, runtime) == ["agent_status"]
    finally:
        scheduler.shutdown(wait=False)
    assert {"apscheduler_jobs", "ledger", "leases", "workers"} <= set(
        inspect(runtime.store.engine).get_table_names()
    )
    with runtime.store.engine.connect() as c:
        assert c.execute(text("select id from apscheduler_jobs")).scalars().all() == ["flow:agent_status"]
    runtime.store.dispose()
