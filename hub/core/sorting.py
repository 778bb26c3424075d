"""Sorting more records than a process should hold: sorted runs spilled to temporary files.

A platform whose search cannot sort (it answers in its own order) still owes a cursor
read its records oldest first. ``SpillSort`` keeps up to ``run_size`` records in memory; past
that it sorts them and writes them to a temporary file, one pickle after another, and
``ordered()`` merges the runs back lazily (``heapq.merge``), holding one record per run. A read
of any size then holds ``run_size`` records plus one per run (and a read that fits never
touches the disk); the files are deleted when the sorter is closed.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

from hub.core.errors import MappingError

T = TypeVar("T")

RUN_SIZE = 2_000
"""Records held before a run is spilled: a few megabytes of mapped records."""
PAGE_SIZE = 100
"""Records per page handed on by ``sorted_pages`` (the platform's own pages are gone by then)."""


class SpillSort(Generic[T]):
    """Sort any number of records by ``key`` in bounded memory: ``add`` them, then ``ordered()``.

    Use as a context manager (``with SpillSort(key) as sorter:``) so the run files go away even
    when the read fails half way. Records must pickle (domain models and ``MappingError`` do).
    Equal keys keep the order they were added in (``reverse`` too, as ``sorted`` does).
    """

    def __init__(self, key: Callable[[T], Any], *, reverse: bool = False, run_size: int = RUN_SIZE) -> None:
        if run_size < 1:
            raise ValueError("run_size must be >= 1")
        self._key, self._reverse, self._run_size = key, reverse, run_size
        self._buffer: list[T] = []
        self._runs: list[IO[bytes]] = []
        self.count = 0

    def __enter__(self) -> SpillSort[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def spilled(self) -> int:
        """How many runs went to disk (0: everything fitted in memory)."""
        return len(self._runs)

    def add(self, items: Iterable[T]) -> None:
        for item in items:
            self._buffer.append(item)
            self.count += 1
            if len(self._buffer) >= self._run_size:
                self._spill()

    def ordered(self) -> Iterator[T]:
        """Every record added, in ``key`` order (once: the runs are read as they are merged)."""
        self._buffer.sort(key=self._key, reverse=self._reverse)
        if not self._runs:
            yield from self._buffer
            return
        runs = [self._read(run) for run in self._runs]
        yield from heapq.merge(*runs, iter(self._buffer), key=self._key, reverse=self._reverse)

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs.clear()
        self._buffer.clear()

    def _spill(self) -> None:
        self._buffer.sort(key=self._key, reverse=self._reverse)
        run = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close(), after the merge)
        for item in self._buffer:
            # One pickle per record (no shared memo): the file is read back one record at a time.
            run.write(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
        self._runs.append(run)
        self._buffer = []

    @staticmethod
    def _read(run: IO[bytes]) -> Iterator[Any]:
        run.seek(0)
        while True:
            try:
                yield pickle.load(run)
            except EOFError:
                return


async def sorted_pages(
    pages: AsyncIterable[list[T | MappingError]],
    *,
    key: Callable[[T], Any],
    reverse: bool = False,
    size: int = PAGE_SIZE,
    run_size: int = RUN_SIZE,
) -> AsyncIterator[list[T | MappingError]]:
    """``sorted_records`` over a paged read, a page at a time and in bounded memory.

    The records of every page sorted by ``key`` (stable), then the entries that could not be
    mapped, in the order they came (they have no key); handed on in pages of ``size``. For a
    platform that answers in an order the hook does not promise.
    """
    unreadable: list[MappingError] = []
    with SpillSort(key, reverse=reverse, run_size=run_size) as sorter:
        async for page in pages:
            for item in page:
                if isinstance(item, MappingError):
                    unreadable.append(item)
                else:
                    sorter.add((item,))
        for chunk in chunks(itertools.chain(sorter.ordered(), unreadable), size):
            yield chunk


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), without holding more than one."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
