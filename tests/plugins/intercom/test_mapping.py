"""Mapping: every vendor example maps; strict where flows need it, tolerant elsewhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.core.errors import FatalError, MappingError
from hub.core.models import AgentStatus, Contact, Conversation, Ref, TicketState, TicketType
from plugins.intercom import mapping
from plugins.intercom.settings import DEFAULT_TICKET_ATTRIBUTES, IntercomSettings
from tests.plugins.intercom.conftest import EXAMPLES


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(), parse_float=Decimal)


def test_every_vendor_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == {
        "admin_away_200.json",
        "conversation_parts_close_200.json",
        "conversations_list_200.json",
        "ticket_create_200.json",
        "ticket_search_200.json",
        "ticket_types_list_200.json",
        "webhook_notification_signed_example.json",
    }


def test_admin_away_example() -> None:
    agent = mapping.agent_from(example("admin_away_200.json"), {"12345": "Break/Lunch"})
    assert (agent.id, agent.status, agent.reason, agent.email) == (
        "991267460",
        AgentStatus.AWAY,
        "Break/Lunch",
        "admin2@email.com",
    )


def test_conversation_close_example_has_no_notes() -> None:
    record = example("conversation_parts_close_200.json")
    conversation = mapping.conversation_from(record)
    assert (conversation.id, conversation.open, conversation.state) == ("531", False, "closed")
    assert conversation.contact_ids == ("6762f16e1bb69f9f2193bbc2",)
    assert conversation.updated_at == datetime.fromtimestamp(1_734_537_584, UTC)
    assert mapping.notes_from(mapping.conversation_parts(record), conversation.ref) == []


def test_a_conversation_read_with_every_part_carries_its_notes() -> None:
    record = example("conversation_parts_close_200.json")  # GET-style answer: one close part, count 1
    assert mapping.conversation_from(record).notes == ()  # read whole: no notes, and that is known
    note = {
        "type": "conversation_part",
        "id": "137",
        "part_type": "note",
        "body": "<p>Inbound call [aircall call 9]</p>",
        "created_at": 1_734_537_600,
        "author": {"type": "admin", "id": "991267708"},
    }
    parts = record["conversation_parts"]["conversation_parts"]
    with_note = {**record, "conversation_parts": {"conversation_parts": [*parts, note], "total_count": 2}}
    conversation = mapping.conversation_from(with_note)
    assert conversation.notes is not None and [n.id for n in conversation.notes] == ["137"]
    assert conversation.notes[0].parent == conversation.ref and "aircall call 9" in conversation.notes[0].body


@pytest.mark.parametrize(
    "listed",
    [
        None,  # a search answer: no parts at all (2.14 POST /conversations/search 200 example)
        {"conversation_parts": [], "total_count": 3},  # fewer parts than the count: not all of them
        {"conversation_parts": [], "total_count": "0"},  # a count that is no integer
        {"conversation_parts": [{"part_type": "note"}] * 500, "total_count": 500},  # at the 500 cap
        {"conversation_parts": [{"part_type": "note", "body": "x"}], "total_count": 1},  # a note without id
    ],
)
def test_a_conversation_without_every_part_readable_has_notes_unknown(listed: Any) -> None:
    record = dict(example("conversations_list_200.json")["conversations"][0])
    if listed is not None:
        record["conversation_parts"] = listed
    conversation = mapping.conversation_from(record)
    assert conversation.id == "5" and conversation.notes is None  # mapped still; notes asked for later


def test_conversations_list_example() -> None:
    conversations = [
        mapping.conversation_from(c) for c in example("conversations_list_200.json")["conversations"]
    ]
    assert [c.id for c in conversations] == ["5"] and conversations[0].tags == ()


def test_ticket_types_example_resolves_by_configured_name() -> None:
    types = example("ticket_types_list_200.json")["data"]
    assert mapping.ticket_type_ids(types, {TicketType.QUALITY: "bug report"}) == {"15": TicketType.QUALITY}
    assert mapping.state_id_for(types[0], TicketState.WAITING_ON_CUSTOMER) == "2575"


def test_ticket_create_example() -> None:
    record = example("ticket_create_200.json")
    ticket = mapping.ticket_from(record, {"36": TicketType.REFUND}, DEFAULT_TICKET_ATTRIBUTES)
    assert (ticket.id, ticket.number, ticket.type, ticket.state) == (
        "160",
        "12",
        TicketType.REFUND,
        TicketState.SUBMITTED,
    )
    assert (
        ticket.title == "example"
        and ticket.attributes == {}
        and ticket.contact_ids == ("677c56e46abd011ad17ff5c1",)
    )


def test_webhook_example_item_maps_to_a_contact() -> None:
    contact = mapping.notification_item(example("webhook_notification_signed_example.json"))
    assert (
        isinstance(contact, Contact)
        and contact.id == "530370b477ad7120001d"
        and contact.name == "Hoban Washburne"
    )


def test_webhook_with_a_conversation_item() -> None:
    payload = {"type": "notification_event", "data": {"item": example("conversation_parts_close_200.json")}}
    assert isinstance(mapping.notification_item(payload), Conversation)
    with pytest.raises(MappingError, match=r"data\.item\.type"):
        mapping.notification_item({"type": "notification_event", "data": {"item": {"type": "company"}}})


def test_ticket_of_an_unknown_type_names_the_field() -> None:
    with pytest.raises(MappingError) as caught:
        mapping.ticket_from(example("ticket_create_200.json"), {}, DEFAULT_TICKET_ATTRIBUTES)
    assert caught.value.field == "ticket_type"


@pytest.mark.parametrize("field", ["id", "created_at", "updated_at"])
def test_conversation_without_required_field(field: str) -> None:
    record = {
        k: v for k, v in example("conversations_list_200.json")["conversations"][0].items() if k != field
    }
    with pytest.raises(MappingError) as caught:
        mapping.conversation_from(record)
    assert caught.value.field == field


def test_legacy_string_ticket_state_and_unknown_state() -> None:
    record = example("ticket_create_200.json") | {"ticket_state": "in_progress"}
    assert mapping.ticket_state_of(record) is TicketState.IN_PROGRESS
    with pytest.raises(MappingError, match="ticket_state"):
        mapping.ticket_state_of({"ticket_state": {"category": "closed"}})


def test_ticket_attributes_typed_and_exact() -> None:
    raw = {
        "Amount": Decimal("19.99"),
        "Saved": "No",
        "Replacement": True,
        "Tracker Count": Decimal("4"),
        "Order ID": 1001,
        "Lot": "",
    }
    assert mapping.ticket_attributes_from(raw, DEFAULT_TICKET_ATTRIBUTES) == {
        "amount": Decimal("19.99"),
        "saved": False,
        "replacement": True,
        "tracker_count": 4,
        "order_id": "1001",
    }
    assert mapping.ticket_attributes_from({"Amount": "$12"}, DEFAULT_TICKET_ATTRIBUTES) == {"amount": "$12"}


def test_phone_numbers_become_e164() -> None:
    assert mapping.e164("(202) 555-0100") == "+12025550100"
    assert mapping.e164("+44 20 7946 0958") == "+442079460958"
    assert mapping.e164("ext. 12") == "ext. 12"  # kept as typed rather than dropped
    assert mapping.e164(None) is None


def test_a_contacts_phone_is_normalised_when_read_not_when_mapped() -> None:
    """A look-up by email maps thousands of contacts whose phones nobody reads: no parse for them."""
    from hub.core import phones

    reader = mapping.ContactReader(None, "GB")
    body = {"data": [{"id": "1", "phone": "020 7946 0958"}, {"id": "2", "phone": "+44 20 7946 0959"}]}
    phones.parsed_e164.cache_clear()
    page = reader.page(json.dumps(body).encode())
    one = reader.one(body["data"][0])
    assert phones.parsed_e164.cache_info().misses == 0  # mapped, not parsed
    # Read: E.164, in the workspace's region for a number written without a country code.
    assert [c.phone for c in page.records] == ["+442079460958", "+442079460959"]
    assert one.phone == "+442079460958" and one == page.records[0]
    assert phones.parsed_e164.cache_info().misses == 2
    # A dump holds the number as read; loaded again, and as given to Contact(), it is final.
    dumped = page.records[0].model_dump()
    assert dumped["phone"] == "+442079460958" and "phone_as_written" not in dumped
    assert Contact.model_validate(dumped).phone == "+442079460958"
    assert Contact(platform="intercom", id="3", phone="020 7946 0958").phone == "020 7946 0958"
    assert reader.one({"id": "4", "phone": "ext. 12"}).phone == "ext. 12"  # kept as typed
    assert reader.one({"id": "5", "phone": ""}).phone is None


def test_custom_attributes_to_wire_and_back() -> None:
    names = IntercomSettings().cs_assist_attributes
    wire = mapping.contact_attributes_to_wire({"order_count": 2, "brand": "PaleoHacks", "other": 1}, names)
    assert wire == {"cs_order_count": 2, "brand": "PaleoHacks", "other": 1}
    contact = mapping.contact_from({"id": "c1", "custom_attributes": wire}, names)
    assert contact.attributes == {"order_count": 2, "brand": "PaleoHacks", "other": 1}


def searched_ticket(**parts: Any) -> dict[str, Any]:
    """The 2.14 ``POST /tickets/search`` example's ticket, its ``ticket_parts`` changed by ``parts``."""
    (record,) = example("ticket_search_200.json")["tickets"]
    return record | {"ticket_parts": record["ticket_parts"] | parts}


