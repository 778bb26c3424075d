"""Sync cursors: where each flow (and scope) has read up to.

Cursors are inclusive with an id tie-break, so a re-read repeats no record and skips none; a
flow saves its cursor only after the page's actions are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, String, Table, insert, select, update

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
)


@dataclass(frozen=True)
class Cursor:
    """Inclusive position with an id tie-break: records after ``(position, last_id)`` are new."""

    position: datetime
    last_id: str = ""

    def is_before(self, at: datetime, record_id: str) -> bool:
        """True when a record at ``(at, record_id)`` comes after this cursor."""
        return (at, id_order(record_id)) > (self.position, id_order(self.last_id))


class Cursors:
    """The ``cursors`` table: one position per ``(flow, scope)``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, flow: str, scope: str = "") -> Cursor | None:
        """The saved cursor, or None before the flow's first saved page."""
        with self._db.transaction() as c:
            row = c.execute(
                select(cursors.c.position, cursors.c.last_id).where(
                    cursors.c.flow == flow, cursors.c.scope == scope
                )
            ).first()
        if row is None or row.position is None:
            return None
        return Cursor(row.position, row.last_id or "")

    def save(self, flow: str, cursor: Cursor, scope: str = "", *, fence: Fence | None = None) -> None:
        """Save the cursor; raises ``FencedOut`` (nothing saved) when ``fence`` is stale."""
        values = {"position": cursor.position, "last_id": cursor.last_id, "updated_at": utcnow()}
        with self._db.transaction() as c:
            check_fence(c, fence)
            changed = c.execute(
                update(cursors).where(cursors.c.flow == flow, cursors.c.scope == scope).values(**values)
            ).rowcount
            if not changed:
                c.execute(insert(cursors).values(flow=flow, scope=scope, **values))
