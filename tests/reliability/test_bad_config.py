"""Bad configuration through the CLI: one line naming file and key, exit code 2, no traceback.

Also the money rules a refund depends on: amounts are never floats, tickets are parsed with
``Decimal``, and an amount above what the order can still refund is refused.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from hub.cli import app
from hub.core.models import Money, Ticket, TicketState, TicketType
from hub.flows.tickets import TicketProblem, amount

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
