"""Webhook load: 5,000 signed Aircall ``call.ended`` deliveries (duplicates mixed in) at ``hub serve``.

Everything is on loopback: the hub server (uvicorn, its inbox worker inside) and the Intercom
emulator each run in their own forked process; this process sends the deliveries with a fixed
number in flight. It prints acknowledgements per second, the median and 99th-percentile
acknowledgement time (target: p99 under 100 ms), how long the worker took to act on every
event, and checks exactly-once end to end: one inbox row per distinct delivery, each done, one
ledger entry per call, and one note per call on the emulator.

    .venv/bin/python bench/webhook_load.py [--deliveries 5000] [--duplicates 0.2] [--in-flight 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _common import Served  # noqa: E402

from hub.core.config import config_from_mapping  # noqa: E402
from hub.core.manager import get_plugin_manager, settings_models  # noqa: E402
from hub.engine import Runtime  # noqa: E402
from hub.sandbox import SANDBOX_CONFIG, Sandbox  # noqa: E402
from hub.serve.app import ServeOptions, create_app  # noqa: E402
from plugins.aircall.emulator import render_call  # noqa: E402

TOKEN = "bench-aircall-webhook-token"
TARGET_P99_MS = 100.0


def build_sandbox(calls: int) -> tuple[Sandbox, list[dict[str, Any]]]:
    """The sandbox (Intercom + Aircall) and ``calls`` ended inbound calls from known customers."""
    sandbox = Sandbox(get_plugin_manager(["intercom", "aircall"]), per_brand=10)
    sandbox.build()
    assert sandbox.world is not None
    aircall = sandbox.apps["aircall"].state
    company = next(iter(aircall.companies.values()))
    agent = next(iter(company.users))
    people = [p for p in sandbox.world.people if p.phone]
    start = datetime.now(UTC) - timedelta(hours=2)
    made = []
    for index in range(calls):
        person = people[index % len(people)]
        when = start + timedelta(seconds=index)
        made.append(
            aircall.add_call(
                company,
                direction="inbound",
                started_at=int(when.timestamp()),
                customer=person.phone,
                user_id=agent,
                ring_seconds=4,
                talk_seconds=60,
            )
        )
    payloads = [
        {
            "resource": "call",
            "event": "call.ended",
            "timestamp": call["ended_at"],
            "token": TOKEN,
            "data": render_call(aircall, company, call, "https://api.aircall.io/v1", False),
        }
        for call in made
    ]
    return sandbox, payloads


def notes_per_call(workspace: Any) -> dict[str, int]:
    """In the emulator process: how many notes carry each call's marker."""
    counts: dict[str, int] = {}
    for conversation in workspace.conversations.values():
        for part in conversation["parts"]:
            body = part.get("body") or ""
            if part["part_type"] == "note" and "[aircall call " in body:
                call_id = body.rsplit("[aircall call ", 1)[1].split("]", 1)[0]
                counts[call_id] = counts.get(call_id, 0) + 1
    return counts


def hub_runtime(sandbox: Sandbox, intercom_url: str, database: Path) -> Runtime:
    raw = sandbox.raw_config(
        ROOT / SANDBOX_CONFIG, database_url=f"sqlite:///{database}", base_urls={"intercom": intercom_url}
    )
    raw["hub"]["log_level"] = "ERROR"
    raw["plugins"] = {name: raw["plugins"][name] for name in ("intercom", "aircall")}
    raw["plugins"]["intercom"]["requests_per_minute"] = 6_000_000  # the emulator sets no limit
    raw["plugins"]["aircall"]["webhook_token"] = TOKEN
    raw["flows"] = {"call_log": {"enabled": True}}
    config = config_from_mapping(raw, source="bench", models=settings_models(sandbox.pm))
    return Runtime.from_config(sandbox.pm, config)


def _serve_hub(runtime: Runtime, sock: socket.socket, ready: Any, stop: Any) -> None:
    import uvicorn

    app = create_app(runtime, ServeOptions(batch_size=50, poll_seconds=0.2))
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    ready.set()
    stop.wait()
    server.should_exit = True
    thread.join(10)


