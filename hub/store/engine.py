"""The hub's database: engine, migrations, transactions, and the UTC clock every table uses.

SQLite file ``var/hub.db`` by default, any SQLAlchemy URL otherwise (PostgreSQL in production).
The schema is created and upgraded by the Alembic migrations in ``migrations/`` next to this
module (they create every table, the store's and those a flow or the server owns); nothing
calls ``create_all``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from hub.core.errors import HubError

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_ID = 0x6875625F6D6967  # "hub_mig": one advisory lock id for the schema

metadata = MetaData()
"""The store's own tables (cursors, ledger, runs, dead letters, leases). A table that one flow or
the server owns keeps its own ``MetaData`` beside its code and reaches the database through
``Database.transaction``."""


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones), always read back as aware UTC.

    Raises ``ValueError`` when given a naive datetime: its zone would be a guess.
    """

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


class StoreUnreachable(HubError):
    """The state store's database cannot be reached or migrated."""


class Database:
    """One SQLAlchemy engine on the hub's database, with its migrations and transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration.

        Raises ``StoreUnreachable`` (one line, password hidden) when the database does not answer.
        """
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
        """One transaction on the hub's database, committed when the block ends.

        An outage is ``StoreUnreachable`` (one line naming the database), never a driver traceback.
        """
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as exc:
            # An outage, not a bug: one line naming the database, never a driver traceback.
            reason = " ".join(str(exc.orig).split())[:200]
            raise StoreUnreachable(f"database {_safe_url(self.url)} unreachable ({reason})") from None

    def ping(self) -> None:
        """Raise ``StoreUnreachable`` unless the database answers a trivial query."""
        with self.transaction() as c:
            c.execute(select(1))


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
