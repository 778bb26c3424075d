"""``hub dead-letters``: each kind of letter goes back through the step that parked it.

A letter that fails again stays parked with the new reason; one that goes through is dropped;
a retry of something done already does nothing twice (the ledger); ``--config`` is taken
before or after the sub-command; ``--json`` is one document.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from hub.cli import app
from hub.core.models import Call
from hub.engine import Runtime, run_flow
from hub.engine.dead_letters import retry_letter
from hub.flows.call_log import call_marker
from hub.serve.inbox import InboxStatus
from hub.store import DeadLetter, Store
from tests.cli.conftest import Hub, column, gated_server
from tests.reliability.test_bad_records_parked import Breaker, BreakingTransport


def contact_search(request: httpx.Request) -> bool:
    return request.url.path.endswith("/contacts/search")


def notes_about(hub: Hub, call: Call) -> int:
    """How many notes on the helpdesk name ``call``."""
    marker = call_marker(call)
    conversations = hub.state("intercom").conversations.values()
    return sum(marker in (part.get("body") or "") for c in conversations for part in c["parts"])


def test_a_call_log_letter_fails_again_with_the_new_reason_then_goes_through_once(hub_cli: Hub) -> None:
    search = hub_cli.gates["intercom"]
    search.close_on(contact_search, 403, "search is off")
    runtime = hub_cli.runtime()
    assert asyncio.run(run_flow(runtime, "call_log")).status == "ok"
    letters = runtime.store.dead_letters.entries("call_log")
    assert letters and all("search is off" in d.reason for d in letters)
    known = {p.phone for p in hub_cli.sandbox.world.people}
    letter = next(d for d in letters if Call.model_validate(d.payload).customer_number in known)
    call = Call.model_validate(letter.payload)

    search.close_on(contact_search, 403, "search is still off")
    again = hub_cli.invoke("dead-letters", "retry", str(letter.id), "--config", str(hub_cli.config))
    assert again.exit_code == 1, again.output
    assert f"{letter.id} failed again" in again.stderr and "search is still off" in again.stderr
    (now,) = [d for d in runtime.store.dead_letters.entries("call_log") if d.id == letter.id]
    assert "search is still off" in now.reason and now.retries == 1  # the new reason, not the old

    search.open()
    done = hub_cli.invoke("dead-letters", "retry", str(letter.id), "--config", str(hub_cli.config))
    assert done.exit_code == 0, done.output
    assert f"{letter.id} went through and was dropped" in done.stdout
    assert letter.id not in {d.id for d in runtime.store.dead_letters.entries()}
    assert notes_about(hub_cli, call) == 1

    # The same record parked again (a stale copy): its retry finds the ledger entry, writes nothing.
    copy = runtime.store.dead_letters.add("call_log", letter.record, letter.payload, "stale copy")
    twice = hub_cli.invoke("dead-letters", "retry", str(copy), "--config", str(hub_cli.config))
    assert twice.exit_code == 0, twice.output
    assert notes_about(hub_cli, call) == 1
    runtime.store.dispose()


def test_a_letter_of_a_flow_that_is_not_there_or_an_unknown_id_is_one_line(hub_cli: Hub) -> None:
    runtime = hub_cli.runtime()
    runtime.store.dead_letters.add("call_log", "call:aircall:1", {"id": "1"}, "why")
    missing = hub_cli.invoke("dead-letters", "retry", "999", "--config", str(hub_cli.config))
    assert missing.exit_code == 2
    assert missing.stderr.strip().splitlines() == ["error: no dead letter 999 (there are: 1)"]
    dropped = hub_cli.invoke("dead-letters", "drop", "999")
    assert dropped.exit_code == 2 and "no dead letter 999" in dropped.stderr
    runtime.store.dispose()


def plain_config(tmp_path: Path) -> tuple[Path, Store]:
    """A config file naming a fresh database (no platform), and that database."""
    database = tmp_path / "letters.db"
    config = tmp_path / "letters.toml"
    config.write_text(f'[hub]\ndatabase_url = "sqlite:///{database}"\n')
    store = Store(f"sqlite:///{database}")
    store.migrate()
    return config, store


@pytest.mark.parametrize(
    "where",
    [
        ["dead-letters", "retry", "{id}", "--config", "{config}"],
        ["dead-letters", "--config", "{config}", "retry", "{id}"],
        ["--config", "{config}", "dead-letters", "retry", "{id}"],
        ["-c", "{config}", "dead-letters", "retry", "{id}"],
    ],
    ids=["after", "on the group", "before", "short, before"],
)
def test_config_is_taken_before_or_after_the_sub_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: list[str]
) -> None:
    """An unreadable webhook delivery's letter (flow ``webhooks``): no "No such option", no
    "unknown flow" and no traceback; one line saying why it cannot be retried, exit code 1."""
    monkeypatch.chdir(tmp_path)  # no config/hub.toml here: only the --config given can be read
    config, store = plain_config(tmp_path)
    letter = store.dead_letters.add("webhooks", "webhook:intercom:notif_9", {"reason": "no id"}, "no id")
    args = [part.format(id=letter, config=config) for part in where]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [
        f"{letter} cannot be retried: intercom sent a body the hub could not read (no id); its next "
        "delivery about that record, or the flow's next run, reads it again"
    ]
    assert "Traceback" not in result.output
    dropped = CliRunner().invoke(app, ["dead-letters", "drop", str(letter), "--config", str(config)])
    assert dropped.exit_code == 0 and dropped.stdout == f"dropped {letter}\n"
    store.dispose()


def test_the_listing_fits_80_columns_and_json_is_one_document(tmp_path: Path) -> None:
    config, store = plain_config(tmp_path)
    reason = "intercom 403 [refused]: POST /contacts/search: " + "a long reason " * 12
    store.dead_letters.add("cs_assist", "contact:intercom:6650a1b2c3d4e5f600000001", {"x": 1}, reason)
    store.dead_letters.add("call_log", "call:aircall:1063", {"api_token": "tok-secret-1"}, "short")
    listed = CliRunner().invoke(app, ["dead-letters", "--config", str(config)], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    assert max(map(len, listed.stdout.splitlines())) <= 80
    assert "contact:intercom:6650a1b2c3d4e5f600000001cs_assist" in column(listed.stdout, 1)  # folded, whole

    as_json = CliRunner().invoke(app, ["dead-letters", "--json", "--config", str(config)])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["schema"] == "hub.dead-letters/1"
    first, second = document["dead_letters"]
    assert first["kind"] == "contact" and first["platform"] == "intercom" and first["flow"] == "cs_assist"
    assert first["reason"] == reason and first["retries"] == 0
    assert datetime.fromisoformat(first["created_at"].replace("Z", "+00:00")).tzinfo is not None
    assert second["record_id"] == "1063" and "payload" not in second
    assert "tok-secret-1" not in as_json.stdout
    unknown = CliRunner().invoke(app, ["dead-letters", "--flow", "nosuch", "--config", str(config)])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: unknown flow 'nosuch' (known: agent_status, back_office, ")
    store.dispose()


async def test_a_webhook_letter_goes_back_through_the_processor_that_parked_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with gated_server(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}") as (served, gates):
        brand = next(iter(served.sandbox.apps["shopify"].settings["stores"].values()))["brand"]
        person = served.sandbox.world.people[0]
        gates["intercom"].close_on(contact_search, 403, "search is off")
        order = {"id": 1, "email": person.email, "updated_at": datetime.now(UTC).isoformat()}
        sent = await served.shopify("orders/updated", order, brand=brand, delivery="wh-retry")
        assert sent.status_code == 200, sent.text
        await served.server.worker.drain()
        store = served.runtime.store
        (letter,) = store.dead_letters.entries()
        assert (letter.flow, letter.record) == ("cs_assist", "webhook:shopify:wh-retry")
        assert "search is off" in letter.reason

        gates["intercom"].close_on(contact_search, 403, "search is still off")
        async with served.runtime.session() as hub:
            again = await retry_letter(served.runtime, hub, letter)
        assert not again.done and "search is still off" in (again.reason or "")
        (kept,) = store.dead_letters.entries()
        assert kept.id == letter.id and kept.retries == 1 and "search is still off" in kept.reason

        gates["intercom"].open()
        async with served.runtime.session() as hub:
            done = await retry_letter(served.runtime, hub, kept)
        assert done.done, done.reason
        (row,) = served.server.inbox.rows("shopify")
        assert row.status is InboxStatus.DONE
        contact = next(c for c in served.state("intercom").contacts.values() if c["email"] == person.email)
        assert contact["custom_attributes"].get("cs_order_count") is not None  # the summary was written


# --------------------------------------------------------------------------- every other kind


def broken(hub: Hub, platform: str, breaker: Breaker) -> Breaker:
    """``breaker`` spoiling ``platform``'s answers, behind its gate (``mended`` undoes it)."""
    gate = hub.gates[platform]
    gate.inner = BreakingTransport(gate.inner, breaker)
    return breaker


