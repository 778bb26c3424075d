"""Dead letters: records a flow could not handle, parked with the reason, never dropped silently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, String, Table, Text, delete, insert, select, update

from hub.core.models import utcnow
from hub.core.redact import redact, redact_value
from hub.store.engine import Database, UtcDateTime, metadata
from hub.store.leases import Fence, check_fence

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("flow", String(100), nullable=False),
    Column("record", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("retries", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    flow: str
    record: str
    payload: Any
    reason: str
    retries: int
    created_at: datetime


class DeadLetters:
    """The ``dead_letters`` table: one row per (flow, record), redacted."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, flow: str, record: str, payload: Any, reason: str, *, fence: Fence | None = None) -> int:
        """Park a record the flow could not handle; the same record again only bumps ``retries``.

        Returns the letter's id. Raises ``FencedOut`` (nothing parked) when ``fence`` is stale.
        """
        now = utcnow()
        safe_payload, reason = redact_value(json.loads(json.dumps(payload, default=str))), redact(reason)
        with self._db.transaction() as c:
            check_fence(c, fence)
            existing = c.execute(
                select(dead_letters.c.id).where(dead_letters.c.flow == flow, dead_letters.c.record == record)
            ).scalar()
            if existing is not None:
                c.execute(
                    update(dead_letters)
                    .where(dead_letters.c.id == existing)
                    .values(
                        payload=safe_payload,
                        reason=reason,
                        retries=dead_letters.c.retries + 1,
                        updated_at=now,
                    )
                )
                return int(existing)
            result = c.execute(
                insert(dead_letters).values(
                    flow=flow,
                    record=record[:255],
                    payload=safe_payload,
                    reason=reason,
                    retries=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            return int(result.inserted_primary_key[0])

    def entries(self, flow: str | None = None) -> list[DeadLetter]:
        """Every parked record (of one flow), oldest first."""
        query = select(dead_letters).order_by(dead_letters.c.id)
        if flow:
            query = query.where(dead_letters.c.flow == flow)
        with self._db.transaction() as c:
            rows = c.execute(query).all()
        return [
            DeadLetter(r.id, r.flow, r.record, r.payload, r.reason, r.retries, r.created_at) for r in rows
        ]

    def drop(self, letter_id: int) -> bool:
        """Delete one letter; False when there was none with that id."""
        with self._db.transaction() as c:
            return bool(c.execute(delete(dead_letters).where(dead_letters.c.id == letter_id)).rowcount)
