"""Outages of the hub's own services, and a state database that starts over.

* Redis (the shared rate limits) killed in the middle of a run: the run ends failed with one
  line naming Redis, never a traceback; with Redis back, the next run catches up and the
  platforms hold what one clean run leaves.
* A new, empty state database pointed at a workspace the hub already served: every note the
  hub wrote carries a marker it looks for first, so nothing is posted a second time.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hub.engine import Runtime, run_flow
from tests.reliability.test_fault_storms import InProcessWorld


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A Redis of the test's own, on its own port, that the test can kill and start again."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def with_redis(world: InProcessWorld, url: str, directory: Path) -> Runtime:
    config = world.config()
    hub = config.hub.model_copy(update={"redis_url": url})
    return Runtime.from_config(world.sandbox.pm, config.model_copy(update={"hub": hub}), world.transports)


async def test_redis_killed_mid_run_fails_the_run_naming_redis_and_the_next_run_catches_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clean = InProcessWorld(tmp_path / "clean", storm=False)
    assert (await run_flow(clean.runtime, "cs_assist")).status == "ok"
    expected = await clean.end_state("cs_assist")
    clean.runtime.store.dispose()

    redis = PrivateRedis()
    redis.start()
    try:
        world = InProcessWorld(tmp_path / "outage", storm=False)
        runtime = with_redis(world, redis.url, tmp_path)
        inner = world.transports["intercom"].inner  # type: ignore[attr-defined]
        emulator = inner.app
        seen = {"requests": 0}

        async def kill_redis_on_the_tenth(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen["requests"] += 1
                if seen["requests"] == 10:
                    redis.kill()
            await emulator(scope, receive, send)

        inner.app = kill_redis_on_the_tenth
        async with runtime.session():  # one long-lived process: its pooled connections outlive Redis
            down = await run_flow(runtime, "cs_assist")
            assert down.status == "failed", down
            assert down.error is not None and down.error.startswith("redis unreachable"), down.error
            assert "\n" not in down.error and "Traceback" not in caplog.text

            redis.start()
            again = await run_flow(runtime, "cs_assist")
            assert again.status == "ok", again.error
        assert await world.end_state("cs_assist") == expected
        runtime.store.dispose()
    finally:
        redis.kill()


async def test_a_new_state_database_on_a_served_workspace_posts_no_note_twice(tmp_path: Path) -> None:
    world = InProcessWorld(tmp_path / "served", storm=False)
    for flow in ("back_office", "call_log"):
        assert (await run_flow(world.runtime, flow)).status == "ok"
    served = {flow: await world.end_state(flow) for flow in ("back_office", "call_log")}
    world.runtime.store.dispose()

    config = world.config()
    hub = config.hub.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'restored.db'}"})
    restored = Runtime.from_config(world.sandbox.pm, config.model_copy(update={"hub": hub}), world.transports)
    for flow in ("back_office", "call_log"):
        report = await run_flow(restored, flow)
        assert report.status == "ok", report.error
        assert await world.end_state(flow) == served[flow], flow
    restored.store.dispose()
