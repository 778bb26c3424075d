"""``hub config check`` (validate the configuration before anything runs; ``--live`` asks each
platform too) and ``hub config example`` (the complete example configuration, generated)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.options import ConfigOption, JsonOption, load_runtime
from hub.cli.output import cli_errors, console, err, print_json
from hub.core.errors import ConfigError
from hub.core.hookspecs import hookimpl
from hub.engine import Runtime, describe_missing

config_app = typer.Typer(
    help="Check the configuration. Or write a complete example of it.", no_args_is_help=True
)


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add the ``hub config`` group."""
    app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(
    config: ConfigOption = None,
    as_json: JsonOption = False,
    live: Annotated[
        bool, typer.Option("--live", help="Then check every enabled plugin live (hub doctor).")
    ] = False,
) -> None:
    """Validate the configuration and say what each enabled flow is missing.

    Exit code 2, one line naming file and key, for a bad configuration, and for no file at all:
    give ``--config FILE`` (``--config /dev/null`` checks the built-in defaults).
    """
    with cli_errors(), _as_json_too(as_json):
        runtime = load_runtime(config)
        for name, settings in runtime.config.flows.items():
            if settings.enabled:
                runtime.flow(name)
                if runtime.config.hub.database_url.startswith("postgresql"):
                    from hub.engine.queue import cron_line  # workers schedule by cron lines

                    cron_line(runtime, name, settings)
        problems = {flow: caps for flow, caps in describe_missing(runtime).items() if caps}
        if as_json:
            print_json("config-check", check_json(runtime, problems))
        else:
            _print_check(runtime, problems)
        if problems:
            raise typer.Exit(2)
        if live:
            from hub.cli.workspace import print_checks, run_doctor

            if not print_checks(run_doctor(runtime)):
                raise typer.Exit(1)


def _print_check(runtime: Runtime, problems: dict[str, list[str]]) -> None:
    console.print(
        f"[green]ok[/] {runtime.config.source}: "
        f"{len(runtime.config.plugins)} plugin sections, "
        f"{len(runtime.config.flows)} flow sections"
    )
    for flow, caps in problems.items():
        err.print(f"[red]flows.{flow}[/]: no enabled plugin provides {', '.join(caps)}")
    if not problems:
        enabled_flows = [n for n, s in runtime.config.flows.items() if s.enabled]
        console.print(f"flows ready: {', '.join(enabled_flows) or 'none enabled'}")


def check_json(runtime: Runtime, problems: dict[str, list[str]]) -> dict[str, Any]:
    """A configuration that loaded, in ``hub.config-check/1`` (docs/cli-json.md)."""
    config = runtime.config
    return {
        "ok": not problems,
        "source": config.source,
        "plugins": [
            {"name": name, "enabled": config.plugin_enabled(name)} for name in sorted(config.plugins)
        ],
        "flows": [
            {"name": name, "enabled": settings.enabled, "missing": problems.get(name, [])}
            for name, settings in sorted(config.flows.items())
        ],
        "error": None,
    }


@contextlib.contextmanager
def _as_json_too(as_json: bool) -> Iterator[None]:
    """With ``--json``, a configuration that does not load is a document too (``ok`` false,
    ``error`` naming file, key and reason) before the one line on stderr and exit code 2."""
    try:
        yield
    except ConfigError as exc:
        if as_json:
            error = {"source": exc.source, "setting": exc.key, "reason": exc.reason}
            print_json(
                "config-check",
                {"ok": False, "source": exc.source, "plugins": [], "flows": [], "error": error},
            )
        raise


@config_app.command("example")
def config_example(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file (default: print it).")
    ] = None,
) -> None:
    """A complete example configuration: every key with its type, unit, default and description."""
    from hub.cli.example import example_toml
    from hub.core.manager import get_plugin_manager

    with cli_errors():
        text = example_toml(get_plugin_manager())
        if output is None:
            typer.echo(text, nl=False)  # plain: the file's text, never wrapped or styled
            return
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", highlight=False)
