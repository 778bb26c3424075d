"""What every command prints through: the redacting consoles, the error lines, the run lines.

Shared by the command areas of ``hub.cli`` and by commands that live beside their feature
(``hub serve`` in ``hub.serve.command``). Imports nothing heavy: importing it loads no plugin.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from hub.core.errors import ConfigError, HubError
from hub.core.redact import RedactingStream, redact_value
from hub.engine import RunReport, flow_counts_line

console = Console(file=RedactingStream("stdout"))  # every printed line goes through the redactor
err = Console(file=RedactingStream("stderr"), soft_wrap=True)

SCHEMA_VERSION = 1
"""The version of every ``--json`` shape (docs/cli-json.md): bumped when a key changes meaning or
goes away; new keys may appear within a version."""


def schema(command: str) -> str:
    """The ``schema`` value of a command's JSON document: ``hub.runs/1``."""
    return f"hub.{command}/{SCHEMA_VERSION}"


def print_json(command: str, document: dict[str, Any]) -> None:
    """Print ``document`` as the one JSON document of ``command`` on stdout, redacted.

    The ``schema`` key comes first. Times are ISO 8601 (UTC), money amounts decimal strings,
    paths and enums strings; every string passes the redactor (the values before dumping, so a
    mask never breaks the JSON, then the text again, as everything the consoles print).
    """
    body = {"schema": schema(command), **document}
    text = json.dumps(redact_value(jsonable(body)), indent=2, ensure_ascii=False)
    RedactingStream("stdout").write(text + "\n")


def jsonable(value: Any) -> Any:
    """``value`` made of JSON types only (see ``print_json`` for how each kind is written)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(item) for item in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal | Path):
        return str(value)
    return value


def stamp(moment: datetime | None, wide: bool = False) -> str:
    """A time in a table cell, as stored (UTC): ``11-30 10:44`` (``--wide``: year and seconds too)."""
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M:%S" if wide else "%m-%d %H:%M")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, ending ``...`` (a cell that must stay small;
    the command that cuts it names the one showing it whole)."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class Usage(Exception):
    """A command asked for something that is not there (a flow, platform, brand, id): its message
    is one line naming the valid choices; exit code 2."""


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """One line per error, and the exit code that says what kind it was.

    ``ConfigError`` prints ``config error: ...`` and exits 2; ``Usage`` prints ``error: ...``
    and exits 2; any other ``HubError`` prints ``error: ...`` and exits 1 (all on stderr).
    Other exceptions pass through.
    """
    # Messages quote what the user typed (a flow name, a path, an email): escaped, so "[/]" in
    # one is shown as typed rather than read as markup (a MarkupError traceback before).
    try:
        yield
    except Usage as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except ConfigError as exc:
        err.print(f"[red]config error:[/] {escape(str(exc))}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except HubError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
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
