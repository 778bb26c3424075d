"""``hub config check`` (validate the configuration before anything runs; ``--live`` asks each
platform too) and ``hub config example`` (the complete example configuration, generated)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.options import ConfigOption, load_runtime
from hub.cli.output import cli_errors, console, err
from hub.core.hookspecs import hookimpl
from hub.engine import describe_missing

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
    live: Annotated[
        bool, typer.Option("--live", help="Then check every enabled plugin live (hub doctor).")
    ] = False,
) -> None:
    """Validate the configuration and say what each enabled flow is missing."""
    with cli_errors():
        runtime = load_runtime(config)
        console.print(
            f"[green]ok[/] {runtime.config.source}: "
            f"{len(runtime.config.plugins)} plugin sections, "
            f"{len(runtime.config.flows)} flow sections"
        )
        for name, settings in runtime.config.flows.items():
            if settings.enabled:
                runtime.flow(name)
                if runtime.config.hub.database_url.startswith("postgresql"):
                    from hub.engine.queue import cron_line  # workers schedule by cron lines

                    cron_line(runtime, name, settings)
        problems = {flow: caps for flow, caps in describe_missing(runtime).items() if caps}
        for flow, caps in problems.items():
            err.print(f"[red]flows.{flow}[/]: no enabled plugin provides {', '.join(caps)}")
        if problems:
            raise typer.Exit(2)
        enabled_flows = [n for n, s in runtime.config.flows.items() if s.enabled]
        console.print(f"flows ready: {', '.join(enabled_flows) or 'none enabled'}")
        if live:
            from hub.cli.workspace import print_checks, run_doctor

            if not print_checks(run_doctor(runtime)):
                raise typer.Exit(1)


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
