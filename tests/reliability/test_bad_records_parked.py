"""One bad record never stops a flow: it is parked with its field and reason, the rest goes on.

Each scenario runs a flow against the whole sandbox (six emulators, in process) with one record
of one kind broken on the wire: a transport between plugin and emulator rewrites one field of
the first record of that kind the platform answers with (and of that record only, wherever it
appears again). Every plugin and every kind its list hooks read is covered: Aircall calls (the
``direction: sideways`` example of issue 14) and users, Intercom conversations, tickets and
admins, and each store's customers, orders and subscriptions read for CS Assist summaries
(a Sticky.io customer maps whatever it holds once its client has filled in its id, so its
orders and subscriptions stand for it).
The run must end ok, the record be in the dead-letter table under its platform, kind and id
with a reason naming the field, and the other records of the page be handled.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.core.errors import HubError
from hub.core.manager import built_in_plugins, get_plugin_manager
from hub.engine import Runtime, run_flow
from hub.sandbox import Sandbox
from hub.store import DeadLetter
from tests.flows.conftest import World

BUILT_INS = list(built_in_plugins())


@dataclass
class Breaker:
    """Breaks ``field`` of one record (found by ``id_field``) in a platform's JSON answers.

    The record is the first object holding both keys in an answer whose URL path contains
    ``path``; from then on only that record (same id) is broken, in every answer.
    """

    path: str
    field: str
    value: Any
    id_field: str = "id"
    when: Callable[[dict[str, Any]], bool] | None = None
    """Which records may be chosen (all by default)."""
    target: Any = None
    hits: int = 0

    def apply(self, url_path: str, body: Any) -> bool:
        if self.path not in url_path:
            return False
        changed = False
        for record in _objects(body):
            if self.field not in record or self.id_field not in record:
                continue
            if self.target is None and self.when is not None and not self.when(record):
                continue
            if self.target is None:
                self.target = record[self.id_field]
            if record[self.id_field] == self.target:
                record[self.field] = self.value
                self.hits += 1
                changed = True
        return changed


def _objects(body: Any) -> list[dict[str, Any]]:
    """Every JSON object in an answer, outermost first."""
    found: list[dict[str, Any]] = []
    stack = [body]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class BreakingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the emulator and lets a ``Breaker`` rewrite the JSON answers."""

    def __init__(self, inner: httpx.AsyncBaseTransport, breaker: Breaker) -> None:
        self.inner, self.breaker = inner, breaker

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        try:
            body = json.loads(content, parse_float=Decimal)
        except ValueError:
            return _copy(request, response, content)
        if not self.breaker.apply(request.url.path, body):
            return _copy(request, response, content)
        return _copy(request, response, json.dumps(body, default=_number).encode())

    async def aclose(self) -> None:
        await self.inner.aclose()


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # shortest repr: what the emulator sent (money has few digits)
    raise TypeError(type(value).__name__)


def _copy(request: httpx.Request, response: httpx.Response, content: bytes) -> httpx.Response:
    dropped = ("content-length", "content-encoding")
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in dropped]
    return httpx.Response(response.status_code, headers=headers, content=content, request=request)


