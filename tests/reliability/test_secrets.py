"""No configured secret leaves the hub: not in logs (debug included), CLI output or the state store.

The whole demo runs with debug logging while every log line and the demo's printed tables are
captured; then every table of the state store is read. None may contain a secret of any
plugin's sandbox settings, neither plain nor base64-encoded (HTTP Basic auth sends
``base64(id:token)``, so every ``value:secret`` pair of a plugin's settings is checked too).
"""

from __future__ import annotations

import base64
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from rich.console import Console
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

import hub.cli
import hub.cli.sandbox
import hub.demo
from hub.cli.output import print_report
from hub.core.errors import PlatformError
from hub.core.http import PlatformClient
from hub.core.logs import configure_logging
from hub.core.models import Order
from hub.core.redact import redact, register
from hub.demo import run_demo
from hub.engine import Runtime, run_flow
from hub.sandbox import Sandbox
from tests.flows.conftest import World
from tests.flows.test_back_office import refund_attributes
from tests.reliability.harness import BUILT_INS, ROOT, get_plugin_manager


def setting_values(value: Any) -> Iterator[str]:
    """Every text value of a plugin's settings (secrets unwrapped), recursively."""
    if hasattr(value, "get_secret_value"):
        yield value.get_secret_value()
    elif hasattr(type(value), "model_fields"):
        for name in type(value).model_fields:
            yield from setting_values(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from setting_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from setting_values(item)
    elif isinstance(value, str):
        yield value


def forbidden_strings(sandbox: Sandbox) -> dict[str, str]:
    """What must never appear -> which secret it reveals."""
    config = sandbox.config()
    forbidden: dict[str, str] = {}
    for name, settings in config.plugins.items():
        secrets = [s for s in _secrets_of(settings) if len(s) >= 4]
        values = [v for v in setting_values(settings) if v]
        for secret in secrets:
            forbidden[secret] = f"{name} secret"
            forbidden[base64.b64encode(secret.encode()).decode().rstrip("=")] = f"{name} secret, base64"
            for value in values:
                pair = base64.b64encode(f"{value}:{secret}".encode()).decode().rstrip("=")
                forbidden[pair] = f"{name} Basic auth pair, base64"
    return forbidden


def _secrets_of(settings: Any) -> list[str]:
    from hub.core.config import _secret_values

    return _secret_values(settings)


def leaks(text_: str, forbidden: dict[str, str]) -> list[str]:
    return sorted({what for needle, what in forbidden.items() if needle in text_})


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the sandbox reads config/sandbox.toml
    monkeypatch.setenv("HUB_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("HUB_LOAD_PLUGINS", ",".join(BUILT_INS))


async def test_a_debug_demo_run_logs_and_prints_no_secret_and_stores_none(
    in_repo: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's whole job, on a smaller world than `hub demo` seeds (same code, fewer people).
    monkeypatch.setattr(hub.demo, "Sandbox", partial(Sandbox, per_brand=2))
    pm = get_plugin_manager(BUILT_INS)
    reference = Sandbox(pm, per_brand=1)
    reference.build()
    forbidden = forbidden_strings(reference)
    assert len(forbidden) > 20  # every plugin has credentials in the sandbox

    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    root = logging.getLogger()
    root.addHandler(handler)  # the hub formats every root handler with its redacting formatter
    printed = io.StringIO()
    original_console = hub.cli.sandbox.console  # what `hub demo` prints its passes through
    hub.cli.sandbox.console = Console(file=printed, width=200)
    database = tmp_path / "demo.db"
    try:
        results = await run_demo(pm, passes=2, database=database)
        for number, result in enumerate(results, start=1):
            hub.cli.sandbox.print_pass(number, result)
    finally:
        hub.cli.sandbox.console = original_console
        root.removeHandler(handler)

    log_text, cli_text = logged.getvalue(), printed.getvalue()
    assert "DEBUG hub.http" in log_text, "debug logging was not on: the test would prove nothing"
    assert "Pass 1" in cli_text
    assert leaks(log_text, forbidden) == []
    assert leaks(cli_text, forbidden) == []
    assert leaks(dump_database(database), forbidden) == []


def dump_database(path: Path, min_rows: int = 50) -> str:
    """Every row of every table, as text."""
    engine = create_engine(f"sqlite:///{path}")
    rows = []
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        assert {"ledger", "runs", "cursors"} <= set(tables)
        for table in tables:
            rows += [repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    engine.dispose()
    assert len(rows) > min_rows, "nothing was written: the check would prove nothing"
    return "\n".join(rows)


def test_the_leak_check_finds_a_secret_in_basic_auth_form(in_repo: None) -> None:
    pm = get_plugin_manager(BUILT_INS)
    sandbox = Sandbox(pm, per_brand=1)
    sandbox.build()
    forbidden = forbidden_strings(sandbox)
    aircall = sandbox.config().plugins["aircall"]
    header = base64.b64encode(
        f"{aircall.api_id.get_secret_value()}:{aircall.api_token.get_secret_value()}".encode()
    ).decode()
    assert leaks(f"Authorization: Basic {header}", forbidden) != []
    assert os.environ["HUB_LOG_LEVEL"] == "DEBUG"


# --------------------------------------------------------------------------- echoed credentials

ECHO_MARKER = "Sticky.io gateway: request refused"


class EchoingErrorPage(httpx.AsyncBaseTransport):
    """Sticky.io behind a proxy whose error page echoes the request back, headers included.

    Every ``order_refund`` gets a 400 HTML page quoting the request's ``Authorization`` header
    (``Basic base64(username:password)``), the decoded pair and the form sent. Everything else
    reaches the emulator.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.pages: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/order_refund"):
            return await self.inner.handle_async_request(request)
        header = request.headers["authorization"]
        pair = base64.b64decode(header.split()[1]).decode()
        page = (
            f"<html><h1>{ECHO_MARKER}</h1><pre>POST {request.url}\nAuthorization: {header}\n"
            f"user: {pair}\n{header}\nbody: {request.content.decode()}</pre></html>"
        )
        self.pages.append(page)
        return httpx.Response(400, text=page, headers={"content-type": "text/html"})


def every_encoding(forbidden: dict[str, str]) -> dict[str, str]:
    """``forbidden`` plus each needle URL-encoded (a secret in a query string or form)."""
    more = dict(forbidden)
    for needle, what in forbidden.items():
        more.setdefault(quote(needle, safe=""), f"{what}, URL-encoded")
    return more


def stickyio_order(sandbox: Sandbox) -> Order:
    return next(o for o in sandbox.world.orders if o.platform == "stickyio" and o.financial_status == "paid")


async def test_an_error_page_echoing_basic_credentials_leaks_nowhere(
    in_repo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pm = get_plugin_manager(BUILT_INS)
    built = Sandbox(pm, per_brand=2)
    built.build()
    forbidden = every_encoding(forbidden_strings(built))
    transports = built.transports()
    echo = EchoingErrorPage(transports["stickyio"])
    transports["stickyio"] = echo
    database = tmp_path / "hub.db"
    config = built.config(database_url=f"sqlite:///{database}")
    runtime = Runtime.from_config(pm, config, transports=transports)
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    root = logging.getLogger()
    root.addHandler(handler)
    configure_logging("DEBUG")  # the hub's redacting formatter on every root handler, this one too
    try:
        async with runtime.hub() as running:
            world = World(built, runtime, running)
            order = stickyio_order(built)
            ticket = world.file_ticket("refund", order.email, refund_attributes(order, "5.00"))
            report = await run_flow(runtime, "back_office", hub=running)
        print_report(report)  # the CLI's own printing, through its consoles
    finally:
        root.removeHandler(handler)
    runtime.store.dispose()

    assert echo.pages, "no refund reached Sticky.io: the test would prove nothing"
    assert leaks("\n".join(echo.pages), forbidden) != []  # the page does hold the credentials
    notes = "\n".join(world.notes(world.state("intercom").tickets[ticket["id"]]))
    assert ECHO_MARKER in notes, "the error page is not in the note: the test would prove nothing"
    assert leaks(notes, forbidden) == []
    assert leaks(logged.getvalue(), forbidden) == []
    assert leaks(capsys.readouterr().out, forbidden) == []
    assert leaks(dump_database(database, min_rows=5), forbidden) == []
    assert leaks(database.read_bytes().decode("latin-1"), forbidden) == []  # free pages and WAL too
    for cli_args in (["runs"], ["dead-letters"]):
        config = tmp_path / "cli.toml"
        config.write_text(f'[hub]\ndatabase_url = "sqlite:///{database}"\n')
        result = CliRunner().invoke(hub.cli.app, [*cli_args, "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert leaks(result.output, forbidden) == []


def test_plugin_tracing_prints_no_credential(tmp_path: Path) -> None:
    """``HUB_TRACE_PLUGINS=1 hub lookup --sandbox`` in a fresh process: the trace shows each
    plugin's sandbox settings before any configuration registered their secrets."""
    pm = get_plugin_manager(BUILT_INS)
    reference = Sandbox(pm)  # the world `--sandbox` builds
    reference.build()
    forbidden = every_encoding(forbidden_strings(reference))
    email = next(o.email for o in reference.world.orders if o.email)
    env = {**os.environ, "HUB_TRACE_PLUGINS": "1", "HUB_LOAD_PLUGINS": ",".join(BUILT_INS)}
    env.pop("HUB_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-c", "from hub.cli import main; main()", "lookup", email, "--sandbox"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-2000:]
    assert "finish hub_sandbox -->" in output and "commerce_find_customers" in output  # it did trace
    assert leaks(output, forbidden) == []


@pytest.mark.parametrize(
    "shape",
    [
        "Authorization: Basic {pair}",
        "authorization='Bearer {secret}'",
        "GET /api?api_key={secret}&page=2",
        "loginId=someone&password={secret}",
        '{{"client_secret": "{secret}"}}',
        "the proxy said Basic {pair}",
    ],
)
def test_credential_shapes_are_masked_even_when_never_configured(shape: str) -> None:
    secret = "never-configured-Zq81x"
    pair = base64.b64encode(f"someone:{secret}".encode()).decode()
    masked = redact(shape.format(secret=secret, pair=pair))
    assert secret not in masked and pair.rstrip("=") not in masked and "***" in masked


def test_a_secret_cut_by_truncation_is_masked_before_the_cut() -> None:
    secret = "configured-Secret-77"
    register([secret], ["the-user"])
    pair = base64.b64encode(f"the-user:{secret}".encode()).decode()
    page = "x" * 270 + f" Authorization: Basic {pair}"  # the cut at 300 falls inside the pair
    response = httpx.Response(400, text=page, request=httpx.Request("POST", "https://sticky.test/api/v1/x"))
    client = PlatformClient.__new__(PlatformClient)
    client.platform = "stickyio"
    with pytest.raises(PlatformError) as raised:
        client.raise_for_status(response)
    assert pair[:8] not in str(raised.value) and secret not in str(raised.value)
