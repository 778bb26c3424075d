"""Aircall JSON -> domain models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.core.errors import MappingError
from hub.core.models import AgentStatus, CallDirection, CallOutcome
from plugins.aircall.mapping import (
    agent_from_aircall,
    availability_to_aircall,
    call_from_aircall,
    customer_number,
    substatus_for,
)

STARTED = 1_767_225_600  # 2026-01-01T00:00:00Z


def raw_call(**overrides: Any) -> dict[str, Any]:
    call: dict[str, Any] = {
        "id": 812,
        "direction": "inbound",
        "status": "done",
        "started_at": STARTED,
        "answered_at": STARTED + 12,
        "ended_at": STARTED + 312,
        "duration": 312,
        "raw_digits": "+33 6 12 34 56 78",
        "user": {"id": 101, "name": "Ana Souza", "email": "ana@supporthub.example",
                 "available": True, "availability_status": "available"},
        "number": {"id": 201, "name": "PaleoHacks Support", "digits": "+1 888-555-0505", "country": "US"},
        "recording": "https://signed.example/rec.mp3?Expires=1",
        "recording_short_url": "https://short.example/r/812",
        "voicemail": None,
        "missed_call_reason": None,
        "tags": [{"id": 1, "name": "refund"}, {"id": 2, "name": "vip"}],
    }
    call.update(overrides)
    return call


def test_answered_inbound_call_maps_every_field() -> None:
    call = call_from_aircall(raw_call())
    assert call.platform == "aircall" and call.id == "812"
    assert call.direction is CallDirection.INBOUND
    assert call.outcome is CallOutcome.ANSWERED
    assert call.customer_number == "+33612345678"
    assert call.line_number == "+18885550505"
    assert call.started_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert call.answered_at == datetime(2026, 1, 1, 0, 0, 12, tzinfo=UTC)
    assert call.ended_at == datetime(2026, 1, 1, 0, 5, 12, tzinfo=UTC)
    assert call.duration_seconds == 312
    assert call.recording_url == "https://short.example/r/812"  # the long-lived link wins
    assert call.tags == ("refund", "vip")
    assert call.agent is not None and call.agent.email == "ana@supporthub.example"
    assert call.missed_reason is None


@pytest.mark.parametrize(
    ("overrides", "outcome", "reason"),
    [
        ({"answered_at": None, "user": None, "missed_call_reason": "out_of_opening_hours"},
         CallOutcome.MISSED, "out_of_opening_hours"),
        ({"answered_at": None, "user": None, "missed_call_reason": "agents_did_not_answer"},
         CallOutcome.MISSED, "agents_did_not_answer"),
        ({"answered_at": None, "user": None, "missed_call_reason": "short_abandoned"},
         CallOutcome.ABANDONED, "short_abandoned"),
        ({"answered_at": None, "user": None, "missed_call_reason": "abandoned_in_ivr"},
         CallOutcome.ABANDONED, "abandoned_in_ivr"),
        ({"answered_at": None, "voicemail": "https://signed.example/vm.mp3", "recording": None,
          "recording_short_url": None, "missed_call_reason": "no_available_agent"},
         CallOutcome.VOICEMAIL, "no_available_agent"),
        ({"direction": "outbound", "answered_at": None, "missed_call_reason": None},
         CallOutcome.MISSED, None),
    ],
)
def test_outcomes(overrides: dict[str, Any], outcome: CallOutcome, reason: str | None) -> None:
    call = call_from_aircall(raw_call(**overrides))
    assert call.outcome is outcome
    assert call.missed_reason == reason


def test_voicemail_link_and_signed_recording_fallback() -> None:
    call = call_from_aircall(raw_call(answered_at=None, voicemail="https://signed.example/vm.mp3",
                                      recording_short_url=None))
    assert call.voicemail_url == "https://signed.example/vm.mp3"
    assert call.recording_url == "https://signed.example/rec.mp3?Expires=1"


@pytest.mark.parametrize("hidden", ["anonymous", "Anonymous", "", "private"])
def test_hidden_numbers_give_none(hidden: str) -> None:
    assert call_from_aircall(raw_call(raw_digits=hidden)).customer_number is None


def test_national_number_uses_the_line_country() -> None:
    number = {"id": 9, "digits": "+44 20 7946 0000", "country": "GB"}
    call = call_from_aircall(raw_call(raw_digits="07700 900123", number=number))
    assert call.customer_number == "+447700900123"
    assert customer_number("(212) 555-0101") == "+12125550101"


def test_duration_rebuilt_when_absent_and_iso_times_accepted() -> None:
    call = call_from_aircall(raw_call(duration=None, started_at="2026-01-01T00:00:00Z",
                                      ended_at="2026-01-01T00:01:40Z", answered_at=None))
    assert call.duration_seconds == 100


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"started_at": None}, "started_at"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"direction": "sideways"}, "direction"),
        ({"id": None}, "id"),
        ({"raw_digits": "call me maybe"}, "raw_digits"),
        ({"raw_digits": 33612345678}, "raw_digits"),
        ({"duration": -5}, "duration"),
    ],
)
def test_malformed_calls_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(MappingError) as caught:
        call_from_aircall(raw_call(**overrides))
    assert caught.value.field == field and caught.value.record == "call"


def test_missing_optional_fields_are_tolerated() -> None:
    minimal = {"id": 5, "direction": "outbound", "started_at": STARTED}
    call = call_from_aircall(minimal)
    assert call.outcome is CallOutcome.MISSED
    assert (call.agent, call.customer_number, call.line_number, call.tags) == (None, None, None, ())
    assert call.duration_seconds == 0


@pytest.mark.parametrize(
    ("user", "status", "reason"),
    [
        ({"availability_status": "available", "available": True}, AgentStatus.AVAILABLE, None),
        ({"availability_status": "unavailable", "available": False}, AgentStatus.UNAVAILABLE, None),
        ({"availability_status": "unavailable", "substatus": "out_for_lunch"}, AgentStatus.AWAY,
         "out_for_lunch"),
        ({"availability_status": "custom", "available": True}, AgentStatus.AVAILABLE, None),
        ({"availability_status": "custom", "available": False}, AgentStatus.UNAVAILABLE, None),
    ],
)
def test_user_availability(user: dict[str, Any], status: AgentStatus, reason: str | None) -> None:
    agent = agent_from_aircall({"id": 7, "name": "Ana Souza", "email": "ana@supporthub.example", **user})
    assert (agent.id, agent.status, agent.reason) == ("7", status, reason)


def test_unknown_availability_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as caught:
        agent_from_aircall({"id": 7, "availability_status": "sleeping"})
    assert caught.value.field == "availability_status"


def test_user_name_from_first_and_last() -> None:
    agent = agent_from_aircall({"id": 7, "first_name": "Ben", "last_name": "Carter",
                                "availability_status": "available"})
    assert agent.name == "Ben Carter"


def test_availability_to_aircall_fields() -> None:
    assert availability_to_aircall(AgentStatus.AVAILABLE, None) == {"availability_status": "available"}
    assert availability_to_aircall(AgentStatus.AVAILABLE, None, available_as="custom") == {
        "availability_status": "custom"}
    assert availability_to_aircall(AgentStatus.UNAVAILABLE, None) == {"availability_status": "unavailable"}
    assert availability_to_aircall(AgentStatus.AWAY, "Break/Lunch") == {
        "availability_status": "unavailable", "substatus": "out_for_lunch"}


@pytest.mark.parametrize(
    ("reason", "substatus"),
    [("Break/Lunch", "out_for_lunch"), ("Coaching", "in_training"), ("In a Meeting", "other"),
     ("on_a_break", "on_a_break"), ("Gone fishing", "other"), (None, "other")],
)
def test_substatus_for_reason_labels(reason: str | None, substatus: str) -> None:
    assert substatus_for(reason) == substatus


def test_substatus_map_from_settings_wins() -> None:
    assert substatus_for("Gone fishing", {"gone fishing": "on_a_break"}) == "on_a_break"
