"""The distributed engine from the command line: ``hub worker`` (work the procrastinate queue)
and ``hub status`` (the queue, the workers and the last run per unit)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.cli.options import ConfigOption, load_runtime
from hub.cli.output import cli_errors, console, print_run_line
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


def status(config: ConfigOption = None) -> None:
    """The queue per unit (due, running, failed), the workers, and the last run per unit."""
    with cli_errors():
        runtime = load_runtime(config)
        store, now = runtime.store, datetime.now(UTC)
        queue = _queue_status(runtime)
        if queue is not None:
            table = Table(title="Workers (procrastinate)")
            for column in ("worker", "last heartbeat"):
                table.add_column(column)
            for worker_id, beat in queue["workers"]:
                table.add_row(str(worker_id), f"{(now - beat).total_seconds():.0f}s ago")
            console.print(table)
        held = {name for name, _, _ in store.leases.held()}
        last = store.runs.latest()
        table = Table(title="Units" if queue is not None else "Units (embedded: no queue)")
        for column in ("unit", "due", "queued", "running", "failed", "last run", "status"):
            table.add_column(column)
        for unit in units(runtime):
            run_ = last.get((unit.flow, unit.scope))
            jobs = queue["units"].get(unit.lease, {}) if queue is not None else {}
            table.add_row(
                escape(str(unit)),
                "yes" if is_due(runtime, unit, run_, now) else "no",
                str(jobs.get("todo", 0)) if queue is not None else "-",
                "yes" if unit.lease in held else "no",
                str(jobs.get("failed", 0)) if queue is not None else "-",
                run_.started_at.strftime("%Y-%m-%d %H:%M:%S") if run_ else "never",
                run_.status if run_ else "-",
            )
        console.print(table)


def _queue_status(runtime: Runtime) -> dict[str, Any] | None:
    """The procrastinate queue's state, or None on an embedded (SQLite) hub."""
    if not runtime.config.hub.database_url.startswith("postgresql"):
        return None
    from hub.engine.queue import queue_status

    return queue_status(runtime)
