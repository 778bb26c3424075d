"""The action ledger: exactly-once platform writes (record the intent, act, record the outcome).

``Ledger.perform`` is the one way anything writes to a platform; the other methods are the
table's operations it is made of, and the reads flows and the server make. The entry says who
holds it: a live holder renews its claim while the platform call lasts, so a second request for
the same action waits for it (or hears "in progress") instead of sending it again; an entry whose
holder died (a crash) is recovered: the platform is asked (``recover``) whether the action
happened before it is done again. Under a ``Fence`` every ledger write commits only while the
run's fencing token is current, and the fence is checked right before the platform call, so a
run that stalled past its lease stops without acting or recording over a newer run's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Integer, String, Table, Text, cast, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.core.crashpoints import crash_point
from hub.core.errors import FatalError, IdempotencyConflict, MappingError
from hub.core.http import before_send
from hub.core.models import utcnow
from hub.core.redact import redact, redact_value
from hub.store.engine import Database, UtcDateTime, metadata
from hub.store.leases import Fence, Leases, check_fence

log = logging.getLogger("hub.ledger")

DEFAULT_HOLD = timedelta(seconds=60)
"""How long a ledger holder's claim lasts without renewal (renewed every third of it)."""
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
"""This process, as ledger holders and lease owners name it."""
POLL_SECONDS = 0.2

