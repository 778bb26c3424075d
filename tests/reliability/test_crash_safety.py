"""Crash safety: a hub killed with SIGKILL anywhere leaves, after a restart, what one clean run leaves.

Each flow first runs uninterrupted in a fresh world, listing the crash points it passes
(``HUB_CRASH_LOG``) and giving the reference end state. Then, for each chosen kill point, a
fresh identical world: ``hub run FLOW`` is killed at that point (``HUB_CRASH_AT``), its lease
left to expire, ``hub run FLOW`` again, and the platforms' end state must equal the reference:
every refund paid once with the right amount, every call note present once, every ticket
noted and moved once, every contact summary and availability as a clean run leaves them.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from typing import Any

import pytest

from hub.store import Status, Store
from tests.reliability.conftest import Live
from tests.reliability.harness import (
    LiveWorld,
    commerce_state,
    crash_sites,
    helpdesk_state,
    intercom_notes,
    telephony_state,
)

KILLED = -signal.SIGKILL
KILL_POINTS = {
    # The moments that matter, each in a fresh world: the platform did the write but the
    # ledger does not know yet (after_do), the intent is recorded but nothing sent yet
    # (after_begin), between a ticket's note and its move, before a cursor is saved.
    "back_office": [
        "ledger.after_do.refund:1",
        "ledger.after_done.refund:1",
        "ledger.after_do.add_note:1",
        "ledger.before_begin.update_ticket:1",
        "ledger.after_do.update_ticket:4",
        "ledger.after_do.cancel_subscription:1",
        "ledger.after_do.refund:2",
        "ledger.after_do.quality_record:1",
        "ledger.after_begin.note_duplicate:1",
        "cursor.before_save:1",
    ],
    "call_log": [
        "ledger.after_begin.add_note:1",
        "ledger.after_do.add_note:1",
        "ledger.after_do.create_conversation:1",
        "cursor.after_save:1",
    ],
    "cs_assist": ["ledger.after_do.update_contact:1", "http.put:2"],
    "agent_status": ["ledger.after_do.set_availability:1", "ledger.after_begin.set_availability:2"],
}
CHAIN_KILLS = {"back_office": 10, "call_log": 10, "cs_assist": 6, "agent_status": 6}
"""Kills in a row in one world, each run dying a little later than the one before (at least)."""
REFUND_KEY = re.compile(r"\[(refund:[^\]]+)\]")
CALL_MARKER = re.compile(r"\[aircall call (\d+)\]")


async def end_state(world: LiveWorld, flow: str) -> dict[str, Any]:
    """What the platforms hold that ``flow`` may have changed."""
    state: dict[str, Any] = {"helpdesk": helpdesk_state(world), "telephony": telephony_state(world)}
    ticket_events = {
        t["ticket_id"]: [p.get("ticket_state") for p in t["parts"] if p["part_type"] != "note"]
        for t in world.state("intercom").tickets.values()
    }
    state["ticket_events"] = ticket_events
    if flow == "back_office":
        state["commerce"] = await commerce_state(world)
    return state


def exactly_once_problems(world: LiveWorld, state: dict[str, Any]) -> list[str]:
    """What a double or lost action looks like, independently of any reference run."""
    problems = []
    for order, (refunds, _) in state.get("commerce", {}).get("orders", {}).items():
        keys = Counter(m.group(1) for _, note in refunds if (m := REFUND_KEY.search(note)))
        problems += [f"order {order}: refund {key} paid {n} times" for key, n in keys.items() if n > 1]
    markers: Counter[str] = Counter()
    for conversation in world.state("intercom").conversations.values():
        for note in intercom_notes(conversation):
            markers.update(CALL_MARKER.findall(note))
    problems += [f"call {call}: {n} notes" for call, n in markers.items() if n > 1]
    for ticket, (_, notes) in state["helpdesk"]["tickets"].items():
        problems += [f"ticket {ticket}: note written {n} times" for n in Counter(notes).values() if n > 1]
    for ticket, events in state["ticket_events"].items():
        moved = Counter(events[1:])  # the first part is the ticket's creation
        problems += [f"ticket {ticket}: moved to {s} {n} times" for s, n in moved.items() if n > 1]
    return problems


def differences(reference: dict[str, Any], state: dict[str, Any], path: str = "") -> list[str]:
    """Where two end states differ, as readable paths (the first few)."""
    if isinstance(reference, dict) and isinstance(state, dict):
        found = []
        for key in sorted(set(reference) | set(state), key=str):
            found += differences(reference.get(key), state.get(key), f"{path}/{key}")
        return found[:5]
    return [] if reference == state else [f"{path}: expected {reference!r}, found {state!r}"]


async def reference(live: Live, flow: str) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """One uninterrupted run in a fresh world: its end state and the crash points it passed."""
    if flow not in live.references:
        world = live.world()
        log = world.directory / "crash-points.log"
        assert live.hub(world, "run", flow, env={"HUB_CRASH_LOG": str(log)}) == 0, live.output(world)
        state = await end_state(world, flow)
        assert exactly_once_problems(world, state) == []
        live.references[flow] = (state, crash_sites(log))
    return live.references[flow]


def test_the_kill_points_number_at_least_fifty() -> None:
    assert sum(len(points) for points in KILL_POINTS.values()) + sum(CHAIN_KILLS.values()) >= 50


@pytest.mark.parametrize("flow", sorted(KILL_POINTS))
async def test_a_kill_at_each_point_then_a_restart_ends_as_one_clean_run(live: Live, flow: str) -> None:
    expected, passed = await reference(live, flow)
    failures = []
    for target in KILL_POINTS[flow]:
        site, _, nth = target.rpartition(":")
        assert (site, int(nth)) in passed, f"{flow} never reaches {target}"
        world = live.world()
        killed = live.hub(world, "run", flow, env={"HUB_CRASH_AT": target})
        world.expire_leases()
        restarted = live.hub(world, "run", flow)
        if killed != KILLED or restarted != 0:
            failures.append(f"{target}: exit codes {killed} then {restarted}: {live.output(world)[-400:]}")
            continue
        state = await end_state(world, flow)
        wrong = exactly_once_problems(world, state) + differences(expected, state)
        if wrong:
            failures.append(f"{target}: {wrong}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("flow", sorted(CHAIN_KILLS))
async def test_crash_after_crash_during_recovery_still_ends_as_one_clean_run(live: Live, flow: str) -> None:
    """Kill run after run in one world, each a little later than the last, until one finishes."""
    expected, passed = await reference(live, flow)
    world = live.world()
    # Small steps: later runs redo less, so a big step could let one finish before the chain is done.
    step = max(1, len(passed) // (8 * CHAIN_KILLS[flow]))
    kills: list[str] = []
    for attempt in range(1, CHAIN_KILLS[flow] + 1):
        log = world.directory / f"run-{attempt}.log"
        env = {"HUB_CRASH_AT": f"*:{attempt * step}", "HUB_CRASH_LOG": str(log)}
        code = live.hub(world, "run", flow, env=env)
        world.expire_leases()
        if code == 0:
            break
        assert code == KILLED, live.output(world)[-400:]
        kills.append(log.read_text().split()[-1])
    assert live.hub(world, "run", flow) == 0, live.output(world)[-400:]
    assert len(kills) >= CHAIN_KILLS[flow], kills
    state = await end_state(world, flow)
    assert exactly_once_problems(world, state) == [], kills
    assert differences(expected, state) == [], kills


def ledger(world: LiveWorld) -> Store:
    return Store(f"sqlite:///{world.database}")


async def test_a_refund_left_pending_is_looked_up_on_the_store_not_paid_again(live: Live) -> None:
    world = live.world()
    assert live.hub(world, "run", "back_office", env={"HUB_CRASH_AT": "ledger.after_do.refund:1"}) == KILLED
    store = ledger(world)
    pending = [e for e in store.ledger.entries(status=Status.PENDING) if e.action == "refund"]
    assert len(pending) == 1, "the crash left the paid refund unrecorded"
    key = pending[0].key
    paid_before = (await commerce_state(world))["orders"]
    notes_with_key = [n for refunds, _ in paid_before.values() for _, n in refunds if key in n]
    assert len(notes_with_key) == 1, "the refund happened on the store before the crash"

    world.expire_leases()
    assert live.hub(world, "run", "back_office") == 0
    assert f"ledger {key}: found done on" in live.output(world)
    recovered = store.ledger.get(key)
    assert recovered is not None and recovered.status is Status.DONE
    paid_after = (await commerce_state(world))["orders"]
    assert [n for refunds, _ in paid_after.values() for _, n in refunds if key in n] == notes_with_key
    store.dispose()


async def test_a_call_note_left_pending_is_found_on_the_conversation_not_written_again(live: Live) -> None:
    world = live.world()
    assert live.hub(world, "run", "call_log", env={"HUB_CRASH_AT": "ledger.after_do.add_note:1"}) == KILLED
    store = ledger(world)
    (pending,) = [e for e in store.ledger.entries(status=Status.PENDING) if e.action == "add_note"]
    call = pending.intent["call"]

    def notes_for_call() -> int:
        conversations = world.state("intercom").conversations.values()
        return sum(f"call {call}]" in note for c in conversations for note in intercom_notes(c))

    assert notes_for_call() == 1
    world.expire_leases()
    assert live.hub(world, "run", "call_log") == 0
    assert f"ledger {pending.key}: found done on" in live.output(world)
    assert notes_for_call() == 1
    store.dispose()
