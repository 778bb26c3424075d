"""Calls become notes on the right conversation; attempts numbered; strangers reported."""

from __future__ import annotations

from datetime import UTC, datetime


def company(sandbox):
    return next(iter(sandbox.state("aircall").companies.values()))


def add_call(
    sandbox, number: str | None, started: datetime, *, direction: str = "outbound", talk: int = 0
) -> dict:
    aircall = sandbox.state("aircall")
    agent = next(iter(company(sandbox).users))
    return aircall.add_call(
        company(sandbox),
        direction=direction,
        started_at=int(started.timestamp()),
        customer=number,
        user_id=agent,
        ring_seconds=20,
        talk_seconds=talk,
    )


def conversations_of(sandbox, contact: dict) -> list[dict]:
    ws = sandbox.state("intercom")
    return [c for c in ws.conversations.values() if contact["id"] in c["contact_ids"]]


def notes_mentioning(sandbox, text: str) -> list[tuple[str, str]]:
    ws = sandbox.state("intercom")
    return [(c["id"], note) for c in ws.conversations.values() for note in sandbox.notes(c) if text in note]


def a_person(sandbox, index: int = 1):
    return sandbox.world.people[index]


async def test_second_unanswered_outbound_attempt_is_numbered_and_tagged(sandbox):
    person = a_person(sandbox)
    day = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    first = add_call(sandbox, person.phone, day)
    second = add_call(sandbox, person.phone, day.replace(hour=17))
    await sandbox.run("call_log")

    ((conv_1, note_1),) = notes_mentioning(sandbox, f"[aircall call {first['id']}]")
    ((conv_2, note_2),) = notes_mentioning(sandbox, f"[aircall call {second['id']}]")
    assert "Outbound call attempt 1 of 2" in note_1
    assert "Outbound call attempt 2 of 2" in note_2
    assert conv_1 == conv_2
    conversation = sandbox.state("intercom").conversations[conv_2]
    assert person.email == sandbox.state("intercom").contacts[conversation["contact_ids"][0]]["email"]
    assert "No answer after 2 attempts" in sandbox.tag_names(conversation)


async def test_answered_attempt_is_not_tagged(sandbox):
    person = a_person(sandbox, 2)
    day = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    add_call(sandbox, person.phone, day)
    answered = add_call(sandbox, person.phone, day.replace(hour=16), talk=120)
    await sandbox.run("call_log")
    ((conv, note),) = notes_mentioning(sandbox, f"[aircall call {answered['id']}]")
    assert "attempt 2 of 2: answered" in note
    assert "No answer after 2 attempts" not in sandbox.tag_names(
        sandbox.state("intercom").conversations[conv]
    )


async def test_unknown_caller_is_reported_not_noted(sandbox):
    stranger = "+19175550177"
    call = add_call(sandbox, stranger, datetime(2026, 11, 22, 9, tzinfo=UTC), direction="inbound", talk=30)
    report = await sandbox.run("call_log")
    assert any(stranger in line and "no contact" in line for line in report.report)
    assert notes_mentioning(sandbox, f"[aircall call {call['id']}]") == []


async def test_every_call_gets_exactly_one_note_and_a_rerun_adds_none(sandbox):
    first = await sandbox.run("call_log")
    calls = company(sandbox).calls
    noted = {cid for cid in calls if notes_mentioning(sandbox, f"[aircall call {cid}]")}
    assert first.counts["notes"] == len(noted) > 0
    for cid in noted:
        assert len(notes_mentioning(sandbox, f"[aircall call {cid}]")) == 1
    again = await sandbox.run("call_log")
    assert again.counts.get("actions", 0) == 0
    assert {cid for cid in calls if notes_mentioning(sandbox, f"[aircall call {cid}]")} == noted


