"""Fixtures shared by every test folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.contracts.shopify import watch_shopify_requests

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers at 127.0.0.1:5432 ({exc.orig})")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def shopify_requests_follow_shopify_schema() -> Iterator[None]:
    """Every GraphQL document the hub's Shopify client sends in a test is one Shopify's own schema
    accepts (``tests/contracts/shopify.py``): a client that drifts fails the test that used it."""
    violations: list[str] = []
    undo = watch_shopify_requests(violations)
    try:
        yield
    finally:
        undo()
    assert not violations, "the Shopify client sent what Shopify would refuse:\n" + "\n".join(violations)


@pytest.fixture(autouse=True)
def secrets_registered_by_one_test_stay_with_it() -> Iterator[None]:
    # The redactor learns every secret a configuration names, for the life of the process. A
    # test whose "wrong token" is an everyday word would otherwise mask that word in every later
    # test's output ("Too many *** passwords").
    from hub.core import redact

    needles, names, patterns = list(redact._needles), set(redact._names), redact._PATTERNS
    yield
    with redact._lock:
        redact._needles[:] = needles
        redact._names.clear()
        redact._names.update(names)
        redact._PATTERNS = patterns


@pytest.fixture
def units_per_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """``back_office`` split into one unit per store, as it was before one search served every
    store: the views (CLI, console) of a run made of several units (no built-in flow has several)."""
    from hub.flows.back_office import BackOffice
    from hub.flows.base import store_scopes

    monkeypatch.setattr(BackOffice, "scopes", lambda self, config: store_scopes(config))
