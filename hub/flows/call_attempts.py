"""The call log's own table: outbound calls remembered so attempts are numbered per number and day.

It belongs to the ``call_log`` flow, not to the store's own parts (``hub.store``): it keeps its own
``MetaData`` and writes through ``Store.transaction``; migration 0002 creates it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from hub.store import Store, UtcDateTime

metadata = MetaData()

call_attempts = Table(
    "call_attempts",
    metadata,
    Column("platform", String(100), primary_key=True),
    Column("call_id", String(200), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("day", String(10), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("answered", Boolean, nullable=False),
)


def record_call_attempt(
    store: Store, platform: str, call_id: str, number: str, started_at: datetime, answered: bool
) -> None:
    """Remember an outbound call (once) so attempts can be numbered per number and day."""
    try:
        with store.transaction() as c:
            c.execute(
                insert(call_attempts).values(
                    platform=platform,
                    call_id=call_id,
                    number=number,
                    day=started_at.date().isoformat(),
                    started_at=started_at,
                    answered=answered,
                )
            )
    except IntegrityError:
        pass  # already recorded by an earlier run over the same window


def call_attempts_on(store: Store, number: str, day: str) -> list[tuple[str, str, bool]]:
    """``(platform, call_id, answered)`` of a number's outbound calls that day, in order."""
    with store.transaction() as c:
        rows = c.execute(
            select(call_attempts.c.platform, call_attempts.c.call_id, call_attempts.c.answered)
            .where(call_attempts.c.number == number, call_attempts.c.day == day)
            .order_by(call_attempts.c.started_at, call_attempts.c.call_id)
        ).all()
    return [(r.platform, r.call_id, r.answered) for r in rows]