async def test_a_note_written_before_a_crash_is_found_not_written_again(sandbox):
    """The ledger says pending (crash after the platform call): the flow finds the note."""
    person = a_person(sandbox, 3)
    call = add_call(sandbox, person.phone, datetime(2026, 11, 23, 10, tzinfo=UTC), talk=60)
    await sandbox.run("call_log")
    key = f"call_log:note:aircall:{call['id']}"
    entry = sandbox.runtime.store.ledger.get(key)
    # Simulate the crash: forget the outcome and the cursor, as if the run died mid-page.
    from sqlalchemy import update

    from hub.store.cursors import cursors
    from hub.store.ledger import ledger

    with sandbox.runtime.store.engine.begin() as c:
        c.execute(update(ledger).where(ledger.c.key == key).values(status="pending", outcome=None))
        c.execute(cursors.delete())
    await sandbox.run("call_log")
    assert len(notes_mentioning(sandbox, f"[aircall call {call['id']}]")) == 1
    assert sandbox.runtime.store.ledger.get(key).outcome["note"] == entry.outcome["note"]


async def test_a_third_attempt_is_numbered_past_the_routine_not_three_of_two(sandbox):
    person = a_person(sandbox, 4)
    day = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    calls = [add_call(sandbox, person.phone, day.replace(hour=hour)) for hour in (9, 12, 16)]
    await sandbox.run("call_log")
    notes = [notes_mentioning(sandbox, f"[aircall call {call['id']}]")[0][1] for call in calls]
    assert "Outbound call attempt 1 of 2" in notes[0]
    assert "Outbound call attempt 2 of 2" in notes[1]
    assert "Outbound call attempt 3, past the 2-attempt routine: missed" in notes[2]
    assert not any("3 of 2" in note for note in notes)


async def test_the_no_answer_tag_is_configurable_and_names_the_attempts(sandbox):
    from hub.flows.call_log import CallLog, CallLogOptions

    assert CallLogOptions().tag == "No answer after 2 attempts"
    assert CallLogOptions(attempts=3).tag == "No answer after 3 attempts"
    person = a_person(sandbox, 5)
    day = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    calls = [add_call(sandbox, person.phone, day.replace(hour=hour)) for hour in (9, 10, 11)]
    flow = CallLog(CallLogOptions(attempts=3, no_answer_tag="Unreachable ({attempts} tries)"))
    ctx = sandbox.context("call_log")
    for call in calls:
        await flow.log_call(ctx, await _listed(sandbox, call))
    (conv, note), *_ = notes_mentioning(sandbox, f"[aircall call {calls[2]['id']}]")
    assert "Outbound call attempt 3 of 3" in note
    assert "Unreachable (3 tries)" in sandbox.tag_names(sandbox.state("intercom").conversations[conv])


async def _listed(sandbox, raw: dict):
    """The call as the hub reads it from the phone system now."""
    async for page in sandbox.hub.telephony.list_calls(since=None):
        for call in page:
            if not isinstance(call, Exception) and call.id == str(raw["id"]):
                return call
    raise AssertionError(f"call {raw['id']} not listed")


async def test_comments_typed_on_the_call_reach_its_note(sandbox):
    person = a_person(sandbox, 6)
    call = add_call(sandbox, person.phone, datetime(2026, 11, 26, 10, tzinfo=UTC), talk=75)
    agent_id = next(iter(company(sandbox).users))
    agent = company(sandbox).users[agent_id]
    sandbox.state("aircall").add_comment(company(sandbox), call["id"], "Wants the refund by Friday", agent_id)
    sandbox.state("aircall").add_comment(company(sandbox), call["id"], "   ")  # blank: nothing to say
    await sandbox.run("call_log")
    ((_, note),) = notes_mentioning(sandbox, f"[aircall call {call['id']}]")
    assert f"Comments:\n- {agent['name']}: Wants the refund by Friday" in note
    assert notes_mentioning(sandbox, f"[aircall call {call['id']} comment") == []


async def test_a_comment_typed_after_the_note_gets_one_note_of_its_own(sandbox):
    from hub.flows.call_log import CallLog

    person = a_person(sandbox, 7)
    call = add_call(sandbox, person.phone, datetime(2026, 11, 27, 10, tzinfo=UTC), talk=75)
    await sandbox.run("call_log")
    comment = sandbox.state("aircall").add_comment(company(sandbox), call["id"], "Called back: resolved")
    flow = sandbox.runtime.flow("call_log")
    assert isinstance(flow, CallLog)
    for _ in range(2):  # the call.commented event, then a retry of it: one note
        await flow.log_call(sandbox.context("call_log"), await _listed(sandbox, call))
    marker = f"[aircall call {call['id']} comment {comment['id']}]"
    ((conv, note),) = notes_mentioning(sandbox, marker)
    assert "Called back: resolved" in note
    ((main_conv, main),) = notes_mentioning(sandbox, f"[aircall call {call['id']}]")
    assert conv == main_conv and "Comments:" not in main


