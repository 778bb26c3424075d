"""Run history as people read it: the units of one run of a flow together (``hub runs``).

The store keeps one row per unit (flow, scope): ``hub run back_office`` writes one per store.
Those rows are one run to the person who started it, so ``hub runs`` shows them as one line and
``hub runs show ID`` (any of their ids) shows them whole. The store does not record which rows
one ``run_flow`` wrote, so they are told apart here by what such a run leaves: the same flow,
each unit a different non-empty scope, each started right after the one before it ended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.store import RunRecord, Store

GAP = timedelta(seconds=5)
"""Longest pause between one unit's end and the next one's start within one run (they follow
each other at once; the slack covers a wait for a lease)."""
SKEW = timedelta(seconds=1)
"""How far a unit may seem to start before the one before it ended (clocks of two processes)."""
STATUS_RANK = ("running", "failed", "abandoned", "skipped", "ok")
"""A run's status is its units' first status in this order: one failed unit fails the run."""


@dataclass(frozen=True)
class RunGroup:
    """One run of a flow: its units' run records, oldest first (one for a single-scope flow)."""

    parts: tuple[RunRecord, ...]

    @property
    def id(self) -> int:
        """The first unit's run id (``hub runs show`` takes any of ``ids``)."""
        return self.parts[0].id

    @property
    def ids(self) -> list[int]:
        return [part.id for part in self.parts]

    @property
    def flow(self) -> str:
        return self.parts[0].flow

    @property
    def scopes(self) -> list[str]:
        return [part.scope for part in self.parts if part.scope]

    @property
    def status(self) -> str:
        statuses = {part.status for part in self.parts}
        return next((s for s in STATUS_RANK if s in statuses), self.parts[-1].status)

    @property
    def started_at(self) -> datetime:
        return self.parts[0].started_at

    @property
    def ended_at(self) -> datetime | None:
        """When the last unit ended; None while one is still running."""
        if any(part.ended_at is None for part in self.parts):
            return None
        return self.parts[-1].ended_at

    @property
    def seconds(self) -> float | None:
        """Wall time from the first unit's start to the last one's end (None while running)."""
        ended = self.ended_at
        return None if ended is None else (ended - self.started_at).total_seconds()

    @property
    def counts(self) -> dict[str, int]:
        """Every unit's counts added up (as ``RunReport.merge`` adds them)."""
        total: Counter[str] = Counter()
        for part in self.parts:
            total.update(part.counts)
        return dict(sorted(total.items()))

    @property
    def errors(self) -> list[str]:
        """Each unit's error, its scope in front when the run has several."""
        several = len(self.parts) > 1
        return [f"{part.scope}: {part.error}" if several else part.error for part in self.parts if part.error]

    @property
    def report(self) -> list[str]:
        """Every unit's report lines, in the order the units ran."""
        return [line for part in self.parts for line in part.report]


def follows(group: list[RunRecord], record: RunRecord) -> bool:
    """Whether ``record`` is the next unit of the run whose units so far are ``group``."""
    last = group[-1]
    if record.flow != last.flow or not record.scope or any(p.scope == record.scope for p in group):
        return False
    if last.ended_at is None:
        return False
    return -SKEW <= record.started_at - last.ended_at <= GAP


def group_runs(records: Iterable[RunRecord]) -> list[RunGroup]:
    """``records`` (any order) as runs, newest first.

    Each flow's rows are followed on their own, so runs of other flows in between (the
    scheduler runs flows side by side) never split a run.
    """
    open_groups: dict[str, list[RunRecord]] = {}
    groups: list[list[RunRecord]] = []
    for record in sorted(records, key=lambda r: r.id):
        current = open_groups.get(record.flow)
        if current is not None and follows(current, record):
            current.append(record)
            continue
        open_groups[record.flow] = [record]
        groups.append(open_groups[record.flow])
    return sorted((RunGroup(tuple(parts)) for parts in groups), key=lambda g: g.id, reverse=True)


def recent_runs(store: Store, limit: int, flow: str | None = None) -> list[RunGroup]:
    """The newest ``limit`` runs (of one flow), newest first, each with all of its units."""
    batch = max(4 * limit, 20)
    while True:
        rows = store.runs.recent(batch, flow)
        groups = group_runs(rows)
        # The oldest group may be cut by the batch's edge: keep it only when nothing is older.
        if len(rows) < batch or len(groups) > limit:
            return groups[:limit]
        batch *= 4


def run_group(store: Store, run_id: int) -> RunGroup | None:
    """The run that the unit ``run_id`` belongs to, all of its units; None when no such id."""
    span = 64
    while True:
        rows = store.runs.between(max(1, run_id - span), run_id + span)
        group = next((g for g in group_runs(rows) if run_id in g.ids), None)
        if group is None:
            return None
        ids = [row.id for row in rows if row.flow == group.flow]
        # A run reaching the window's edge may go on past it: look wider.
        lower_open = group.id == ids[0] and run_id - span > 1
        upper_open = group.ids[-1] == ids[-1] and rows[-1].id >= run_id + span
        if not (lower_open or upper_open):
            return group
        span *= 4
