"""The hub with no accounts: ``hub sandbox`` (serve the emulators) and ``hub demo`` (the whole
job on them, twice)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from hub.cli.output import Usage, cli_errors, console
from hub.core.hookspecs import hookimpl
from hub.core.manager import get_plugin_manager


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub sandbox`` and ``hub demo``."""
    app.command("sandbox")(serve_sandbox)
    app.command()(demo)


def serve_sandbox(
    port: Annotated[
        int, typer.Option(help="First port; emulators take consecutive ports.", min=1, max=65535)
    ] = 8701,
    write_config: Annotated[Path, typer.Option(help="Config file pointing the hub at them.")] = Path(
        "var/sandbox-live.toml"
    ),
    empty: Annotated[
        bool, typer.Option("--empty", help="The helpdesk as a new workspace: run hub setup.")
    ] = False,
) -> None:
    """Serve every plugin's emulator on loopback, seeded for the seven brands, until Ctrl-C."""
    from hub.sandbox import Sandbox, live_config_toml
    from hub.sandbox.emulator import serve

    with cli_errors():
        built = Sandbox(get_plugin_manager(), empty=empty)
        built.build()
        urls = {}
        for offset, (name, app_) in enumerate(sorted(built.apps.items())):
            try:
                _, urls[name] = serve(app_.app, port=port + offset)
            except (OSError, OverflowError) as exc:  # taken, or past 65535 for a later emulator
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise Usage(
                    f"--port {port}: {name} cannot listen on port {port + offset} ({reason}); "
                    "give another first port"
                ) from None
            console.print(f"{name:<12} {urls[name]}")
        write_config.parent.mkdir(parents=True, exist_ok=True)
        write_config.write_text(live_config_toml(built, urls))
        console.print(f"config for these emulators: {write_config} (hub run FLOW --config {write_config})")
        stop = asyncio.Event()

        async def wait() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()

        asyncio.run(wait())


def demo(
    passes: Annotated[int, typer.Option(help="How many times to run every flow.")] = 2,
    empty: Annotated[
        bool, typer.Option("--empty", help="Start the helpdesk as a new workspace; hub setup runs first.")
    ] = False,
) -> None:
    """Run the whole job on the built-in sandbox (emulators of every platform), twice."""
    from hub.cli.workspace import print_setup
    from hub.demo import run_demo

    with cli_errors():
        pm = get_plugin_manager()
        columns = (SpinnerColumn(), TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as bar:

            def progress(flow: str) -> Callable[[int, int | None], None]:
                task = bar.add_task(flow, total=None)
                return lambda done, total: bar.update(task, completed=done, total=total)

            results = asyncio.run(run_demo(pm, passes=passes, progress=progress, empty=empty))
        if empty and results:
            print_setup(results[0].setup)
        for number, result in enumerate(results, start=1):
            print_pass(number, result)
        if len(results) > 1:
            again = results[-1].actions
            verdict = "[green]nothing new[/]" if again == 0 else f"[red]{again} new actions[/]"
            console.print(f"Pass {len(results)} over the same data: {verdict}.")
        if any(r.status == "failed" for result in results for r in result.reports):
            raise typer.Exit(1)


def print_pass(number: int, result: Any) -> None:
    """A compact table per pass (it fits 80 columns), then each flow's details and report."""
    columns = {"read": "read", "actions": "actions", "duplicates": "dupes", "dead_letters": "dead"}
    table = Table(title=f"Pass {number}")
    for header in ("flow", "status", *columns.values()):
        table.add_column(header, no_wrap=True)
    for r in result.reports:
        table.add_row(r.flow, r.status, *(str(r.counts.get(key, 0)) for key in columns))
    for flow in result.skipped:
        table.add_row(flow, "skipped", *("-" for _ in columns))
    console.print(table)
    for r in result.reports:
        details = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items()) if k not in columns)
        if details or r.error or r.report:
            console.print(f"  {r.flow}: {details}{f'; {r.error}' if r.error else ''}", highlight=False)
        for line in r.report[:6]:
            console.print(f"    {line}", highlight=False)
        if len(r.report) > 6:
            show = f"hub runs show {result.run_ids[r.flow]} --config {result.config}"
            console.print(f"    ... {len(r.report) - 6} more lines: {show}", highlight=False)
    for flow, missing in result.skipped.items():
        console.print(f"  {flow}: skipped, no plugin provides {', '.join(missing)}", highlight=False)
