"""Three procrastinate workers, one PostgreSQL, one Redis: every unit runs, every action once, no
limit overrun, and a worker SIGKILLed midway is survived (its stalled job goes back in the queue)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import tomli_w

from hub.core.manager import get_plugin_manager
from hub.engine import Runtime, units
from hub.sandbox import SANDBOX_CONFIG, Sandbox
from hub.sandbox.emulator import FixedWindow, serve
from hub.store import Status, Store

REDIS_URL = "redis://127.0.0.1:6379/0"
SERVER_LIMIT = 20  # Intercom requests per 1-second window, as the emulator enforces it
CLIENT_LIMIT = 18  # what the workers share: a margin for requests in flight across a window edge


@pytest.fixture
def redis_url() -> str:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis answers at 127.0.0.1:6379 ({exc})")
    for key in client.scan_iter("hub-limits*"):
        client.delete(key)
    return REDIS_URL


def refunds_paid(sandbox: Sandbox) -> Counter[str]:
    """Refunds each store emulator actually paid, by order."""
    paid: Counter[str] = Counter()
    apps = sandbox.apps
    paid.update(r["order_id"] for r in apps["ultracart"].state.refunds)
    paid.update(r["orderId"] for r in apps["konnektive"].state.refunds_paid)
    for instance in apps["stickyio"].state.instances.values():
        paid.update(str(r["order_id"]) for r in instance.refunds)
    for shop in apps["shopify"].state.shops.values():
        for order in shop.orders.values():
            paid.update(order["id"] for _ in order["_refunds"])
    return paid


def start_worker(config: str, since: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub",
            "worker",
            "--config",
            config,
            "--until-done",
            "--since",
            since,
            "--poll",
            "0.5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_three_workers_share_the_flows_and_survive_a_death(pg_url, redis_url, tmp_path):
    pm = get_plugin_manager()
    sandbox = Sandbox(pm, per_brand=3)
    sandbox.build()
    intercom = sandbox.apps["intercom"].state
    intercom.app_window = FixedWindow(SERVER_LIMIT, 1.0)
    servers = {name: serve(app.app) for name, app in sandbox.apps.items()}
    try:
        raw = sandbox.raw_config(
            SANDBOX_CONFIG, database_url=pg_url, base_urls={name: url for name, (_, url) in servers.items()}
        )
        raw["hub"].update(redis_url=redis_url, lease_seconds=3, log_level="INFO")
        raw["plugins"]["intercom"].update(requests_per_minute=CLIENT_LIMIT * 60, window_seconds=1.0)
        config = tmp_path / "hub.toml"
        config.write_text(tomli_w.dumps(raw))
        store = Store(pg_url)
        store.migrate()
        since = datetime.now(UTC).isoformat()
        workers = [start_worker(str(config), since) for _ in range(3)]

        deadline = time.monotonic() + 60
        def midway() -> bool:  # some runs done, some under way
            recent = store.runs.recent(50)
            return len(recent) >= 3 and any(r.status == "running" for r in recent)

        while time.monotonic() < deadline and not midway():
            time.sleep(0.1)
        workers[0].send_signal(signal.SIGKILL)  # dies holding a lease and a job, maybe mid-action
        for survivor in workers[1:]:
            output = survivor.communicate(timeout=240)[0].decode()
            assert survivor.returncode == 0, output
            assert "Traceback" not in output, output

        units_done = store.runs.since(datetime.fromisoformat(since))
        runtime = Runtime.load(config)
        assert {(u.flow, u.scope) for u in units(runtime)} <= units_done
        assert store.ledger.entries(status=Status.PENDING) == []

        refund_keys = [
            e
            for e in store.ledger.entries(flow="back_office")
            if e.action == "refund" and e.status is Status.DONE
        ]
        paid = refunds_paid(sandbox)
        assert refund_keys and sum(paid.values()) == len(refund_keys)
        assert max(paid.values()) == 1  # the sandbox files at most one valid refund per order

        calls = next(iter(sandbox.apps["aircall"].state.companies.values())).calls
        notes = [
            n
            for c in intercom.conversations.values()
            for p in c["parts"]
            if p["part_type"] == "note"
            for n in [p["body"] or ""]
        ]
        for call_id in calls:
            assert sum(f"[aircall call {call_id}]" in n for n in notes) <= 1
        assert intercom.app_window.refused == 0
        assert 0 < intercom.app_window.peak <= SERVER_LIMIT
    finally:
        for worker in locals().get("workers", []):
            if worker.poll() is None:
                worker.kill()
        for server, _ in servers.values():
            server.should_exit = True
