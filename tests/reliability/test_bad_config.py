"""Bad configuration through the CLI: one line naming file and key, exit code 2, no traceback.

Also the money rules a refund depends on: amounts are never floats, tickets are parsed with
``Decimal``, and an amount above what the order can still refund is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hub.cli import app
from hub.core.models import Money, Ticket, TicketState, TicketType
from hub.flows.tickets import TicketProblem, amount
from tests.reliability.harness import BUILT_INS, ROOT

GOOD = """
[hub]
database_url = "sqlite:///{db}"

[plugins.intercom]
enabled = true
access_token = "tok-123456"
admin_id = "1"

[flows.cs_assist]
enabled = false
every = "5m"
"""

BROKEN = {
    "unknown plugin": ("[plugins.nosuchplatform]\nenabled = true\n", "plugins.nosuchplatform"),
    "missing secret": (
        '[plugins.konnektive]\nenabled = true\n[plugins.konnektive.stores.x]\nbrand = "X"\n',
        "plugins.konnektive.stores.x",
    ),
    "wrong type": (
        '[plugins.aircall]\nenabled = true\nrequests_per_window = "lots"\n',
        "requests_per_window",
    ),
    "bad cron line": (
        '[flows.tracker_report]\nenabled = true\ncron = "61 * * * *"\n',
        "flows.tracker_report.cron",
    ),
    "bad interval": ('[flows.call_log]\nenabled = true\nevery = "soon"\n', "flows.call_log.every"),
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "intercom,aircall,shopify,konnektive,stickyio,ultracart")
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    return CliRunner()


def check(runner: CliRunner, path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["config", "check", "--config", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_bad_key_is_one_line_naming_file_and_key_with_exit_code_2(
    runner: CliRunner, tmp_path: Path, case: str
) -> None:
    extra, key = BROKEN[case]
    path = tmp_path / "hub.toml"
    path.write_text(GOOD.format(db=tmp_path / "hub.db") + extra)
    code, output = check(runner, path)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2, output
    assert len(lines) == 1, output
    assert str(path) in lines[0] and key in lines[0], output
    assert "Traceback" not in output


def test_an_unreachable_database_is_one_line_with_exit_code_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    nobody_listens = "postgresql+psycopg://hub@127.0.0.1:9/hub"  # the discard port: refused at once
    path.write_text(GOOD.replace('"sqlite:///{db}"', f'"{nobody_listens}"'))
    code, output = check(runner, path)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2, output
    assert len(lines) == 1 and "hub.database_url" in lines[0] and str(path) in lines[0], output


def one_line(code: int, output: str) -> str:
    """The single line of a configuration error; fails unless exit code 2 and no traceback."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2, output
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


COMMANDS = [
    ["config", "check"],
    ["run", "cs_assist"],
    ["runs"],
    ["dead-letters"],
    ["lookup", "a@example.com"],
]
"""Every command that reads the configuration, each a path the same mistakes reach."""


def good_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(GOOD.format(db=tmp_path / "hub.db") + extra)
    return path


