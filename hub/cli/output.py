"""What every command prints through: the redacting consoles, the error lines, the run lines.

Shared by the command areas of ``hub.cli`` and by commands that live beside their feature
(``hub serve`` in ``hub.serve.command``). Imports nothing heavy: importing it loads no plugin.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import typer
from rich.console import Console

from hub.core.errors import ConfigError, HubError
from hub.core.redact import RedactingStream
from hub.engine import RunReport, flow_counts_line

console = Console(file=RedactingStream("stdout"))  # every printed line goes through the redactor
err = Console(file=RedactingStream("stderr"), soft_wrap=True)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """One line per error, and the exit code that says what kind it was.

    ``ConfigError`` prints ``config error: ...`` and exits 2; any other ``HubError`` prints
    ``error: ...`` and exits 1 (both on stderr). Other exceptions pass through.
    """
    try:
        yield
    except ConfigError as exc:
        err.print(f"[red]config error:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except HubError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


def print_report(report: RunReport) -> None:
    """A finished run: ``flow: status`` and its counts, then planned actions and the error."""
    colour = {"ok": "green", "partial": "yellow", "failed": "red", "skipped": "yellow"}[report.status]
    console.print(f"[{colour}]{report.flow}: {report.status}[/] {flow_counts_line(report.counts)}")
    for line in report.planned:
        console.print(f"  would do: {line}", highlight=False)
    if report.error:
        err.print(f"  {report.error}", highlight=False)


def print_run_line(unit: Any, report: RunReport) -> None:
    """One line per finished run of a service: unit, status, counts or error, duration."""
    if report.status != "skipped":
        stamp = datetime.now().strftime("%H:%M:%S")
        (err if report.status == "failed" else console).print(
            f"{stamp} {report.line(unit)}", markup=False, highlight=False, soft_wrap=True
        )
