"""Run history: one row per run of a unit (flow, scope), with its status, counts and report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, String, Table, Text, func, insert, select, update

from hub.core.models import utcnow
from hub.core.redact import redact_optional, redact_value
from hub.store.engine import Database, UtcDateTime, metadata

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("flow", String(100), nullable=False),
    Column("scope", String(200), nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("counts", JSON),
    Column("error", Text),
    Column("report", JSON),
    Column("token", Integer),
)


@dataclass(frozen=True)
class RunRecord:
    id: int
    flow: str
    scope: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    counts: dict[str, int]
    error: str | None
    report: list[str] = field(default_factory=list)


class Runs:
    """The ``runs`` table: started, finished, and the history the CLI and schedulers read."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def started(self, flow: str, scope: str = "", token: int | None = None) -> int:
        """Record a run; with its fencing token, earlier runs of the unit still marked running
        (their process died or stalled and lost the lease) are marked ``abandoned``.

        Returns the run's id.
        """
        with self._db.transaction() as c:
            if token is not None:
                c.execute(
                    update(runs)
                    .where(runs.c.flow == flow, runs.c.scope == scope, runs.c.status == "running")
                    .where(runs.c.token < token)
                    .values(status="abandoned", ended_at=utcnow(), error="its process died or lost the lease")
                )
            result = c.execute(
                insert(runs).values(
                    flow=flow, scope=scope, status="running", started_at=utcnow(), counts={}, token=token
                )
            )
            return int(result.inserted_primary_key[0])

    def finished(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int],
        error: str | None = None,
        report: list[str] | None = None,
    ) -> None:
        """Close a run with its status (ok, failed...), counts, error and report (redacted)."""
        with self._db.transaction() as c:
            c.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    status=status,
                    ended_at=utcnow(),
                    counts=counts,
                    error=redact_optional(error),
                    report=redact_value(report or []),
                )
            )

    def recent(self, limit: int = 20, flow: str | None = None) -> list[RunRecord]:
        """The newest ``limit`` runs (of one flow), newest first."""
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if flow:
            query = query.where(runs.c.flow == flow)
        with self._db.transaction() as c:
            rows = c.execute(query).all()
        return [_run_record(r) for r in rows]

    def between(self, first: int, last: int) -> list[RunRecord]:
        """The runs whose id is from ``first`` to ``last`` (both included), oldest first."""
        query = select(runs).where(runs.c.id >= first, runs.c.id <= last).order_by(runs.c.id)
        with self._db.transaction() as c:
            rows = c.execute(query).all()
        return [_run_record(r) for r in rows]

    def latest(self) -> dict[tuple[str, str], RunRecord]:
        """The newest run of every flow and scope."""
        newest = select(runs.c.flow, runs.c.scope, func.max(runs.c.id).label("id")).group_by(
            runs.c.flow, runs.c.scope
        )
        with self._db.transaction() as c:
            ids = [row.id for row in c.execute(newest)]
            rows = c.execute(select(runs).where(runs.c.id.in_(ids))).all() if ids else []
        return {(r.flow, r.scope): _run_record(r) for r in rows}

    def since(self, since: datetime, status: str = "ok") -> set[tuple[str, str]]:
        """``(flow, scope)`` pairs with a run of this status started at or after ``since``."""
        with self._db.transaction() as c:
            rows = c.execute(
                select(runs.c.flow, runs.c.scope).where(runs.c.started_at >= since, runs.c.status == status)
            ).all()
        return {(r.flow, r.scope) for r in rows}


def _run_record(row: Any) -> RunRecord:
    return RunRecord(
        row.id,
        row.flow,
        row.scope,
        row.status,
        row.started_at,
        row.ended_at,
        row.counts or {},
        row.error,
        row.report or [],
    )
