"""The ``hub serve`` command: the server under uvicorn, optionally with the scheduler inside;
and ``hub console hash-password``, which makes the console's password hash for the config.

Added to the command line through the ``hub_cli_commands`` hook (``hub.cli.BUILT_IN_AREAS``),
like a plugin's command: ``hub.cli`` imports this module only when it builds the command line,
and this module uses only the command line's shared options and output.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any

import typer

from hub.cli.options import ConfigOption, SandboxOption, load_runtime
from hub.cli.output import cli_errors, console, err, print_run_line
from hub.core.hookspecs import hookimpl
from hub.engine import Runtime

console_app = typer.Typer(help="The web console of `hub serve` (/console).", no_args_is_help=True)


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub serve`` and the ``hub console`` group."""
    app.command("serve")(serve_command)
    app.add_typer(console_app, name="console")


@console_app.command("hash-password")
def hash_password_command(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input (scripts).")
    ] = False,
) -> None:
    """Print the hash of a console password (the console section's password_hash or
    read_only_password_hash).

    The password is asked twice without echo (or read from standard input's first line); only
    the hash is printed, so it can go into the configuration file or HUB_CONSOLE__PASSWORD_HASH.
    """
    from hub.serve.console.passwords import hash_password  # the standard library only: no starlette

    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Console password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        err.print("a console password needs at least 12 characters")
        raise typer.Exit(2)
    typer.echo(hash_password(password))


def serve_command(
    config: ConfigOption = None,
    sandbox: SandboxOption = False,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8700,
    schedule: Annotated[bool, typer.Option("--schedule", help="Also run the scheduled flows.")] = False,
    max_body_kb: Annotated[int, typer.Option(help="Refuse bodies larger than this (413).")] = 1000,
) -> None:
    """Serve webhooks (/webhooks/PLATFORM), the CS Assist inbox app, /healthz and /metrics."""
    import uvicorn

    from hub.serve.app import ServeOptions  # starlette is loaded only by the command that serves

    with cli_errors():
        runtime = load_runtime(config, sandbox)
        options = ServeOptions(max_body_bytes=max_body_kb * 1000, freeze_heap=True)
        where = f"http://{host}:{port}"
        console.print(f"hub serve on {where} (webhooks at /webhooks/<platform>)", markup=False)
        if runtime.config.console.enabled:
            console.print(f"console at {where}/console", markup=False)
        else:
            console.print(
                "console off: set [console] password_hash (hub console hash-password)", markup=False
            )
        asyncio.run(_serve(runtime, options, host, port, schedule, uvicorn))


async def _serve(runtime: Runtime, options: Any, host: str, port: int, schedule: bool, uvicorn: Any) -> None:
    from hub.engine.embedded import EmbeddedEngine
    from hub.serve.app import create_app

    engine = EmbeddedEngine(runtime, announce=print_run_line) if schedule else None
    app = create_app(runtime, options, scheduler=engine)
    # proxy_headers off: the console trusts a login proxy's header only from the proxy's own
    # address, which X-Forwarded-For would otherwise replace with the browser's.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, proxy_headers=False
    )
    server = uvicorn.Server(config)
    # One session for the whole process: the server and the scheduled runs share the plugins.
    async with runtime.session():
        if engine is None:
            await server.serve()
            return
        async with engine.started():
            await server.serve()


__all__ = ["hash_password_command", "hub_cli_commands", "serve_command"]
