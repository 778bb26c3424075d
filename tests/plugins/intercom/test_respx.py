"""Every hook against mocked HTTP (respx): request shape, mapping, pagination, retries, errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from hub.core import hookspecs
from hub.core.errors import AuthError, CapabilityMissing, FatalError, MappingError, NotFoundError
from hub.core.facade import gathered
from hub.core.manager import get_plugin_manager, implemented_hooks, plugin_infos
from hub.core.models import AgentStatus, Money, Ref, TicketDraft, TicketState, TicketType
from tests.plugins.intercom.conftest import ADMIN_ID, BASE_URL, TOKEN, running_hub

CONTACT_ID = "6762f16e1bb69f9f2193bbc2"


def ref(record_id: str) -> Ref:
    return Ref(platform="intercom", id=record_id)


def body_of(route: respx.Route, call: int = -1) -> Any:
    return json.loads(route.calls[call].request.content)


def contact_json(contact_id: str = CONTACT_ID, **extra: Any) -> dict[str, Any]:
    return {
        "type": "contact",
        "id": contact_id,
        "email": "ava@example.com",
        "phone": "(202) 555-0100",
        "name": "Ava",
        "role": "user",
        "updated_at": 1_736_201_576,
        "custom_attributes": {"cs_order_count": 3, "brand": "PaleoHacks"},
        **extra,
    }


def conversation_json(
    conversation_id: str, updated_at: int, *, open_: bool = True, parts: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    record = {
        "type": "conversation",
        "id": conversation_id,
        "created_at": updated_at - 100,
        "updated_at": updated_at,
        "open": open_,
        "state": "open" if open_ else "closed",
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": CONTACT_ID}]},
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "1", "name": "vip"}]},
    }
    if parts is not None:
        record["conversation_parts"] = {"type": "conversation_part.list", "conversation_parts": parts}
    return record


def part(part_id: str, part_type: str, body: str, created_at: int) -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": part_type,
        "body": body,
        "created_at": created_at,
        "author": {"type": "admin", "id": ADMIN_ID},
    }


STATES = [
    {"type": "ticket_state", "id": sid, "category": cat, "internal_label": cat, "external_label": cat}
    for sid, cat in (
        ("11", "submitted"),
        ("12", "in_progress"),
        ("13", "waiting_on_customer"),
        ("14", "resolved"),
    )
]
TICKET_TYPES = {
    "type": "list",
    "data": [
        {
            "type": "ticket_type",
            "id": "5",
            "name": "Refund",
            "category": "Back-office",
            "ticket_states": {"type": "list", "data": STATES},
        },
        {
            "type": "ticket_type",
            "id": "6",
            "name": "Tracker",
            "category": "Tracker",
            "ticket_states": {"type": "list", "data": STATES},
        },
        {"type": "ticket_type", "id": "7", "name": "Bug Report", "category": "Customer"},
    ],
}


def ticket_json(
    ticket_id: str = "160",
    *,
    type_id: str = "5",
    state: dict[str, Any] | None = None,
    updated_at: int = 1_736_201_958,
    **attributes: Any,
) -> dict[str, Any]:
    return {
        "type": "ticket",
        "id": ticket_id,
        "ticket_id": "12",
        "ticket_attributes": {"_default_title_": "Refund please", **attributes},
        "ticket_state": state or STATES[0],
        "ticket_type": {"type": "ticket_type", "id": type_id},
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": CONTACT_ID}]},
        "created_at": 1_736_201_957,
        "updated_at": updated_at,
        "linked_objects": {"type": "list", "data": [{"type": "conversation", "id": "531"}]},
        "ticket_parts": {
            "type": "ticket_part.list",
            "ticket_parts": [
                {
                    "type": "ticket_part",
                    "id": "50",
                    "part_type": "note",
                    "body": "Checked",
                    "created_at": 1_736_201_960,
                    "author": {"type": "admin", "id": ADMIN_ID},
                }
            ],
        },
    }


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


# ------------------------------------------------------------------ plugin description


def test_capabilities_are_every_helpdesk_hook_implemented() -> None:
    pm = get_plugin_manager(only=["intercom"])
    helpdesk = {name for name in dir(hookspecs) if name.startswith("helpdesk_")}
    info = next(i for i in plugin_infos(pm) if i.name == "intercom")
    assert set(info.capabilities) == helpdesk == implemented_hooks(pm, "intercom")
    assert dict(info.unsupported) == {}


async def test_records_of_other_platforms_are_not_answered(api: respx.MockRouter) -> None:
    async with running_hub() as hub:
        with pytest.raises(CapabilityMissing):
            await hub.helpdesk.get_contact(ref=Ref(platform="aircall", id="1"))
    assert not api.calls


# ------------------------------------------------------------------ contacts


async def test_find_contacts_by_email_across_pages(api: respx.MockRouter) -> None:
    route = api.post("/contacts/search").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "type": "list",
                    "data": [contact_json()],
                    "total_count": 2,
                    "pages": {"type": "pages", "next": {"starting_after": "abc"}},
                },
            ),
            httpx.Response(
                200,
                json={
                    "type": "list",
                    "data": [contact_json("6762f16e1bb69f9f2193bbc3")],
                    "total_count": 2,
                    "pages": {"type": "pages"},
                },
            ),
        ]
    )
    async with running_hub() as hub:
        found = await gathered(hub.helpdesk.find_contacts(email="ava@example.com", phone=None))
    request = route.calls[0].request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["intercom-version"] == "2.14"
    assert body_of(route, 0) == {
        "query": {"field": "email", "operator": "=", "value": "ava@example.com"},
        "pagination": {"per_page": 150},
    }
    assert body_of(route, 1)["pagination"] == {"per_page": 150, "starting_after": "abc"}
    assert [c.id for c in found] == [CONTACT_ID, "6762f16e1bb69f9f2193bbc3"]
    assert found[0].phone == "+12025550100"
    assert found[0].attributes == {"order_count": 3, "brand": "PaleoHacks"}  # CS Assist names mapped back


async def test_find_contacts_by_phone_searches_e164(api: respx.MockRouter) -> None:
    route = api.post("/contacts/search").respond(200, json={"type": "list", "data": [], "pages": {}})
    async with running_hub() as hub:
        assert await gathered(hub.helpdesk.find_contacts(email=None, phone="(202) 555-0100")) == []
    assert body_of(route)["query"] == {"field": "phone", "operator": "=", "value": "+12025550100"}


async def test_get_and_update_contact(api: respx.MockRouter) -> None:
    api.get(f"/contacts/{CONTACT_ID}").respond(200, json=contact_json())
    put = api.put(f"/contacts/{CONTACT_ID}").respond(200, json=contact_json())
    async with running_hub() as hub:
        contact = await hub.helpdesk.get_contact(ref=ref(CONTACT_ID))
        await hub.helpdesk.update_contact(ref=ref(CONTACT_ID),
            attributes={
                "lifetime_revenue": Money(amount=Decimal("120.5"), currency="usd"),
                "order_count": 4,
                "last_purchase_date": datetime(2025, 1, 2, tzinfo=UTC),
                "open_subscriptions": ["PaleoHacks bars", "Earth Echo greens"],
                "custom_thing": True,
            },
        )
    assert contact.email == "ava@example.com" and contact.updated_at == datetime.fromtimestamp(
        1_736_201_576, UTC
    )
    assert put.calls[0].request.headers["content-type"] == "application/json"
    assert body_of(put) == {
        "custom_attributes": {
            "cs_lifetime_revenue": "120.50 USD",
            "cs_order_count": 4,
            "cs_last_purchase_date": 1_735_776_000,
            "cs_open_subscriptions": "PaleoHacks bars, Earth Echo greens",
            "custom_thing": True,
        }
    }


# ------------------------------------------------------------------ conversations


async def test_list_conversations_is_one_search_cut_exactly_sorted_oldest_first(
    api: respx.MockRouter,
) -> None:
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    cut = int(since.timestamp())
    route = api.post("/conversations/search").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "type": "conversation.list",
                    # "1" was updated before the cut (the day-level search is wider than asked);
                    # "3" moves while the pages are read, so the next page shows it again.
                    "conversations": [
                        conversation_json("3", cut + 50),
                        conversation_json("1", cut - 3_600),
                        conversation_json("5", cut + 10),
                    ],
                    "pages": {"next": {"starting_after": "c2"}},
                },
            ),
            httpx.Response(
                200,
                json={
                    "type": "conversation.list",
                    "conversations": [
                        conversation_json("2", cut),
                        conversation_json("4", cut + 50),
                        conversation_json("3", cut + 70),
                    ],
                    "pages": {"next": None},
                },
            ),
        ]
    )
    async with running_hub(page_size=2) as hub:
        pages = [p async for p in hub.helpdesk.list_conversations(since=since)]
    assert route.call_count == 2  # one search over the window, its second page by cursor
    since_day_before_any_offset = {"field": "updated_at", "operator": ">", "value": cut - 2 * 86_400}
    assert body_of(route, 0) == {"query": since_day_before_any_offset, "pagination": {"per_page": 2}}
    assert body_of(route, 1) == {
        "query": since_day_before_any_offset,
        "pagination": {"per_page": 2, "starting_after": "c2"},
    }
    # Exact cut, (updated_at, id) order across both pages, "3" once at its latest reading.
    assert [[(c.id, int(c.updated_at.timestamp()) - cut) for c in page] for page in pages] == [
        [("2", 0), ("5", 10)],
        [("4", 50), ("3", 70)],
    ]
    assert pages[0][0].tags == ("vip",) and pages[0][0].contact_ids == (CONTACT_ID,)


async def test_first_sync_searches_once_from_initial_days_back(api: respx.MockRouter) -> None:
    route = api.post("/conversations/search").respond(
        200, json={"type": "conversation.list", "conversations": [], "pages": {"next": None}}
    )
    before = int(time.time())
    async with running_hub() as hub:
        assert [p async for p in hub.helpdesk.list_conversations(since=None)] == []
    assert route.call_count == 1
    asked = body_of(route)["query"]
    start = before - 90 * 86_400  # initial_days
    assert asked["field"] == "updated_at" and asked["operator"] == ">"
    assert start - 2 * 86_400 <= asked["value"] <= start - 2 * 86_400 + 60


async def test_find_conversations_open_only_newest_first(api: respx.MockRouter) -> None:
    route = api.post("/conversations/search").respond(
        200,
        json={
            "type": "conversation.list",
            "conversations": [conversation_json("1", 100), conversation_json("2", 300)],
            "pages": {},
        },
    )
    async with running_hub() as hub:
        found = await hub.helpdesk.find_conversations(contact=ref(CONTACT_ID), open_only=True)
    assert body_of(route)["query"] == {
        "operator": "AND",
        "value": [
            {"field": "contact_ids", "operator": "=", "value": CONTACT_ID},
            {"field": "open", "operator": "=", "value": True},
        ],
    }
    assert [c.id for c in found] == ["2", "1"]


async def test_create_conversation_reads_it_back(api: respx.MockRouter) -> None:
    post = api.post("/conversations").respond(
        200,
        json={
            "type": "user_message",
            "id": "403918330",
            "created_at": 1,
            "body": "hi",
            "message_type": "inapp",
            "conversation_id": "77",
        },
    )
    get = api.get("/conversations/77").respond(200, json=conversation_json("77", 500, parts=[]))
    async with running_hub() as hub:
        conversation = await hub.helpdesk.create_conversation(contact=ref(CONTACT_ID), body="hi")
    assert body_of(post) == {"from": {"type": "contact", "id": CONTACT_ID}, "body": "hi"}
    assert get.called and conversation.id == "77"


# ------------------------------------------------------------------ notes and tags


async def test_add_note_to_a_conversation(api: respx.MockRouter) -> None:
    api.get("/tickets/531").respond(
        404,
        json={"type": "error.list", "errors": [{"code": "ticket_not_found", "message": "Ticket not found"}]},
    )
    reply = api.post("/conversations/531/reply").respond(
        200,
        json=conversation_json(
            "531",
            900,
            parts=[part("1", "comment", "hello", 10), part("2", "note", "<p>Call attempt 1/2</p>", 20)],
        ),
    )
    async with running_hub() as hub:
        note = await hub.helpdesk.add_note(target=ref("531"), body="<p>Call attempt 1/2</p>")
        again = await hub.helpdesk.add_note(target=ref("531"), body="<p>Call attempt 1/2</p>")
    assert body_of(reply) == {
        "message_type": "note",
        "type": "admin",
        "admin_id": ADMIN_ID,
        "body": "<p>Call attempt 1/2</p>",
    }
    assert note.id == "2" and note.parent == ref("531") and note.author_id == ADMIN_ID
    assert again.id == "2" and api.routes[0].call_count == 1  # the kind is remembered


async def test_add_and_list_notes_on_a_ticket(api: respx.MockRouter) -> None:
    api.get("/tickets/160").respond(200, json=ticket_json())
    reply = api.post("/tickets/160/reply").respond(
        200,
        json={
            "type": "ticket_part",
            "id": "51",
            "part_type": "note",
            "body": "Refunded",
            "created_at": 5,
            "author": {"type": "admin", "id": ADMIN_ID},
        },
    )
    async with running_hub() as hub:
        note = await hub.helpdesk.add_note(target=ref("160"), body="Refunded")
        notes = await hub.helpdesk.list_notes(target=ref("160"))
    assert body_of(reply)["message_type"] == "note" and note.id == "51"
    assert [n.body for n in notes] == ["Checked"]


async def test_list_notes_of_a_conversation_oldest_first(api: respx.MockRouter) -> None:
    api.get("/tickets/531").respond(404, json={"type": "error.list", "errors": [{"code": "not_found"}]})
    get = api.get("/conversations/531").respond(
        200,
        json=conversation_json(
            "531",
            900,
            parts=[
                part("9", "note", "second", 20),
                part("3", "comment", "hi", 5),
                part("4", "note", "first", 10),
            ],
        ),
    )
    async with running_hub() as hub:
        notes = await hub.helpdesk.list_notes(target=ref("531"))
    assert get.calls[0].request.url.params["display_as"] == "plaintext"
    assert [n.body for n in notes] == ["first", "second"]


async def test_add_tags_creates_missing_ones(api: respx.MockRouter) -> None:
    api.get("/tickets/531").respond(404, json={"type": "error.list", "errors": [{"code": "not_found"}]})
    api.get("/tags").respond(
        200, json={"type": "list", "data": [{"type": "tag", "id": "1", "name": "Call-Log"}]}
    )
    create = api.post("/tags").respond(200, json={"type": "tag", "id": "2", "name": "new"})
    attach = api.post("/conversations/531/tags").respond(200, json={"type": "tag", "id": "1", "name": "x"})
    async with running_hub() as hub:
        await hub.helpdesk.add_tags(target=ref("531"), tags=["call-log", "new", "new"])
    assert body_of(create) == {"name": "new"}
    assert [body_of(attach, i) for i in range(2)] == [
        {"id": "1", "admin_id": ADMIN_ID},
        {"id": "2", "admin_id": ADMIN_ID},
    ]


# ------------------------------------------------------------------ tickets


async def test_list_tickets_filters_type_ids_and_maps_attributes(api: respx.MockRouter) -> None:
    api.get("/ticket_types").respond(200, json=TICKET_TYPES)
    search = api.post("/tickets/search").respond(
        200,
        json={
            "type": "ticket.list",
            "tickets": [
                ticket_json(
                    **{
                        "Order ID": "1001",
                        "Amount": 19.99,
                        "Saved": "yes",
                        "Tracker Count": 3,
                        "Line Items": "SKU-1:2, SKU-2:1",
                    }
                )
            ],
            "pages": {},
        },
    )
    async with running_hub() as hub:
        pages = [p async for p in hub.helpdesk.list_tickets(types=[TicketType.REFUND], since=None)]
    assert body_of(search)["query"] == {
        "operator": "AND",
        "value": [
            {"field": "ticket_type_id", "operator": "IN", "value": ["5"]},
            {"field": "updated_at", "operator": ">", "value": 0},
        ],
    }
    ticket = pages[0][0]
    assert (
        ticket.type is TicketType.REFUND and ticket.state is TicketState.SUBMITTED and ticket.number == "12"
    )
    assert ticket.attributes == {
        "order_id": "1001",
        "amount": Decimal("19.99"),
        "saved": True,
        "tracker_count": 3,
        "line_items": "SKU-1:2, SKU-2:1",
    }
    assert ticket.linked_conversation_ids == ("531",) and ticket.title == "Refund please"


async def test_list_tickets_refuses_types_missing_from_the_workspace(api: respx.MockRouter) -> None:
    api.get("/ticket_types").respond(200, json=TICKET_TYPES)
    async with running_hub() as hub:
        with pytest.raises(FatalError, match="Quality"):
            _ = [p async for p in hub.helpdesk.list_tickets(types=[TicketType.QUALITY], since=None)]


async def test_create_ticket_links_the_conversation(api: respx.MockRouter) -> None:
    api.get("/ticket_types").respond(200, json=TICKET_TYPES)
    create = api.post("/tickets").respond(200, json=ticket_json(**{"Amount": 19.99}))
    draft = TicketDraft(
        platform="intercom",
        type=TicketType.REFUND,
        title="Refund please",
        description="broken",
        contact_id=CONTACT_ID,
        conversation_id="531",
        attributes={"amount": Decimal("19.99"), "order_id": "1001"},
    )
    async with running_hub() as hub:
        ticket = await hub.helpdesk.create_ticket(draft=draft)
    assert create.calls[0].request.content.count(b"19.99") == 1  # the exact digits on the wire
    assert body_of(create) == {
        "ticket_type_id": "5",
        "contacts": [{"id": CONTACT_ID}],
        "conversation_to_link_id": "531",
        "ticket_attributes": {
            "_default_title_": "Refund please",
            "_default_description_": "broken",
            "Amount": 19.99,
            "Order ID": "1001",
        },
    }
    assert ticket.attributes["amount"] == Decimal("19.99")


async def test_update_ticket_picks_the_state_of_its_type(api: respx.MockRouter) -> None:
    api.get("/ticket_types").respond(200, json=TICKET_TYPES)
    api.get("/tickets/160").respond(200, json=ticket_json())
    put = api.put("/tickets/160").respond(
        200, json=ticket_json(state=STATES[3], **{"Disposition": "dispose"})
    )
    async with running_hub() as hub:
        ticket = await hub.helpdesk.update_ticket(ref=ref("160"),
            state=TicketState.RESOLVED,
            attributes={"disposition": "dispose"},
        )
    assert body_of(put) == {"ticket_attributes": {"Disposition": "dispose"}, "ticket_state_id": "14"}
    assert ticket.state is TicketState.RESOLVED and ticket.attributes["disposition"] == "dispose"


async def test_update_ticket_falls_back_to_ticket_states(api: respx.MockRouter) -> None:
    types = {"type": "list", "data": [{"type": "ticket_type", "id": "5", "name": "Refund"}]}
    api.get("/ticket_types").respond(200, json=types)
    api.get("/tickets/160").respond(200, json=ticket_json())
    api.get("/ticket_states").respond(
        200,
        json={
            "type": "list",
            "data": [
                {**STATES[1], "ticket_types": {"type": "list", "data": [{"id": "9"}]}, "id": "99"},
                {**STATES[1], "ticket_types": {"type": "list", "data": [{"id": "5"}]}},
            ],
        },
    )
    put = api.put("/tickets/160").respond(200, json=ticket_json(state=STATES[1]))
    async with running_hub() as hub:
        await hub.helpdesk.update_ticket(ref=ref("160"), state=TicketState.IN_PROGRESS, attributes=None
        )
    assert body_of(put) == {"ticket_state_id": "12"}


async def test_link_ticket_uses_the_newer_endpoint_once(api: respx.MockRouter) -> None:
    api.get("/tickets/170").respond(200, json=ticket_json("170", type_id="6"))
    link = api.post("/tickets/170/linked_conversations").respond(200, json=conversation_json("600", 1))
    async with running_hub() as hub:
        await hub.helpdesk.link_ticket(ticket=ref("170"), conversation=ref("600"))
        await hub.helpdesk.link_ticket(ticket=ref("170"), conversation=ref("531"))  # already linked
    assert link.call_count == 1 and body_of(link) == {"conversation_id": "600"}
    assert link.calls[0].request.headers["intercom-version"] == "2.16"


# ------------------------------------------------------------------ agents


async def test_list_agents_with_reason_labels(api: respx.MockRouter) -> None:
    api.get("/away_status_reasons").respond(
        200,
        json={
            "type": "list",
            "data": [{"type": "away_status_reason", "id": "12345", "label": "Break/Lunch", "deleted": False}],
        },
    )
    api.get("/admins").respond(
        200,
        json={
            "type": "admin.list",
            "admins": [
                {
                    "type": "admin",
                    "id": "1",
                    "name": "A",
                    "email": "a@x.com",
                    "away_mode_enabled": True,
                    "away_status_reason_id": 12345,
                },
                {"type": "admin", "id": "2", "name": "B", "away_mode_enabled": False},
            ],
        },
    )
    async with running_hub() as hub:
        agents = await hub.helpdesk.list_agents()
    assert [(a.id, a.status, a.reason) for a in agents] == [
        ("1", AgentStatus.AWAY, "Break/Lunch"),
        ("2", AgentStatus.AVAILABLE, None),
    ]


async def test_set_agent_away_sends_the_reason_id(api: respx.MockRouter) -> None:
    api.get("/away_status_reasons").respond(
        200,
        json={
            "type": "list",
            "data": [
                {"id": "7", "label": "Coaching", "deleted": True},
                {"id": "8", "label": "Coaching", "deleted": False},
            ],
        },
    )
    put = api.put("/admins/1/away").respond(
        200, json={"type": "admin", "id": "1", "away_mode_enabled": True, "away_status_reason_id": 8}
    )
    async with running_hub() as hub:
        agent = await hub.helpdesk.set_agent_away(ref=ref("1"), away=True, reason="coaching")
    assert body_of(put) == {
        "away_mode_enabled": True,
        "away_mode_reassign": False,
        "away_status_reason_id": 8,
    }
    assert agent.status is AgentStatus.AWAY and agent.reason == "Coaching"


# ------------------------------------------------------------------ failures


async def test_429_then_success_waits_for_the_reset(api: respx.MockRouter) -> None:
    route = api.get("/admins").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={
                    "X-RateLimit-Limit": "1666",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(int(time.time())),
                },
                json={
                    "type": "error.list",
                    "errors": [
                        {
                            "code": "rate_limit_exceeded",
                            "message": "Exceeded rate limit of 1666 in 10_seconds",
                        }
                    ],
                },
            ),
            httpx.Response(200, json={"type": "admin.list", "admins": []}),
        ]
    )
    api.get("/away_status_reasons").respond(200, json={"type": "list", "data": []})
    async with running_hub() as hub:
        assert await hub.helpdesk.list_agents() == []
    assert route.call_count == 2


def test_retry_after_comes_from_the_reset_header_without_retry_after() -> None:
    from plugins.intercom.client import IntercomClient
    from plugins.intercom.settings import IntercomSettings

    client = IntercomClient(IntercomSettings(access_token=TOKEN, admin_id=ADMIN_ID))
    reset = int(time.time()) + 7
    response = httpx.Response(429, headers={"X-RateLimit-Reset": str(reset)})
    assert 5.5 < client.retry_after(response) <= 7
    assert client.retry_after(httpx.Response(429, headers={"Retry-After": "3"})) == 3


async def test_401_gives_auth_error_with_the_code(api: respx.MockRouter) -> None:
    api.get("/away_status_reasons").respond(
        401,
        json={
            "type": "error.list",
            "request_id": "r-1",
            "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}],
        },
    )
    async with running_hub() as hub:
        with pytest.raises(AuthError) as caught:
            await hub.helpdesk.list_agents()
    assert caught.value.code == "unauthorized" and "request_id r-1" in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_error_envelope_names_code_and_field(api: respx.MockRouter) -> None:
    api.put(f"/contacts/{CONTACT_ID}").respond(
        400,
        json={
            "type": "error.list",
            "errors": [
                {
                    "code": "parameter_invalid",
                    "message": "Custom attribute 'x' does not exist",
                    "field": "custom_attributes.x",
                }
            ],
        },
    )
    async with running_hub() as hub:
        with pytest.raises(FatalError) as caught:
            await hub.helpdesk.update_contact(ref=ref(CONTACT_ID), attributes={"x": 1})
    assert (caught.value.status, caught.value.code, caught.value.field) == (
        400,
        "parameter_invalid",
        "custom_attributes.x",
    )


async def test_server_error_on_a_read_is_retried(api: respx.MockRouter) -> None:
    route = api.get(f"/contacts/{CONTACT_ID}").mock(
        side_effect=[
            httpx.Response(503, json={"type": "error.list", "errors": [{"code": "service_unavailable"}]}),
            httpx.Response(200, json=contact_json()),
        ]
    )
    async with running_hub() as hub:
        assert (await hub.helpdesk.get_contact(ref=ref(CONTACT_ID))).id == CONTACT_ID
    assert route.call_count == 2


async def test_a_note_is_never_blindly_resent(api: respx.MockRouter) -> None:
    api.get("/tickets/531").respond(404, json={"type": "error.list", "errors": [{"code": "not_found"}]})
    reply = api.post("/conversations/531/reply").respond(
        503, json={"type": "error.list", "errors": [{"code": "service_unavailable"}]}
    )
    async with running_hub() as hub:
        with pytest.raises(Exception, match="503"):
            await hub.helpdesk.add_note(target=ref("531"), body="x")
    assert reply.call_count == 1


async def test_unknown_record_gives_not_found(api: respx.MockRouter) -> None:
    api.get(f"/contacts/{CONTACT_ID}").respond(
        404, json={"type": "error.list", "errors": [{"code": "not_found", "message": "User Not Found"}]}
    )
    async with running_hub() as hub:
        with pytest.raises(NotFoundError):
            await hub.helpdesk.get_contact(ref=ref(CONTACT_ID))


async def test_unmappable_ticket_rides_in_the_page_as_a_mapping_error(api: respx.MockRouter) -> None:
    api.get("/ticket_types").respond(200, json=TICKET_TYPES)
    broken = {k: v for k, v in ticket_json("161").items() if k != "updated_at"}
    typed_badly = ticket_json("162", **{"Amount": "twelve", "Saved": "maybe"})
    api.post("/tickets/search").respond(
        200, json={"type": "ticket.list", "tickets": [broken, typed_badly], "pages": {}}
    )
    async with running_hub() as hub:
        pages = [p async for p in hub.helpdesk.list_tickets(types=[TicketType.REFUND], since=None)]
    error, ticket = pages[0]
    assert isinstance(error, MappingError) and error.field == "updated_at"
    assert error.record_id == "161" and error.payload == broken
    # what the agent typed is kept for the flow to report on the ticket
    assert ticket.attributes["amount"] == "twelve" and ticket.attributes["saved"] == "maybe"


async def test_get_conversation(api: respx.MockRouter) -> None:
    api.get("/conversations/531").respond(200, json=conversation_json("531", 900, parts=[]))
    async with running_hub() as hub:
        conversation = await hub.helpdesk.get_conversation(ref=ref("531"))
    assert conversation.id == "531" and conversation.contact_ids == (CONTACT_ID,)