@dataclass
class Scenario:
    """A flow run with one record of one kind broken on one platform."""

    platform: str
    kind: str
    flow: str
    breaker: Breaker
    prepare: Callable[[World], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
async def make_world(tmp_path) -> AsyncIterator[Callable[[str, Breaker], Any]]:
    """A sandbox whose answers from one platform go through a ``Breaker``."""
    opened: list[Runtime] = []
    contexts: list[Any] = []

    async def build(platform: str, breaker: Breaker) -> World:
        pm = get_plugin_manager(only=BUILT_INS)  # a plugin being installed next to them stays out
        sandbox = Sandbox(pm, per_brand=3)
        sandbox.build()
        config = sandbox.config(database_url=f"sqlite:///{tmp_path / f'hub-{len(opened)}.db'}")
        transports = sandbox.transports()
        transports[platform] = BreakingTransport(transports[platform], breaker)
        runtime = Runtime.from_config(pm, config, transports=transports)
        context = runtime.hub()
        hub = await context.__aenter__()
        opened.append(runtime)
        contexts.append(context)
        return World(sandbox, runtime, hub)

    yield build
    for context in contexts:
        await context.__aexit__(None, None, None)
    for runtime in opened:
        runtime.store.dispose()


def letters(world: World, flow: str) -> list[DeadLetter]:
    return world.runtime.store.dead_letters.entries(flow)


def only_letter(world: World, flow: str, breaker: Breaker, kind: str, platform: str) -> DeadLetter:
    """The one dead letter of the run: the broken record under its kind, platform and id."""
    found = letters(world, flow)
    key = f"{kind}:{platform}:{breaker.target}"
    assert [letter.record for letter in found] == [key], [(d.record, d.reason) for d in found]
    assert f"'{breaker.field}'" in found[0].reason or f"'{breaker.field}." in found[0].reason, found[0].reason
    return found[0]


# --------------------------------------------------------------------------- Aircall


def three_calls(world: World) -> list[dict[str, Any]]:
    """Three outbound calls to known customers a minute apart, after every seeded call."""
    aircall = world.state("aircall")
    company = next(iter(aircall.companies.values()))
    agent = next(iter(company.users))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return [
        aircall.add_call(
            company,
            direction="outbound",
            started_at=int((start + timedelta(minutes=minute)).timestamp()),
            customer=person.phone,
            user_id=agent,
            ring_seconds=20,
            talk_seconds=60,
        )
        for minute, person in enumerate(world.world.people[:3])
    ]


class Crash(HubError):
    """Stands for the process dying where it is raised (the run fails there)."""


async def test_the_sideways_call_is_parked_and_call_log_goes_on(make_world) -> None:
    """Issue 14's example: the run ends ok, the call is parked naming ``direction``, never re-read.

    The sideways call is the newest of its page, so only its own place can move the cursor
    past it: the next run must neither read nor park it again.
    """
    breaker = Breaker("/calls", "direction", "sideways")
    world = await make_world("aircall", breaker)
    *others, newest = three_calls(world)
    breaker.target = newest["id"]

    first = await world.run("call_log")

    letter = only_letter(world, "call_log", breaker, "call", "aircall")
    assert "sideways" in letter.reason and letter.payload["direction"] == "sideways"
    assert first.counts["dead_letters"] == 1 and first.counts["notes"] >= len(others)
    noted = noted_calls(world)
    assert newest["id"] not in noted and {c["id"] for c in others} <= noted
    cursor = world.runtime.store.cursors.get("call_log")
    assert cursor is not None and cursor.last_id == str(newest["id"])

    again = await world.run("call_log")
    assert again.counts.get("dead_letters", 0) == 0 and again.counts.get("read", 0) == 0
    assert letters(world, "call_log")[0].retries == 0  # not parked again


async def test_a_failure_between_parking_and_saving_the_cursor_loses_nothing(make_world, monkeypatch) -> None:
    """Parked first, cursor second: dying in between parks the call again next run, once."""
    breaker = Breaker("/calls", "direction", "sideways")
    world = await make_world("aircall", breaker)
    *_, newest = three_calls(world)
    breaker.target = newest["id"]

    def die_before_saving(site: str) -> None:
        # The first cursor save after the call was parked: the save of its page.
        if site == "cursor.before_save" and world.runtime.store.dead_letters.entries("call_log"):
            raise Crash("killed before the cursor was saved")

    with monkeypatch.context() as patched:
        patched.setattr("hub.flows.base.crash_point", die_before_saving)
        crashed = await run_flow(world.runtime, "call_log", hub=world.hub)
    assert crashed.status == "failed" and "killed" in (crashed.error or "")
    assert [d.record for d in letters(world, "call_log")] == [f"call:aircall:{newest['id']}"]
    before = world.runtime.store.cursors.get("call_log")
    assert before is None or before.last_id != str(newest["id"])

    await world.run("call_log")
    (letter,) = letters(world, "call_log")
    assert letter.retries == 1  # parked again (the same entry), not lost and not doubled
    cursor = world.runtime.store.cursors.get("call_log")
    assert cursor is not None and cursor.last_id == str(newest["id"])
    assert (await world.run("call_log")).counts.get("dead_letters", 0) == 0


def noted_calls(world: World) -> set[int]:
    """Ids of the calls that have a note (``[aircall call <id>]`` markers) on some conversation."""
    ws = world.state("intercom")
    return {
        int(note.split("[aircall call ")[1].split("]")[0])
        for conversation in ws.conversations.values()
        for note in world.notes(conversation)
        if "[aircall call " in note
    }


async def test_an_unreadable_aircall_user_is_parked_and_agent_status_goes_on(make_world) -> None:
    breaker = Breaker("/users", "availability_status", "sideways")
    world = await make_world("aircall", breaker)
    report = await world.run("agent_status")
    only_letter(world, "agent_status", breaker, "user", "aircall")
    assert report.counts["read"] > 0 and report.counts.get("unmatched", 0) >= 1  # its teammate found nobody


# --------------------------------------------------------------------------- Intercom


async def test_an_unreadable_intercom_conversation_is_parked_and_cs_assist_goes_on(make_world) -> None:
    breaker = Breaker("/conversations", "contacts", 12345)
    world = await make_world("intercom", breaker)
    report = await world.run("cs_assist")
    only_letter(world, "cs_assist", breaker, "conversation", "intercom")
    assert report.counts["contacts_updated"] > 0


async def test_an_unreadable_intercom_ticket_is_parked_and_back_office_goes_on(make_world) -> None:
    breaker = Breaker("/tickets/search", "ticket_state", {"category": "sideways"})
    world = await make_world("intercom", breaker)
    report = await world.run("back_office")
    found = letters(world, "back_office")
    assert [d.record for d in found] == [f"ticket:intercom:{breaker.target}"]
    assert "'ticket_state'" in found[0].reason and "sideways" in found[0].reason
    assert report.counts["tickets"] > 0


async def test_an_unreadable_intercom_admin_is_parked_and_agent_status_goes_on(make_world) -> None:
    breaker = Breaker("/admins", "name", 12345)
    world = await make_world("intercom", breaker)
    report = await world.run("agent_status")
    only_letter(world, "agent_status", breaker, "admin", "intercom")
    assert report.counts["read"] > 0


# --------------------------------------------------------------------------- the stores (CS Assist)

STORE_RECORDS = {
    # platform, kind: where the record is answered, the field broken, the value, its id key
    ("shopify", "order"): Breaker("/graphql", "totalPriceSet", "not money"),
    ("shopify", "customer"): Breaker("/graphql", "numberOfOrders", "many"),
    ("shopify", "subscription"): Breaker("/graphql", "lines", 12345),
    ("konnektive", "order"): Breaker("/order/query", "totalAmount", "ten", "orderId"),
    ("konnektive", "customer"): Breaker("/customer/query", "dateCreated", "yesterday", "customerId"),
    ("konnektive", "purchase"): Breaker("/purchase/query", "price", "abc", "purchaseId"),
    ("stickyio", "order"): Breaker("/order_view", "order_total", "abc", "order_id"),
    # A Sticky.io customer maps whatever its fields hold (the client fills in its id); its
    # subscriptions are its recurring orders.
    ("stickyio", "subscription"): Breaker(
        "/order_view", "order_total", "abc", "order_id", when=lambda order: order.get("is_recurring") == "1"
    ),
    ("ultracart", "order"): Breaker("/order/orders/query", "summary", 12345, "order_id"),
    ("ultracart", "customer"): Breaker("/customer/customers", "orders_summary", 5, "customer_profile_oid"),
    ("ultracart", "auto_order"): Breaker("/auto_order/auto_orders/query", "items", 5, "auto_order_oid"),
}


@pytest.mark.parametrize(("platform", "kind"), sorted(STORE_RECORDS))
async def test_an_unreadable_store_record_is_parked_and_summaries_go_on(make_world, platform, kind) -> None:
    template = STORE_RECORDS[(platform, kind)]
    breaker = Breaker(template.path, template.field, template.value, template.id_field, template.when)
    world = await make_world(platform, breaker)

    report = await world.run("cs_assist")

    assert breaker.hits > 0, f"no {platform} {kind} was read"
    reasons = {letter.record: letter.reason for letter in letters(world, "cs_assist")}
    key = f"{kind}:{platform}:{breaker.target}"
    assert key in reasons, f"{key} not parked: {reasons}"
    assert f"field '{breaker.field}" in reasons[key], reasons[key]
    assert report.status == "ok" and report.counts["contacts_updated"] > 0  # the others' summaries
