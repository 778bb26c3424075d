"""``hub plugin``: generate a plugin package, keep the hook reference current."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.core.plugin import Kind
from hub.core.redact import RedactingStream
from hub.scaffold import docs
from hub.scaffold.generator import ScaffoldError, generate

plugin_app = typer.Typer(help="Write a new plugin; keep docs/plugins.md current.", no_args_is_help=True)
console = Console(file=RedactingStream("stdout"))  # CLI output passes the redactor, as in hub.cli
err = Console(file=RedactingStream("stderr"))


@plugin_app.command("new")
def new_plugin(
    name: Annotated[str, typer.Argument(help="Plugin name: lower-case letters, digits, _ (e.g. acme).")],
    kind: Annotated[Kind, typer.Option("--kind", help="What the platform is.")],
    directory: Annotated[Path, typer.Option("--dir", help="Where to create hub-NAME/.")] = Path("."),
) -> None:
    """Create a working plugin package (hub-NAME/) with an emulator and the standard tests."""
    try:
        target = generate(name, kind, directory)
    except ScaffoldError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"created {target}", highlight=False)
    next_steps = f"cd {target} && pip install -e . && python -m pytest && hub plugins"
    console.print(f"next: {next_steps}", highlight=False)


@plugin_app.command("docs")
def plugin_docs(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when the reference is stale.")] = False,
    path: Annotated[Path, typer.Option(help="The guide to update.")] = docs.DOC,
) -> None:
    """Regenerate the hook reference in docs/plugins.md from the hookspecs' docstrings."""
    if check:
        if not docs.is_current(path):
            err.print(f"{path}: the hook reference is stale; run `hub plugin docs`")
            raise typer.Exit(1)
        console.print(f"{path}: hook reference is current")
        return
    changed = docs.update(path)
    console.print(f"{path}: {'updated' if changed else 'already current'}")
