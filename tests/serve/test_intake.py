"""Webhook intake under load: group commit, durability before the ack, and the worker's own thread.

Deliveries arriving together share one commit, but each is on disk before its acknowledgement:
when the commit does not happen there is no ack (the platform retries), and a delivery committed
by a process that died before acking is found again by the retry, not stored twice. Every
delivery is acted on exactly once, whether the worker runs on its own thread or is drained here.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hub.core.manager import get_plugin_manager
from hub.engine import Runtime
from hub.sandbox import Sandbox
from hub.serve.app import ServeOptions, create_app
from hub.serve.inbox import Inbox, InboxStatus
from tests.serve.conftest import MAX_BODY, Served, set_secrets
from tests.serve.test_webhooks import add_call, notes_with


def calls(served: Served, count: int) -> list[dict[str, Any]]:
    people = [p for p in served.sandbox.world.people if p.phone]
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        add_call(served, people[n % len(people)].phone, start + timedelta(seconds=n)) for n in range(count)
    ]


def one_note_per_call(served: Served, made: list[dict[str, Any]]) -> None:
    for call in made:
        assert len(notes_with(served, f"[aircall call {call['id']}]")) == 1, call["id"]
    entries = [e for e in served.runtime.store.ledger.entries(flow="call_log") if e.action == "add_note"]
    assert len(entries) == len({e.key for e in entries})


async def test_deliveries_arriving_together_share_commits_and_are_each_acted_on_once(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = calls(served, 30)
    payloads = [served.aircall_payload(call) for call in made]
    commits: list[int] = []
    add_many = Inbox.add_many

    def counted(self: Inbox, events: list[Any]) -> list[bool | Exception]:
        commits.append(len(events))
        return add_many(self, events)

    monkeypatch.setattr(Inbox, "add_many", counted)
    sent = payloads + payloads[:10]  # ten platform retries among them
    answers = await asyncio.gather(*(served.aircall(p) for p in sent))
    assert [a.status_code for a in answers] == [200] * len(sent)
    results = [a.json()["result"] for a in answers]
    assert results.count("stored") == 30 and results.count("duplicate") == 10
    assert sum(commits) == len(sent) and len(commits) < len(sent)  # grouped, every one written
    await served.server.worker.drain()
    rows = served.server.inbox.rows("aircall")
    assert len(rows) == 30 and {(r.status, r.attempts) for r in rows} == {(InboxStatus.DONE, 1)}
    one_note_per_call(served, made)


async def test_no_ack_before_the_commit_and_none_when_the_commit_fails(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    (call,) = calls(served, 1)
    payload = served.aircall_payload(call)
    release, reached = threading.Event(), threading.Event()
    add_many = Inbox.add_many

    def held(self: Inbox, events: list[Any]) -> list[bool | Exception]:
        reached.set()
        release.wait(10)
        return add_many(self, events)

    monkeypatch.setattr(Inbox, "add_many", held)
    request = asyncio.create_task(served.aircall(payload))
    await asyncio.to_thread(reached.wait, 10)
    await asyncio.sleep(0.05)
    assert not request.done()  # the commit is under way: no acknowledgement yet
    release.set()
    assert (await request).status_code == 200
    assert len(served.server.inbox.rows("aircall")) == 1

    # The process dies (or the disk fails) before the commit: the platform gets no ack, and
    # its retry is stored then, and acted on once.
    (second,) = calls(served, 1)
    retry = served.aircall_payload(second)

    def dies(self: Inbox, events: list[Any]) -> list[bool | Exception]:
        raise OSError("disk I/O error before the commit")

    monkeypatch.setattr(Inbox, "add_many", dies)
    refused = await served.aircall(retry)
    assert refused.status_code == 503
    assert len(served.server.inbox.rows("aircall")) == 1
    monkeypatch.setattr(Inbox, "add_many", add_many)
    assert (await served.aircall(retry)).json()["result"] == "stored"
    await served.server.worker.drain()
    one_note_per_call(served, [call, second])


async def test_a_delivery_committed_by_a_server_that_died_before_acking_is_not_lost_or_doubled(
    served: Served,
) -> None:
    (call,) = calls(served, 1)
    payload = served.aircall_payload(call)
    # The dead server's last act: the delivery is committed, the ack never left.
    event = await served.server.hub.serving.webhook("aircall", {}, json.dumps(payload).encode())
    assert served.server.inbox.add_many([event]) == [True]
    retry = await served.aircall(payload)  # the platform saw no ack: it sends it again
    assert retry.status_code == 200 and retry.json()["result"] == "duplicate"
    await served.server.worker.drain()
    (row,) = served.server.inbox.rows("aircall")
    assert (row.status, row.attempts) == (InboxStatus.DONE, 1)
    one_note_per_call(served, [call])


async def test_the_worker_on_its_own_thread_acts_on_every_delivery_once(tmp_path, monkeypatch) -> None:
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=6)
    built.build()
    set_secrets(monkeypatch, [s["brand"] for s in built.apps["shopify"].settings["stores"].values()])
    config = built.config(database_url=f"sqlite:///{tmp_path / 'hub.db'}")
    runtime = Runtime.from_config(pm, config, transports=built.transports())
    app = create_app(runtime, ServeOptions(max_body_bytes=MAX_BODY, poll_seconds=0.05, quiet_seconds=0.01))
    async with app.router.lifespan_context(app):
        state = app.state.hub_server
        assert state.worker.alive
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            served = Served(built, runtime, client, state)
            made = calls(served, 12)
            payloads = [served.aircall_payload(call) for call in made]
            answers = await asyncio.gather(*(served.aircall(p) for p in payloads + payloads[:4]))
            assert {a.status_code for a in answers} == {200}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                rows = state.inbox.rows("aircall")
                if len(rows) == 12 and all(r.status is InboxStatus.DONE for r in rows):
                    break
                await asyncio.sleep(0.05)
            assert {(r.status, r.attempts) for r in state.inbox.rows("aircall")} == {(InboxStatus.DONE, 1)}
            one_note_per_call(served, made)
    assert not state.worker.alive  # stopped with the server
    runtime.store.dispose()