# ------------------------------------------------------------------ the conversation and its marker check


def intercom_requests(sandbox) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _ in sandbox.state("intercom").requests]


def after_every_call(sandbox, minutes: int = 1) -> datetime:
    """A moment after every call there is (a later run's cursor has not passed it)."""
    latest = max(c["started_at"] for c in company(sandbox).calls.values())
    return datetime.fromtimestamp(max(latest, sandbox.state("aircall").now()) + 60 * minutes, UTC)


def on_a_new_database(sandbox, tmp_path):
    """The same hub and platforms, a new (empty) state database: a restore gone wrong, a new host."""
    from hub.engine import Runtime

    config = sandbox.sandbox.config(database_url=f"sqlite:///{tmp_path / 'new.db'}")
    return Runtime.from_config(sandbox.runtime.pm, config, transports=sandbox.runtime.transports)


async def test_a_wiped_state_database_writes_no_second_note(sandbox, tmp_path):
    from hub.engine import run_flow

    person = a_person(sandbox, 8)
    call = add_call(sandbox, person.phone, datetime(2026, 11, 28, 10, tzinfo=UTC), talk=60)
    first = await sandbox.run("call_log")
    noted = {cid for cid in company(sandbox).calls if notes_mentioning(sandbox, f"[aircall call {cid}]")}
    assert first.counts["notes"] == len(noted) and call["id"] in noted
    fresh = on_a_new_database(sandbox, tmp_path)
    try:
        again = await run_flow(fresh, "call_log", hub=sandbox.hub)  # every call read again, no ledger
    finally:
        fresh.store.dispose()
    assert again.status == "ok" and again.counts.get("notes", 0) == 0
    for cid in noted:  # each note found by its marker on the conversation, none written twice
        assert len(notes_mentioning(sandbox, f"[aircall call {cid}]")) == 1


async def test_a_known_contacts_conversation_is_read_once_with_its_notes(sandbox):
    person = a_person(sandbox, 9)
    add_call(sandbox, person.phone, after_every_call(sandbox), talk=60)
    await sandbox.run("call_log")
    sandbox.state("intercom").requests.clear()
    later = add_call(sandbox, person.phone, after_every_call(sandbox), direction="inbound", talk=30)
    await sandbox.run("call_log")
    ((conversation, _),) = notes_mentioning(sandbox, f"[aircall call {later['id']}]")
    # Find the contact, read its conversation (open, theirs, its notes: the marker check), write.
    assert intercom_requests(sandbox) == [
        ("POST", "/contacts/search"),
        ("GET", f"/conversations/{conversation}"),
        ("POST", f"/conversations/{conversation}/reply"),
    ]


async def test_a_closed_conversation_is_not_noted_again(sandbox):
    person = a_person(sandbox, 10)
    first = add_call(sandbox, person.phone, after_every_call(sandbox), talk=60)
    await sandbox.run("call_log")
    ((closed, _),) = notes_mentioning(sandbox, f"[aircall call {first['id']}]")
    ws = sandbox.state("intercom")
    ws.conversations[closed].update(open=False, state="closed")
    later = add_call(sandbox, person.phone, after_every_call(sandbox), direction="inbound", talk=30)
    await sandbox.run("call_log")
    ((conversation, _),) = notes_mentioning(sandbox, f"[aircall call {later['id']}]")
    assert conversation != closed and ws.conversations[conversation]["open"]
    contact_id = ws.conversations[closed]["contact_ids"][0]
    assert contact_id in ws.conversations[conversation]["contact_ids"]


async def test_a_database_that_knows_the_conversation_but_lost_the_note_finds_the_marker(sandbox):
    """A restored database: it remembers the conversation, not the note written after the backup."""
    from hub.store.cursors import cursors
    from hub.store.ledger import ledger

    person = a_person(sandbox, 11)
    call = add_call(sandbox, person.phone, datetime(2026, 12, 1, 10, tzinfo=UTC), talk=60)
    await sandbox.run("call_log")
    with sandbox.runtime.store.engine.begin() as c:
        c.execute(ledger.delete().where(ledger.c.key == f"call_log:note:aircall:{call['id']}"))
        c.execute(cursors.delete())
    again = await sandbox.run("call_log")
    assert again.counts.get("notes", 0) == 0
    assert len(notes_mentioning(sandbox, f"[aircall call {call['id']}]")) == 1


