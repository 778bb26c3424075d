"""Leases and fencing tokens: one run of a unit at a time, and a stale run writes nothing.

A unit's run takes the lease named after the unit and gets a token that only grows. Every write
the run makes to the store checks, in its own transaction, that the token is still the lease's
(``check_fence``), so a run that stalled past its lease cannot overwrite the newer run's work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Integer, String, Table, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hub.core.errors import HubError
from hub.core.models import utcnow
from hub.store.engine import Database, UtcDateTime, metadata

leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    # The fencing token: it grows each time the lease is taken, never goes back.
    Column("token", Integer, nullable=False, default=0),
)


class FencedOut(HubError):
    """A newer run of the same unit holds the lease: this run must stop and write nothing more."""


@dataclass(frozen=True)
class Fence:
    """A run's claim on its unit: the lease name and the fencing token it was given.

    Writes made under a fence commit only while ``token`` is still the lease's token, so a run
    that stalled past its lease (paused, swapped out, partitioned) cannot overwrite the work of
    the run that took over (Kleppmann's fencing tokens).
    """

    name: str
    token: int


def check_fence(c: Connection, fence: Fence | None) -> None:
    """Inside a write transaction: go on only while ``fence`` is the lease's current token.

    The no-op update takes the lease row's write lock until the transaction commits, so a
    newer run cannot take the lease between this check and the writes that follow it.
    Raises ``FencedOut`` otherwise; no fence, no check.
    """
    if fence is None:
        return
    current = c.execute(
        update(leases)
        .where(leases.c.name == fence.name, leases.c.token == fence.token)
        .values(token=leases.c.token)
    ).rowcount
    if current != 1:
        raise FencedOut(f"a newer run holds {fence.name} (this run's token {fence.token} is stale)")


class Leases:
    """The ``leases`` table: take, renew, release, and who holds what."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def take(self, name: str, owner: str, ttl: timedelta) -> Fence | None:
        """Take the named lease unless another owner holds an unexpired one; a new, larger token.

        Returns the ``Fence`` the holder's writes carry, or None when the lease is taken.
        """
        now = utcnow()
        values = {"owner": owner, "acquired_at": now, "expires_at": now + ttl}
        try:
            with self._db.transaction() as c:
                c.execute(insert(leases).values(name=name, token=1, **values))
            return Fence(name, 1)
        except IntegrityError:
            pass
        with self._db.transaction() as c:
            taken = c.execute(
                update(leases)
                .where(leases.c.name == name, (leases.c.expires_at < now) | (leases.c.owner == owner))
                .values(token=leases.c.token + 1, **values)
            ).rowcount
            if taken != 1:
                return None
            token = c.execute(select(leases.c.token).where(leases.c.name == name)).scalar_one()
        return Fence(name, int(token))

    def renew(self, fence: Fence, ttl: timedelta) -> bool:
        """Push the lease's expiry on; False when a newer run has taken it (this run is stale)."""
        with self._db.transaction() as c:
            return (
                c.execute(
                    update(leases)
                    .where(leases.c.name == fence.name, leases.c.token == fence.token)
                    .values(expires_at=utcnow() + ttl)
                ).rowcount
                == 1
            )

    def release(self, fence: Fence) -> None:
        """Let the lease go at once; the token moves on, so nothing of the ended run (a task left
        behind, a late answer) can write under it any more."""
        with self._db.transaction() as c:
            c.execute(
                update(leases)
                .where(leases.c.name == fence.name, leases.c.token == fence.token)
                .values(expires_at=utcnow() - timedelta(seconds=1), token=leases.c.token + 1)
            )

    def check(self, fence: Fence | None) -> None:
        """Raise ``FencedOut`` when a newer run has taken the lease (before a platform call)."""
        if fence is not None:
            with self._db.transaction() as c:
                check_fence(c, fence)

    def held(self) -> list[tuple[str, str, datetime]]:
        """``(name, owner, expires_at)`` of every lease still held."""
        with self._db.transaction() as c:
            rows = c.execute(
                select(leases).where(leases.c.expires_at > utcnow()).order_by(leases.c.name)
            ).all()
        return [(r.name, r.owner, r.expires_at) for r in rows]

    def holder(self, name: str) -> str | None:
        """The owner of the named lease while it is unexpired, else None."""
        with self._db.transaction() as c:
            row = c.execute(select(leases.c.owner, leases.c.expires_at).where(leases.c.name == name)).first()
        return row.owner if row and row.expires_at > utcnow() else None
