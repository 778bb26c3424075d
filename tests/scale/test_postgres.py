"""PostgreSQL: the procrastinate queue of the units, and processes starting together on a new database."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
import tomli_w
from sqlalchemy import create_engine, inspect, text

from hub.core.config import config_from_mapping
from hub.core.errors import ConfigError
from hub.core.manager import get_plugin_manager, settings_models
from hub.engine import Runtime, Unit
from hub.engine.queue import build_queue, cron_line, ensure_queue_schema

from ..conftest import PG_ADMIN_URL


def runtime_on(url: str, flows: dict) -> Runtime:
    pm = get_plugin_manager(only=[])
    config = config_from_mapping(
        {"hub": {"database_url": url}, "flows": flows}, source="t", models=settings_models(pm)
    )
    return Runtime.from_config(pm, config)


def test_each_unit_is_one_periodic_task_with_its_own_lock(pg_url):
    runtime = runtime_on(
        pg_url,
        {
            "agent_status": {"enabled": True, "every": "15s"},
            "tracker_report": {"enabled": True, "cron": "0 6 * * *"},
        },
    )
    ensure_queue_schema(runtime.store)
    ensure_queue_schema(runtime.store)  # idempotent
    assert {"procrastinate_jobs", "ledger", "leases"} <= set(inspect(runtime.store.engine).get_table_names())
    app = build_queue(runtime)
    periodic = {pid: task for (_, pid), task in app.periodic_registry.periodic_tasks.items()}
    assert periodic["agent_status"].cron == "* * * * * */15"
    assert periodic["tracker_report"].cron == "0 6 * * *"
    options = periodic["agent_status"].configure_kwargs
    assert options["lock"] == options["queueing_lock"] == Unit("agent_status").lease
    runtime.store.dispose()


@pytest.mark.parametrize(
    ("every", "line"),
    [("10s", "* * * * * */10"), ("5m", "*/5 * * * *"), ("2h", "0 */2 * * *"), ("1m", "*/1 * * * *")],
)
def test_intervals_become_cron_lines(every, line, sqlite_url):
    runtime = runtime_on(sqlite_url, {"agent_status": {"enabled": True, "every": every}})
    assert cron_line(runtime, "agent_status", runtime.config.flow("agent_status")) == line


def test_an_interval_no_cron_line_can_keep_is_refused_naming_the_key(sqlite_url):
    runtime = runtime_on(sqlite_url, {"agent_status": {"enabled": True, "every": "45s"}})
    with pytest.raises(ConfigError, match=r"flows\.agent_status\.every"):
        cron_line(runtime, "agent_status", runtime.config.flow("agent_status"))


def test_processes_starting_together_on_an_empty_database_all_start(tmp_path):
    """Three `hub status` processes (migrations, then the queue's schema) at once, six rounds."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"no PostgreSQL server answers at 127.0.0.1:5432 ({exc})")
    failures = []
    for _ in range(6):
        name = f"hub_race_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        config = tmp_path / f"{name}.toml"
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        config.write_text(tomli_w.dumps({"hub": {"database_url": url}}))
        try:
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "hub", "status", "--config", str(config)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env={"HUB_LOAD_PLUGINS": "intercom", "PATH": "/usr/bin:/bin"},
                )
                for _ in range(3)
            ]
            for proc in procs:
                output = proc.communicate(timeout=120)[0].decode()
                if proc.returncode != 0:
                    failures.append(output)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    assert failures == []
