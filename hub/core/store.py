"""The state store (SQLAlchemy 2): cursors, action ledger, dead letters, runs, leases.

Tables that belong to one flow or to the server live with their owner (``hub/flows/call_log``'s
call attempts, ``hub/serve/inbox``'s deliveries) and use ``Store.transaction``; the migrations
that create every table stay together here.

SQLite file ``var/hub.db`` by default, any SQLAlchemy URL otherwise (PostgreSQL in production).
The schema is created and upgraded by the Alembic migrations next to this module; ``Store``
never calls ``create_all``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from hub.core.errors import HubError, IdempotencyConflict
from hub.core.redact import redact, redact_optional, redact_value

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_ID = 0x6875625F6D6967  # "hub_mig": one advisory lock id for the schema
DEFAULT_HOLD = timedelta(seconds=60)
"""How long a ledger holder's claim lasts without renewal (renewed every third of it)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones), always read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

cursors = Table(
    "cursors",
    metadata,
    Column("flow", String(100), primary_key=True),
    Column("scope", String(200), primary_key=True, default=""),
    Column("position", UtcDateTime),
    Column("last_id", String(200)),
    Column("updated_at", UtcDateTime, nullable=False),
)

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


class StoreUnreachable(HubError):
    """The state store's database cannot be reached or migrated."""


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


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Cursor:
    """Inclusive position with an id tie-break: records after ``(position, last_id)`` are new."""

    position: datetime
    last_id: str = ""

    def is_before(self, at: datetime, record_id: str) -> bool:
        """True when a record at ``(at, record_id)`` comes after this cursor."""
        return (at, id_order(record_id)) > (self.position, id_order(self.last_id))


def id_order(record_id: str) -> tuple[int, str]:
    """Order ids naturally: numeric ids by value ("9" before "10"), others as text."""
    return (len(record_id), record_id) if record_id.isdigit() else (0, record_id)


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
class DeadLetter:
    id: int
    flow: str
    record: str
    payload: Any
    reason: str
    retries: int
    created_at: datetime


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


