"""Fault storms: with a fifth of requests failing, every flow still ends where a clean run ends.

In-process (the emulators behind ``httpx.ASGITransport``), each platform gets, independently:
429 with ``Retry-After`` (4%), 429 without it / 500 / 502 / 503 (11%), dropped connections and
read timeouts raised by ``FaultyTransport`` (6%), and a small delay on every answer: about 20%
of requests fail. Backoff sleeps are scaled down 100x (the policy's own numbers still decide).

What is proved, precisely: reads and 429s are retried by the HTTP layer, at most
``max_attempts`` tries per request; a write that got a 5xx or lost its connection is *not*
retried there (it may have happened), so that run fails cleanly and the next run recovers the
ledger entry. So "complete" means: after a bounded number of runs (each either ok or failed,
never crashed) the flow reports ok, and the platforms hold what one clean run leaves.
"""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.core.config import HubConfig, config_from_mapping
from hub.core.http import RetryPolicy
from hub.core.manager import plugin_infos, settings_models
from hub.engine import Runtime, run_flow
from hub.flows import load_flows
from hub.sandbox import Sandbox
from hub.sandbox.emulator import FaultMiddleware, Faults, FaultyTransport
from tests.reliability.harness import (
    BUILT_INS,
    FAST_PACING,
    SANDBOX_TOML,
    build_sandbox,
    commerce_state,
    get_plugin_manager,
    helpdesk_state,
    telephony_state,
)

FLOWS = ["agent_status", "back_office", "call_log", "cs_assist"]
MAX_RUNS = 40
"""Runs a flow may need to get through the storm (each failed run moves the ledger forward)."""


def flow_platforms() -> list[str]:
    """The built-ins a scheduled flow calls. Each platform's fault seed is its place in this list,
    so a plugin no flow needs (a checkout-only one) would add no request to the storm, only
    shift every other platform's faults."""
    needed = set().union(*(flow.requires for flow in load_flows().values()))
    return [info.name for info in plugin_infos(get_plugin_manager(BUILT_INS)) if info.capabilities & needed]


class InProcessWorld:
    """A seeded sandbox reached in-process, with fault injection on every platform."""

    def __init__(self, directory: Path, *, storm: bool, seed: int = 1) -> None:
        self.sandbox: Sandbox = build_sandbox(get_plugin_manager(flow_platforms()))
        self.http_faults: dict[str, list[Faults]] = {}
        self.network_faults: dict[str, Faults] = {}
        self.transports: dict[str, httpx.AsyncBaseTransport] = {}
        for index, (name, app) in enumerate(sorted(self.sandbox.apps.items())):
            layers = [
                Faults(rate=0.04 if storm else 0, statuses=(429,), retry_after=0.01, seed=seed + index),
                Faults(
                    rate=0.11 if storm else 0,
                    statuses=(429, 500, 502, 503),
                    retry_after=None,
                    seed=seed + 50 + index,
                    latency=0.001 if storm else 0,
                ),
            ]
            wrapped = app.app
            for faults in layers:
                wrapped = FaultMiddleware(wrapped, faults)
            network = Faults(
                rate=0.06 if storm else 0, statuses=(), network=("drop", "timeout"), seed=seed + 90 + index
            )
            self.http_faults[name], self.network_faults[name] = layers, network
            self.transports[name] = FaultyTransport(httpx.ASGITransport(app=wrapped), network)
        raw = self.sandbox.raw_config(SANDBOX_TOML, database_url=f"sqlite:///{directory / 'hub.db'}")
        for name, keys in FAST_PACING.items():
            raw["plugins"][name].update(keys)
        self._config = config_from_mapping(
            copy.deepcopy(raw), source="storm", models=settings_models(self.sandbox.pm)
        )
        self.runtime = Runtime.from_config(self.sandbox.pm, self._config, transports=self.transports)

    def config(self) -> HubConfig:
        return self._config

    def state(self, platform: str) -> Any:
        return self.sandbox.apps[platform].state

    def calm(self) -> None:
        for layers in self.http_faults.values():
            for faults in layers:
                faults.rate = 0
        for faults in self.network_faults.values():
            faults.rate = 0

    def injected(self) -> int:
        return sum(f.injected for layers in self.http_faults.values() for f in layers) + sum(
            f.injected for f in self.network_faults.values()
        )

    async def end_state(self, flow: str) -> dict[str, Any]:
        state: dict[str, Any] = {"helpdesk": helpdesk_state(self), "telephony": telephony_state(self)}
        if flow == "back_office":
            calm = {n: httpx.ASGITransport(app=a.app) for n, a in self.sandbox.apps.items()}
            state["commerce"] = await commerce_state(self, calm)
        return state


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    original = RetryPolicy.wait

    def scaled(self: RetryPolicy, state: Any) -> float:
        return original(self, state) / 100

    monkeypatch.setattr(RetryPolicy, "wait", scaled)


@pytest.mark.parametrize("flow", FLOWS)
async def test_a_fault_storm_ends_where_a_clean_run_ends(
    flow: str, tmp_path: Path, quick_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    clean = InProcessWorld(tmp_path / "clean", storm=False)
    assert (await run_flow(clean.runtime, flow)).status == "ok"
    expected = await clean.end_state(flow)
    clean.runtime.store.dispose()

    stormy = InProcessWorld(tmp_path / "storm", storm=True)
    caplog.set_level(logging.WARNING, logger="hub.http")
    statuses = []
    for _ in range(MAX_RUNS):
        report = await run_flow(stormy.runtime, flow)
        statuses.append(report.status)
        if report.status == "ok":
            break
        assert report.status == "failed" and report.error, report
    assert statuses[-1] == "ok", statuses
    assert stormy.injected() > 0
    attempts = [int(m.group(1)) for m in re.finditer(r"\(attempt (\d+),", caplog.text)]
    assert attempts, "no retry happened: the storm proved nothing"
    assert max(attempts) < RetryPolicy().max_attempts  # tries per request are bounded
    assert await stormy.end_state(flow) == expected
    stormy.runtime.store.dispose()


async def test_a_platform_that_stays_down_fails_the_run_keeps_the_cursor_and_the_next_run_catches_up(
    tmp_path: Path, quick_backoff: None
) -> None:
    clean = InProcessWorld(tmp_path / "clean", storm=False)
    assert (await run_flow(clean.runtime, "call_log")).status == "ok"
    expected = await clean.end_state("call_log")
    clean.runtime.store.dispose()

    world = InProcessWorld(tmp_path / "down", storm=False)
    world.http_faults["intercom"][1].rate = 1.0  # every helpdesk request answers 5xx/429
    down = await run_flow(world.runtime, "call_log")
    assert down.status == "failed" and "intercom" in (down.error or "")
    assert world.runtime.store.cursors.get("call_log") is None  # nothing was skipped
    world.calm()
    assert (await run_flow(world.runtime, "call_log")).status == "ok"
    assert await world.end_state("call_log") == expected
    world.runtime.store.dispose()
