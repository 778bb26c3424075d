"""``hub plugins`` (what is installed and enabled) and ``hub plugin`` (the scaffold, the docs)."""

from __future__ import annotations

import contextlib
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.cli.options import ConfigOption, JsonOption, WideOption
from hub.cli.output import cli_errors, console, print_json
from hub.core.config import load_config
from hub.core.errors import ConfigError
from hub.core.hookspecs import hookimpl
from hub.core.manager import get_plugin_manager, plugin_infos, settings_models
from hub.core.plugin import PluginInfo


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub plugins`` and the ``hub plugin`` group (``new``, ``docs``)."""
    from hub.scaffold.cli import plugin_app  # the scaffold's own commands, kept beside it

    app.command()(plugins)
    app.add_typer(plugin_app, name="plugin")


def plugins(config: ConfigOption = None, as_json: JsonOption = False, wide: WideOption = False) -> None:
    """List the discovered plugins, whether they are enabled and what they can do."""
    with cli_errors():
        pm = get_plugin_manager()
        enabled: set[str] = set()
        with contextlib.suppress(ConfigError):  # a broken or missing config still lists what is installed
            loaded = load_config(config, models=settings_models(pm))
            enabled = {name for name in loaded.plugins if loaded.plugin_enabled(name)}
        infos = plugin_infos(pm)
        if as_json:
            print_json("plugins", {"plugins": [plugin_json(info, info.name in enabled) for info in infos]})
            return
        console.print(plugins_table(infos, enabled, wide=wide))


def plugins_table(infos: list[PluginInfo], enabled: set[str], *, wide: bool = False) -> Table:
    """One row per plugin, every capability named whole (one per line, never cut).

    At 80 columns what the platform cannot do goes under its capabilities; ``wide`` gives it
    its own column, with the reasons.
    """
    table = Table(title="Plugins (entry-point group hub.plugins)")
    table.add_column("plugin", overflow="fold", max_width=16)
    table.add_column("kinds", overflow="fold", max_width=10)
    table.add_column("enabled", no_wrap=True)
    # Wide enough at 80 columns for the longest built-in name; a longer one folds, never cut.
    table.add_column("capabilities", overflow="fold")
    if wide:
        table.add_column("unsupported (why)", overflow="fold")
    for info in infos:
        caps = sorted(info.capabilities) or ["(none yet)"]
        cells = [escape(info.name), ", ".join(info.kinds), "yes" if info.name in enabled else "no"]
        if wide:
            why = [f"{hook}: {reason}" for hook, reason in sorted(info.unsupported.items())]
            table.add_row(*cells, "\n".join(caps), escape("\n".join(why)))
            continue
        missing = [f"[dim]not: {hook}[/]" for hook in sorted(info.unsupported)]
        table.add_row(*cells, "\n".join([*caps, *missing]))
    return table


def plugin_json(info: PluginInfo, enabled: bool) -> dict[str, Any]:
    """One plugin in ``hub.plugins/1`` (docs/cli-json.md)."""
    return {
        "name": info.name,
        "platform": info.platform,
        "kinds": list(info.kinds),
        "enabled": enabled,
        "description": info.description,
        "capabilities": sorted(info.capabilities),
        "unsupported": dict(sorted(info.unsupported.items())),
    }
