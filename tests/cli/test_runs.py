"""``hub run``, ``hub runs`` and ``hub runs show``: progress off a terminal, one line per run
(its units together), every report line reachable, the JSON shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.cli.history import group_runs
from hub.cli.sandbox import print_pass
from hub.demo import DemoPass, write_history_config
from hub.engine import RunReport
from hub.store import RunRecord, Store
from tests.cli.conftest import Hub

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def record(
    run_id: int, flow: str, scope: str, start: float, end: float | None, status: str = "ok"
) -> RunRecord:
    ended = T0 + timedelta(seconds=end) if end is not None else None
    return RunRecord(run_id, flow, scope, status, T0 + timedelta(seconds=start), ended, {"read": 1}, None)


def test_the_units_of_one_run_are_one_run_and_nothing_else_is() -> None:
    rows = [
        record(1, "back_office", "a", 0, 1),
        record(2, "call_log", "", 0.5, 2),  # another flow beside it does not split it
        record(3, "back_office", "b", 1.1, 2),
        record(4, "back_office", "unassigned", 2.0, 3, status="failed"),
        record(5, "back_office", "a", 3.1, 4),  # scope a again: the next run
        record(6, "back_office", "b", 60, 61),  # a minute later: another run
        record(7, "call_log", "", 2.5, 3),  # one scope: every run its own
        record(8, "back_office", "c", 61.5, None, status="running"),
    ]
    groups = group_runs(reversed(rows))
    assert [g.ids for g in groups] == [[7], [6, 8], [5], [2], [1, 3, 4]]
    first = groups[-1]
    assert first.status == "failed" and first.scopes == ["a", "b", "unassigned"]
    assert first.counts == {"read": 3} and first.seconds == 3.0
    assert groups[1].status == "running" and groups[1].ended_at is None and groups[1].seconds is None


def test_a_run_of_every_store_is_one_line_and_show_prints_every_report_line(
    hub_cli: Hub, units_per_store: None
) -> None:
    ran = hub_cli.invoke("run", "back_office", "--config", str(hub_cli.config))
    assert ran.exit_code == 0, ran.output
    scopes = hub_cli.runtime().flow("back_office").scopes(hub_cli.runtime().config)
    assert len(scopes) > 2
    # Not a terminal: plain progress lines on stderr, each unit with its place among them.
    for number, scope in enumerate(scopes, start=1):
        assert f"back_office [{scope}] {number}/{len(scopes)}: ok" in ran.stderr
    assert ran.stdout.startswith("back_office: ok")

    listed = hub_cli.invoke("runs", "--json", "--config", str(hub_cli.config))
    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.stdout)
    assert document["schema"] == "hub.runs/1"
    (run,) = document["runs"]
    assert run["flow"] == "back_office" and [u["scope"] for u in run["units"]] == scopes
    assert run["ids"] == [u["id"] for u in run["units"]] and run["id"] == run["ids"][0]
    assert run["counts"]["read"] == sum(u["counts"].get("read", 0) for u in run["units"])

    table = hub_cli.invoke("runs", "--config", str(hub_cli.config))
    assert table.exit_code == 0
    assert f"{len(scopes)} scopes" in table.stdout and table.stdout.count("back_office") == 1
    assert max(map(len, table.stdout.splitlines())) <= 80

    shown = hub_cli.invoke("runs", "show", str(run["ids"][-1]), "--json", "--config", str(hub_cli.config))
    whole = json.loads(shown.stdout)
    assert whole["schema"] == "hub.run/1" and whole["run"]["ids"] == run["ids"]
    assert whole["run"]["report"] == [line for unit in whole["run"]["units"] for line in unit["report"]]
    text = hub_cli.invoke("runs", "show", str(run["id"]), "--config", str(hub_cli.config))
    assert text.exit_code == 0
    for line in whole["run"]["report"]:
        assert line in text.stdout
    assert max(map(len, text.stdout.splitlines())) <= 80


def test_progress_off_a_terminal_says_how_far_of_how_many(hub_cli: Hub) -> None:
    ran = hub_cli.invoke("run", "agent_status", "--config", str(hub_cli.config))
    assert ran.exit_code == 0, ran.output
    read = json.loads(hub_cli.invoke("runs", "--json").stdout)["runs"][0]["counts"]["read"]
    assert f"agent_status: {read}/{read}" in ran.stderr.splitlines()  # the total is known: shown
    assert "agent_status" not in ran.stdout.replace("agent_status: ok", "")  # progress stays off stdout


def test_an_unknown_flow_or_run_is_one_line_naming_what_there_is(hub_cli: Hub) -> None:
    for args in (["run", "nosuch"], ["runs", "--flow", "nosuch"]):
        result = hub_cli.invoke(*args, "--config", str(hub_cli.config))
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.strip().splitlines()
        assert "nosuch" in line and "agent_status, back_office, call_log, cs_assist, tracker_report" in line
    missing = hub_cli.invoke("runs", "show", "99", "--config", str(hub_cli.config))
    assert missing.exit_code == 2
    assert missing.stderr.strip() == "error: no run 99 (no run is recorded yet; see `hub runs`)"


def test_the_demo_points_at_a_command_that_shows_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    database = Path("var/demo.db")
    config = write_history_config(database)
    store = Store(f"sqlite:///{database}")
    store.migrate()
    lines = [f"call {n}: no contact has this number" for n in range(13)]
    run_id = store.runs.started("call_log")
    store.runs.finished(run_id, "ok", {"read": 13}, report=lines)
    store.dispose()
    report = RunReport("call_log", "ok", {"read": 13}, run_id=run_id, report=lines)
    print_pass(1, DemoPass(reports=[report], run_ids={"call_log": run_id}, config=config))
    hint = next(line for line in capsys.readouterr().out.splitlines() if "more lines" in line)
    command = hint.split(": ", 1)[1].split()
    assert command[:3] == ["hub", "runs", "show"], hint

    monkeypatch.chdir("/")  # the file names the database whole: it works from anywhere
    shown = CliRunner().invoke(app, [*command[1:-1], str(tmp_path / command[-1])])
    assert shown.exit_code == 0, shown.output
    assert all(line in shown.stdout for line in lines)
