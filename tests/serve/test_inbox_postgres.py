"""On PostgreSQL, one delivery the database refuses never takes others down with it.

The example of issue 14 item 5: one delivery whose id held a NUL byte (PostgreSQL text cannot
hold one) was group-committed with 90 valid ones, and 88 of them failed and went unstored. The
edge now refuses such an id with 400, and the inbox's batch write falls back to one
transaction per delivery, so a row the database refuses fails only its own request.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hub.core.webhooks import WebhookAction, WebhookEvent
from hub.serve.inbox import Inbox
from hub.store import Store
from tests.serve.conftest import serving


def ping(delivery: str) -> WebhookEvent:
    return WebhookEvent(platform="intercom", delivery_id=delivery, topic="ping", action=WebhookAction.IGNORED)


def test_a_row_postgresql_refuses_fails_alone_in_a_batch(pg_url: str) -> None:
    store = Store(pg_url)
    store.migrate()
    inbox = Inbox(store)
    # Built without validation, as a plugin that skipped the edge's checks would hand it over.
    poisoned = WebhookEvent.model_construct(
        platform="intercom", delivery_id="notif\x00nul", topic="ping", action=WebhookAction.IGNORED
    )
    batch = [ping(f"notif_{n}") for n in range(45)] + [poisoned] + [ping(f"notif_{n}") for n in range(45, 90)]
    outcome = inbox.add_many(batch)
    assert outcome[:45] == [True] * 45 and outcome[46:] == [True] * 45
    assert isinstance(outcome[45], Exception)
    assert sorted(row.delivery_id for row in inbox.rows()) == sorted(f"notif_{n}" for n in range(90))
    assert inbox.add_many(batch[:3]) == [False, False, False]  # stored once, even after a fallback
    store.dispose()


async def test_a_nul_byte_id_is_400_and_the_90_deliveries_beside_it_are_stored(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(monkeypatch, pg_url) as served:
        created_at = int(datetime.now(UTC).timestamp())

        def notification(delivery: str) -> dict:
            return {"type": "notification_event", "id": delivery, "topic": "ping", "created_at": created_at}

        deliveries = [notification(f"notif_{n}") for n in range(90)]
        deliveries.insert(45, notification("notif_\x00_poison"))
        answers = await asyncio.gather(*(served.intercom(d) for d in deliveries))
        statuses = [answer.status_code for answer in answers]
        assert statuses.pop(45) == 400
        assert statuses == [200] * 90
        assert len(served.server.inbox.rows("intercom")) == 90