def mended(breaker: Breaker) -> None:
    breaker.path = "\0nowhere"  # no answer's path holds it any more


def retry(hub: Hub, letter_id: int) -> Result:
    return hub.invoke("dead-letters", "retry", str(letter_id), "--config", str(hub.config))


def only(runtime: Runtime, flow: str) -> DeadLetter:
    (letter,) = runtime.store.dead_letters.entries(flow)
    return letter


def test_an_unreadable_agent_is_read_again_and_aligned_once_it_reads(hub_cli: Hub) -> None:
    breaker = broken(hub_cli, "aircall", Breaker("/users", "availability_status", "sideways"))
    runtime = hub_cli.runtime()
    assert asyncio.run(run_flow(runtime, "agent_status")).status == "ok"
    letter = only(runtime, "agent_status")
    assert letter.record == f"user:aircall:{breaker.target}"

    again = retry(hub_cli, letter.id)
    assert again.exit_code == 1 and "failed again" in again.stderr and "sideways" in again.stderr
    assert only(runtime, "agent_status").retries == 1
    mended(breaker)
    done = retry(hub_cli, letter.id)
    assert done.exit_code == 0, done.output
    assert runtime.store.dead_letters.entries() == []
    runtime.store.dispose()


def test_an_unreadable_conversation_is_read_again_and_its_contacts_summarised(hub_cli: Hub) -> None:
    breaker = broken(hub_cli, "intercom", Breaker("/conversations", "contacts", 12345))
    runtime = hub_cli.runtime()
    assert asyncio.run(run_flow(runtime, "cs_assist")).status == "ok"
    letter = only(runtime, "cs_assist")
    assert letter.record == f"conversation:intercom:{breaker.target}"

    again = retry(hub_cli, letter.id)
    assert again.exit_code == 1 and "failed again" in again.stderr and "contacts" in again.stderr
    mended(breaker)
    done = retry(hub_cli, letter.id)
    assert done.exit_code == 0, done.output
    assert runtime.store.dead_letters.entries() == []
    contact_ids = hub_cli.state("intercom").conversations[breaker.target]["contact_ids"]
    assert contact_ids
    for contact_id in contact_ids:
        assert (
            hub_cli.state("intercom").contacts[contact_id]["custom_attributes"].get("cs_order_count")
            is not None
        )
    runtime.store.dispose()