def request_hash(intent: dict[str, Any]) -> str:
    canonical = json.dumps(intent, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Store:
    """All of the hub's durable state behind small, explicit methods."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)

    # ---- schema

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with _migration_lock(self.engine), self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Held to the end of this transaction: processes starting together on an
                    # empty database migrate one after another, the later ones find it done.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except OperationalError as exc:
            reason = " ".join(str(exc.orig).split())  # drivers answer on several lines
            raise StoreUnreachable(f"database {_safe_url(self.url)} unreachable ({reason})") from None

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction on the hub's database, for the tables a flow or the server owns;
        an outage is ``StoreUnreachable`` (one line), never a driver traceback."""
        with self._tx() as connection:
            yield connection

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as exc:
            # An outage, not a bug: one line naming the database, never a driver traceback.
            reason = " ".join(str(exc.orig).split())[:200]
            raise StoreUnreachable(f"database {_safe_url(self.url)} unreachable ({reason})") from None

    def ping(self) -> None:
        """Raise ``StoreUnreachable`` unless the database answers a trivial query."""
        with self._tx() as c:
            c.execute(select(1))

    # ---- fencing

    def _check_fence(self, c: Connection, fence: Fence | None) -> None:
        """Inside a write transaction: go on only while ``fence`` is the lease's current token.

        The no-op update takes the lease row's write lock until the transaction commits, so a
        newer run cannot take the lease between this check and the writes that follow it.
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

    def check_fence(self, fence: Fence | None) -> None:
        """Raise ``FencedOut`` when a newer run has taken the lease (before a platform call)."""
        if fence is not None:
            with self._tx() as c:
                self._check_fence(c, fence)

    # ---- cursors

    def get_cursor(self, flow: str, scope: str = "") -> Cursor | None:
        with self._tx() as c:
            row = c.execute(
                select(cursors.c.position, cursors.c.last_id).where(
                    cursors.c.flow == flow, cursors.c.scope == scope
                )
            ).first()
        if row is None or row.position is None:
            return None
        return Cursor(row.position, row.last_id or "")

    def set_cursor(self, flow: str, cursor: Cursor, scope: str = "", *, fence: Fence | None = None) -> None:
        values = {"position": cursor.position, "last_id": cursor.last_id, "updated_at": utcnow()}
        with self._tx() as c:
            self._check_fence(c, fence)
            changed = c.execute(
                update(cursors).where(cursors.c.flow == flow, cursors.c.scope == scope).values(**values)
            ).rowcount
            if not changed:
                c.execute(insert(cursors).values(flow=flow, scope=scope, **values))

    # ---- ledger

    def ledger_begin(
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
        try:
            with self._tx() as c:
                self._check_fence(c, fence)
                c.execute(
                    insert(ledger).values(
                        key=key,
                        flow=flow,
                        platform=platform,
                        action=action,
                        request_hash=digest,
                        intent=json.loads(json.dumps(intent, default=str)),
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
        entry = self.ledger_get(key)
        assert entry is not None
        return replace(entry, fresh=True)

    def _resume(
        self, key: str, digest: str, holder: str | None, hold: timedelta, fence: Fence | None
    ) -> LedgerEntry:
        now = utcnow()
        with self._tx() as c:
            row = c.execute(select(ledger).where(ledger.c.key == key)).one()
            if row.request_hash != digest:
                raise IdempotencyConflict(
                    f"ledger key {key!r} was first used for another request ({row.action})"
                )
            taken = 1
            if row.status == Status.PENDING:
                self._check_fence(c, fence)
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
        entry = self.ledger_get(key)
        assert entry is not None
        return replace(entry, in_flight=True) if not taken and entry.status is Status.PENDING else entry

    def ledger_release(self, holder: str, key: str | None = None) -> None:
        """``holder`` is no longer at work on its pending entries (or on ``key``): a platform call
        that failed or a run that ended leaves them to be recovered at once, not waited for."""
        where = [ledger.c.holder == holder, ledger.c.status == Status.PENDING]
        if key is not None:
            where.append(ledger.c.key == key)
        with self._tx() as c:
            c.execute(update(ledger).where(*where).values(held_until=None))

    def ledger_hold(self, key: str, holder: str, hold: timedelta = DEFAULT_HOLD) -> None:
        """Renew ``holder``'s claim on a pending entry while its platform call goes on."""
        with self._tx() as c:
            c.execute(
                update(ledger)
                .where(ledger.c.key == key, ledger.c.holder == holder, ledger.c.status == Status.PENDING)
                .values(held_until=utcnow() + hold)
            )

    def ledger_reopen(self, key: str, intent: dict[str, Any]) -> None:
        """Let a refused action be tried again with new parameters.

        Only a FAILED entry may be reopened: the platform refused it, so nothing happened there
        and a corrected request (an agent fixed the ticket) is safe to send.
        """
        with self._tx() as c:
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

    def ledger_get(self, key: str) -> LedgerEntry | None:
        with self._tx() as c:
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

    def ledger_done(
        self, key: str, outcome: dict[str, Any], *, holder: str | None = None, fence: Fence | None = None
    ) -> None:
        safe = redact_value(json.loads(json.dumps(outcome, default=str)))
        self._ledger_finish(key, Status.DONE, holder, fence, outcome=safe)

    def ledger_failed(
        self, key: str, error: str, *, holder: str | None = None, fence: Fence | None = None
    ) -> None:
        self._ledger_finish(key, Status.FAILED, holder, fence, error=redact(error))

    def _ledger_finish(
        self, key: str, status: Status, holder: str | None, fence: Fence | None, **values: Any
    ) -> None:
        """Settle a pending entry; a settled one never changes (a late run cannot undo a done)."""
        where = [ledger.c.key == key, ledger.c.status == Status.PENDING]
        if holder is not None:
            where.append(ledger.c.holder == holder)
        with self._tx() as c:
            self._check_fence(c, fence)
            c.execute(
                update(ledger)
                .where(*where)
                .values(status=status, updated_at=utcnow(), held_until=None, **values)
            )

    def ledger_latest(self, prefix: str) -> LedgerEntry | None:
        """The newest entry whose key starts with ``prefix`` (the last action on one record)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._tx() as c:
            key = c.execute(
                select(ledger.c.key)
                .where(ledger.c.key.like(pattern, escape="\\"))
                .order_by(ledger.c.id.desc())
                .limit(1)
            ).scalar()
        return self.ledger_get(key) if key else None

    def ledger_entries(
        self, *, flow: str | None = None, status: Status | None = None, limit: int = 1000
    ) -> list[LedgerEntry]:
        query = select(ledger.c.key).order_by(ledger.c.id).limit(limit)
        if flow:
            query = query.where(ledger.c.flow == flow)
        if status:
            query = query.where(ledger.c.status == status)
        with self._tx() as c:
            keys = list(c.execute(query).scalars())
        return [entry for key in keys if (entry := self.ledger_get(key))]

    # ---- dead letters

    def add_dead_letter(
        self, flow: str, record: str, payload: Any, reason: str, *, fence: Fence | None = None
    ) -> int:
        """Park a record the flow could not handle; the same record again only bumps ``retries``."""
        now = utcnow()
        safe_payload, reason = redact_value(json.loads(json.dumps(payload, default=str))), redact(reason)
        with self._tx() as c:
            self._check_fence(c, fence)
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

    def dead_letters(self, flow: str | None = None) -> list[DeadLetter]:
        query = select(dead_letters).order_by(dead_letters.c.id)
        if flow:
            query = query.where(dead_letters.c.flow == flow)
        with self._tx() as c:
            rows = c.execute(query).all()
        return [
            DeadLetter(r.id, r.flow, r.record, r.payload, r.reason, r.retries, r.created_at) for r in rows
        ]

    def drop_dead_letter(self, letter_id: int) -> bool:
        with self._tx() as c:
            return bool(c.execute(delete(dead_letters).where(dead_letters.c.id == letter_id)).rowcount)

    # ---- runs

    def run_started(self, flow: str, scope: str = "", token: int | None = None) -> int:
        """Record a run; with its fencing token, earlier runs of the unit still marked running
        (their process died or stalled and lost the lease) are marked ``abandoned``."""
        with self._tx() as c:
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

    def run_finished(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int],
        error: str | None = None,
        report: list[str] | None = None,
    ) -> None:
        with self._tx() as c:
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

    def recent_runs(self, limit: int = 20, flow: str | None = None) -> list[RunRecord]:
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if flow:
            query = query.where(runs.c.flow == flow)
        with self._tx() as c:
            rows = c.execute(query).all()
        return [_run_record(r) for r in rows]

    def last_runs(self) -> dict[tuple[str, str], RunRecord]:
        """The newest run of every flow and scope."""
        newest = select(runs.c.flow, runs.c.scope, func.max(runs.c.id).label("id")).group_by(
            runs.c.flow, runs.c.scope
        )
        with self._tx() as c:
            ids = [row.id for row in c.execute(newest)]
            rows = c.execute(select(runs).where(runs.c.id.in_(ids))).all() if ids else []
        return {(r.flow, r.scope): _run_record(r) for r in rows}

    def runs_since(self, since: datetime, status: str = "ok") -> set[tuple[str, str]]:
        """``(flow, scope)`` pairs with a run of this status started at or after ``since``."""
        with self._tx() as c:
            rows = c.execute(
                select(runs.c.flow, runs.c.scope).where(runs.c.started_at >= since, runs.c.status == status)
            ).all()
        return {(r.flow, r.scope) for r in rows}

    # ---- leases

    def take_lease(self, name: str, owner: str, ttl: timedelta) -> Fence | None:
        """Take the named lease unless another owner holds an unexpired one; a new, larger token.

        Returns the ``Fence`` the holder's writes carry, or None when the lease is taken.
        """
        now = utcnow()
        values = {"owner": owner, "acquired_at": now, "expires_at": now + ttl}
        try:
            with self._tx() as c:
                c.execute(insert(leases).values(name=name, token=1, **values))
            return Fence(name, 1)
        except IntegrityError:
            pass
        with self._tx() as c:
            taken = c.execute(
                update(leases)
                .where(leases.c.name == name, (leases.c.expires_at < now) | (leases.c.owner == owner))
                .values(token=leases.c.token + 1, **values)
            ).rowcount
            if taken != 1:
                return None
            token = c.execute(select(leases.c.token).where(leases.c.name == name)).scalar_one()
        return Fence(name, int(token))

    def renew_lease(self, fence: Fence, ttl: timedelta) -> bool:
        """Push the lease's expiry on; False when a newer run has taken it (this run is stale)."""
        with self._tx() as c:
            return (
                c.execute(
                    update(leases)
                    .where(leases.c.name == fence.name, leases.c.token == fence.token)
                    .values(expires_at=utcnow() + ttl)
                ).rowcount
                == 1
            )

    def release_lease(self, fence: Fence) -> None:
        """Let the lease go at once; the token moves on, so nothing of the ended run (a task left
        behind, a late answer) can write under it any more."""
        with self._tx() as c:
            c.execute(
                update(leases)
                .where(leases.c.name == fence.name, leases.c.token == fence.token)
                .values(expires_at=utcnow() - timedelta(seconds=1), token=leases.c.token + 1)
            )

    def leases(self) -> list[tuple[str, str, datetime]]:
        """``(name, owner, expires_at)`` of every lease still held."""
        with self._tx() as c:
            rows = c.execute(
                select(leases).where(leases.c.expires_at > utcnow()).order_by(leases.c.name)
            ).all()
        return [(r.name, r.owner, r.expires_at) for r in rows]

    def lease_holder(self, name: str) -> str | None:
        with self._tx() as c:
            row = c.execute(select(leases.c.owner, leases.c.expires_at).where(leases.c.name == name)).first()
        return row.owner if row and row.expires_at > utcnow() else None


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


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers work beside a writer; a busy timeout makes writers queue.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations of a SQLite file across processes (PostgreSQL uses an advisory lock)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.migrate-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
