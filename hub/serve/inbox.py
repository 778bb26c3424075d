"""The durable webhook inbox: verified deliveries, each stored once, processed once.

A delivery is written here (unique on platform + delivery id) before it is acknowledged, so a
platform retry or a replay finds its row and adds nothing. The server's worker claims pending
rows, runs the matching flow step and marks each row done, failed or (retriable error) pending
again with a back-off. A row a crashed process left claimed goes back to pending at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hub.core.redact import redact_optional
from hub.core.webhooks import WebhookAction, WebhookEvent
from hub.store import Store, UtcDateTime, utcnow

metadata = MetaData()  # the server's own table; migration 0003 creates it

inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(100), nullable=False),
    Column("delivery_id", String(255), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", JSON, nullable=False),
    Column("occurred_at", UtcDateTime),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("claimed_by", String(200)),
    Column("received_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("platform", "delivery_id", name="uq_inbox_delivery"),
    Index("ix_inbox_status", "status", "id"),
)


class InboxStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    IGNORED = "ignored"


@dataclass(frozen=True)
class InboxRow:
    id: int
    platform: str
    delivery_id: str
    topic: str
    action: WebhookAction
    subject: dict[str, Any]
    status: InboxStatus
    attempts: int
    error: str | None
    received_at: datetime

    @property
    def event(self) -> WebhookEvent:
        return WebhookEvent(
            platform=self.platform,
            delivery_id=self.delivery_id,
            topic=self.topic,
            action=self.action,
            subject=self.subject,
        )


def _values(event: WebhookEvent) -> dict[str, Any]:
    now = utcnow()
    return {
        "platform": event.platform,
        "delivery_id": event.delivery_id[:255],
        "topic": event.topic[:200],
        "action": event.action.value,
        "subject": event.subject,
        "occurred_at": event.occurred_at,
        "status": InboxStatus.IGNORED if event.action is WebhookAction.IGNORED else InboxStatus.PENDING,
        "attempts": 0,
        "received_at": now,
        "updated_at": now,
    }


def _row(r: Any) -> InboxRow:
    return InboxRow(
        id=r.id,
        platform=r.platform,
        delivery_id=r.delivery_id,
        topic=r.topic,
        action=WebhookAction(r.action),
        subject=r.subject or {},
        status=InboxStatus(r.status),
        attempts=r.attempts,
        error=r.error,
        received_at=r.received_at,
    )


def retry_delay(attempts: int) -> timedelta:
    """Back-off before a row that hit a retriable error is tried again (2 s, 4 s ... 5 min)."""
    return timedelta(seconds=min(300, 2**attempts))


class Inbox:
    """The inbox table behind small methods (same store, same database as the ledger)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, event: WebhookEvent) -> int | None:
        """Store a verified event; its row id, or None when this delivery is already stored."""
        try:
            with self.store.transaction() as c:
                result = c.execute(insert(inbox).values(**_values(event)))
        except IntegrityError:
            return None
        return int(result.inserted_primary_key[0])

    def add_many(self, events: list[WebhookEvent]) -> list[bool | Exception]:
        """Store several events in one transaction (one disk sync); per event True when newly
        stored, False when stored before (or repeated inside ``events``), or the exception that
        kept it out.

        Should the shared transaction fail for any reason (another process stored one of them
        meanwhile, or one row the database refuses, such as a NUL byte on PostgreSQL), the batch
        falls back to one transaction each, so one bad delivery fails only its own request.
        """
        try:
            return list(self._add_together(events))
        except SQLAlchemyError:
            return [self._add_alone(event) for event in events]

    def _add_together(self, events: list[WebhookEvent]) -> list[bool]:
        keys = [(e.platform, e.delivery_id[:255]) for e in events]
        with self.store.transaction() as c:
            known = {
                (r.platform, r.delivery_id)
                for r in c.execute(
                    select(inbox.c.platform, inbox.c.delivery_id).where(  # uses uq_inbox_delivery
                        inbox.c.platform.in_({p for p, _ in keys}),
                        inbox.c.delivery_id.in_([d for _, d in keys]),
                    )
                )
            }
            fresh: list[bool] = []
            rows: list[dict[str, Any]] = []
            for key, event in zip(keys, events, strict=True):
                fresh.append(key not in known)
                if key not in known:
                    known.add(key)
                    rows.append(_values(event))
            if rows:  # one statement for the batch (multi-row VALUES), not one per delivery
                c.execute(insert(inbox), rows)
        return fresh

    def _add_alone(self, event: WebhookEvent) -> bool | Exception:
        try:
            return self.add(event) is not None
        except SQLAlchemyError as exc:
            return exc

    def claim(self, owner: str, limit: int = 20) -> list[InboxRow]:
        """Take up to ``limit`` pending rows (oldest first) whose back-off has passed."""
        now = utcnow()
        with self.store.transaction() as c:
            candidates = c.execute(
                select(inbox.c.id, inbox.c.attempts, inbox.c.updated_at)
                .where(inbox.c.status == InboxStatus.PENDING)
                .order_by(inbox.c.id)
                .limit(limit * 4)
            ).all()
            ready = [
                r.id for r in candidates if not r.attempts or r.updated_at + retry_delay(r.attempts) <= now
            ]
            ready = ready[:limit]
            if not ready:
                return []
            c.execute(
                update(inbox)
                .where(inbox.c.id.in_(ready), inbox.c.status == InboxStatus.PENDING)
                .values(status=InboxStatus.PROCESSING, claimed_by=owner, updated_at=now)
            )
            rows = c.execute(
                select(inbox)
                .where(inbox.c.id.in_(ready), inbox.c.claimed_by == owner)
                .where(inbox.c.status == InboxStatus.PROCESSING)
                .order_by(inbox.c.id)
            ).all()
        return [_row(r) for r in rows]

    def finish(self, row_id: int, status: InboxStatus, error: str | None = None) -> None:
        """Mark a claimed row done, failed or ignored (with the reason)."""
        with self.store.transaction() as c:
            c.execute(
                update(inbox)
                .where(inbox.c.id == row_id)
                .values(
                    status=status,
                    error=redact_optional(error),
                    attempts=inbox.c.attempts + 1,
                    updated_at=utcnow(),
                )
            )

    def release(self, rows: list[InboxRow], error: str | None = None, *, count_attempt: bool = True) -> None:
        """Put claimed rows back to pending (a busy lease, or a retriable error with ``count_attempt``)."""
        if not rows:
            return
        values: dict[str, Any] = {"status": InboxStatus.PENDING, "claimed_by": None, "updated_at": utcnow()}
        if count_attempt:
            values.update(attempts=inbox.c.attempts + 1, error=redact_optional(error))
        with self.store.transaction() as c:
            c.execute(update(inbox).where(inbox.c.id.in_([r.id for r in rows])).values(**values))

    def requeue_abandoned(self, older_than: timedelta) -> int:
        """Rows left claimed by a process that died: back to pending. Returns how many."""
        cut = utcnow() - older_than
        with self.store.transaction() as c:
            return int(
                c.execute(
                    update(inbox)
                    .where(inbox.c.status == InboxStatus.PROCESSING, inbox.c.updated_at < cut)
                    .values(status=InboxStatus.PENDING, claimed_by=None)
                ).rowcount
            )

    def rows(self, platform: str | None = None) -> list[InboxRow]:
        query = select(inbox).order_by(inbox.c.id)
        if platform:
            query = query.where(inbox.c.platform == platform)
        with self.store.transaction() as c:
            return [_row(r) for r in c.execute(query).all()]

    def counts(self) -> dict[str, int]:
        """Rows per status."""
        with self.store.transaction() as c:
            found = c.execute(select(inbox.c.status, func.count()).group_by(inbox.c.status)).all()
        return {str(status): int(n) for status, n in found}