def test_a_contact_cs_assist_could_not_refresh_goes_through_once_the_platform_answers(hub_cli: Hub) -> None:
    contacts = hub_cli.gates["intercom"]
    contacts.close_on(lambda r: r.method == "GET" and "/contacts/" in r.url.path, 403, "contacts are off")
    runtime = hub_cli.runtime()
    assert asyncio.run(run_flow(runtime, "cs_assist")).status == "ok"
    letter = runtime.store.dead_letters.entries("cs_assist")[0]
    assert letter.record.startswith("contact:intercom:") and "contacts are off" in letter.reason

    contacts.close_on(lambda r: r.method == "GET" and "/contacts/" in r.url.path, 403, "still off")
    again = retry(hub_cli, letter.id)
    assert again.exit_code == 1 and "still off" in again.stderr
    contacts.open()
    assert retry(hub_cli, letter.id).exit_code == 0
    runtime.store.dispose()


def test_a_tracker_that_could_not_be_counted_is_counted_and_written(hub_cli: Hub) -> None:
    gate = hub_cli.gates["intercom"]
    gate.close_on(
        lambda r: r.method == "GET" and "/conversations/" in r.url.path, 403, "conversations are off"
    )
    runtime = hub_cli.runtime()
    assert asyncio.run(run_flow(runtime, "tracker_report")).status == "ok"
    letters = runtime.store.dead_letters.entries("tracker_report")
    assert letters and all(d.record.startswith("tracker:intercom:") for d in letters)
    gate.open()
    for letter in letters:
        done = retry(hub_cli, letter.id)
        assert done.exit_code == 0, done.output
    tickets = hub_cli.state("intercom").tickets
    for letter in letters:
        ticket = tickets[letter.record.rsplit(":", 1)[1]]
        assert int(ticket["attributes"]["Tracker Count"]) > 0  # counted, not the 0 of a failed count
    runtime.store.dispose()


