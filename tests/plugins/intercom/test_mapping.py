"""Mapping: every vendor example maps; strict where flows need it, tolerant elsewhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.core.errors import MappingError
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


def test_custom_attributes_to_wire_and_back() -> None:
    names = IntercomSettings().cs_assist_attributes
    wire = mapping.contact_attributes_to_wire({"order_count": 2, "brand": "PaleoHacks", "other": 1}, names)
    assert wire == {"cs_order_count": 2, "brand": "PaleoHacks", "other": 1}
    contact = mapping.contact_from({"id": "c1", "custom_attributes": wire}, names)
    assert contact.attributes == {"order_count": 2, "brand": "PaleoHacks", "other": 1}


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
