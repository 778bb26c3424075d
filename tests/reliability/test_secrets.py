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
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import create_engine, inspect, text

import hub.cli
import hub.demo
from hub.demo import run_demo
from hub.sandbox import Sandbox
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
    original_console = hub.cli.console
    hub.cli.console = Console(file=printed, width=200)
    database = tmp_path / "demo.db"
    try:
        results = await run_demo(pm, passes=2, database=database)
        for number, result in enumerate(results, start=1):
            hub.cli.print_pass(number, result)
    finally:
        hub.cli.console = original_console
        root.removeHandler(handler)

    log_text, cli_text = logged.getvalue(), printed.getvalue()
    assert "DEBUG hub.http" in log_text, "debug logging was not on: the test would prove nothing"
    assert "Pass 1" in cli_text
    assert leaks(log_text, forbidden) == []
    assert leaks(cli_text, forbidden) == []
    assert leaks(dump_database(database), forbidden) == []


def dump_database(path: Path) -> str:
    """Every row of every table, as text."""
    engine = create_engine(f"sqlite:///{path}")
    rows = []
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        assert {"ledger", "runs", "cursors"} <= set(tables)
        for table in tables:
            rows += [repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    engine.dispose()
    assert len(rows) > 50, "the demo wrote nothing: the check would prove nothing"
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