Outcome = dict[str, Any]
Lookup = Callable[[], Awaitable[Outcome | None]]

ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("flow", String(100), nullable=False),
    Column("platform", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("intent", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", JSON),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Who carries a pending action out right now (a run or a process), and until when: the
    # holder renews ``held_until`` while the platform call lasts; past it, the holder is dead.
    Column("holder", String(200)),
    Column("held_until", UtcDateTime),
)


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    flow: str
    platform: str
    action: str
    status: Status
    intent: dict[str, Any]
    outcome: dict[str, Any] | None
    error: str | None
    attempts: int
    fresh: bool = False
    """True when this call created the entry; False when an earlier run left it."""
    in_flight: bool = False
    """Pending and held by another live holder: it is being carried out right now elsewhere."""


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome | None = None
    error: str | None = None
    duplicate: bool = False
    """The ledger already held the outcome: nothing was sent this time."""
    recovered: bool = False
    """An earlier run did it (found on the platform) but crashed before recording it."""
    in_progress: bool = False
    """Another live holder is doing it right now and did not finish within the wait."""

    @property
    def ok(self) -> bool:
        return self.error is None


def _starts_with(prefix: str) -> Any:
    """The condition "the key starts with ``prefix``" (LIKE, its wildcards in ``prefix`` escaped)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return ledger.c.key.like(pattern, escape="\\")


def new_holder(label: str = "") -> str:
    """A holder id for one run or one request: unique even inside one process."""
    return f"{PROCESS}:{label}:{uuid.uuid4().hex[:6]}" if label else f"{PROCESS}:{uuid.uuid4().hex[:6]}"


def request_hash(intent: dict[str, Any]) -> str:
    """SHA-256 hex of the intent's canonical JSON: the same request, the same hash."""
    canonical = json.dumps(intent, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Ledger:
    """The ``ledger`` table and the exactly-once protocol over it (``perform``)."""

    def __init__(self, db: Database, leases: Leases) -> None:
        self._db = db
        self._leases = leases

    # ---- the protocol

    async def perform(
        self,
        key: str,
        *,
        flow: str,
        platform: str,
        action: str,
        intent: dict[str, Any],
        do: Callable[[], Awaitable[Outcome]],
        recover: Lookup | None = None,
        find_existing: Lookup | None = None,
        fence: Fence | None = None,
        holder: str | None = None,
        wait: float | None = None,
        hold: timedelta = DEFAULT_HOLD,
    ) -> ActionResult:
        """Do ``action`` once for ``key`` whatever crashes, re-runs or concurrent requests happen.

        ``recover`` looks the action up on the platform after an interrupted attempt;
        ``find_existing`` (a marker the hub writes into its notes) is asked even before a first
        attempt, so a new or restored state database never repeats what the platform shows done.
        An entry in flight elsewhere is waited on for up to ``wait`` seconds (default: one hold).
        A ``FatalError`` from the platform is recorded as the outcome (the same request would be
        refused again); a retriable error leaves the entry pending for the next run to recover.
        Raises ``FencedOut`` when ``fence`` is no longer current.
        """
        holder = holder or new_holder(flow)
        crash_point(f"ledger.before_begin.{action}")
        entry = await self._claim(key, flow, platform, action, intent, holder, hold, fence, wait)
        if entry is None:
            return ActionResult(
                error=f"{action} is in progress elsewhere; try again shortly", in_progress=True
            )
        crash_point(f"ledger.after_begin.{action}")
        if entry.status is Status.DONE:
            return ActionResult(outcome=entry.outcome, duplicate=True)
        if entry.status is Status.FAILED:
            return ActionResult(error=entry.error, duplicate=True)
        try:
            return await self._act(
                key, platform, action, entry, do, recover, find_existing, fence, holder, hold
            )
        except BaseException:
            # The call failed, or its outcome is unknown: nobody is at work on it any more, so the
            # next run recovers it (asks the platform) at once instead of waiting out the hold.
            with contextlib.suppress(Exception):
                self.release(holder, key)
            raise

    async def _act(
        self,
        key: str,
        platform: str,
        action: str,
        entry: LedgerEntry,
        do: Callable[[], Awaitable[Outcome]],
        recover: Lookup | None,
        find_existing: Lookup | None,
        fence: Fence | None,
        holder: str,
        hold: timedelta,
    ) -> ActionResult:
        """Look the action up on the platform when that is due, then do it and record the outcome."""
        lookup = find_existing if entry.fresh else (recover or find_existing)
        if lookup is not None:
            found = await lookup()
            if found is not None:
                log.info(
                    "ledger %s: found done on %s (an interrupted run or another hub did it)", key, platform
                )
                self.done(key, found, holder=holder, fence=fence)
                return ActionResult(outcome=found, recovered=True)
            # The look-up waited on the platform: the run may have lost its lease meanwhile.
            # (Without one, claiming the entry checked the fence and nothing has waited since.)
            self._leases.check(fence)
        # ...and again right before each request the action sends, after any wait inside it.
        guard = before_send.set(functools.partial(self._leases.check, fence) if fence else None)
        try:
            async with self._holding(key, holder, hold):
                outcome = await do()
        except (FatalError, MappingError) as exc:
            self.failed(key, str(exc), holder=holder, fence=fence)
            return ActionResult(error=str(exc))
        finally:
            before_send.reset(guard)
        crash_point(f"ledger.after_do.{action}")  # done on the platform, not yet in the ledger
        self.done(key, outcome, holder=holder, fence=fence)
        crash_point(f"ledger.after_done.{action}")
        return ActionResult(outcome=outcome)

    async def _claim(
        self,
        key: str,
        flow: str,
        platform: str,
        action: str,
        intent: dict[str, Any],
        holder: str,
        hold: timedelta,
        fence: Fence | None,
        wait: float | None,
    ) -> LedgerEntry | None:
        """The entry, once no other live holder has it; None if it is still held after ``wait``."""
        deadline = time.monotonic() + (hold.total_seconds() if wait is None else wait)
        while True:
            entry = self.begin(
                key,
                flow=flow,
                platform=platform,
                action=action,
                intent=intent,
                holder=holder,
                hold=hold,
                fence=fence,
            )
            if not entry.in_flight:
                return entry
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)

    @contextlib.asynccontextmanager
    async def _holding(self, key: str, holder: str, hold: timedelta) -> AsyncIterator[None]:
        """Renew the claim on ``key`` while the platform call lasts (a slow platform is not a crash)."""

        async def keep() -> None:
            while True:
                await asyncio.sleep(hold.total_seconds() / 3)
                await asyncio.to_thread(self.renew, key, holder, hold)

        renewer = asyncio.create_task(keep())
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await renewer

    # ---- the table

    def begin(
        self,
        key: str,
        *,
        flow: str,
        platform: str,
        action: str,
        intent: dict[str, Any],
        holder: str | None = None,
        hold: timedelta = DEFAULT_HOLD,
        fence: Fence | None = None,
    ) -> LedgerEntry:
        """Record the intent before acting; return the existing entry if the key is known.

        The same key with a different intent is an ``IdempotencyConflict``: the caller derived
        the key from a record version but is now asking for something else. A pending entry
        another live holder holds comes back ``in_flight`` (leave it alone); one whose holder
        stopped renewing it (a crash) is taken over by ``holder``, to be recovered.
        """
        digest = request_hash(intent)
        now = utcnow()
        stored = json.loads(json.dumps(intent, default=str))
        try:
            with self._db.transaction() as c:
                check_fence(c, fence)
                c.execute(
                    insert(ledger).values(
                        key=key,
                        flow=flow,
                        platform=platform,
                        action=action,
                        request_hash=digest,
                        intent=stored,
                        status=Status.PENDING,
                        attempts=1,
                        created_at=now,
                        updated_at=now,
                        holder=holder,
                        held_until=now + hold if holder else None,
                    )
                )
        except IntegrityError:
            return self._resume(key, digest, holder, hold, fence)
        # The row is exactly what was inserted: no need to read it back.
        return LedgerEntry(
            key=key,
            flow=flow,
            platform=platform,
            action=action,
            status=Status.PENDING,
            intent=stored,
            outcome=None,
            error=None,
            attempts=1,
            fresh=True,
        )

    def _resume(
        self, key: str, digest: str, holder: str | None, hold: timedelta, fence: Fence | None
    ) -> LedgerEntry:
        now = utcnow()
        with self._db.transaction() as c:
            row = c.execute(select(ledger).where(ledger.c.key == key)).one()
            if row.request_hash != digest:
                raise IdempotencyConflict(
                    f"ledger key {key!r} was first used for another request ({row.action})"
                )
            taken = 1
            if row.status == Status.PENDING:
                check_fence(c, fence)
                free = (
                    ledger.c.holder.is_(None)
                    | (ledger.c.holder == holder)
                    | ledger.c.held_until.is_(None)
                    | (ledger.c.held_until < now)
                )
                taken = c.execute(
                    update(ledger)
                    .where(ledger.c.key == key, ledger.c.status == Status.PENDING, free)
                    .values(
                        attempts=ledger.c.attempts + 1,
                        updated_at=now,
                        holder=holder,
                        held_until=now + hold if holder else None,
                    )
                ).rowcount
        entry = self.get(key)
        assert entry is not None
        return replace(entry, in_flight=True) if not taken and entry.status is Status.PENDING else entry

    def release(self, holder: str, key: str | None = None) -> None:
        """``holder`` is no longer at work on its pending entries (or on ``key``): a platform call
        that failed or a run that ended leaves them to be recovered at once, not waited for."""
        where = [ledger.c.holder == holder, ledger.c.status == Status.PENDING]
        if key is not None:
            where.append(ledger.c.key == key)
        with self._db.transaction() as c:
            c.execute(update(ledger).where(*where).values(held_until=None))

    def renew(self, key: str, holder: str, hold: timedelta = DEFAULT_HOLD) -> None:
        """Renew ``holder``'s claim on a pending entry while its platform call goes on."""
        with self._db.transaction() as c:
            c.execute(
                update(ledger)
                .where(ledger.c.key == key, ledger.c.holder == holder, ledger.c.status == Status.PENDING)
                .values(held_until=utcnow() + hold)
            )

    def reopen(self, key: str, intent: dict[str, Any]) -> None:
        """Let a refused action be tried again with new parameters.

        Only a FAILED entry may be reopened: the platform refused it, so nothing happened there
        and a corrected request (an agent fixed the ticket) is safe to send.
        """
        with self._db.transaction() as c:
            c.execute(
                update(ledger)
                .where(ledger.c.key == key, ledger.c.status == Status.FAILED)
                .values(
                    status=Status.PENDING,
                    intent=json.loads(json.dumps(intent, default=str)),
                    request_hash=request_hash(intent),
                    error=None,
                    updated_at=utcnow(),
                )
            )

    def get(self, key: str) -> LedgerEntry | None:
        """The entry under ``key``, or None when nothing was ever recorded for it."""
        with self._db.transaction() as c:
            row = c.execute(select(ledger).where(ledger.c.key == key)).first()
        if row is None:
            return None
        return LedgerEntry(
            key=row.key,
            flow=row.flow,
            platform=row.platform,
            action=row.action,
            status=Status(row.status),
            intent=row.intent,
            outcome=row.outcome,
            error=row.error,
            attempts=row.attempts,
        )

    def done(
        self, key: str, outcome: dict[str, Any], *, holder: str | None = None, fence: Fence | None = None
    ) -> None:
        """Record the platform's answer (redacted) on a pending entry."""
        safe = redact_value(json.loads(json.dumps(outcome, default=str)))
        self._finish(key, Status.DONE, holder, fence, outcome=safe)

    def failed(self, key: str, error: str, *, holder: str | None = None, fence: Fence | None = None) -> None:
        """Record the platform's refusal (redacted) on a pending entry."""
        self._finish(key, Status.FAILED, holder, fence, error=redact(error))

    def _finish(
        self, key: str, status: Status, holder: str | None, fence: Fence | None, **values: Any
    ) -> None:
        """Settle a pending entry; a settled one never changes (a late run cannot undo a done)."""
        where = [ledger.c.key == key, ledger.c.status == Status.PENDING]
        if holder is not None:
            where.append(ledger.c.holder == holder)
        with self._db.transaction() as c:
            check_fence(c, fence)
            c.execute(
                update(ledger)
                .where(*where)
                .values(status=status, updated_at=utcnow(), held_until=None, **values)
            )

    def latest(self, prefix: str) -> LedgerEntry | None:
        """The newest entry whose key starts with ``prefix`` (the last action on one record)."""
        with self._db.transaction() as c:
            key = c.execute(
                select(ledger.c.key)
                .where(_starts_with(prefix))
                .order_by(ledger.c.id.desc())
                .limit(1)
            ).scalar()
        return self.get(key) if key else None

    def with_prefix(self, prefix: str, *, status: Status | None = None) -> list[LedgerEntry]:
        """Every entry whose key starts with ``prefix`` (one record's actions), oldest first."""
        query = select(ledger.c.key).where(_starts_with(prefix)).order_by(ledger.c.id)
        if status:
            query = query.where(ledger.c.status == status)
        with self._db.transaction() as c:
            keys = list(c.execute(query).scalars())
        return [entry for key in keys if (entry := self.get(key))]

    def entries(
        self, *, flow: str | None = None, status: Status | None = None, limit: int = 1000
    ) -> list[LedgerEntry]:
        """Entries (of one flow, in one status), oldest first, at most ``limit``."""
        query = select(ledger.c.key).order_by(ledger.c.id).limit(limit)
        if flow:
            query = query.where(ledger.c.flow == flow)
        if status:
            query = query.where(ledger.c.status == status)
        with self._db.transaction() as c:
            keys = list(c.execute(query).scalars())
        return [entry for key in keys if (entry := self.get(key))]

    def search(self, text: str, *, limit: int = 200) -> list[LedgerEntry]:
        """Entries whose key, intent or outcome contains ``text`` (any case), newest first, at
        most ``limit``; the newest ``limit`` entries when ``text`` is blank. A coarse filter on
        the stored JSON text: callers narrow it to the field they mean (the console's ledger)."""
        query = select(ledger.c.key).order_by(ledger.c.id.desc()).limit(limit)
        if text.strip():
            escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(
                or_(
                    ledger.c.key.ilike(pattern, escape="\\"),
                    cast(ledger.c.intent, Text).ilike(pattern, escape="\\"),
                    cast(ledger.c.outcome, Text).ilike(pattern, escape="\\"),
                )
            )
        with self._db.transaction() as c:
            keys = list(c.execute(query).scalars())
        return [entry for key in keys if (entry := self.get(key))]
