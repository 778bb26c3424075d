"""Sync cursors: where each flow (and scope) has read up to.

Cursors are inclusive with an id tie-break, so a re-read repeats no record and skips none; a
flow saves its cursor only after the page's actions are recorded. A cursor read with a lookback
(a platform whose lists can show a record late) also keeps the records it handled inside that
overlap (``recent``: id -> the stamp handled), so re-reading the overlap yields only the late
ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, String, Table, insert, select, update

from hub.core.models import id_order, utcnow
from hub.store.engine import Database, UtcDateTime, metadata
from hub.store.leases import Fence, check_fence

cursors = Table(
    "cursors",
    metadata,
    Column("flow", String(100), primary_key=True),
    Column("scope", String(200), primary_key=True, default=""),
    Column("position", UtcDateTime),
    Column("last_id", String(200)),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("recent", JSON),
)


@dataclass(frozen=True)
class Cursor:
    """Inclusive position with an id tie-break: records after ``(position, last_id)`` are new."""

    position: datetime
    last_id: str = ""
    recent: Mapping[str, datetime] = field(default_factory=dict)
    """Records handled inside the lookback before ``position``: id -> the stamp handled."""

    def is_before(self, at: datetime, record_id: str) -> bool:
        """True when a record at ``(at, record_id)`` comes after this cursor."""
        return (at, id_order(record_id)) > (self.position, id_order(self.last_id))

    def is_new(self, at: datetime, record_id: str, lookback: timedelta = timedelta(0)) -> bool:
        """True for a record after the cursor, or inside the ``lookback`` before it and not
        handled at this stamp (a late one: shown by the platform after the cursor passed it)."""
        if self.is_before(at, record_id):
            return True
        return bool(lookback) and at >= self.position - lookback and self.recent.get(record_id) != at

    def moved(self, places: list[tuple[datetime, str]], lookback: timedelta) -> Cursor:
        """This cursor once ``places`` (stamp, id) are handled: at the last of them when that is
        later, remembering the handled ones still inside the lookback."""
        position, last_id = self.position, self.last_id
        for at, record_id in places:
            if (at, id_order(record_id)) > (position, id_order(last_id)):
                position, last_id = at, record_id
        handled = {**self.recent, **{record_id: at for at, record_id in places}} if lookback else {}
        recent = {key: at for key, at in handled.items() if at >= position - lookback}
        return Cursor(position, last_id, recent)


class Cursors:
    """The ``cursors`` table: one position per ``(flow, scope)``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, flow: str, scope: str = "") -> Cursor | None:
        """The saved cursor, or None before the flow's first saved page."""
        with self._db.transaction() as c:
            row = c.execute(
                select(cursors.c.position, cursors.c.last_id, cursors.c.recent).where(
                    cursors.c.flow == flow, cursors.c.scope == scope
                )
            ).first()
        if row is None or row.position is None:
            return None
        recent = {key: datetime.fromisoformat(at) for key, at in (row.recent or {}).items()}
        return Cursor(row.position, row.last_id or "", recent)

    def save(self, flow: str, cursor: Cursor, scope: str = "", *, fence: Fence | None = None) -> None:
        """Save the cursor; raises ``FencedOut`` (nothing saved) when ``fence`` is stale."""
        values = {
            "position": cursor.position,
            "last_id": cursor.last_id,
            "recent": {key: at.isoformat() for key, at in cursor.recent.items()} or None,
            "updated_at": utcnow(),
        }
        with self._db.transaction() as c:
            check_fence(c, fence)
            changed = c.execute(
                update(cursors).where(cursors.c.flow == flow, cursors.c.scope == scope).values(**values)
            ).rowcount
            if not changed:
                c.execute(insert(cursors).values(flow=flow, scope=scope, **values))
