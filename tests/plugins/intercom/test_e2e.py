"""End to end: the plugin, through the plugin manager and Hub, against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from hub.core.errors import AuthError, FatalError
from hub.core.facade import gathered
from hub.core.models import AgentStatus, Ref, TicketDraft, TicketState, TicketType
from plugins.intercom.emulator import Workspace, build_seed, create_app, seed_catalog
from tests.plugins.intercom.conftest import ADMIN_ID, TOKEN, Recorder, running_hub

NOW = int(datetime.now(UTC).timestamp())


def ref(record_id: str) -> Ref:
    return Ref(platform="intercom", id=record_id)


async def test_contact_lookup_and_cs_assist_update(workspace: Workspace, recorder: Recorder) -> None:
    contact = next(c for c in workspace.contacts.values() if c["phone"])
    async with running_hub(recorder) as hub:
        by_email = await gathered(hub.helpdesk.find_contacts(email=contact["email"].upper(), phone=None))
        by_phone = await gathered(hub.helpdesk.find_contacts(email=None, phone=contact["phone"]))
        updated = await hub.helpdesk.update_contact(ref=by_email[0].ref,
            attributes={
                "order_count": 4,
                "lifetime_revenue": "120.50 USD",
                "last_purchase_date": "2025-01-02",
                "consent_email": True,
                "cs_synced_at": datetime(2025, 1, 2, tzinfo=UTC),
            },
        )
        again = await hub.helpdesk.get_contact(ref=by_email[0].ref)
    assert [c.id for c in by_email] == [contact["id"]] == [c.id for c in by_phone]
    stored = workspace.contacts[contact["id"]]["custom_attributes"]
    assert stored["cs_order_count"] == 4 and stored["cs_lifetime_revenue"] == "120.50 USD"
    assert stored["cs_synced_at"] == int(datetime(2025, 1, 2, tzinfo=UTC).timestamp())
    assert stored["cs_last_purchase_date"] == "2025-01-02" and stored["cs_consent_email"] is True
    assert updated.attributes["order_count"] == 4 == again.attributes["order_count"]
    assert again.attributes["consent_email"] is True and again.attributes["brand"]


async def test_unknown_custom_attribute_is_refused(workspace: Workspace, recorder: Recorder) -> None:
    contact_id = next(iter(workspace.contacts))
    async with running_hub(recorder) as hub:
        with pytest.raises(FatalError) as caught:
            await hub.helpdesk.update_contact(ref=ref(contact_id), attributes={"nope": "x"})
    assert caught.value.status == 400 and caught.value.field == "custom_attributes.nope"


async def test_conversations_since_cursor_are_exact_and_oldest_first(
    workspace: Workspace, recorder: Recorder
) -> None:
    since = datetime.fromtimestamp(NOW - 6 * 86_400 + 1234, tz=UTC)  # mid-day: day-level search is wider
    async with running_hub(recorder) as hub:
        pages = [page async for page in hub.helpdesk.list_conversations(since=since)]
    got = [c for page in pages for c in page]
    expected = {cid for cid, c in workspace.conversations.items() if c["updated_at"] >= since.timestamp()}
    assert {c.id for c in got} == expected and expected
    assert [c.updated_at for c in got] == sorted(c.updated_at for c in got)
    assert all(c.updated_at >= since for c in got)


async def test_find_and_create_conversation_then_note_and_tags(
    workspace: Workspace, recorder: Recorder
) -> None:
    contact_id = next(iter(workspace.contacts))
    async with running_hub(recorder) as hub:
        open_ones = await hub.helpdesk.find_conversations(contact=ref(contact_id), open_only=True)
        created = await hub.helpdesk.create_conversation(contact=ref(contact_id), body="Missed call")
        note = await hub.helpdesk.add_note(target=created.ref, body="Call attempt 1/2")
        await hub.helpdesk.add_tags(target=created.ref, tags=["call-log", "brand-new-tag"])
        notes = await hub.helpdesk.list_notes(target=created.ref)
        everything = await hub.helpdesk.find_conversations(contact=ref(contact_id), open_only=False
        )
    assert all(c.open for c in open_ones)
    assert everything[0].id == created.id  # most recently updated first
    stored = workspace.conversations[created.id]
    assert [p["part_type"] for p in stored["parts"]] == ["note"]
    assert stored["parts"][0]["author"]["id"] == ADMIN_ID and note.body == "Call attempt 1/2"
    assert [n.id for n in notes] == [note.id]
    assert {workspace.tags[t]["name"] for t in stored["tag_ids"]} == {"call-log", "brand-new-tag"}
    assert sum(1 for t in workspace.tags.values() if t["name"] == "call-log") == 1


async def test_ticket_lifecycle(workspace: Workspace, recorder: Recorder) -> None:
    contact_id = next(iter(workspace.contacts))
    conversation_id = next(
        c["id"] for c in workspace.conversations.values() if contact_id in c["contact_ids"]
    )
    draft = TicketDraft(
        platform="intercom",
        type=TicketType.REFUND,
        title="Refund order 1001",
        contact_id=contact_id,
        conversation_id=conversation_id,
        attributes={"order_id": "1001", "amount": Decimal("19.99")},
    )
    async with running_hub(recorder) as hub:
        ticket = await hub.helpdesk.create_ticket(draft=draft)
        moved = await hub.helpdesk.update_ticket(ref=ticket.ref,
            state=TicketState.IN_PROGRESS,
            attributes={"admin_reason": "damaged in transit"},
        )
        note = await hub.helpdesk.add_note(target=ticket.ref, body="Refunded 19.99 USD")
        notes = await hub.helpdesk.list_notes(target=ticket.ref)
        done = await hub.helpdesk.update_ticket(ref=ticket.ref, state=TicketState.RESOLVED, attributes=None
        )
    stored = workspace.tickets[ticket.id]
    assert ticket.type is TicketType.REFUND and ticket.state is TicketState.SUBMITTED
    assert ticket.attributes == {"order_id": "1001", "amount": Decimal("19.99")}
    assert ticket.linked_conversation_ids == (conversation_id,)
    assert moved.state is TicketState.IN_PROGRESS and moved.attributes["admin_reason"] == "damaged in transit"
    assert done.state is TicketState.RESOLVED and stored["open"] is False
    assert workspace.ticket_states[stored["state_id"]]["ticket_type_id"] == stored["type_id"]
    assert [n.id for n in notes] == [note.id] and notes[0].body == "Refunded 19.99 USD"
    assert stored["attributes"]["Amount"] == 19.99


async def test_list_tickets_by_type_and_since(workspace: Workspace, recorder: Recorder) -> None:
    since = datetime.fromtimestamp(NOW - 4 * 86_400, tz=UTC)
    async with running_hub(recorder) as hub:
        pages = [
            p
            async for p in hub.helpdesk.list_tickets(
                types=[TicketType.REFUND, TicketType.QUALITY], since=since
            )
        ]
    got = [t for page in pages for t in page]
    wanted_types = {workspace.ticket_type_by_name(n)["id"] for n in ("Refund", "Quality")}
    expected = {
        tid
        for tid, t in workspace.tickets.items()
        if t["type_id"] in wanted_types and t["updated_at"] >= since.timestamp()
    }
    assert {t.id for t in got} == expected and expected
    assert {t.type for t in got} <= {TicketType.REFUND, TicketType.QUALITY}
    assert [t.updated_at for t in got] == sorted(t.updated_at for t in got)


async def test_link_tracker_ticket_and_refusal_for_back_office(
    workspace: Workspace, recorder: Recorder
) -> None:
    tracker_type = workspace.ticket_type_by_name("Tracker")["id"]
    tracker = next(t for t in workspace.tickets.values() if t["type_id"] == tracker_type)
    refund = next(
        t for t in workspace.tickets.values() if t["type_id"] == workspace.ticket_type_by_name("Refund")["id"]
    )
    unlinked = next(
        cid
        for cid in workspace.conversations
        if ("conversation", cid) not in tracker["links"] + refund["links"]
    )
    async with running_hub(recorder) as hub:
        await hub.helpdesk.link_ticket(ticket=ref(tracker["id"]), conversation=ref(unlinked))
        await hub.helpdesk.link_ticket(ticket=ref(tracker["id"]), conversation=ref(unlinked))
        with pytest.raises(FatalError) as caught:
            await hub.helpdesk.link_ticket(ticket=ref(refund["id"]), conversation=ref(unlinked))
    assert tracker["links"].count(("conversation", unlinked)) == 1
    assert caught.value.code == "invalid_ticket_type"
    link_calls = [r for r in workspace.requests if r[1].endswith("/linked_conversations")]
    assert [status for _, _, status in link_calls] == [200, 400]  # the repeat was not sent


async def test_agents_and_away_reasons(workspace: Workspace, recorder: Recorder) -> None:
    async with running_hub(recorder) as hub:
        agents = await hub.helpdesk.list_agents()
        available = next(a for a in agents if a.status is AgentStatus.AVAILABLE and a.id != ADMIN_ID)
        away = await hub.helpdesk.set_agent_away(ref=available.ref, away=True, reason="in a meeting")
        back = await hub.helpdesk.set_agent_away(ref=available.ref, away=False, reason=None)
        with pytest.raises(FatalError, match="unknown away reason"):
            await hub.helpdesk.set_agent_away(ref=available.ref, away=True, reason="Training (retired)"
            )
    reasons = {a.reason for a in agents if a.status is AgentStatus.AWAY}
    assert reasons == {"Break/Lunch", "Coaching", "In a Meeting"}
    assert away.status is AgentStatus.AWAY and away.reason == "In a Meeting"
    assert (
        back.status is AgentStatus.AVAILABLE and workspace.admins[available.id]["away_mode_enabled"] is False
    )
    assert [e["topic"] for e in workspace.events] == ["admin.away_mode_updated"] * 2


async def test_bad_token_gives_auth_error(workspace: Workspace, recorder: Recorder) -> None:
    async with running_hub(recorder, access_token="wrong") as hub:
        with pytest.raises(AuthError) as caught:
            await hub.helpdesk.list_agents()
    assert caught.value.code == "unauthorized"
    assert "x-ratelimit-limit" not in recorder.exchanges[-1].headers


async def test_pagination_over_a_thousand_conversations() -> None:
    ws = Workspace(token=TOKEN)
    seed_catalog(ws)
    ws.add_admin("Hub", "hub@example.com")
    contact = ws.add_contact(email="bulk@example.com")
    for n in range(1_050):
        ws.add_conversation(
            contact["id"],
            "bulk",
            created_at=NOW - 86_400 * 3 - n,
            updated_at=NOW - 86_400 * 2 + (n * 37) % 5_000,
        )
    transport = httpx.ASGITransport(app=create_app(ws))
    async with running_hub(transport, page_size=100) as hub:
        pages = [p async for p in hub.helpdesk.list_conversations(since=None)]
    got = [c for page in pages for c in page]
    assert len(got) == 1_050 and len({c.id for c in got}) == 1_050
    assert all(len(p) <= 100 for p in pages) and len(pages) >= 11
    assert [c.updated_at for c in got] == sorted(c.updated_at for c in got)
    searches = [r for r in ws.requests if r[1] == "/conversations/search"]
    assert len(searches) == 11  # one search over the window: a page per 100 records, no more


async def test_rate_limited_run_finishes_without_refusals() -> None:
    ws = build_seed(
        seed=3, contacts_per_brand=2, workspace=Workspace(token=TOKEN, window_seconds=1.0, per_window=30)
    )
    contacts = list(ws.contacts.values())
    transport = httpx.ASGITransport(app=create_app(ws))
    async with running_hub(transport, requests_per_minute=1_800, window_seconds=1.0) as hub:
        for contact in contacts * 3:  # 42 look-ups + the updates: over two windows' worth
            found = await gathered(hub.helpdesk.find_contacts(email=contact["email"], phone=None))
            await hub.helpdesk.update_contact(ref=found[0].ref, attributes={"order_count": 1})
    assert ws.app_window.refused == 0
    assert all(status == 200 for _, _, status in ws.requests)
    assert len(ws.requests) == len(contacts) * 6
