"""The ``hub serve`` command: the server under uvicorn, optionally with the scheduler inside.

Added to the command line through the ``hub_cli_commands`` hook (``hub.cli.BUILT_IN_AREAS``),
like a plugin's command: ``hub.cli`` imports this module only when it builds the command line,
and this module uses only the command line's shared options and output.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from hub.cli.options import ConfigOption, SandboxOption, load_runtime
from hub.cli.output import cli_errors, console, print_run_line
from hub.core.hookspecs import hookimpl
from hub.engine import Runtime


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub serve``."""
    app.command("serve")(serve_command)


def serve_command(
    config: ConfigOption = None,
    sandbox: SandboxOption = False,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8700,
    schedule: Annotated[bool, typer.Option("--schedule", help="Also run the scheduled flows.")] = False,
    max_body_kb: Annotated[int, typer.Option(help="Refuse bodies larger than this (413).")] = 1000,
) -> None:
    """Serve webhooks (/webhooks/PLATFORM), the CS Assist inbox app, /healthz and /metrics."""
    import uvicorn

    from hub.serve.app import ServeOptions  # starlette is loaded only by the command that serves

    with cli_errors():
        runtime = load_runtime(config, sandbox)
        options = ServeOptions(max_body_bytes=max_body_kb * 1000)
        console.print(f"hub serve on http://{host}:{port} (webhooks at /webhooks/<platform>)")
        asyncio.run(_serve(runtime, options, host, port, schedule, uvicorn))


async def _serve(runtime: Runtime, options: Any, host: str, port: int, schedule: bool, uvicorn: Any) -> None:
    from hub.engine.embedded import EmbeddedEngine
    from hub.serve.app import create_app

    engine = EmbeddedEngine(runtime, announce=print_run_line) if schedule else None
    app = create_app(runtime, options, scheduler=engine)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    # One session for the whole process: the server and the scheduled runs share the plugins.
    async with runtime.session():
        if engine is None:
            await server.serve()
            return
        async with engine.started():
            await server.serve()


__all__ = ["hub_cli_commands", "serve_command"]
