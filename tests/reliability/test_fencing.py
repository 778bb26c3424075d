"""Fencing: a run paused past its lease while a newer run finished writes nothing when it wakes.

``hub run back_office`` stops itself (SIGSTOP, as a process swapped out or partitioned would)
right after recording an intent; time passes (its lease and its claims expire); a second run
does the whole job; then the first gets SIGCONT. It must stop before its next platform call and
record nothing over the newer run's work: every note and refund once, no done entry turned
failed, and the end state of one clean run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.store import Status, Store
from tests.reliability.conftest import Live
from tests.reliability.harness import HUB_ENV, ROOT
from tests.reliability.test_crash_safety import differences, end_state, exactly_once_problems, reference

PAUSE_POINTS = [
    ("back_office", "ledger.after_begin.add_note:1"),
    ("back_office", "ledger.after_begin.refund:1"),
    ("back_office", "cursor.before_save:1"),
    ("call_log", "write:add_note"),  # inside the action: its POST waited out, not yet sent
]


def is_stopped(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def send_of_first_write(passed: list[tuple[str, int]], action: str) -> str:
    """The crash point of the first request sent inside the first ``action`` (its POST)."""
    begun = passed.index((f"ledger.after_begin.{action}", 1))
    site, nth = next(p for p in passed[begun:] if p[0] == "http.send.post")
    return f"{site}:{nth}"


@pytest.mark.parametrize(("flow", "point"), PAUSE_POINTS)
async def test_a_run_paused_past_its_lease_writes_nothing_when_it_wakes(
    live: Live, flow: str, point: str
) -> None:
    expected, passed = await reference(live, flow)
    if point.startswith("write:"):
        point = send_of_first_write(passed, point.removeprefix("write:"))
    world = live.world()
    env = {**os.environ, **HUB_ENV, "HUB_CRASH_AT": point, "HUB_CRASH_SIGNAL": "SIGSTOP"}
    paused = subprocess.Popen(
        [sys.executable, "-m", "hub", "run", flow, "--config", str(world.config_path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not is_stopped(paused.pid):
            assert paused.poll() is None and time.monotonic() < deadline, "the run never reached its pause"
            time.sleep(0.05)
        world.expire_leases()  # time passes: its lease and its claims run out
        assert live.hub(world, "run", flow) == 0, live.output(world)
        store = Store(f"sqlite:///{world.database}")
        done_before = {e.key for e in store.ledger.entries(status=Status.DONE)}
        paused.send_signal(signal.SIGCONT)
        output = paused.communicate(timeout=60)[0].decode()
    finally:
        if paused.poll() is None:
            paused.kill()
    assert paused.returncode == 1, output
    assert f"a newer run holds flow:{flow}" in output, output
    state = await end_state(world, flow)
    assert exactly_once_problems(world, state) == []
    assert differences(expected, state) == []
    assert done_before <= {e.key for e in store.ledger.entries(status=Status.DONE)}  # none undone
    assert store.ledger.entries(status=Status.PENDING) == []
    store.dispose()
