"""The distributed engine from the command line: ``hub worker`` (work the procrastinate queue)
and ``hub status`` (the queue, the workers and the last run per unit)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.cli.options import ConfigOption, JsonOption, WideOption, load_runtime
from hub.cli.output import cli_errors, console, print_json, print_run_line, stamp
from hub.core.hookspecs import hookimpl
from hub.engine import Runtime, is_due, units


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub worker`` and ``hub status``."""
    app.command()(worker)
    app.command()(status)


def worker(
    config: ConfigOption = None,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue.")] = 5.0,
    until_done: Annotated[
        bool, typer.Option("--until-done", help="Stop once every unit's newest run since --since is ok.")
    ] = False,
    since: Annotated[str | None, typer.Option(help="ISO time for --until-done (default: now).")] = None,
    concurrency: Annotated[int, typer.Option(help="Units this worker runs at once.")] = 2,
) -> None:
    """Work the flows' queue (procrastinate on PostgreSQL) beside other workers, until SIGTERM."""
    from hub.engine.queue import run_worker

    with cli_errors():
        runtime = load_runtime(config)
        start = datetime.fromisoformat(since) if since else datetime.now(UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        asyncio.run(
            run_worker(
                runtime,
                until_done_since=start if until_done else None,
                poll=poll,
                concurrency=concurrency,
                announce=print_run_line,
            )
        )
        console.print("worker stopped")


def status(config: ConfigOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """The queue per unit (due, running, failed), the workers, and the last run per unit."""
    with cli_errors():
        runtime = load_runtime(config)
        now = datetime.now(UTC)
        queue = _queue_status(runtime)
        rows = unit_states(runtime, queue, now)
        if as_json:
            workers = None if queue is None else [_worker_json(w, beat, now) for w, beat in queue["workers"]]
            engine = "embedded" if queue is None else "procrastinate"
            print_json("status", {"engine": engine, "workers": workers, "units": rows})
            return
        if queue is not None:
            table = Table(title="Workers (procrastinate)")
            for column in ("worker", "last heartbeat"):
                table.add_column(column)
            for worker_id, beat in queue["workers"]:
                table.add_row(str(worker_id), f"{(now - beat).total_seconds():.0f}s ago")
            console.print(table)
        title = "Units" if queue is not None else "Units (embedded: no queue)"
        console.print(units_table(rows, title, wide=wide))


def unit_states(runtime: Runtime, queue: dict[str, Any] | None, now: datetime) -> list[dict[str, Any]]:
    """Every unit's state, as ``hub.status/1`` lists them (docs/cli-json.md)."""
    store = runtime.store
    held = {name for name, _, _ in store.leases.held()}
    last = store.runs.latest()
    states = []
    for unit in units(runtime):
        run_ = last.get((unit.flow, unit.scope))
        jobs = queue["units"].get(unit.lease, {}) if queue is not None else {}
        states.append(
            {
                "unit": str(unit),
                "flow": unit.flow,
                "scope": unit.scope,
                "due": is_due(runtime, unit, run_, now),
                "running": unit.lease in held,
                "queued": jobs.get("todo", 0) if queue is not None else None,
                "failed_jobs": jobs.get("failed", 0) if queue is not None else None,
                "last_run": None
                if run_ is None
                else {
                    "id": run_.id,
                    "status": run_.status,
                    "started_at": run_.started_at,
                    "ended_at": run_.ended_at,
                },
            }
        )
    return states


def units_table(rows: list[dict[str, Any]], title: str, *, wide: bool = False) -> Table:
    """One row per unit; fits 80 columns (scope under the flow, jobs in one column) unless
    ``wide``, which gives each its own column."""
    table = Table(title=title)
    if wide:
        for column in ("unit", "due", "queued", "running", "failed", "last run", "status"):
            table.add_column(column, overflow="fold")
    else:
        table.add_column("unit", overflow="fold", max_width=24)
        for column in ("due", "running"):
            table.add_column(column, no_wrap=True)
        table.add_column("jobs", overflow="fold", max_width=18)
        table.add_column("last run", no_wrap=True)
    for row in rows:
        run_ = row["last_run"]
        yes_no = ["yes" if row["due"] else "no", "yes" if row["running"] else "no"]
        if wide:
            queued = "-" if row["queued"] is None else str(row["queued"])
            failed = "-" if row["failed_jobs"] is None else str(row["failed_jobs"])
            started = stamp(run_["started_at"], wide=True) if run_ else "never"
            table.add_row(
                escape(row["unit"]),
                yes_no[0],
                queued,
                yes_no[1],
                failed,
                started,
                run_["status"] if run_ else "-",
            )
            continue
        unit = escape(row["flow"]) + (f"\n[dim]{escape(row['scope'])}[/]" if row["scope"] else "")
        jobs = "-" if row["queued"] is None else f"{row['queued']} queued, {row['failed_jobs']} failed"
        last_run = f"{run_['status']} {stamp(run_['started_at'])}" if run_ else "never"
        table.add_row(unit, *yes_no, jobs, last_run)
    return table


def _worker_json(worker_id: Any, beat: datetime, now: datetime) -> dict[str, Any]:
    return {"id": worker_id, "last_heartbeat": beat, "seconds_ago": round((now - beat).total_seconds(), 1)}


def _queue_status(runtime: Runtime) -> dict[str, Any] | None:
    """The procrastinate queue's state, or None on an embedded (SQLite) hub."""
    if not runtime.config.hub.database_url.startswith("postgresql"):
        return None
    from hub.engine.queue import queue_status

    return queue_status(runtime)
