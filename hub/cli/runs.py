"""Running flows: ``hub run`` (one flow now), ``hub schedule`` (in this process, on their
schedules) and ``hub runs`` (the history)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from hub.cli.options import ConfigOption, load_runtime
from hub.cli.output import cli_errors, console, print_report, print_run_line
from hub.core.hookspecs import hookimpl
from hub.engine import flow_counts_line, run_flow


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub run``, ``hub schedule`` and ``hub runs``."""
    app.command()(run)
    app.command()(schedule)
    app.command()(runs)


def run(
    flow: Annotated[str, typer.Argument(help="Flow name (see `hub runs` or the README).")],
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be done.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait if another process is running it.")] = False,
) -> None:
    """Run one flow now.

    Exit 1 when it failed, or ended partial (a platform refused writes; their records are parked).
    """
    with cli_errors():
        runtime = load_runtime(config)
        report = with_progress(
            flow, lambda progress: run_flow(runtime, flow, dry_run=dry_run, wait=wait, progress=progress)
        )
        print_report(report)
        if report.status in ("failed", "partial"):  # partial: refused writes were parked
            raise typer.Exit(1)


def with_progress(label: str, start: Callable[[Callable[[int, int | None], None]], Any]) -> Any:
    """Run ``start(advance)`` to completion under a transient progress bar labelled ``label``;
    ``advance(done, total)`` moves the bar (``total`` ``None`` while unknown)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return asyncio.run(start(advance))


def schedule(config: ConfigOption = None) -> None:
    """Run the enabled flows on their schedules in this process until Ctrl-C (one line per run)."""
    from hub.engine.embedded import EmbeddedEngine

    with cli_errors():
        runtime = load_runtime(config)

        async def main() -> list[Any]:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            engine = EmbeddedEngine(runtime, announce=print_run_line)
            console.print("scheduler running; Ctrl-C stops it (runs under way finish first)")
            return await engine.serve(stop)

        scheduled = asyncio.run(main())
        names = ", ".join(map(str, scheduled)) or "no units"
        console.print(f"scheduler stopped ({names} were scheduled)", markup=False)


def runs(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
) -> None:
    """Recent run history with counts."""
    with cli_errors():
        runtime = load_runtime(config)
        table = Table(title="Recent runs")
        for column in ("id", "flow", "status", "started", "seconds", "counts", "error"):
            table.add_column(column)
        for r in runtime.store.runs.recent(limit, flow):
            seconds = f"{(r.ended_at - r.started_at).total_seconds():.1f}" if r.ended_at else "-"
            table.add_row(
                str(r.id),
                r.flow,
                r.status,
                r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                seconds,
                flow_counts_line(r.counts),
                r.error or "",
            )
        console.print(table)
