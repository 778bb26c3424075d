"""Search reads handed on oldest first: the same pages whether the window fits in memory or spills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.errors import MappingError
from hub.core.mapping import split_unreadable
from hub.core.models import Conversation, id_order
from plugins.intercom.operations import OldestFirst

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def reference(found: list[Any], since: datetime | None, size: int) -> list[list[Any]]:
    """The order as it was computed before it streamed: the whole window in one list."""
    records, broken = split_unreadable(found)
    placed = [b for b in broken if b.at is not None and b.record_id is not None]
    unplaced = [b for b in broken if b.at is None or b.record_id is None]
    kept: list[Any] = [b for b in placed if since is None or b.at >= since]
    kept += [r for r in records if since is None or r.updated_at >= since]
    unique = {(str(e.record_id) if isinstance(e, MappingError) else e.id): e for e in kept}

    def place(e: Any) -> Any:
        at = e.at if isinstance(e, MappingError) else e.updated_at
        return at, id_order(str(e.record_id) if isinstance(e, MappingError) else e.id)

    ordered = sorted(unique.values(), key=place)
    pages = [ordered[i : i + size] for i in range(0, len(ordered), size)] or ([[]] if unplaced else [])
    if unplaced:
        pages[0] = [*unplaced, *pages[0]]
    return pages


@st.composite
def entries(draw: st.DrawFn) -> Any:
    record_id = str(draw(st.integers(1, 12)))
    at = T0 + timedelta(minutes=draw(st.integers(0, 6)))
    kind = draw(st.integers(0, 5))
    if kind == 0:  # unreadable, with or without its place
        placed = draw(st.booleans())
        return MappingError(
            "intercom",
            "conversation",
            "state",
            f"bad {draw(st.integers(0, 3))}",
            record_id=record_id if placed else None,
            at=at if draw(st.booleans()) else None,
        )
    return Conversation(platform="intercom", id=record_id, created_at=T0, updated_at=at)


@settings(max_examples=300, deadline=None)
@given(
    found=st.lists(entries(), max_size=30),
    since=st.sampled_from([None, T0 + timedelta(minutes=2)]),
    size=st.integers(1, 5),
    run_size=st.integers(1, 6),
)
def test_pages_are_the_same_spilled_or_not(
    found: list[Any], since: datetime | None, size: int, run_size: int
) -> None:
    with OldestFirst(since, size, run_size=run_size) as ordered:
        for start in range(0, len(found), 4):  # as the search pages arrive
            ordered.add(found[start : start + 4])
        pages = list(ordered.pages())
    assert [[_identity(e) for e in page] for page in pages] == [
        [_identity(e) for e in page] for page in reference(found, since, size)
    ]


def _identity(entry: Any) -> Any:
    """What an entry is (a spilled one comes back as an equal copy, not the same object)."""
    if isinstance(entry, MappingError):
        return ("error", entry.record_id, entry.at, entry.field, entry.reason)
    return entry
