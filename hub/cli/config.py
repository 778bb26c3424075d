"""``hub config check``: validate the configuration before anything runs."""

from __future__ import annotations

import typer

from hub.cli.options import ConfigOption, load_runtime
from hub.cli.output import cli_errors, console, err
from hub.core.hookspecs import hookimpl
from hub.engine import describe_missing

config_app = typer.Typer(help="Check the configuration.", no_args_is_help=True)


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add the ``hub config`` group."""
    app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
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
