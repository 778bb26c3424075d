"""Webhook intake: signed Aircall ``call.ended`` deliveries (duplicates mixed in) at ``hub serve``.

Everything is on loopback: the hub server (uvicorn, with its inbox worker) and the Intercom
emulator each run in their own forked process, on SQLite as ``hub serve`` runs by default.
This process is the platform: a plain asyncio HTTP/1.1 client (keep-alive, no httpx, so the
sender is not what is measured) sends the deliveries in two phases, each on a fresh server and
database:

- **closed loop**: ``--senders`` (50) connections, each sending its next delivery as soon as the
  previous one is acknowledged; the figure is acknowledgements per second (goal >= 1,500).
- **open loop**: deliveries sent on a fixed schedule, ``--rate`` (500) a second for ``--seconds``
  (30), each on a free connection (a new one when all are busy), whatever the acks do; an ack's
  time runs from its scheduled send, so a slow ack cannot hide the ones behind it. The figure is
  the 99th percentile (goal <= 50 ms).

After each phase it waits for the worker to act on every event and checks exactly-once end to
end: one inbox row per distinct delivery, each done once, one ledger note per call, one note per
call on the emulator (exit 1 if not). ``--quick`` sends fewer (8 s of open loop) and checks
exactly-once on what the worker got through in a short wait.

    .venv/bin/python bench/webhook_load.py [--quick] [--json FILE] [--senders 50] [--rate 500]
        [--seconds 30] [--deliveries 6000] [--duplicates 0.2]
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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _common import Served, figure, heading, write_figures  # noqa: E402

from hub.core.config import config_from_mapping  # noqa: E402
from hub.core.manager import get_plugin_manager, settings_models  # noqa: E402
from hub.engine import Runtime  # noqa: E402
from hub.sandbox import SANDBOX_CONFIG, Sandbox  # noqa: E402
from hub.serve.app import ServeOptions, create_app  # noqa: E402
from plugins.aircall.emulator import render_call  # noqa: E402

TOKEN = "bench-aircall-webhook-token"
PATH = "/webhooks/aircall"
CLOSED = "webhooks: acks/s, 50 concurrent senders (closed loop)"
CLOSED_GOAL = 1500
OPEN = "webhooks: p99 ack at 500 deliveries/s for 30 s (open loop)"
OPEN_GOAL = 50.0


def build_sandbox(calls: int) -> tuple[Sandbox, list[dict[str, Any]]]:
    """The sandbox (Intercom + Aircall) and ``calls`` ended inbound calls from known customers."""
    sandbox = Sandbox(get_plugin_manager(["intercom", "aircall"]), per_brand=40)
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


def _serve_hub(runtime: Runtime, sock: socket.socket, ready: Any, stop: Any, worker: bool) -> None:
    import uvicorn

    options = ServeOptions(batch_size=50, poll_seconds=0.2, worker=worker, freeze_heap=True)  # as hub serve
    app = create_app(runtime, options)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    ready.set()
    stop.wait()
    server.should_exit = True
    thread.join(10)


class Connection:
    """One keep-alive HTTP/1.1 connection posting raw bodies (the sender's whole cost is here)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def post(self, body: bytes) -> int:
        """Send one delivery, read the whole answer; its HTTP status."""
        head = f"POST {PATH} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
        self.writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        line = await self.reader.readline()
        if not line:  # the server closed an idle keep-alive connection before reading this one
            raise ConnectionResetError("connection closed by the server")
        status = int(line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


@dataclass
class Sent:
    ack_ms: list[float] = field(default_factory=list)
    refused: int = 0
    wall: float = 0.0
    connections: int = 0


async def closed_loop(host: str, port: int, deliveries: list[bytes], senders: int) -> Sent:
    """``senders`` connections, each sending its next delivery once the last one is acked."""
    queue = iter(deliveries)
    sent = Sent(connections=senders)
    connections = [await Connection.open(host, port) for _ in range(senders)]

    async def sender(connection: Connection) -> None:
        for body in queue:
            started = time.perf_counter()
            status = await connection.post(body)
            sent.ack_ms.append((time.perf_counter() - started) * 1000)
            sent.refused += status >= 300

    began = time.perf_counter()
    await asyncio.gather(*(sender(c) for c in connections))
    sent.wall = time.perf_counter() - began
    for connection in connections:
        connection.close()
    return sent


async def open_loop(host: str, port: int, deliveries: list[bytes], rate: float) -> Sent:
    """Delivery ``i`` is sent at ``i / rate`` s on a free connection (a new one if none is free);
    its ack time runs from that scheduled moment."""
    sent = Sent()
    idle: list[Connection] = []
    tasks: list[asyncio.Task[None]] = []

    async def send(body: bytes, due: float) -> None:
        connection = idle.pop() if idle else None
        if connection is None:
            connection = await Connection.open(host, port)
            sent.connections += 1
        try:
            status = await connection.post(body)
        except ConnectionError:  # idle too long (uvicorn closes after 5 s): send again, as platforms do
            connection.close()
            connection = await Connection.open(host, port)
            sent.connections += 1
            status = await connection.post(body)
        sent.ack_ms.append((time.perf_counter() - due) * 1000)
        sent.refused += status >= 300
        idle.append(connection)

    for _ in range(50):  # warm connections, as a platform's delivery workers keep them
        idle.append(await Connection.open(host, port))
        sent.connections += 1
    began = time.perf_counter()
    for index, body in enumerate(deliveries):
        due = began + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(body, due)))
    await asyncio.gather(*tasks)
    sent.wall = time.perf_counter() - began
    for connection in idle:
        connection.close()
    return sent


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


