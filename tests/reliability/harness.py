"""Harness of the reliability tests: emulators on loopback, hub processes to kill, end states.

* ``LiveEmulators`` serves one loopback port per platform for a whole test module; each
  scenario plugs a freshly seeded sandbox into it (``fresh_world``), so nothing is restarted.
* ``HubProcesses`` runs ``hub`` commands in separate processes (forked from a warm fork server,
  ``forkserver.py``) with crash points chosen through ``HUB_CRASH_AT`` (``hub.core.crashpoints``).
* ``end_state`` reads what the platforms hold after the runs, in platform-neutral terms, so a
  crashed-and-restarted run can be compared with one uninterrupted run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

import pluggy
import tomli_w
from sqlalchemy import create_engine, update
from starlette.types import ASGIApp, Receive, Scope, Send

import hub
from hub.core.config import HubConfig, load_config
from hub.core.facade import gathered
from hub.core.manager import Hub, built_in_plugins, get_plugin_manager, settings_models
from hub.core.models import Ref
from hub.sandbox import Sandbox
from hub.sandbox.emulator import serve
from hub.sandbox.world import build_world
from hub.store.leases import leases
from hub.store.ledger import ledger

ROOT = Path(hub.__file__).resolve().parent.parent
SANDBOX_TOML = ROOT / "config" / "sandbox.toml"
FORKSERVER = Path(__file__).with_name("forkserver.py")
PER_BRAND = 1
BUILT_INS = built_in_plugins()
"""The platforms under test (a third-party plugin installed next to them is left out)."""
HUB_ENV = {"HUB_LOAD_PLUGINS": ",".join(BUILT_INS)}
WORLD_NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
"""Every scenario of a test session is seeded at the same moment, so all worlds are equal."""

FAST_PACING: dict[str, dict[str, Any]] = {
    # The emulators enforce no limit the tests do not ask for; pacing the clients to the real
    # platforms' limits would only make the tests wait.
    "intercom": {"requests_per_minute": 600_000},
    "aircall": {"requests_per_window": 100_000},
    "shopify": {"bucket_size": 1_000_000.0, "restore_rate": 1_000_000.0},
    "konnektive": {"requests_per_window": 100_000},
    "ultracart": {"requests_per_window": 100_000},
    "stickyio": {"requests_per_window": 100_000},
}


# --------------------------------------------------------------------------- the emulators


class Switchboard:
    """An ASGI app that forwards to whichever emulator is plugged in at the moment."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "no emulator plugged in"
        await self.app(scope, receive, send)


def build_sandbox(pm: pluggy.PluginManager, per_brand: int = PER_BRAND) -> Sandbox:
    """A seeded sandbox, the same every time in a session (``WORLD_NOW``), fast to serve."""
    sandbox = Sandbox(pm, per_brand=per_brand)
    with mock.patch("hub.sandbox.build_world", partial(build_world, now=WORLD_NOW)):
        sandbox.build()
    unthrottle(sandbox)
    return sandbox


def unthrottle(sandbox: Sandbox) -> None:
    """Lift the emulators' own rate limits (the tests that want 429s inject them)."""
    for name, app in sandbox.apps.items():
        state = app.state
        if name == "shopify":
            for shop in state.shops.values():
                if shop.bucket is not None:
                    shop.bucket.maximum = shop.bucket.available = 1_000_000.0
                    shop.bucket.restore_rate = 1_000_000.0
        elif name == "aircall":
            for company in state.companies.values():
                company.window.limit = 100_000


class LiveEmulators:
    """Every platform's emulator served on loopback once; scenarios swap the seeded apps."""

    def __init__(self, names: list[str]) -> None:
        self.boards = {name: Switchboard() for name in names}
        self.urls: dict[str, str] = {}
        self.servers: list[Any] = []
        for name, board in sorted(self.boards.items()):
            server, self.urls[name] = serve(board)
            self.servers.append(server)

    def plug(self, sandbox: Sandbox, wrap: Any = None) -> None:
        for name, app in sandbox.apps.items():
            self.boards[name].app = wrap(name, app.app) if wrap else app.app

    def close(self) -> None:
        for server in self.servers:
            server.should_exit = True


@dataclass
class LiveWorld:
    """One scenario: a seeded sandbox behind the loopback servers and a config file for it."""

    sandbox: Sandbox
    config_path: Path
    directory: Path

    @property
    def database(self) -> Path:
        return self.directory / "hub.db"

    def state(self, platform: str) -> Any:
        return self.sandbox.apps[platform].state

    def config(self) -> HubConfig:
        return load_config(self.config_path, models=settings_models(self.sandbox.pm))

    def expire_leases(self) -> None:
        """What time does for a killed process: its leases and its claims on ledger entries run
        out (it renews them no more)."""
        engine = create_engine(f"sqlite:///{self.database}")
        past = datetime.now(UTC) - timedelta(seconds=1)
        with engine.begin() as connection:
            connection.execute(update(leases).values(expires_at=past))
            connection.execute(update(ledger).where(ledger.c.held_until.is_not(None)).values(held_until=past))
        engine.dispose()


def live_config(sandbox: Sandbox, urls: dict[str, str], directory: Path, **hub_keys: Any) -> Path:
    """The hub's config for the emulators served at ``urls``, state in ``directory``/hub.db."""
    raw = sandbox.raw_config(SANDBOX_TOML, database_url=f"sqlite:///{directory / 'hub.db'}", base_urls=urls)
    raw["hub"].update({"log_level": "INFO", **hub_keys})
    for name, keys in FAST_PACING.items():
        if name in raw["plugins"]:
            raw["plugins"][name].update(keys)
    path = directory / "hub.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def fresh_world(
    emulators: LiveEmulators, directory: Path, pm: pluggy.PluginManager | None = None
) -> LiveWorld:
    directory.mkdir(parents=True, exist_ok=True)
    sandbox = build_sandbox(pm or get_plugin_manager(BUILT_INS))
    emulators.plug(sandbox)
    return LiveWorld(sandbox, live_config(sandbox, emulators.urls, directory), directory)