def note_part(part_id: str, body: str, created_at: int = 1734537995) -> dict[str, Any]:
    return {"type": "ticket_part", "id": part_id, "part_type": "note", "body": body, "created_at": created_at}


def read_notes(record: dict[str, Any]) -> tuple[str, ...] | None:
    ticket = mapping.ticket_from(record, {"100": TicketType.REFUND}, DEFAULT_TICKET_ATTRIBUTES)
    return None if ticket.notes is None else tuple(note.body for note in ticket.notes)


def test_a_searched_ticket_comes_with_its_notes_when_the_answer_holds_every_part() -> None:
    assert read_notes(searched_ticket()) == ()  # the example's one part is a state change
    (state_part,) = searched_ticket()["ticket_parts"]["ticket_parts"]
    parts = [note_part("190", "second", 1734537999), state_part, note_part("189", "first")]
    record = searched_ticket(ticket_parts=parts, total_count=3)
    ticket = mapping.ticket_from(record, {"100": TicketType.REFUND}, DEFAULT_TICKET_ATTRIBUTES)
    assert ticket.notes is not None and [n.body for n in ticket.notes] == ["first", "second"]
    assert ticket.notes[0].parent == ticket.ref and ticket.notes[0].id == "189"
    assert "notes" not in ticket.model_dump(mode="json")  # as old as the read: never parked or queued


