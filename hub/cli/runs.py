"""Running flows: ``hub run`` (one flow now), ``hub schedule`` (in this process, on their
schedules) and ``hub runs`` (the history; ``hub runs show ID``: one run whole)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from hub.cli.history import RunGroup, recent_runs, run_group
from hub.cli.options import ConfigOption, JsonOption, WideOption, load_runtime
from hub.cli.output import (
    Usage,
    cli_errors,
    console,
    err,
    print_json,
    print_report,
    print_run_line,
    shorten,
    stamp,
)
from hub.core.hookspecs import hookimpl
from hub.engine import RunReport, Runtime, flow_counts_line, run_flow
from hub.flows import load_flows
from hub.store import RunRecord

runs_app = typer.Typer(
    help="Recent runs with counts and errors, one line per run (sub-command: show ID).",
    invoke_without_command=True,
)

Advance = Callable[[int, int | None], None]
PLAIN_EVERY = 2.0
"""Seconds between two plain progress lines (stderr not a terminal): enough to see it move."""
STATUS_COLOUR = {"ok": "green", "failed": "red", "running": "yellow", "abandoned": "red", "skipped": "yellow"}
ERROR_CHARS = 160
"""How much of a run's error ``hub runs`` shows (``--wide`` and ``hub runs show``: all of it)."""


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub run``, ``hub schedule`` and the ``hub runs`` group."""
    app.command()(run)
    app.command()(schedule)
    app.add_typer(runs_app, name="runs")


def run(
    flow: Annotated[str, typer.Argument(help="Flow name (see `hub config check` or the README).")],
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be done.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait if another process is running it.")] = False,
) -> None:
    """Run one flow now.

    Progress goes to stderr: a bar on a terminal, plain lines otherwise (a log, cron, a pipe).
    Exit 1 when it failed, or ended partial (a platform refused writes; their records are parked).
    """
    with cli_errors():
        runtime = load_runtime(config)
        report = asyncio.run(run_with_progress(runtime, flow, dry_run=dry_run, wait=wait))
        print_report(report)
        if report.status in ("failed", "partial"):  # partial: refused writes were parked
            raise typer.Exit(1)


async def run_with_progress(runtime: Runtime, flow: str, *, dry_run: bool, wait: bool) -> RunReport:
    """Every unit of ``flow``, one after another on one started hub, each under its progress.

    A flow of several scopes (``back_office``: one per store) is labelled ``flow [scope] 2/8``,
    which is a total known before anything is read; within a unit the flow says how far it is
    (``done/total``, ``done/?`` while it cannot know).
    """
    scopes = runtime.flow(flow).scopes(runtime.config)
    reports: list[RunReport] = []
    async with runtime.session() as hub:
        for number, scope in enumerate(scopes, start=1):
            label = flow if len(scopes) == 1 else f"{flow} [{scope}] {number}/{len(scopes)}"
            with progress_of(label) as advance:
                report = await run_flow(
                    runtime, flow, dry_run=dry_run, wait=wait, progress=advance, scope=scope, hub=hub
                )
            if not err.is_terminal and len(scopes) > 1:
                err.print(f"{label}: {report.status}, {flow_counts_line(report.counts)}", markup=False)
            reports.append(report)
    return RunReport.merge(flow, reports)


@contextlib.contextmanager
def progress_of(label: str) -> Iterator[Advance]:
    """``advance(done, total)`` for one unit of work, shown on stderr while it runs.

    On a terminal: a transient bar (``done/total``, ``done/?`` while the total is unknown).
    Otherwise (a pipe, a log file, cron): one plain line at most every ``PLAIN_EVERY`` seconds,
    and one when the total is reached, so a log still shows the run moving.
    """
    if err.is_terminal:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task(escape(label), total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    last = [0.0]

    def advance(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= PLAIN_EVERY or (total is not None and done >= total):
            last[0] = now
            err.print(f"{label}: {done}/{total if total is not None else '?'}", markup=False, highlight=False)

    yield advance


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


@runs_app.callback()
def runs(
    ctx: typer.Context,
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Recent runs, newest first: the units of one run (one per store) as one line."""
    if ctx.invoked_subcommand is not None:
        return
    with cli_errors():
        runtime = load_runtime(config)
        if flow is not None:
            check_flow(flow)
        groups = recent_runs(runtime.store, limit, flow)
        if as_json:
            print_json("runs", {"runs": [run_json(group) for group in groups]})
            return
        console.print(runs_table(groups, wide=wide))


