"""``hub plugin``: generate a plugin package, keep the hook reference current."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from hub.core.plugin import Kind
from hub.core.redact import RedactingStream
from hub.scaffold import docs
from hub.scaffold.generator import ScaffoldError, generate, plugin_name

plugin_app = typer.Typer(help="Write a new plugin; keep docs/plugins.md current.", no_args_is_help=True)
console = Console(file=RedactingStream("stdout"))  # CLI output passes the redactor, as in hub.cli
err = Console(file=RedactingStream("stderr"))


@plugin_app.command("new")
def new_plugin(
    name: Annotated[
        str, typer.Argument(help="Plugin name: lower-case words joined by - or _ (e.g. acme-store).")
    ],
    kind: Annotated[Kind, typer.Option("--kind", help="What the platform is.")],
    directory: Annotated[Path, typer.Option("--dir", help="Where to create hub-NAME/.")] = Path("."),
) -> None:
    """Create a working plugin package (hub-NAME/) with an emulator and the standard tests."""
    try:
        target = generate(name, kind, directory)
    except ScaffoldError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    name = plugin_name(name)
    made = f"created {target} (plugin {name}, package hub_{name}, config [plugins.{name}])"
    console.print(made, highlight=False, markup=False, soft_wrap=True)
    # The test extra brings pytest: the README's install of the hub has no extras.
    next_steps = f"cd {target} && pip install -e '.[test]' && python -m pytest && hub plugins"
    console.print(f"next: {next_steps}", highlight=False, markup=False, soft_wrap=True)


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
