"""``hub dead-letters``: list, retry and drop the records the flows could not handle."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.cli.options import ConfigOption, JsonOption, WideOption, load_runtime
from hub.cli.output import Usage, cli_errors, console, err, print_json, stamp
from hub.core.hookspecs import hookimpl
from hub.engine import Runtime
from hub.engine.dead_letters import Busy, Retried, find_letter, record_kind, retry_letter, settle
from hub.store import DeadLetter

dead_app = typer.Typer(help="Records the flows could not handle.", invoke_without_command=True)


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add the ``hub dead-letters`` group."""
    app.add_typer(dead_app, name="dead-letters")


@dead_app.callback()
def dead_letters(
    ctx: typer.Context,
    config: ConfigOption = None,
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """List parked records (sub-commands: retry ID, drop ID)."""
    if ctx.invoked_subcommand is not None:
        return
    with cli_errors():
        runtime = load_runtime(config)
        if flow is not None:
            check_letter_flow(flow)
        letters = runtime.store.dead_letters.entries(flow)
        if as_json:
            print_json("dead-letters", {"dead_letters": [letter_json(d) for d in letters]})
            return
        console.print(letters_table(letters, wide=wide))


def check_letter_flow(flow: str) -> None:
    """``Usage`` naming the flows that can park letters unless ``flow`` is one of them."""
    from hub.flows import load_flows

    known = sorted([*load_flows(), "webhooks"])
    if flow not in known:
        raise Usage(f"unknown flow {flow!r} (known: {', '.join(known)})")


def letters_table(letters: list[DeadLetter], *, wide: bool = False) -> Table:
    """One row per letter; fits 80 columns (flow under the record, retries under the time)
    unless ``wide``, which gives each its own column."""
    table = Table(title="Dead letters")
    if wide:
        for column in ("id", "flow", "record", "reason", "retries", "since"):
            table.add_column(column, overflow="fold")
        for d in letters:
            table.add_row(
                str(d.id),
                d.flow,
                escape(d.record),
                escape(d.reason),
                str(d.retries),
                stamp(d.created_at, True),
            )
        return table
    table.add_column("id", no_wrap=True, justify="right")
    table.add_column("record", overflow="fold", max_width=26)
    table.add_column("reason", ratio=1, overflow="fold")
    table.add_column("since", no_wrap=True)
    for d in letters:
        retried = f"\n[dim]retried {d.retries} times[/]" if d.retries else ""
        record = f"{escape(d.record)}\n[dim]{escape(d.flow)}[/]"
        table.add_row(str(d.id), record, escape(d.reason), stamp(d.created_at) + retried)
    return table


def letter_json(letter: DeadLetter) -> dict[str, Any]:
    """One letter in ``hub.dead-letters/1`` (docs/cli-json.md); its payload is left out."""
    kind, platform, record_id = record_kind(letter.record)
    return {
        "id": letter.id,
        "flow": letter.flow,
        "record": letter.record,
        "kind": kind,
        "platform": platform or None,
        "record_id": record_id or None,
        "reason": letter.reason,
        "retries": letter.retries,
        "created_at": letter.created_at,
    }


@dead_app.command("drop")
def dead_letters_drop(
    letter_id: Annotated[int, typer.Argument(help="The letter's id (see `hub dead-letters`).")],
    config: ConfigOption = None,
) -> None:
    """Forget a parked record."""
    with cli_errors():
        runtime = load_runtime(config)
        if not runtime.store.dead_letters.drop(letter_id):
            raise Usage(no_letter(runtime, letter_id))
        console.print(f"dropped {letter_id}")


@dead_app.command("retry")
def dead_letters_retry(
    letter_id: Annotated[int, typer.Argument(help="The letter's id (see `hub dead-letters`).")],
    config: ConfigOption = None,
) -> None:
    """Hand a parked record back to the flow or webhook step that parked it; dropped when it
    goes through, kept with the new reason when it fails again (exit code 1)."""
    with cli_errors():
        runtime = load_runtime(config)
        letter = find_letter(runtime, letter_id)
        if letter is None:
            raise Usage(no_letter(runtime, letter_id))

        async def retry() -> Retried:
            async with runtime.session() as hub:
                return await retry_letter(runtime, hub, letter)

        try:
            retried = asyncio.run(retry())
        except Busy as exc:
            err.print(f"{letter_id} not retried: {exc}", highlight=False)
            raise typer.Exit(1) from None
        report_retry(runtime, letter, retried)


def report_retry(runtime: Runtime, letter: DeadLetter, retried: Retried) -> None:
    """Say what the retry came to (``settle`` drops what it made unneeded); exit 1 unless it went through."""
    message = settle(runtime, letter, retried)
    if retried.done:
        console.print(message, highlight=False)
        return
    err.print(message, highlight=False)
    raise typer.Exit(1)


def no_letter(runtime: Runtime, letter_id: int) -> str:
    """The one line for an id that is no letter, naming the ids there are."""
    ids = [d.id for d in runtime.store.dead_letters.entries()]
    if not ids:
        return f"no dead letter {letter_id}: there are none"
    shown = ", ".join(map(str, ids[:10])) + (f" ... ({len(ids)} in all)" if len(ids) > 10 else "")
    return f"no dead letter {letter_id} (there are: {shown})"
