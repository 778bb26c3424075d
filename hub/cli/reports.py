"""``hub report``: the reports the flows write, printed (``report trackers``)."""

from __future__ import annotations

import asyncio

import typer

from hub.cli.options import ConfigOption, SandboxOption, load_runtime
from hub.cli.output import cli_errors, console, print_report
from hub.core.hookspecs import hookimpl
from hub.engine import run_flow

report_app = typer.Typer(help="Reports.", no_args_is_help=True)


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add the ``hub report`` group."""
    app.add_typer(report_app, name="report")


@report_app.command("trackers")
def report_trackers(config: ConfigOption = None, sandbox: SandboxOption = False) -> None:
    """Linked conversations per tracker ticket, by brand (also written onto the tickets)."""
    with cli_errors():
        runtime = load_runtime(config, sandbox)
        report = asyncio.run(run_flow(runtime, "tracker_report", wait=True))
        for line in report.report:
            console.print(line, highlight=False)
        print_report(report)
        if report.status == "failed":
            raise typer.Exit(1)
