"""State store: migrations on SQLite and PostgreSQL, ledger, dead letters, leases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from hub.core.errors import FatalError, IdempotencyConflict, RetriableError
from hub.store import Cursor, FencedOut, Status, Store

TABLES = {"cursors", "ledger", "dead_letters", "runs", "leases", "alembic_version"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request) -> Store:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    store = Store(url)
    store.migrate()
    yield store
    store.dispose()


def test_migrations_create_the_schema_and_are_repeatable(store):
    store.migrate()  # a second upgrade is a no-op
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_unreachable_database_is_one_clear_line():
    from hub.store import StoreUnreachable

    with pytest.raises(
        StoreUnreachable, match=r"database postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:1/x unreachable"
    ) as caught:
        Store("postgresql+psycopg://nobody:pw@127.0.0.1:1/x").migrate()
    assert "\n" not in str(caught.value) and ":pw@" not in str(caught.value)


def test_cursor_round_trip_keeps_utc(store):
    assert store.cursors.get("flow") is None
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.cursors.save("flow", Cursor(at, "42"))
    store.cursors.save("flow", Cursor(at + timedelta(seconds=1), "7"), scope="paleohacks")
    assert store.cursors.get("flow") == Cursor(at, "42")
    assert store.cursors.get("flow", "paleohacks").position.tzinfo is not None


def test_cursor_tie_break_is_inclusive_by_id():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    cursor = Cursor(at, "5")
    assert not cursor.is_before(at, "5")
    assert cursor.is_before(at, "6")
    assert cursor.is_before(at + timedelta(seconds=1), "1")


def test_ledger_key_is_unique(store):
    intent = {"order": "1", "amount": "10.00"}
    first = store.ledger.begin("k", flow="f", platform="shop", action="refund", intent=intent)
    again = store.ledger.begin("k", flow="f", platform="shop", action="refund", intent=intent)
    assert first.fresh and not again.fresh and again.attempts == 2
    with pytest.raises(IdempotencyConflict):
        store.ledger.begin(
            "k", flow="f", platform="shop", action="refund", intent={"order": "1", "amount": "99.00"}
        )
    assert len(store.ledger.entries()) == 1


def test_concurrent_begins_create_one_entry(store):
    fresh: list[bool] = []

    def begin():
        entry = store.ledger.begin("race", flow="f", platform="p", action="a", intent={"x": 1})
        fresh.append(entry.fresh)

    threads = [threading.Thread(target=begin) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fresh.count(True) == 1
    assert len(store.ledger.entries()) == 1


async def test_perform_does_an_action_once(store):
    calls: list[str] = []

    async def do():
        calls.append("refund")
        return {"refund_id": "r1"}

    kwargs = dict(flow="f", platform="shop", action="refund", intent={"o": 1}, do=do)
    first = await store.ledger.perform("k1", **kwargs)
    second = await store.ledger.perform("k1", **kwargs)
    assert calls == ["refund"]
    assert first.outcome == second.outcome == {"refund_id": "r1"}
    assert second.duplicate


async def test_pending_entry_is_recovered_from_the_platform(store):
    """A crash after the platform call but before the outcome: the next run finds it done."""
    store.ledger.begin("k2", flow="f", platform="shop", action="refund", intent={"o": 2})
    calls: list[str] = []

    async def do():
        calls.append("refund")
        return {"refund_id": "new"}

    async def recover():
        return {"refund_id": "already-there"}

    result = await store.ledger.perform(
        "k2", flow="f", platform="shop", action="refund", intent={"o": 2}, do=do, recover=recover
    )
    assert result.recovered and result.outcome == {"refund_id": "already-there"}
    assert calls == []
    assert store.ledger.get("k2").status is Status.DONE


async def test_refused_action_is_recorded_and_retriable_one_stays_pending(store):
    async def refused():
        raise FatalError("shop", "amount above refundable")

    async def down():
        raise RetriableError("shop", "503")

    result = await store.ledger.perform(
        "k3", flow="f", platform="shop", action="refund", intent={}, do=refused
    )
    assert not result.ok and "refundable" in result.error
    assert store.ledger.get("k3").status is Status.FAILED
    with pytest.raises(RetriableError):
        await store.ledger.perform("k4", flow="f", platform="shop", action="refund", intent={}, do=down)
    assert store.ledger.get("k4").status is Status.PENDING


def test_dead_letters_keep_one_row_per_record(store):
    first = store.dead_letters.add("back_office", "ticket:1", {"id": 1}, "field 'order_id': missing")
    store.dead_letters.add("back_office", "ticket:1", {"id": 1}, "field 'order_id': missing")
    letters = store.dead_letters.entries()
    assert len(letters) == 1 and letters[0].retries == 1 and letters[0].id == first
    assert store.dead_letters.drop(first) and store.dead_letters.entries() == []


def test_lease_is_exclusive_until_it_expires_and_its_token_only_grows(store):
    first = store.leases.take("flow:x", "a", timedelta(minutes=1))
    assert first is not None and first.token == 1
    assert store.leases.take("flow:x", "b", timedelta(minutes=1)) is None
    assert store.leases.renew(first, timedelta(minutes=1))
    assert store.leases.holder("flow:x") == "a"
    store.leases.release(first)
    with pytest.raises(FencedOut):  # nothing of a released run writes any more
        store.leases.check(first)
    second = store.leases.take("flow:x", "b", timedelta(seconds=-1))  # taken, already expired
    third = store.leases.take("flow:x", "c", timedelta(minutes=1))  # an expired lease is free
    assert second is not None and third is not None
    assert first.token < second.token < third.token
    assert not store.leases.renew(second, timedelta(minutes=1))  # b was superseded


def test_writes_under_a_stale_fence_are_refused_and_change_nothing(store):
    from hub.store import Cursor, FencedOut, Status, utcnow

    old = store.leases.take("flow:x:", "a", timedelta(seconds=-1))  # a run that stalled past its lease
    new = store.leases.take("flow:x:", "b", timedelta(minutes=1))
    assert old is not None and new is not None and new.token > old.token
    store.ledger.begin("k", flow="x", platform="p", action="refund", intent={"a": 1}, holder="b", fence=new)
    store.ledger.done("k", {"paid": 1}, holder="b", fence=new)
    with pytest.raises(FencedOut):
        store.ledger.failed("k", "refused", fence=old)
    with pytest.raises(FencedOut):
        store.cursors.save("x", Cursor(utcnow(), "9"), fence=old)
    with pytest.raises(FencedOut):
        store.dead_letters.add("x", "r", {}, "why", fence=old)
    with pytest.raises(FencedOut):
        store.ledger.begin("k2", flow="x", platform="p", action="note", intent={}, fence=old)
    entry = store.ledger.get("k")
    assert entry is not None and entry.status is Status.DONE and entry.outcome == {"paid": 1}
    assert (
        store.cursors.get("x") is None
        and store.dead_letters.entries() == []
        and store.ledger.get("k2") is None
    )


def test_a_live_holders_entry_is_in_flight_a_dead_ones_is_taken_over(store):
    intent = {"ticket": "1"}
    first = store.ledger.begin("k", flow="f", platform="p", action="a", intent=intent, holder="one")
    assert first.fresh and not first.in_flight
    again = store.ledger.begin("k", flow="f", platform="p", action="a", intent=intent, holder="two")
    assert again.in_flight  # "one" holds it for another minute
    gone = store.ledger.begin(
        "k2", flow="f", platform="p", action="a", intent=intent, holder="one", hold=timedelta(seconds=-1)
    )
    assert gone.fresh
    taken = store.ledger.begin("k2", flow="f", platform="p", action="a", intent=intent, holder="two")
    assert not taken.in_flight and not taken.fresh and taken.attempts == 2  # to be recovered
    store.ledger.done("k2", {"late": True}, holder="one")  # the dead holder's late answer is ignored
    entry = store.ledger.get("k2")
    assert entry is not None and entry.outcome is None


def test_runs_are_recorded(store):
    run_id = store.runs.started("call_log")
    store.runs.finished(run_id, "ok", {"notes": 3})
    (run,) = store.runs.recent()
    assert (run.flow, run.status, run.counts) == ("call_log", "ok", {"notes": 3})
