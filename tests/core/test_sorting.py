"""SpillSort: any number of records in key order, runs past ``run_size`` waiting on disk."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.errors import MappingError
from hub.core.mapping import sorted_records
from hub.core.sorting import SpillSort, chunks, sorted_pages


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.tuples(st.integers(-5, 5), st.text(max_size=3))), run_size=st.integers(1, 7))
def test_the_order_is_sorted_and_stable_whatever_the_runs(items: list[tuple[int, str]], run_size: int):
    with SpillSort(lambda item: item[0], run_size=run_size) as sorter:
        sorter.add(items)
        assert list(sorter.ordered()) == sorted(items, key=lambda item: item[0])  # sorted() is stable
        assert sorter.spilled == (len(items) // run_size if len(items) >= run_size else 0)


def test_a_read_that_fits_never_touches_the_disk() -> None:
    with SpillSort(lambda n: n, run_size=10) as sorter:
        sorter.add([3, 1, 2])
        assert list(sorter.ordered()) == [1, 2, 3] and sorter.spilled == 0


def test_the_run_files_are_closed_with_the_sorter() -> None:
    sorter: SpillSort[int] = SpillSort(lambda n: -n, run_size=2)
    with sorter:
        sorter.add(range(7))
        runs = list(sorter._runs)
        assert [n for n in sorter.ordered()] == [6, 5, 4, 3, 2, 1, 0]
    assert runs and all(run.closed for run in runs)


@given(items=st.lists(st.integers(), max_size=30), size=st.integers(1, 8))
def test_chunks(items: list[int], size: int) -> None:
    pages = list(chunks(items, size))
    assert [n for page in pages for n in page] == items
    assert all(len(page) == size for page in pages[:-1]) and all(pages)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(st.one_of(st.tuples(st.integers(-3, 3), st.integers()), st.integers(0, 5))),
    run_size=st.integers(1, 5),
    size=st.integers(1, 4),
    reverse=st.booleans(),
)
async def test_sorted_pages_hand_on_what_sorted_records_gives(items, run_size, size, reverse) -> None:
    """Tuples are records, integers stand for entries that could not be mapped."""
    entries = [
        MappingError("p", "order", "total", f"bad {item}") if isinstance(item, int) else item
        for item in items
    ]

    async def pages():
        for start in range(0, len(entries), 3):
            yield entries[start : start + 3]

    got = [
        page
        async for page in sorted_pages(
            pages(), key=lambda r: r[0], reverse=reverse, size=size, run_size=run_size
        )
    ]
    expected = sorted_records(entries, key=lambda r: r[0], reverse=reverse)
    flat = [item for page in got for item in page]
    assert [_shown(i) for i in flat] == [_shown(i) for i in expected]
    assert all(len(page) == size for page in got[:-1])


def _shown(item):
    return ("error", item.reason) if isinstance(item, MappingError) else item