def check(
    database: Path, payloads: list[dict[str, Any]], notes: dict[str, int], *, complete: bool
) -> tuple[list[str], int]:
    """What is wrong with exactly-once (empty when every event acted on was acted on once), and
    how many events were acted on. ``complete``: every event must have been acted on by now."""
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
    done = sum(n for status, attempts, n in rows if (status, attempts) == ("done", 1))
    if stored != len(call_ids):
        problems.append(f"{stored} inbox rows for {len(call_ids)} distinct deliveries")
    allowed = {("done", 1)} if complete else {("done", 1), ("pending", 0), ("processing", 0)}
    not_once = [(s, a, n) for s, a, n in rows if (s, a) not in allowed]
    if not_once:
        problems.append(f"rows not done exactly once: {not_once}")
    # Stopped mid-step (--quick): a row still "processing" may have its note and ledger entry.
    in_flight = 0 if complete else sum(n for status, _, n in rows if status == "processing")
    ledger_done, pending = ledger.get("done", 0), ledger.get("pending", 0)
    if (
        not done <= ledger_done <= done + in_flight
        or pending > in_flight
        or set(ledger) - {"done", "pending"}
    ):
        problems.append(f"ledger note entries {ledger} for {done} events done, {in_flight} in flight")
    doubled = [c for c in call_ids if notes.get(c, 0) > 1]
    noted = sum(1 for c in call_ids if notes.get(c, 0) == 1)
    if doubled or not done <= noted <= done + in_flight or (complete and done != len(call_ids)):
        problems.append(f"{noted} calls with one note, {len(doubled)} with more, {done} events done")
    return problems, done


@dataclass
class Phase:
    name: str
    sent: Sent
    distinct: int
    deliveries: int
    acted_after: float
    done: int
    problems: list[str]

    def percentile(self, share: float) -> float:
        times = sorted(self.sent.ack_ms)
        return times[min(len(times) - 1, int(len(times) * share))]

    @property
    def acks_per_second(self) -> float:
        return len(self.sent.ack_ms) / self.sent.wall


def run_phase(
    name: str, distinct: int, duplicates: float, send: Any, wait: float, seed: int, worker: bool = True
) -> Phase:
    """A fresh sandbox, Intercom emulator and hub server; ``send(host, port, deliveries)``."""
    sandbox, payloads = build_sandbox(distinct)
    bodies = [json.dumps(p).encode() for p in payloads]
    rng = random.Random(seed)
    repeats = round(distinct * duplicates / (1 - duplicates))
    deliveries = bodies + [rng.choice(bodies) for _ in range(repeats)]
    rng.shuffle(deliveries)
    workspace = sandbox.apps["intercom"].state
    intercom_app = sandbox.apps["intercom"].app
    heading(f"{name}: {len(deliveries)} deliveries ({distinct} distinct, {repeats} repeated)")
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
        port = sock.getsockname()[1]
        server = context.Process(target=_serve_hub, args=(runtime, sock, ready, stop, worker), daemon=True)
        server.start()
        sock.close()
        if not ready.wait(60):
            raise SystemExit("the hub server did not start")
        try:
            sent = asyncio.run(send("127.0.0.1", port, deliveries))
            acted_after = wait_processed(database, timeout=wait)
        finally:
            stop.set()
            server.join(30)
        problems, done = check(database, payloads, intercom.stats(), complete=acted_after != float("inf"))
    return Phase(name, sent, distinct, len(deliveries), acted_after, done, problems)


