"""Running flows: the lease (one run at a time across processes), run records, exit codes."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.core.config import config_from_mapping
from hub.core.manager import get_plugin_manager, settings_models
from hub.engine import Runtime, run_flow
from hub.flows import FLOWS
from hub.flows.base import Flow, FlowOptions, RunContext


class SlowOptions(FlowOptions):
    seconds: float = 0.3


class SlowFlow(Flow):
    name = "slow"
    options_model = SlowOptions
    started = 0

    async def run(self, ctx: RunContext) -> None:
        type(self).started += 1
        await asyncio.sleep(self.options.seconds)
        ctx.count("ticks")


@pytest.fixture
def runtime(sqlite_url, monkeypatch) -> Runtime:
    monkeypatch.setitem(FLOWS, "slow", SlowFlow)
    SlowFlow.started = 0
    pm = get_plugin_manager()
    config = config_from_mapping(
        {"hub": {"database_url": sqlite_url}, "flows": {"slow": {"enabled": True, "seconds": 0.3}}},
        source="test.toml", models=settings_models(pm))
    return Runtime.from_config(pm, config)


async def test_two_concurrent_runs_one_skips(runtime):
    first, second = await asyncio.gather(run_flow(runtime, "slow"), run_flow(runtime, "slow"))
    assert sorted([first.status, second.status]) == ["ok", "skipped"]
    assert SlowFlow.started == 1
    assert [r.status for r in runtime.store.runs.recent()] == ["ok"]


async def test_two_concurrent_runs_one_waits(runtime):
    reports = await asyncio.gather(run_flow(runtime, "slow", wait=True),
                                   run_flow(runtime, "slow", wait=True))
    assert [r.status for r in reports] == ["ok", "ok"]
    assert SlowFlow.started == 2


async def test_lease_held_by_another_process_skips(runtime):
    from datetime import timedelta

    runtime.store.leases.take("flow:slow:", "other-host:1", timedelta(minutes=5))
    report = await run_flow(runtime, "slow")
    assert report.status == "skipped" and "other-host:1" in report.error
    assert SlowFlow.started == 0


def test_flow_options_are_validated(runtime):
    from hub.core.config import FlowSettings

    runtime.config.flows["slow"] = FlowSettings(enabled=True, secnds=1)
    with pytest.raises(Exception, match=r"flows\.slow\.secnds: unknown key"):
        runtime.flow("slow")


def test_cli_plugins_lists_the_built_ins():
    result = CliRunner().invoke(app, ["plugins"])
    assert result.exit_code == 0
    for name in ("intercom", "aircall", "shopify", "konnektive", "stickyio", "ultracart"):
        assert name in result.output


def test_cli_config_error_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "hub.toml"
    bad.write_text('[plugins.shopify]\nenabled = "maybe"\n')
    result = CliRunner().invoke(app, ["config", "check", "--config", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: plugins.shopify.enabled:" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_run_records_the_run(tmp_path, monkeypatch):
    monkeypatch.setitem(FLOWS, "slow", SlowFlow)
    config = tmp_path / "hub.toml"
    config.write_text(f'[hub]\ndatabase_url = "sqlite:///{tmp_path}/hub.db"\n'
                      '[flows.slow]\nenabled = true\nseconds = 0.01\n')
    runner = CliRunner()
    result = runner.invoke(app, ["run", "slow", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "slow: ok" in result.output and "ticks 1" in result.output
    history = runner.invoke(app, ["runs", "--config", str(config)])
    assert "slow" in history.output and "ticks 1" in history.output
    unknown = runner.invoke(app, ["run", "nosuch", "--config", str(config)])
    assert unknown.exit_code == 2 and "flows.nosuch: unknown flow" in unknown.output


class BrokenFlow(Flow):
    name = "broken"

    async def run(self, ctx: RunContext) -> None:
        raise KeyError("a bug, not a platform refusal")


async def test_a_flow_that_crashes_is_recorded_as_failed_and_frees_its_lease(runtime, monkeypatch):
    monkeypatch.setitem(FLOWS, "broken", BrokenFlow)
    report = await run_flow(runtime, "broken")  # a service goes on: one line, the traceback is logged
    assert report.status == "failed" and report.error is not None
    assert report.error.startswith("unexpected error KeyError")
    (last,) = runtime.store.runs.recent(1)
    assert (last.flow, last.status) == ("broken", "failed")
    assert runtime.store.leases.holder("flow:broken:") is None
