"""The ``hub`` command line on the sandbox: a seeded world, and the command as a process runs it.

``Hub`` builds a fresh ``Runtime`` for every command (as each ``hub ...`` process does) over
one seeded sandbox and one SQLite file, with a ``Gate`` in front of each platform that a test
can close (every matching request answered with an error) and open again.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

import hub.cli.output
from hub.cli import app
from hub.core.manager import get_plugin_manager
from hub.engine import Runtime
from hub.sandbox import Sandbox
from hub.serve.app import ServeOptions, create_app
from tests.serve.conftest import MAX_BODY, Served, set_secrets

WIDTH = 80


class Gate(httpx.AsyncBaseTransport):
    """A platform's transport that, while ``closed`` names an answer, gives it to every request
    ``when`` picks: ``(status, message)`` in the platform's error shape."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.when: Callable[[httpx.Request], bool] = lambda request: False
        self.closed: tuple[int, str] | None = None
        self.refused = 0

    def close_on(self, when: Callable[[httpx.Request], bool], status: int, message: str) -> None:
        self.when, self.closed = when, (status, message)

    def open(self) -> None:
        self.closed = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.closed is not None and self.when(request):
            self.refused += 1
            status, message = self.closed
            body = {
                "type": "error.list",
                "errors": [{"code": "refused", "message": message}],
                "error": message,
            }
            return httpx.Response(status, json=body, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Hub:
    """The sandbox the commands talk to, and how to run one."""

    sandbox: Sandbox
    database: Path
    config: Path
    gates: dict[str, Gate] = field(default_factory=dict)

    def runtime(self) -> Runtime:
        """A runtime as a ``hub`` process builds it: the sandbox's plugins, through the gates."""
        pm = get_plugin_manager()
        config = self.sandbox.config(database_url=f"sqlite:///{self.database}")
        return Runtime.from_config(pm, config, transports=dict(self.gates))

    def state(self, platform: str) -> Any:
        return self.sandbox.apps[platform].state

    def invoke(self, *args: str) -> Result:
        """``hub ARGS`` at 80 columns, its runtime this sandbox's (``--config`` names the file)."""
        return CliRunner().invoke(app, list(args), env={"COLUMNS": str(WIDTH)})


@pytest.fixture
def hub_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """Commands run on a seeded sandbox: ``load_runtime`` in every command area gives them the
    sandbox's runtime; ``config`` is a real file naming the same database (for ``--config``)."""
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=4)
    built.build()
    database = tmp_path / "hub.db"
    config = tmp_path / "hub.toml"
    config.write_text(f'[hub]\ndatabase_url = "sqlite:///{database}"\n')
    gates = {name: Gate(transport) for name, transport in built.transports().items()}
    world = Hub(built, database, config, gates)
    built_runtimes: list[Runtime] = []

    def load_runtime(path: Path | None, sandbox: bool = False) -> Runtime:
        built_runtimes.append(world.runtime())
        return built_runtimes[-1]

    for area in ("dead_letters", "runs", "engine", "lookup", "reports"):
        monkeypatch.setattr(f"hub.cli.{area}.load_runtime", load_runtime)
    yield world
    for runtime in built_runtimes:
        runtime.store.dispose()


@contextlib.contextmanager
def narrow_consoles(width: int = WIDTH) -> Iterator[None]:
    """The CLI's consoles at ``width`` columns, whatever the terminal running the tests."""
    saved = hub.cli.output.console.width, hub.cli.output.err.width
    hub.cli.output.console.width = hub.cli.output.err.width = width
    try:
        yield
    finally:
        hub.cli.output.console.width, hub.cli.output.err.width = saved


def rendered_width(renderable: Any, width: int = WIDTH) -> list[str]:
    """``renderable`` as a console of ``width`` columns prints it: its lines."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def column(output: str, index: int) -> str:
    """The text of a table's column ``index`` in ``output``, its wrapped lines joined again."""
    rows = [line.split("│") for line in output.splitlines() if line.startswith("│")]
    return "".join(row[index + 1].strip() for row in rows if len(row) > index + 1)


@contextlib.asynccontextmanager
async def gated_server(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> AsyncIterator[tuple[Served, dict]]:
    """``tests.serve.conftest.serving`` with a ``Gate`` in front of every platform."""
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=6)
    built.build()
    set_secrets(monkeypatch, [store["brand"] for store in built.apps["shopify"].settings["stores"].values()])
    config = built.config(database_url=database_url)
    gates = {name: Gate(transport) for name, transport in built.transports().items()}
    runtime = Runtime.from_config(pm, config, transports=dict(gates))
    server_app = create_app(runtime, ServeOptions(worker=False, max_body_bytes=MAX_BODY))
    async with server_app.router.lifespan_context(server_app):
        transport = httpx.ASGITransport(app=server_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Served(built, runtime, client, server_app.state.hub_server), gates
    runtime.store.dispose()
