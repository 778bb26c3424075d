"""Readying a real workspace: ``hub setup`` (create what the flows need in the helpdesk) and
``hub doctor`` (each enabled plugin checked live: credentials, permissions, clock, setup)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hub.cli.options import ConfigOption, SandboxOption, load_runtime
from hub.cli.output import cli_errors, console, err
from hub.core.doctor import Check, CheckStatus
from hub.core.hookspecs import hookimpl
from hub.core.setup import SetupAction, SetupItem

STATUS_STYLE = {CheckStatus.OK: "green", CheckStatus.WARN: "yellow", CheckStatus.FAIL: "red"}
ACTION_STYLE = {
    SetupAction.EXISTS: "green",
    SetupAction.CREATE: "cyan",
    SetupAction.UPDATE: "cyan",
    SetupAction.DIFFERS: "red",
}


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub setup`` and ``hub doctor``."""
    app.command()(setup)
    app.command()(doctor)


def setup(
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would change; change nothing.")
    ] = False,
    sandbox: SandboxOption = False,
) -> None:
    """Create in the helpdesk what the enabled flows need (contact fields, ticket types); idempotent.

    Lists what exists, what it creates (or would) and what differs in a way only a person can
    mend, with the fix. Exit 1 when something differs.
    """
    from hub.engine import readiness

    with cli_errors():
        runtime = load_runtime(config, sandbox)
        _, flows = readiness.needs_of(runtime)

        async def run() -> list[SetupItem]:
            async with runtime.session() as hub:
                return await readiness.setup(runtime, hub, apply=not dry_run)

        items = asyncio.run(run())
        console.print(f"what {', '.join(flows)} need in the helpdesk:", highlight=False)
        print_setup(items)
        if any(item.action is SetupAction.DIFFERS for item in items):
            raise typer.Exit(1)


def print_setup(items: list[SetupItem]) -> None:
    """One row per field or ticket type, then one line of totals."""
    table = Table(show_edge=False)
    for column in ("helpdesk", "kind", "name", "action", "detail / fix"):
        table.add_column(column, overflow="fold")
    for item in items:
        action = _done(item.action) if item.done else item.action.value
        style = ACTION_STYLE[item.action]
        detail = "; ".join(part for part in (item.detail, item.fix) if part)
        table.add_row(item.platform, item.kind, escape(item.name), f"[{style}]{action}[/]", escape(detail))
    if items:
        console.print(table)
    console.print(setup_summary(items), highlight=False)


def setup_summary(items: list[SetupItem]) -> str:
    """``created 3, in place 45`` ... or ``nothing to change: 48 in place``."""
    done = sum(item.done for item in items)
    pending = sum(item.pending for item in items)
    differs = sum(item.action is SetupAction.DIFFERS for item in items)
    in_place = sum(item.action is SetupAction.EXISTS for item in items)
    if not items:
        return "no enabled helpdesk plugin implements setup"
    if not (done or pending or differs):
        return f"nothing to change: {in_place} in place"
    parts = [f"changed {done}"] * bool(done) + [f"to change {pending}"] * bool(pending)
    parts += [f"differs {differs} (see the fix)"] * bool(differs) + [f"in place {in_place}"]
    return ", ".join(parts)


def _done(action: SetupAction) -> str:
    return {SetupAction.CREATE: "created", SetupAction.UPDATE: "updated"}.get(action, action.value)


def doctor(config: ConfigOption = None, sandbox: SandboxOption = False) -> None:
    """Check each enabled plugin live: credentials, permissions, clock, and the helpdesk setup.

    One cheap authenticated call per account or store. Exit 1 when a check fails.
    """
    with cli_errors():
        runtime = load_runtime(config, sandbox)
        if not print_checks(run_doctor(runtime)):
            raise typer.Exit(1)


def run_doctor(runtime: object) -> list[Check]:
    """The doctor's rows for ``runtime`` (a ``hub.engine.Runtime``), its plugins started for it."""
    from hub.engine import readiness

    async def run() -> list[Check]:
        async with runtime.session() as hub:  # type: ignore[attr-defined]
            return await readiness.doctor(runtime, hub)  # type: ignore[arg-type]

    return asyncio.run(run())


def print_checks(checks: list[Check]) -> bool:
    """The doctor's table (what is wrong and how to fix it); True when nothing failed."""
    if not checks:
        err.print("no enabled plugin to check: enable one in [plugins.<name>]", markup=False)
        return False
    table = Table(show_edge=False)
    for column in ("plugin", "check", "status", "detail / fix"):
        table.add_column(column, overflow="fold")
    for row in checks:
        who = f"{row.plugin}/{row.target}" if row.target else row.plugin
        detail = escape(row.detail) + (f"\n[bold]fix:[/] {escape(row.fix)}" if row.fix else "")
        table.add_row(who, row.check, f"[{STATUS_STYLE[row.status]}]{row.status.value}[/]", detail)
    console.print(table)
    failed = [row for row in checks if row.status is CheckStatus.FAIL]
    verdict = f"[red]{len(failed)} check(s) failed[/]" if failed else "[green]all checks passed[/]"
    console.print(f"{verdict} ({len(checks)} run)")
    return not failed