@pytest.mark.parametrize(
    ("platform", "flow", "breaker", "kind"),
    [
        ("aircall", "call_log", Breaker("/calls", "direction", "sideways"), "call"),
        (
            "intercom",
            "back_office",
            Breaker("/tickets/search", "ticket_state", {"category": "sideways"}),
            "ticket",
        ),
    ],
    ids=["call", "back-office ticket"],
)
def test_a_record_the_platform_cannot_give_back_alone_is_refused_with_what_to_do(
    hub_cli: Hub, platform: str, flow: str, breaker: Breaker, kind: str
) -> None:
    broken(hub_cli, platform, breaker)
    runtime = hub_cli.runtime()
    assert asyncio.run(run_flow(runtime, flow)).status == "ok"
    letter = only(runtime, flow)
    assert letter.record == f"{kind}:{platform}:{breaker.target}"
    refused = retry(hub_cli, letter.id)
    assert refused.exit_code == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(
        f"{letter.id} cannot be retried: {platform} sent it in a shape the hub cannot read"
    )
    assert f"mend it on {platform}" in line
    assert only(runtime, flow).retries == letter.retries  # untouched: nothing was tried
    runtime.store.dispose()


def test_a_retry_never_runs_beside_a_run_of_its_flow_and_an_unknown_flow_is_named(hub_cli: Hub) -> None:
    from datetime import timedelta

    from hub.engine import Unit

    runtime = hub_cli.runtime()
    letter = runtime.store.dead_letters.add("agent_status", "user:aircall:1", {"id": 1}, "old reason")
    runtime.store.leases.take(Unit("agent_status").lease, "other-host:1", timedelta(minutes=5))
    busy = retry(hub_cli, letter)
    assert busy.exit_code == 1
    assert busy.stderr.strip() == (
        f"{letter} not retried: a run of agent_status holds its lease; "
        "retry when it has finished (hub status)"
    )
    assert only(runtime, "agent_status").reason == "old reason"  # nothing was tried

    off = runtime.store.dead_letters.add("nosuch_flow", "x:y:1", {}, "why")
    unknown = retry(hub_cli, off)
    assert unknown.exit_code == 2 and "unknown flow (known: agent_status, back_office" in unknown.stderr
    runtime.store.dispose()