def report(phase: Phase) -> None:
    sent = phase.sent
    print(
        f"acknowledged {len(sent.ack_ms) - sent.refused} of {phase.deliveries} in {sent.wall:.2f} s "
        f"= {phase.acks_per_second:,.0f} acks/s; refused {sent.refused}; {sent.connections} connections"
    )
    print(
        f"ack time: median {statistics.median(sent.ack_ms):.1f} ms, p99 {phase.percentile(0.99):.1f} ms, "
        f"max {max(sent.ack_ms):.1f} ms"
    )
    if phase.acted_after == float("inf"):
        print(f"acted on {phase.done} of {phase.distinct} events in the time allowed after the last ack")
    else:
        print(f"every event acted on {phase.acted_after:.1f} s after the last ack")
    if phase.problems:
        print("exactly once: FAILED")
        for problem in phase.problems:
            print(f"  {problem}")
    else:
        print(f"exactly once: yes ({phase.done} events acted on, each once: one ledger note, one note)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer deliveries, a short wait for the worker")
    parser.add_argument("--json", type=Path, help="write the figures for bench/run_all.py")
    parser.add_argument("--senders", type=int, default=50, help="closed loop: connections sending at once")
    parser.add_argument("--deliveries", type=int, default=None, help="closed loop: deliveries (6000)")
    parser.add_argument("--rate", type=float, default=500.0, help="open loop: deliveries a second")
    parser.add_argument("--seconds", type=float, default=None, help="open loop: how long (30 s)")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of deliveries that repeat one")
    parser.add_argument("--only", choices=["closed", "open"], help="run one phase")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-worker", action="store_true", help="intake alone (the worker off): what acting costs the acks"
    )
    args = parser.parse_args()
    total = args.deliveries or (3000 if args.quick else 6000)
    seconds = args.seconds or (8.0 if args.quick else 30.0)
    wait = 0.0 if args.no_worker else 15.0 if args.quick else 900.0
    figures = []
    phases = []
    if args.only in (None, "closed"):
        distinct = round(total * (1 - args.duplicates))

        async def closed(host: str, port: int, deliveries: list[bytes]) -> Sent:
            return await closed_loop(host, port, deliveries, args.senders)

        phase = run_phase(
            f"closed loop, {args.senders} senders",
            distinct,
            args.duplicates,
            closed,
            wait,
            args.seed,
            not args.no_worker,
        )
        report(phase)
        phases.append(phase)
        value = None if phase.problems or phase.sent.refused else round(phase.acks_per_second)
        figures.append(figure(CLOSED, value, CLOSED_GOAL, unit="acks/s"))
        print(f"{CLOSED}: {phase.acks_per_second:,.0f} (goal >= {CLOSED_GOAL:,}: {_verdict(value, True)})")
    if args.only in (None, "open"):
        distinct = round(args.rate * seconds * (1 - args.duplicates))

        async def scheduled(host: str, port: int, deliveries: list[bytes]) -> Sent:
            return await open_loop(host, port, deliveries, args.rate)

        name = f"open loop, {args.rate:g} deliveries/s for {seconds:g} s"
        phase = run_phase(name, distinct, args.duplicates, scheduled, wait, args.seed + 1, not args.no_worker)
        report(phase)
        phases.append(phase)
        p99 = phase.percentile(0.99)
        value = None if phase.problems or phase.sent.refused else round(p99, 1)
        figures.append(figure(OPEN, value, OPEN_GOAL, at_least=False, unit="ms"))
        print(f"{OPEN}: {p99:.1f} ms (goal <= {OPEN_GOAL:g} ms: {_verdict(value, False)})")
    write_figures(args.json, [] if args.no_worker else figures)  # the goals count with the worker on
    if any(phase.problems for phase in phases):
        raise SystemExit(1)


def _verdict(value: float | None, at_least: bool) -> str:
    if value is None:
        return "MISS (not exactly once, or refused)"
    met = value >= CLOSED_GOAL if at_least else value <= OPEN_GOAL
    return "PASS" if met else "MISS"


if __name__ == "__main__":
    main()
