"""``RunContext.new_records`` with unmappable records in the pages: parked first, cursor after.

A fake hub serves fixed pages (records and ``MappingError`` entries, as a plugin's
``map_records`` yields them) to a real state store, recording the order in which the store
is written: a parked record's place may only reach the cursor after its dead letter is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.core.errors import MappingError
from hub.flows.base import RunContext
from hub.store import Cursor, Store
from hub.store.cursors import Cursors
from hub.store.dead_letters import DeadLetters
from hub.store.engine import Database

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Record:
    id: str
    at: datetime


def record(n: int) -> Record:
    return Record(str(n), T0 + timedelta(minutes=n))


def broken(n: int, *, placed: bool = True) -> MappingError:
    error = MappingError("demo", "call", "direction", "expected inbound or outbound", record_id=str(n))
    at = T0 + timedelta(minutes=n) if placed else None
    return error.parked_as(payload={"id": n, "direction": "sideways"}, at=at)


class PagesHub:
    """Answers ``list_demo`` with the given pages, keeping only entries after ``since``."""

    def __init__(self, pages: list[list[Any]]) -> None:
        self.pages_served = pages

    async def list_demo(self, since: datetime | None = None, **_: Any) -> AsyncIterator[list[Any]]:
        for page in self.pages_served:
            yield [e for e in page if since is None or e.at is None or e.at >= since]


class WatchedDeadLetters(DeadLetters):
    """The store's dead letters, logging each one parked to ``writes``."""

    def __init__(self, db: Database, writes: list[str]) -> None:
        super().__init__(db)
        self.writes = writes

    def add(self, flow: str, record: str, payload: Any, reason: str, **kwargs: Any) -> int:
        self.writes.append(f"park {record}")
        return super().add(flow, record, payload, reason, **kwargs)


class WatchedCursors(Cursors):
    """The store's cursors, logging each save to ``writes``."""

    def __init__(self, db: Database, writes: list[str]) -> None:
        super().__init__(db)
        self.writes = writes

    def save(self, flow: str, cursor: Cursor, scope: str = "", **kwargs: Any) -> None:
        self.writes.append(f"cursor {cursor.last_id}")
        super().save(flow, cursor, scope, **kwargs)


class WatchedStore(Store):
    """A real store that logs dead letters and cursor saves in the order they happen."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.writes: list[str] = []
        self.dead_letters = WatchedDeadLetters(self, self.writes)
        self.cursors = WatchedCursors(self, self.writes)


@pytest.fixture
def store(tmp_path) -> WatchedStore:
    store = WatchedStore(f"sqlite:///{tmp_path / 'hub.db'}")
    store.migrate()
    yield store
    store.dispose()


async def read_all(store: Store, pages: list[list[Any]]) -> list[list[Record]]:
    hub = PagesHub(pages)
    ctx = RunContext(hub=hub, store=store, config=None, flow="demo")  # type: ignore[arg-type]
    return [page async for page in ctx.new_records(hub.list_demo, lambda r: r.at)]


async def test_a_parked_record_moves_the_cursor_only_after_it_is_parked(store: WatchedStore) -> None:
    pages = [[record(1), record(2)], [record(3), broken(4)]]
    assert await read_all(store, pages) == [[record(1), record(2)], [record(3)]]
    assert store.writes == ["cursor 2", "park call:demo:4", "cursor 4"]
    assert store.cursors.get("demo") == Cursor(record(4).at, "4")


async def test_a_page_of_only_unreadable_records_is_parked_and_passed(store: WatchedStore) -> None:
    pages = [[record(1)], [broken(2), broken(3)]]
    assert await read_all(store, pages) == [[record(1)]]
    assert store.writes == ["cursor 1", "park call:demo:2", "park call:demo:3", "cursor 3"]


async def test_a_parked_record_behind_the_cursor_is_not_parked_again(store: WatchedStore) -> None:
    pages = [[record(1), broken(2)]]
    await read_all(store, pages)
    store.writes.clear()
    assert await read_all(store, pages) == []  # the re-read (inclusive cursor) holds only the parked one
    assert store.writes == []
    (letter,) = store.dead_letters.entries("demo")
    assert letter.retries == 0 and letter.payload == {"id": 2, "direction": "sideways"}


async def test_an_unreadable_record_without_a_place_never_moves_the_cursor(store: WatchedStore) -> None:
    pages = [[record(1), broken(5, placed=False)]]
    await read_all(store, pages)
    assert store.writes == ["park call:demo:5", "cursor 1"]
    assert "expected inbound or outbound" in store.dead_letters.entries("demo")[0].reason


async def test_a_failure_before_the_cursor_save_leaves_the_record_parked_and_read_again(
    store: WatchedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = [[record(1), broken(2)]]

    def fail(flow: str, cursor: Cursor, scope: str = "", **_: Any) -> None:
        raise RuntimeError("the process died here")

    with monkeypatch.context() as patched:
        patched.setattr(store.cursors, "save", fail)
        with pytest.raises(RuntimeError):
            await read_all(store, pages)
    assert [d.record for d in store.dead_letters.entries("demo")] == ["call:demo:2"]
    assert store.cursors.get("demo") is None

    await read_all(store, pages)
    (letter,) = store.dead_letters.entries("demo")
    assert letter.retries == 1  # parked again, the same entry
    assert store.cursors.get("demo") == Cursor(record(2).at, "2")