async def test_a_recovered_note_is_looked_for_in_notes_read_again() -> None:
    """A dead holder may have written after the conversation was read: recovery reads anew."""
    from types import SimpleNamespace

    from hub.core.models import Note, Ref
    from hub.flows.base import NotesAsRead

    ref = Ref(platform="intercom", id="1", kind="conversation")
    late = Note(platform="intercom", id="n2", parent=ref, body="Inbound call\n[aircall call 7]")
    asked: list[Ref] = []

    async def list_notes(target: Ref) -> list[Note]:
        asked.append(target)
        return [late]

    ctx = SimpleNamespace(hub=SimpleNamespace(helpdesk=SimpleNamespace(list_notes=list_notes)))
    thread = NotesAsRead(ref, notes=())  # read before the dead holder's note

    def written(notes):
        return {"note": notes[0].id} if any("[aircall call 7]" in n.body for n in notes) else None

    assert await thread.look(ctx, written) is None and asked == []  # a new entry: the read suffices
    assert await thread.look(ctx, written, fresh=True) == {"note": "n2"} and asked == [ref]
    assert await NotesAsRead(ref).look(ctx, written) == {"note": "n2"}  # notes never read: asked for


async def test_a_restored_database_remembering_an_older_conversation_writes_no_second_note(sandbox):
    """A restored database remembers the conversation of its backup (C1), not the one later
    calls' notes went on (C2). C1 was closed, the next call opened C2 (remembered), the
    customer's reply reopened C1, then a third call was noted on C2. After a restore from before
    the second call, both calls are read again. The remembered C1 is open and theirs, but it
    changed (closed, reopened) after the note the row remembers, so the hint is not trusted: the
    search for their most recently updated open conversation finds C2 and the markers. (When the
    row was trusted alone, both calls were noted a second time on C1.)"""
    from sqlalchemy import delete, insert, select

    from hub.flows.call_threads import call_threads
    from hub.store.cursors import cursors
    from hub.store.ledger import ledger

    person = a_person(sandbox, 12)
    ws = sandbox.state("intercom")
    first = add_call(sandbox, person.phone, after_every_call(sandbox), talk=60)
    await sandbox.run("call_log")
    ((c1, _),) = notes_mentioning(sandbox, f"[aircall call {first['id']}]")
    with sandbox.runtime.store.engine.begin() as c:  # the backup
        backup = [dict(row._mapping) for row in c.execute(select(call_threads))]
    # The helpdesk's clock moves on between the events; closing and reopening a conversation
    # changes its updated_at, as on Intercom.
    start = ws.now()
    ws.clock = lambda: start + 100
    ws.conversations[c1].update(open=False, state="closed", updated_at=ws.now())
    second = add_call(sandbox, person.phone, after_every_call(sandbox), direction="inbound", talk=30)
    await sandbox.run("call_log")  # C1 closed: a new conversation, remembered
    ws.clock = lambda: start + 200
    ws.conversations[c1].update(open=True, state="open", updated_at=ws.now())  # the customer replied
    ws.clock = lambda: start + 300
    third = add_call(sandbox, person.phone, after_every_call(sandbox), direction="inbound", talk=45)
    await sandbox.run("call_log")
    ((c2, _),) = notes_mentioning(sandbox, f"[aircall call {third['id']}]")
    assert c2 != c1
    with sandbox.runtime.store.engine.begin() as c:  # restored: what the backup held
        for lost in (second, third):
            c.execute(ledger.delete().where(ledger.c.key.like(f"call_log:%:aircall:{lost['id']}%")))
        c.execute(cursors.delete())
        c.execute(delete(call_threads))
        c.execute(insert(call_threads), backup)
    ws.clock = lambda: start + 400
    await sandbox.run("call_log")
    for lost in (second, third):
        where = [conv for conv, _ in notes_mentioning(sandbox, f"[aircall call {lost['id']}]")]
        assert where == [c2], (lost["id"], where, c1)