def secrets_config(tmp_path: Path) -> tuple[Path, Path]:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    body = GOOD.format(db=tmp_path / "hub.db").replace("[hub]\n", f'[hub]\nsecrets_dir = "{secrets}"\n')
    path = tmp_path / "hub.toml"
    path.write_text(body)
    return path, secrets


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_secrets_file_that_is_not_utf8_names_file_and_key(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    path, secrets = secrets_config(tmp_path)
    (secrets / "intercom__access_token").write_bytes(b"\xff\xfetok\xfa")
    line = one_line(*invoke(runner, command, path))
    assert str(secrets / "intercom__access_token") in line and "plugins.intercom.access_token" in line
    assert "UTF-8" in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_secret_path_that_is_a_directory_names_it(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    path, secrets = secrets_config(tmp_path)
    (secrets / "intercom__access_token").mkdir()
    line = one_line(*invoke(runner, command, path))
    assert str(secrets / "intercom__access_token") in line and "directory" in line


def test_a_secret_file_naming_no_plugin_is_named(runner: CliRunner, tmp_path: Path) -> None:
    path, secrets = secrets_config(tmp_path)
    (secrets / "intercm__access_token").write_text("tok-123456")  # misspelt: was silently ignored
    (secrets / "README").write_text("not a secret")  # no "__": not a secret's name, left alone
    line = one_line(*check(runner, path))
    assert "intercm__access_token" in line and "plugins.intercm.access_token" in line


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysqlx+foo://hub@127.0.0.1/hub", "unknown database driver 'mysqlx+foo'"),
        ("postgresql+asyncpg://hub@127.0.0.1/hub", "'postgresql+asyncpg' is not installed"),
        ("not a url at all", "not a database URL"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_url_with_an_unknown_driver_is_one_line(
    runner: CliRunner, tmp_path: Path, command: list[str], url: str, says: str
) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(GOOD.replace('"sqlite:///{db}"', f'"{url}"'))
    line = one_line(*invoke(runner, command, path))
    assert str(path) in line and "hub.database_url" in line and says in line


def test_a_database_url_from_the_environment_names_the_variable(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "oracle+nosuch://x")
    line = one_line(*check(runner, good_config(tmp_path)))
    assert "HUB_DATABASE_URL" in line and "hub.database_url" in line


@pytest.mark.parametrize(
    ("variable", "hint"),
    [
        ("HUB_INTERCOM_ACCESS_TOKEN", "did you mean HUB_INTERCOM__ACCESS_TOKEN?"),
        ("HUB_SHOPIFY_STORES__X__ACCESS_TOKEN", ""),
        ("HUB_DATABASE_UR", "did you mean HUB_DATABASE_URL?"),
        ("HUB_TRACE_PLUGIN", "did you mean HUB_TRACE_PLUGINS?"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_hub_variable_is_named_as_such(
    runner: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    variable: str,
    hint: str,
) -> None:
    monkeypatch.setenv(variable, "tok-123456")
    line = one_line(*invoke(runner, command, good_config(tmp_path)))
    assert variable in line and hint in line
    assert "unknown HUB_* variable" in line or "unknown plugin" in line


@pytest.mark.parametrize(
    ("variable", "key"),
    [
        ("HUB_INTERCOM__ACCES_TOKEN", "plugins.intercom.acces_token"),  # misspelt key: was blamed on the file
        ("HUB_INTERCOM__RATE_LIMIT__NOPE", "plugins.intercom.rate_limit"),
    ],
)
def test_a_bad_key_set_by_a_variable_names_the_variable(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, key: str
) -> None:
    monkeypatch.setenv(variable, "x")
    line = one_line(*check(runner, good_config(tmp_path)))
    assert line.startswith(f"config error: {variable}: {key}"), line


def test_a_bad_key_set_by_a_secret_file_names_the_file(runner: CliRunner, tmp_path: Path) -> None:
    path, secrets = secrets_config(tmp_path)
    (secrets / "intercom__acces_tokn").write_text("tok-123456")
    line = one_line(*check(runner, path))
    assert str(secrets / "intercom__acces_tokn") in line and "plugins.intercom.acces_tokn" in line


@pytest.mark.parametrize("command", [*COMMANDS, ["plugins"]], ids=" ".join)
def test_a_misspelt_plugin_in_hub_load_plugins_is_named(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "intercom,aircal")
    line = one_line(*invoke(runner, command, good_config(tmp_path)))
    assert "HUB_LOAD_PLUGINS" in line and "aircal" in line and "no such plugin" in line


def test_a_config_path_that_is_a_directory_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    line = one_line(*check(runner, tmp_path))
    assert str(tmp_path) in line and "cannot be read" in line


def test_the_real_hub_command_exits_2_with_one_line(tmp_path: Path) -> None:
    """Through the console script's own entry point, in a fresh process (no test runner)."""
    path, secrets = secrets_config(tmp_path)
    (secrets / "intercom__access_token").write_bytes(b"\xff\xfe")
    env = {**os.environ, "HUB_LOAD_PLUGINS": ",".join(BUILT_INS), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", "from hub.cli import main; main()", "config", "check", "--config", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = one_line(done.returncode, done.stdout + done.stderr)
    assert "plugins.intercom.access_token" in line


def invoke(runner: CliRunner, command: list[str], path: Path) -> tuple[int, str]:
    result = runner.invoke(app, [*command, "--config", str(path)])
    return result.exit_code, result.output


def test_the_good_config_passes(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(GOOD.format(db=tmp_path / "hub.db"))
    code, output = check(runner, path)
    assert code == 0, output


def test_money_refuses_floats() -> None:
    with pytest.raises(ValidationError, match="float"):
        Money(amount=10.1, currency="USD")  # type: ignore[arg-type]
    assert Money(amount="10.10", currency="USD").amount == Decimal("10.10")


def ticket(value: object) -> Ticket:
    return Ticket(
        platform="intercom",
        id="1",
        type=TicketType.REFUND,
        state=TicketState.SUBMITTED,
        attributes={"amount": value},
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("0.1", Decimal("0.1")),
        (0.1, Decimal("0.1")),
        ("$1,234.50", Decimal("1234.50")),
        (19.99, Decimal("19.99")),
    ],
)
def test_ticket_amounts_are_read_as_exact_decimals(typed: object, parsed: Decimal) -> None:
    value = amount(ticket(typed))
    assert isinstance(value, Decimal) and value == parsed


@pytest.mark.parametrize("typed", ["-5", "0", "abc", "NaN", "Infinity", "1e999", "10.001", ""])
def test_ticket_amounts_that_are_not_money_are_refused(typed: str) -> None:
    if typed == "":
        assert amount(ticket(typed)) is None
        return
    with pytest.raises(TicketProblem, match="amount"):
        amount(ticket(typed))
