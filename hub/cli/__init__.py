"""The ``hub`` command line (typer + rich), split by area.

Exit codes: 0 ok, 1 a run failed, 2 usage or configuration error.

Every command comes through the ``hub_cli_commands`` hook: first the hub's own areas (the
modules in ``BUILT_IN_AREAS``, ``hub serve`` among them), then every installed plugin's.
``build_app`` builds the command line; ``hub.cli.app``, what the ``hub`` script and
``python -m hub`` run, is built on first use, so that importing a part of this package (as
``hub.serve`` imports ``hub.cli.output``) neither loads the plugins nor imports ``hub.serve``.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import pluggy
import typer
from typer.main import get_command_name, solve_typer_info_defaults
from typer.models import CommandInfo, TyperInfo

from hub.cli.options import ConfigOption
from hub.cli.output import err
from hub.core.errors import ConfigError
from hub.core.manager import get_plugin_manager

BUILT_IN_AREAS = (
    "hub.cli.config",
    "hub.cli.dead_letters",
    "hub.cli.reports",
    "hub.cli.plugins",
    "hub.cli.runs",
    "hub.cli.workspace",
    "hub.cli.lookup",
    "hub.cli.sandbox",
    "hub.cli.engine",
    "hub.serve.command",
)
"""The modules adding the hub's own commands (each implements ``hub_cli_commands``).

Their order is the order of ``hub --help``, which lists the commands, then the groups, each
in the order they were added.
"""


def build_app(pm: pluggy.PluginManager | None = None) -> typer.Typer:
    """The ``hub`` command: the hub's own commands, then the commands of the plugins on ``pm``.

    ``pm`` defaults to every installed plugin (``get_plugin_manager()``); when that fails on a
    misspelt ``HUB_LOAD_PLUGINS`` the command line is built without plugin commands, and every
    command that loads the plugins reports the error (exit code 2). A plugin's command whose
    name is taken is left out, with a warning on stderr.
    """
    app = typer.Typer(
        help="Keep the support team's helpdesk, telephony and stores in step.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        callback=_everywhere,
    )
    _built_in_areas().hook.hub_cli_commands(app=app)
    plugins = pm if pm is not None else _installed_plugins()
    if plugins is not None:
        before = len(app.registered_commands), len(app.registered_groups)
        plugins.hook.hub_cli_commands(app=app)
        _leave_out_clashes(app, *before)
    return app


def _everywhere(config: ConfigOption = None) -> None:
    """The options every command takes before its name (``hub --config C runs``).

    Nothing to do here: a command reads them through ``hub.cli.options.chosen_config``.
    """


def main() -> None:  # pragma: no cover - console entry point
    """Run the ``hub`` command on ``sys.argv`` (exits with the command's exit code)."""
    _default_app()()


def __getattr__(name: str) -> Any:
    """``hub.cli.app``: the command line of the installed plugins, built once on first use."""
    if name == "app":
        return _default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _default_app() -> typer.Typer:
    return build_app()


def _built_in_areas() -> pluggy.PluginManager:
    """A manager holding only the hub's own command areas (no platform plugin).

    The hub's commands are called on their own, before the plugins', so that they keep their
    place in ``hub --help`` whatever order (``tryfirst``...) a plugin asks for.
    """
    pm = get_plugin_manager(only=())
    for name in reversed(BUILT_IN_AREAS):  # pluggy calls the last registered first
        pm.register(importlib.import_module(name), name=name)
    return pm


def _installed_plugins() -> pluggy.PluginManager | None:
    try:
        return get_plugin_manager()
    except ConfigError:  # the commands say it (one line, exit code 2) when they load the plugins
        return None


def _leave_out_clashes(app: typer.Typer, commands: int, groups: int) -> None:
    """Drop each command or group added after the first ``commands`` and ``groups`` whose name
    is already taken, and say so on stderr.

    Click keeps the last command of a name, so without this a plugin could replace ``hub run``.
    """
    earlier = [*app.registered_commands[:commands], *app.registered_groups[:groups]]
    taken = {name for info in earlier for name in _names(info)}

    def free(info: CommandInfo | TyperInfo) -> bool:
        clash = sorted(set(_names(info)) & taken)
        if clash:
            err.print(f"hub: a plugin's command {clash[0]!r} is already taken; left out", highlight=False)
            return False
        taken.update(_names(info))
        return True

    app.registered_commands[commands:] = [i for i in app.registered_commands[commands:] if free(i)]
    app.registered_groups[groups:] = [i for i in app.registered_groups[groups:] if free(i)]


def _names(info: CommandInfo | TyperInfo) -> list[str]:
    """The names ``info`` adds to its parent: a command's or group's own, or, for a group added
    without a name (typer merges it), those of its commands."""
    if isinstance(info, CommandInfo):
        return [info.name or get_command_name(info.callback.__name__)] if info.callback else []
    name = solve_typer_info_defaults(info).name
    if name:
        return [name]
    group = info.typer_instance
    if group is None:
        return []
    return [n for sub in [*group.registered_commands, *group.registered_groups] for n in _names(sub)]