@pytest.mark.parametrize(
    "parts",
    [
        {"total_count": 2},  # Intercom counts a part the answer does not hold
        {"total_count": None},
        {"ticket_parts": None},
        {"ticket_parts": [note_part(str(n), "x") for n in range(500)], "total_count": 500},  # at the cap
        {"ticket_parts": [{"part_type": "note", "body": "no id"}], "total_count": 1},
    ],
    ids=["count above the parts", "no count", "no list", "500 parts", "unreadable part"],
)
def test_a_ticket_read_without_all_its_parts_has_no_notes_to_trust(parts: dict[str, Any]) -> None:
    assert read_notes(searched_ticket(**parts)) is None
    record = searched_ticket()
    del record["ticket_parts"]
    assert read_notes(record) is None


def test_note_from_a_ticket_part() -> None:
    parent = Ref(platform="intercom", id="160")
    note = mapping.note_from({"id": "5", "body": "hi", "author": {"id": 7}, "created_at": 10}, parent)
    assert (note.id, note.author_id, note.parent) == ("5", "7", parent)


def test_settings_validation() -> None:
    with pytest.raises(ValidationError, match=r"2\.14 or later"):
        IntercomSettings(api_version="2.11")
    with pytest.raises(ValidationError, match="access_token"):
        IntercomSettings(enabled=True, admin_id="1")
    settings = IntercomSettings(
        enabled=True,
        access_token="s3cr3t-token",
        admin_id="1",
        region="eu",
        ticket_types={"refund": "Refunds"},
    )
    assert settings.url == "https://api.eu.intercom.io" and settings.requests_per_window == 1_666
    assert settings.ticket_types[TicketType.REFUND] == "Refunds"
    assert settings.ticket_types[TicketType.TRACKER] == "Tracker"
    assert "s3cr3t" not in repr(settings)


