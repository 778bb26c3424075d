"""Soak: the embedded engine (`hub schedule`) for minutes on the sandbox, with faults injected.

Every flow runs every 5-15 s (its units in-process on APScheduler, as `hub schedule` runs them);
about 10 % of requests to every platform fail (429 with and without Retry-After, 5xx, dropped
connections, read timeouts) and new calls keep arriving in Aircall. At the end the emulators'
state is checked, not the hub's word for it:

* runs: every failed run is explained by an injected fault (its error names one), none other;
* exactly once: no call has two notes, every call from a known customer has one, no ticket
  note or ticket move is repeated, no refund is paid twice, nothing is left pending;
* memory: peak RSS in the last minute within 10 % of the second minute (flat, not growing).

    .venv/bin/python bench/soak.py               # 10 minutes
    .venv/bin/python bench/soak.py --seconds 90  # quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/soak.py` from the checkout
    sys.path.insert(0, str(ROOT))

from hub.core.config import config_from_mapping  # noqa: E402
from hub.core.manager import get_plugin_manager, settings_models  # noqa: E402
from hub.engine import Runtime  # noqa: E402
from hub.engine.embedded import EmbeddedEngine  # noqa: E402
from hub.sandbox import SANDBOX_CONFIG, Sandbox  # noqa: E402
from hub.sandbox.emulator import FaultMiddleware, Faults, FaultyTransport  # noqa: E402
from hub.store import Status  # noqa: E402
from tests.reliability.harness import FAST_PACING  # noqa: E402  (the tests' pacing: emulators unlimited)

EVERY = {
    "agent_status": "5s",
    "back_office": "10s",
    "call_log": "5s",
    "cs_assist": "15s",
    "tracker_report": "15s",
}
INJECTED = re.compile(r"\b(429|500|502|503)\b|timed out|timeout|connection|dropped|reset", re.IGNORECASE)
"""What an error caused by an injected fault says (the status or the network failure)."""
CALL_MARKER = re.compile(r"\[aircall call (\d+)\]")
REFUND_MARKER = re.compile(r"\[(refund:[^\]]+)\]")


@dataclass
class SoakResult:
    seconds: float
    runs: Counter[str] = field(default_factory=Counter)
    unexplained: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    injected: int = 0
    calls_added: list[str] = field(default_factory=list)
    rss_mib: list[tuple[float, float]] = field(default_factory=list)

    def window_peak(self, start: float, end: float) -> float:
        return max((rss for at, rss in self.rss_mib if start <= at < end), default=0.0)

    @property
    def growth(self) -> float:
        """Peak RSS of the last sixth of the soak over that of its second sixth, minus one
        (for ten minutes: the last minute against the second)."""
        sixth = self.seconds / 6 if self.seconds < 600 else 60.0
        early = self.window_peak(sixth, 2 * sixth)
        late = self.window_peak(self.seconds - sixth, self.seconds + 1)
        return late / early - 1 if early else 0.0


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def faulty(sandbox: Sandbox, rate: float) -> tuple[dict[str, httpx.AsyncBaseTransport], list[Faults]]:
    """Every emulator behind HTTP faults (429s, 5xx) and network faults (drops, timeouts)."""
    transports: dict[str, httpx.AsyncBaseTransport] = {}
    all_faults: list[Faults] = []
    for index, (name, app) in enumerate(sorted(sandbox.apps.items())):
        limited = Faults(rate=rate * 0.3, statuses=(429,), retry_after=0.05, seed=index)
        broken = Faults(rate=rate * 0.5, statuses=(429, 500, 502, 503), retry_after=None, seed=50 + index)
        network = Faults(rate=rate * 0.2, statuses=(), network=("drop", "timeout"), seed=90 + index)
        wrapped = FaultMiddleware(FaultMiddleware(app.app, limited), broken)
        transports[name] = FaultyTransport(httpx.ASGITransport(app=wrapped), network)
        all_faults += [limited, broken, network]
    return transports, all_faults


def build(directory: Path, rate: float) -> tuple[Sandbox, Runtime, list[Faults]]:
    sandbox = Sandbox(get_plugin_manager(), per_brand=3)
    sandbox.build()
    raw = sandbox.raw_config(SANDBOX_CONFIG, database_url=f"sqlite:///{directory / 'hub.db'}")
    raw["hub"]["log_level"] = "WARNING"
    for name, keys in FAST_PACING.items():
        raw["plugins"][name].update(keys)
    for name, every in EVERY.items():
        raw.setdefault("flows", {}).setdefault(name, {}).update(enabled=True, every=every)
    config = config_from_mapping(copy.deepcopy(raw), source="soak", models=settings_models(sandbox.pm))
    transports, faults = faulty(sandbox, rate)
    return sandbox, Runtime.from_config(sandbox.pm, config, transports=transports), faults


def add_calls(sandbox: Sandbox, tick: int) -> list[str]:
    """A few new answered calls from known customers, as a busy support line has them."""
    aircall = sandbox.apps["aircall"].state
    company = next(iter(aircall.companies.values()))
    people = [p for p in sandbox.world.people if p.phone][:12] if sandbox.world else []
    now = int(time.time())
    added = []
    for offset, person in enumerate(people[tick % 4 :: 4]):
        call = aircall.add_call(
            company, direction="inbound", started_at=now - 30 - offset, customer=person.phone, talk_seconds=40
        )
        added.append(str(call["id"]))
    return added


def check(sandbox: Sandbox, runtime: Runtime, calls_added: list[str]) -> list[str]:
    """What a lost or repeated action looks like on the platforms themselves."""
    problems: list[str] = []
    intercom = sandbox.apps["intercom"].state
    notes = Counter(
        marker
        for conversation in intercom.conversations.values()
        for part in conversation["parts"]
        if part["part_type"] == "note"
        for marker in CALL_MARKER.findall(part["body"] or "")
    )
    problems += [f"call {call}: {n} notes" for call, n in notes.items() if n > 1]
    for ticket in intercom.tickets.values():
        bodies = Counter(p["body"] for p in ticket["parts"] if p["part_type"] == "note")
        problems += [f"ticket {ticket['ticket_id']}: a note {n} times" for n in bodies.values() if n > 1]
        moves = Counter(p.get("ticket_state") for p in ticket["parts"][1:] if p["part_type"] != "note")
        name = ticket["ticket_id"]
        problems += [f"ticket {name}: moved to {state} {n} times" for state, n in moves.items() if n > 1]
    refunds = Counter(
        key
        for entry in runtime.store.ledger.entries(flow="back_office", status=Status.DONE, limit=100_000)
        if entry.action == "refund"
        for key in [entry.key]
    )
    problems += [f"refund {key}: {n} ledger entries" for key, n in refunds.items() if n > 1]
    pending = runtime.store.ledger.entries(status=Status.PENDING, limit=100_000)
    problems += [f"left pending: {entry.key}" for entry in pending]
    problems += [f"call {call}: never noted" for call in calls_added if call not in notes]
    letters = runtime.store.dead_letters.entries()
    problems += [f"dead letter {letter.record}: {letter.reason}" for letter in letters]
    return problems


async def soak(seconds: float, directory: Path, *, rate: float = 0.10) -> SoakResult:
    """Run the embedded engine for ``seconds`` with faults on, then check the platforms."""
    sandbox, runtime, faults = build(directory, rate)
    result = SoakResult(seconds)
    engine = EmbeddedEngine(runtime)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(engine.serve(stop))
    while (elapsed := time.monotonic() - started) < seconds:
        result.rss_mib.append((elapsed, rss_mib()))
        result.calls_added += add_calls(sandbox, len(result.rss_mib))
        await asyncio.sleep(2.0)
    for one in faults:
        one.rate = 0  # a calm last pass: what the faults left to the next run is caught up
    await asyncio.sleep(max(float(every.rstrip("s")) for every in EVERY.values()) + 2)
    stop.set()
    await task
    for report in engine.reports:
        result.runs[report.status] += 1
        if report.status == "failed" and not INJECTED.search(report.error or ""):
            result.unexplained.append(f"{report.flow}[{report.scope}]: {report.error}")
    result.injected = sum(one.injected for one in faults)
    result.problems = check(sandbox, runtime, result.calls_added)
    runtime.store.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=0.10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        result = asyncio.run(soak(args.seconds, Path(directory), rate=args.rate))
    added = len(result.calls_added)
    print(f"soak {result.seconds:.0f}s, faults injected {result.injected}, calls added {added}")
    print(f"runs: {dict(result.runs)}; unexplained failures: {len(result.unexplained)}")
    for line in result.unexplained[:10]:
        print(f"  {line}")
    print(f"exactly-once problems: {len(result.problems)}")
    for line in result.problems[:10]:
        print(f"  {line}")
    early = result.window_peak(result.seconds / 6, result.seconds / 3)
    late = result.window_peak(result.seconds * 5 / 6, result.seconds + 1)
    print(f"peak RSS: early {early:.1f} MiB, last {late:.1f} MiB (growth {result.growth:+.1%})")
    ok = not result.unexplained and not result.problems and result.growth <= 0.10
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