@runs_app.command("show")
def runs_show(
    run_id: Annotated[int, typer.Argument(help="A run id from `hub runs` (any of its units' ids).")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """One run whole: its units, counts, error and every line of its report."""
    with cli_errors():
        runtime = load_runtime(config)
        group = run_group(runtime.store, run_id)
        if group is None:
            newest = runtime.store.runs.recent(1)
            known = f"ids go from 1 to {newest[0].id}" if newest else "no run is recorded yet"
            raise Usage(f"no run {run_id} ({known}; see `hub runs`)")
        if as_json:
            print_json("run", {"run": run_json(group, report=True)})
            return
        print_run(group)


def check_flow(flow: str) -> None:
    """``Usage`` naming the known flows unless ``flow`` is one (the ``--flow`` of a listing)."""
    known = sorted(load_flows())
    if flow not in known:
        raise Usage(f"unknown flow {flow!r} (known: {', '.join(known)})")


def runs_table(groups: list[RunGroup], *, wide: bool = False) -> Table:
    """``hub runs``: one row per run; fits 80 columns (counts and error folded into one column)
    unless ``wide``, which gives each its own column and shows errors whole."""
    table = Table(title="Recent runs")
    if wide:
        for column in ("run", "flow", "scopes", "status", "started", "seconds", "counts", "error", "report"):
            table.add_column(column, overflow="fold")
    else:
        table.add_column("run", no_wrap=True, justify="right")
        table.add_column("flow", overflow="fold", max_width=16)
        table.add_column("started", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("counts, error", ratio=1, overflow="fold")
    for group in groups:
        colour = STATUS_COLOUR.get(group.status, "white")
        seconds = f"{group.seconds:.1f}" if group.seconds is not None else "-"
        if wide:
            table.add_row(
                "-".join(dict.fromkeys(map(str, (group.ids[0], group.ids[-1])))),
                group.flow,
                ", ".join(group.scopes),
                f"[{colour}]{group.status}[/]",
                stamp(group.started_at, wide=True),
                seconds,
                flow_counts_line(group.counts),
                escape("\n".join(group.errors)),
                str(len(group.report)),
            )
            continue
        flow = escape(group.flow) + (f"\n[dim]{len(group.parts)} scopes[/]" if len(group.parts) > 1 else "")
        took = f"\n[dim]{seconds}s[/]" if group.seconds is not None else ""
        status = f"[{colour}]{group.status}[/]{took}"
        table.add_row(str(group.id), flow, stamp(group.started_at), status, _folded(group))
    return table


def _folded(group: RunGroup) -> str:
    """The counts, the error (cut) and a pointer to the report, as one cell's markup."""
    lines = [escape(flow_counts_line(group.counts))]
    if group.errors:
        lines.append(f"[red]{escape(shorten('; '.join(group.errors), ERROR_CHARS))}[/]")
    if group.report:
        lines.append(f"[dim]report: hub runs show {group.id}[/]")
    return "\n".join(lines)


def print_run(group: RunGroup) -> None:
    """``hub runs show``: the run, its units when there are several, then every report line."""
    colour = STATUS_COLOUR.get(group.status, "white")
    seconds = f"{group.seconds:.1f}s" if group.seconds is not None else "still running"
    ids = f"runs {group.ids[0]}-{group.ids[-1]}" if len(group.ids) > 1 else f"run {group.id}"
    console.print(f"[bold]{escape(group.flow)}[/] ({ids}): [{colour}]{group.status}[/]")
    facts = Table.grid(padding=(0, 1))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("started", f"{stamp(group.started_at, wide=True)} UTC, {seconds}")
    facts.add_row("counts", escape(flow_counts_line(group.counts)))
    for error in group.errors:
        facts.add_row("[red]error[/]", escape(error))
    console.print(facts)
    if len(group.parts) > 1:
        console.print(units_table(group.parts))
    console.print(f"Report ({len(group.report)} lines)" if group.report else "Report: no lines")
    for line in group.report:
        console.print(f"  {line}", markup=False, highlight=False)


def units_table(parts: tuple[RunRecord, ...]) -> Table:
    """The units of one run, one row each (fits 80 columns)."""
    table = Table(title="Units")
    table.add_column("run", no_wrap=True, justify="right")
    table.add_column("scope", overflow="fold", max_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("counts, error", ratio=1, overflow="fold")
    for part in parts:
        colour = STATUS_COLOUR.get(part.status, "white")
        seconds = f"{(part.ended_at - part.started_at).total_seconds():.1f}s" if part.ended_at else "-"
        detail = escape(flow_counts_line(part.counts))
        if part.error:
            detail += f"\n[red]{escape(part.error)}[/]"
        status = f"[{colour}]{part.status}[/] [dim]{seconds}[/]"
        table.add_row(str(part.id), escape(part.scope), status, detail)
    return table


def run_json(group: RunGroup, *, report: bool = False) -> dict[str, Any]:
    """One run in ``hub.runs/1`` and ``hub.run/1`` (docs/cli-json.md); ``report``: with its lines."""
    document: dict[str, Any] = {
        "id": group.id,
        "ids": group.ids,
        "flow": group.flow,
        "status": group.status,
        "started_at": group.started_at,
        "ended_at": group.ended_at,
        "seconds": None if group.seconds is None else round(group.seconds, 3),
        "counts": group.counts,
        "errors": group.errors,
        "report_lines": len(group.report),
        "units": [_unit_json(part, report=report) for part in group.parts],
    }
    if report:
        document["report"] = group.report
    return document


def _unit_json(part: RunRecord, *, report: bool) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "id": part.id,
        "scope": part.scope,
        "status": part.status,
        "started_at": part.started_at,
        "ended_at": part.ended_at,
        "counts": dict(sorted(part.counts.items())),
        "error": part.error,
    }
    if report:
        unit["report"] = part.report
    return unit