# --------------------------------------------------------------------------- contact pages from bytes

CS_ASSIST = IntercomSettings().cs_assist_attributes
READER = mapping.ContactReader(CS_ASSIST, "US")
CLEAN_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["", "x", "1700000000", "+14155550100", "(415) 555-0100", "+44 20 7946 0958", "12.50"]),
)
ODD_VALUES = st.one_of(
    CLEAN_VALUES,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "cs_order_count", "brand"]), st.integers(), max_size=2),
)


@st.composite
def contact_records(draw: st.DrawFn) -> Any:
    """Contacts as Intercom sends them, with odd values anywhere a record can hold them."""
    record: dict[str, Any] = {
        "type": "contact",
        "id": draw(st.sampled_from(["64a1", "6762f16e1bb69f9f2193bbc3"])),
        "role": "user",
        "email": draw(st.sampled_from(["ava@example.com", "", None])),
        "phone": draw(st.sampled_from(["+14155550100", "(415) 555-0100", "+44 20 7946 0958", None, "abc"])),
        "name": draw(st.sampled_from(["Ava", "", None])),
        "updated_at": draw(st.sampled_from([1_700_000_000, 0, None])),
        "custom_attributes": draw(
            st.dictionaries(st.sampled_from(["cs_order_count", "brand", "vip"]), CLEAN_VALUES, max_size=3)
        ),
        "tags": {"type": "list", "data": []},
    }
    if draw(st.integers(0, 3)):  # most records are what Intercom sends; the rest have odd fields
        return record
    for field in draw(st.lists(st.sampled_from(sorted(record)), min_size=1, max_size=2, unique=True)):
        if draw(st.booleans()):
            del record[field]
        else:
            record[field] = draw(ODD_VALUES)
    return record if draw(st.integers(0, 5)) else draw(ODD_VALUES)


def one_by_one(records: list[Any]) -> list[Contact] | MappingError:
    try:
        return [READER.one(record) for record in records]
    except MappingError as error:
        return error


@settings(max_examples=400, deadline=None)
@given(records=st.lists(contact_records(), max_size=4), cursor=st.sampled_from([None, "abc", ""]))
def test_a_page_read_from_bytes_is_exactly_the_records_mapped_one_by_one(
    records: list[Any], cursor: str | None
) -> None:
    body: dict[str, Any] = {"type": "list", "data": records, "pages": {"type": "pages"}}
    if cursor is not None:
        body["pages"]["next"] = {"starting_after": cursor}
    expected = one_by_one(json.loads(json.dumps(records), parse_float=Decimal))
    if isinstance(expected, MappingError):
        with pytest.raises(MappingError) as raised:
            READER.page(json.dumps(body).encode())
        assert (raised.value.field, raised.value.record_id) == (expected.field, expected.record_id)
        return
    page = READER.page(json.dumps(body).encode())
    assert page.records == expected
    # Decimal stays Decimal, never float: compare the dumps and the types too.
    assert [c.model_dump() for c in page.records] == [c.model_dump() for c in expected]
    assert [type(v) for c in page.records for v in c.attributes.values()] == [
        type(v) for c in expected for v in c.attributes.values()
    ]
    assert page.cursor == (cursor or None)


def test_a_float_attribute_stays_an_exact_decimal() -> None:
    body = {"data": [{"id": "1", "custom_attributes": {"cs_lifetime_revenue": 12.30}}]}
    raw = json.dumps(body).replace("12.3", "12.30").encode()
    (contact,) = READER.page(raw).records
    assert contact.attributes == {"lifetime_revenue": Decimal("12.30")}
    assert str(contact.attributes["lifetime_revenue"]) == "12.30"


def test_a_broken_contact_in_a_page_names_its_field_and_id() -> None:
    body = {"data": [{"id": "1"}, {"id": "2", "phone": 5}]}
    with pytest.raises(MappingError) as raised:
        READER.page(json.dumps(body).encode())
    assert (raised.value.record_id, raised.value.field) == ("2", "phone")


def test_an_answer_that_is_not_an_object_is_fatal() -> None:
    with pytest.raises(FatalError, match="not a JSON object"):
        READER.page(b"[]")
