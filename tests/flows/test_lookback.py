"""The cursor's lookback: a record shown late (behind the cursor) is read once; nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hub.flows.base import RunContext
from hub.store import Cursor, Store
from tests.flows.test_new_records import PagesHub, Record, record

OVERLAP = timedelta(minutes=10)


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.migrate()
    yield store
    store.dispose()


async def read(store: Store, pages: list[list[Any]], lookback: timedelta = OVERLAP) -> list[Record]:
    hub = PagesHub(pages)
    ctx = RunContext(hub=hub, store=store, config=None, flow="demo")  # type: ignore[arg-type]
    return [
        r async for page in ctx.new_records(hub.list_demo, lambda r: r.at, lookback=lookback) for r in page
    ]


async def test_a_record_shown_after_the_cursor_passed_its_stamp_is_read_once(store: Store) -> None:
    assert await read(store, [[record(1), record(5)]]) == [record(1), record(5)]
    late = Record("late", record(5).at - timedelta(seconds=30))  # indexed after the first read
    assert await read(store, [[record(1), late, record(5)]]) == [late]
    assert await read(store, [[record(1), late, record(5)]]) == []  # handled: never again


async def test_the_overlap_yields_nothing_already_handled(store: Store) -> None:
    pages = [[record(n) for n in range(1, 12)]]
    assert len(await read(store, pages)) == 11
    assert await read(store, pages) == []
    cursor = store.cursors.get("demo")
    assert cursor is not None and set(cursor.recent) == {str(n) for n in range(1, 12)}  # within 10 min


async def test_a_record_updated_again_is_read_again(store: Store) -> None:
    await read(store, [[record(1), record(5)]])
    moved = Record("1", record(5).at - timedelta(seconds=10))  # record 1, updated late once more
    assert await read(store, [[moved, record(5)]]) == [moved]


async def test_without_a_lookback_the_cursor_is_forward_only(store: Store) -> None:
    await read(store, [[record(1), record(5)]], lookback=timedelta(0))
    late = Record("late", record(5).at - timedelta(seconds=30))
    assert await read(store, [[late, record(5)]], lookback=timedelta(0)) == []
    assert store.cursors.get("demo") == Cursor(record(5).at, "5")  # nothing remembered


def test_records_older_than_the_overlap_are_forgotten() -> None:
    start = Cursor(record(0).at, "0")
    moved = start.moved([(record(n).at, str(n)) for n in range(1, 30)], OVERLAP)
    assert moved.position == record(29).at and moved.last_id == "29"
    assert set(moved.recent) == {str(n) for n in range(19, 30)}
    assert moved.is_new(record(18).at - timedelta(seconds=1), "x", OVERLAP) is False  # before the overlap
    assert moved.is_new(record(25).at, "25", OVERLAP) is False  # handled at this stamp
    assert moved.is_new(record(25).at, "y", OVERLAP) is True  # late