async def send_all(url: str, deliveries: list[bytes], in_flight: int) -> tuple[list[float], int, float]:
    """Send every delivery, ``in_flight`` at a time; ack times (s), non-2xx count, wall time (s)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in deliveries:
        queue.put_nowait(body)
    times: list[float] = []
    refused = 0
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def sender() -> None:
            nonlocal refused
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post("/webhooks/aircall", content=body)
                times.append(time.perf_counter() - started)
                refused += response.status_code >= 300

        began = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(in_flight)))
        return times, refused, time.perf_counter() - began


def wait_processed(database: Path, timeout: float) -> float:
    """Seconds until no inbox row is pending or processing (or ``timeout``)."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        with sqlite3.connect(database) as db:
            (open_rows,) = db.execute(
                "SELECT count(*) FROM inbox WHERE status IN ('pending', 'processing')"
            ).fetchone()
        if open_rows == 0:
            return time.perf_counter() - began
        time.sleep(0.25)
    return float("inf")


def check(database: Path, payloads: list[dict[str, Any]], notes: dict[str, int]) -> list[str]:
    """What is wrong with exactly-once (empty when every event was processed exactly once)."""
    problems = []
    call_ids = {str(p["data"]["id"]) for p in payloads}
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT status, attempts, count(*) FROM inbox GROUP BY status, attempts").fetchall()
        ledger = dict(
            db.execute(
                "SELECT status, count(*) FROM ledger WHERE key LIKE 'call_log:note:aircall:%' GROUP BY status"
            ).fetchall()
        )
    stored = sum(n for _, _, n in rows)
    if stored != len(call_ids):
        problems.append(f"{stored} inbox rows for {len(call_ids)} distinct deliveries")
    not_once = [(s, a, n) for s, a, n in rows if (s, a) != ("done", 1)]
    if not_once:
        problems.append(f"rows not done exactly once: {not_once}")
    if ledger.get("done") != len(call_ids) or len(ledger) != 1:
        problems.append(f"ledger note entries {ledger} for {len(call_ids)} calls")
    missing = [c for c in call_ids if notes.get(c, 0) == 0]
    doubled = [c for c in call_ids if notes.get(c, 0) > 1]
    if missing or doubled:
        problems.append(f"{len(missing)} calls without a note, {len(doubled)} with more than one")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of deliveries that repeat one")
    parser.add_argument("--in-flight", type=int, default=8, help="deliveries sent at once")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    distinct = max(1, round(args.deliveries * (1 - args.duplicates)))
    sandbox, payloads = build_sandbox(distinct)
    bodies = [json.dumps(p).encode() for p in payloads]
    rng = random.Random(args.seed)
    deliveries = bodies + [rng.choice(bodies) for _ in range(args.deliveries - distinct)]
    rng.shuffle(deliveries)
    workspace = sandbox.apps["intercom"].state
    intercom_app = sandbox.apps["intercom"].app

    with (
        tempfile.TemporaryDirectory() as tmp,
        Served(lambda: intercom_app, stats=lambda _app: notes_per_call(workspace)) as intercom,
    ):
        database = Path(tmp) / "hub.db"
        runtime = hub_runtime(sandbox, intercom.url, database)
        context = multiprocessing.get_context("fork")
        ready, stop = context.Event(), context.Event()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = context.Process(target=_serve_hub, args=(runtime, sock, ready, stop), daemon=True)
        server.start()
        sock.close()
        if not ready.wait(60):
            raise SystemExit("the hub server did not start")
        try:
            times, refused, wall = asyncio.run(send_all(url, deliveries, args.in_flight))
            processed_after = wait_processed(database, timeout=600)
        finally:
            stop.set()
            server.join(15)
        problems = check(database, payloads, intercom.stats())

    times_ms = sorted(t * 1000 for t in times)
    p99 = times_ms[min(len(times_ms) - 1, int(len(times_ms) * 0.99))]
    print(
        f"deliveries: {len(deliveries)} ({distinct} distinct, {len(deliveries) - distinct} duplicates), "
        f"{args.in_flight} in flight, loopback"
    )
    print(
        f"acknowledged: {len(times) - refused} in {wall:.2f} s = {len(times) / wall:,.0f} acks/s;"
        f" refused {refused}"
    )
    print(
        f"ack time: median {statistics.median(times_ms):.1f} ms, p99 {p99:.1f} ms "
        f"(target < {TARGET_P99_MS:.0f} ms: {'met' if p99 < TARGET_P99_MS else 'MISSED'})"
    )
    print(f"every event acted on {processed_after:.1f} s after the last ack")
    if problems:
        print("exactly once: FAILED")
        for problem in problems:
            print(f"  {problem}")
        raise SystemExit(1)
    print(f"exactly once: yes ({distinct} inbox rows done once, {distinct} ledger notes, one note per call)")


if __name__ == "__main__":
    main()
