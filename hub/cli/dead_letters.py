"""``hub dead-letters``: list, retry and drop the records the flows could not handle."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from hub.cli.options import ConfigOption, load_runtime
from hub.cli.output import cli_errors, console, err
from hub.core.hookspecs import hookimpl

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
) -> None:
    """List parked records (sub-commands: retry ID, drop ID)."""
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    with cli_errors():
        runtime = load_runtime(config)
        table = Table(title="Dead letters")
        for column in ("id", "flow", "record", "reason", "retries", "since"):
            table.add_column(column)
        for d in runtime.store.dead_letters.entries(flow):
            table.add_row(
                str(d.id), d.flow, d.record, d.reason, str(d.retries), d.created_at.strftime("%Y-%m-%d %H:%M")
            )
        console.print(table)


@dead_app.command("drop")
def dead_letters_drop(ctx: typer.Context, letter_id: int) -> None:
    """Forget a parked record."""
    with cli_errors():
        if not load_runtime(ctx.obj).store.dead_letters.drop(letter_id):
            err.print(f"no dead letter {letter_id}")
            raise typer.Exit(2)
        console.print(f"dropped {letter_id}")


@dead_app.command("retry")
def dead_letters_retry(ctx: typer.Context, letter_id: int) -> None:
    """Hand a parked record back to its flow; dropped when it goes through."""
    from hub.flows.base import RunContext

    with cli_errors():
        runtime = load_runtime(ctx.obj)
        letter = next((d for d in runtime.store.dead_letters.entries() if d.id == letter_id), None)
        if letter is None:
            err.print(f"no dead letter {letter_id}")
            raise typer.Exit(2)
        flow = runtime.flow(letter.flow)

        async def retry() -> bool:
            async with runtime.session() as hub:
                ctx_ = RunContext(hub=hub, store=runtime.store, config=runtime.config, flow=letter.flow)
                return await flow.retry_dead_letter(ctx_, letter.payload)

        if asyncio.run(retry()):
            runtime.store.dead_letters.drop(letter_id)
            console.print(f"{letter_id} went through and was dropped")
        else:
            runtime.store.dead_letters.add(letter.flow, letter.record, letter.payload, letter.reason)
            err.print(f"{letter_id} failed again: {letter.reason}")
            raise typer.Exit(1)