# --------------------------------------------------------------------------- hub processes


class HubProcesses:
    """Runs ``hub`` commands in child processes of a warm fork server (see ``forkserver.py``)."""

    def __init__(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, str(FORKSERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def run(self, *argv: str, output: Path, env: dict[str, str] | None = None) -> int:
        """The command's exit code; ``-9`` when a crash point killed it."""
        assert self.server.stdin is not None and self.server.stdout is not None
        request = {"argv": list(argv), "env": {**HUB_ENV, **(env or {})}, "output": str(output)}
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        answer = self.server.stdout.readline()
        if not answer:
            raise RuntimeError("the fork server died")
        return int(json.loads(answer)["returncode"])

    def close(self) -> None:
        if self.server.stdin:
            self.server.stdin.close()
        self.server.wait(timeout=10)


# --------------------------------------------------------------------------- kill points


def crash_sites(log: Path) -> list[tuple[str, int]]:
    """The crash points a run passed, in order, as ``(site, n-th hit)``."""
    seen: Counter[str] = Counter()
    points = []
    for site in log.read_text(encoding="utf-8").split():
        seen[site] += 1
        points.append((site, seen[site]))
    return points


def pick_kill_points(points: list[tuple[str, int]], spread: int) -> list[tuple[str, int]]:
    """The first hit of every distinct site, plus ``spread`` points evenly along the run."""
    chosen: dict[tuple[str, int], None] = {}
    for site, nth in points:
        if nth == 1:
            chosen[(site, nth)] = None
    if points:
        step = max(1, len(points) // max(1, spread))
        for index in range(step // 2, len(points), step):
            chosen[points[index]] = None
    return list(chosen)


# --------------------------------------------------------------------------- end state


NOTE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?")


def intercom_notes(record: dict[str, Any]) -> list[str]:
    return [p["body"] or "" for p in record["parts"] if p["part_type"] == "note"]


def helpdesk_state(world: LiveWorld) -> dict[str, Any]:
    """Tickets (state and notes), conversations (notes, tags, per contact) and contact summaries."""
    ws = world.state("intercom")
    tickets = {
        t["ticket_id"]: (ws.ticket_states[t["state_id"]]["category"], sorted(intercom_notes(t)))
        for t in ws.tickets.values()
    }
    conversations = {
        c["id"]: (
            tuple(c["contact_ids"]),
            sorted(NOTE_TIME.sub("<time>", n) for n in intercom_notes(c)),
            sorted(ws.tags[tag]["name"] for tag in c["tag_ids"]),
        )
        for c in ws.conversations.values()
    }
    contacts = {c["id"]: c.get("custom_attributes", {}) for c in ws.contacts.values()}
    return {"tickets": tickets, "conversations": conversations, "contacts": contacts}


def telephony_state(world: LiveWorld) -> dict[str, Any]:
    aircall = world.state("aircall")
    return {
        user["email"]: (user.get("availability_status"), user.get("substatus"))
        for company in aircall.companies.values()
        for user in company.users.values()
    }


async def commerce_state(world: Any, transports: dict[str, Any] | None = None) -> dict[str, Any]:
    """The orders and subscriptions back-office tickets name: refunds, address, the customer's
    orders (a replacement is a new one) and subscription statuses, read through the hooks."""
    assert world.sandbox.world is not None
    ws = world.state("intercom")
    named = {str(t["attributes"].get("Order ID")) for t in ws.tickets.values()}
    cancelled = {str(t["attributes"].get("Subscription ID")) for t in ws.tickets.values()}
    orders: dict[str, Any] = {}
    customers: dict[str, Any] = {}
    async with Hub(world.sandbox.pm, world.config(), transports=transports) as running:
        for order in world.sandbox.world.orders:
            if order.number not in named and order.id not in named:
                continue
            fresh = await running.commerce.get_order(ref=order.ref)
            orders[f"{order.platform}:{order.id}"] = (
                sorted((str(r.amount), r.note or "") for r in fresh.refunds),
                fresh.shipping_address.one_line() if fresh.shipping_address else None,
            )
            if order.customer_id:
                ref = Ref(platform=order.platform, id=order.customer_id, store=order.store)
                placed = await gathered(running.commerce.list_orders(customer=ref))
                customers[f"{order.platform}:{order.customer_id}"] = sorted(str(o.total) for o in placed)
        subscriptions = {
            f"{s.platform}:{s.id}": s for s in world.sandbox.world.subscriptions if s.id in cancelled
        }
        for key, subscription in sorted(subscriptions.items()):
            ref = Ref(
                platform=subscription.platform, id=subscription.customer_id or "", store=subscription.store
            )
            listed = await running.commerce.list_subscriptions(customer=ref)
            customers[key] = sorted(s.status.value for s in listed or [] if s.id == subscription.id)
    return {"orders": orders, "customers": customers}


@contextmanager
def module_emulators() -> Iterator[tuple[LiveEmulators, HubProcesses]]:
    pm = get_plugin_manager(BUILT_INS)
    emulators = LiveEmulators(sorted(build_sandbox(pm).apps))
    processes = HubProcesses()
    try:
        yield emulators, processes
    finally:
        processes.close()
        emulators.close()
