"""``hub plugins`` (what is installed and enabled) and ``hub plugin`` (the scaffold, the docs)."""

from __future__ import annotations

import contextlib

import typer
from rich.table import Table

from hub.cli.options import ConfigOption
from hub.cli.output import cli_errors, console
from hub.core.config import load_config
from hub.core.errors import ConfigError
from hub.core.hookspecs import hookimpl
from hub.core.manager import get_plugin_manager, plugin_infos, settings_models


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub plugins`` and the ``hub plugin`` group (``new``, ``docs``)."""
    from hub.scaffold.cli import plugin_app  # the scaffold's own commands, kept beside it

    app.command()(plugins)
    app.add_typer(plugin_app, name="plugin")


def plugins(config: ConfigOption = None) -> None:
    """List the discovered plugins, whether they are enabled and what they can do."""
    with cli_errors():
        pm = get_plugin_manager()
        enabled: set[str] = set()
        with contextlib.suppress(ConfigError):  # a broken config still lists what is installed
            loaded = load_config(config, models=settings_models(pm))
            enabled = {name for name in loaded.plugins if loaded.plugin_enabled(name)}
        table = Table(title="Plugins (entry-point group hub.plugins)")
        for column in ("plugin", "kinds", "enabled", "capabilities", "unsupported"):
            table.add_column(column)
        for info in plugin_infos(pm):
            caps = sorted(info.capabilities) or ["(none yet)"]
            table.add_row(
                info.name,
                ", ".join(info.kinds),
                "yes" if info.name in enabled else "no",
                "\n".join(caps),
                "\n".join(sorted(info.unsupported)),
            )
        console.print(table)
