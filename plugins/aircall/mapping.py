"""Aircall JSON -> domain models (calls and users), and availability back to Aircall's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import phonenumbers

from hub.core.errors import MappingError
from hub.core.mapping import mapping_guard, reading
from hub.core.models import Agent, AgentStatus, Call, CallComment, CallDirection, CallOutcome
from plugins.aircall.settings import DEFAULT_SUBSTATUS_MAP, SUBSTATUSES

PLATFORM = "aircall"

# missed_call_reason values that mean the caller hung up first (enum unconfirmed).
ABANDONED_REASONS = frozenset({"short_abandoned", "abandoned_in_ivr", "abandoned_in_classic"})
# raw_digits of a hidden caller; "anonymous" is documented (unconfirmed), the others are
# what carriers commonly show for withheld numbers.
HIDDEN_NUMBERS = frozenset({"", "anonymous", "unknown", "private", "restricted", "withheld"})


# --------------------------------------------------------------------------- calls


@mapping_guard(PLATFORM, "call")
def call_from_aircall(raw: dict[str, Any], default_region: str = "US") -> Call:
    """Map one call object (as listed by ``GET /v1/calls``); ``MappingError`` names the bad field."""
    call_id = _required_id(raw, "call", "id")
    started_at = _timestamp(raw, "call", "started_at", required=True)
    answered_at = _timestamp(raw, "call", "answered_at")
    ended_at = _timestamp(raw, "call", "ended_at")
    number = raw.get("number") if isinstance(raw.get("number"), dict) else {}
    region = _region_hint(raw, number, default_region)
    assert started_at is not None  # required=True above raised otherwise
    return Call(
        platform=PLATFORM,
        id=call_id,
        direction=_direction(raw),
        outcome=call_outcome(raw),
        missed_reason=_optional_str(raw.get("missed_call_reason")),
        agent=_call_agent(raw),
        customer_number=customer_number(raw.get("raw_digits"), region),
        line_number=_line_number(number, region),
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        duration_seconds=_duration(raw, started_at, ended_at),
        recording_url=_link(raw, "recording_short_url", "recording"),
        voicemail_url=_link(raw, "voicemail_short_url", "voicemail"),
        tags=_tag_names(raw.get("tags")),
        comments=_comments(raw.get("comments")),
    )


def call_started_at(raw: dict[str, Any]) -> datetime | None:
    """When a call started (its place in ``GET /v1/calls`` order); ``MappingError`` when unreadable."""
    return _timestamp(raw, "call", "started_at", required=True)


def call_outcome(raw: dict[str, Any]) -> CallOutcome:
    """Voicemail left, answered by someone, abandoned by the caller, or missed."""
    if raw.get("voicemail") or raw.get("voicemail_short_url"):
        return CallOutcome.VOICEMAIL
    if raw.get("answered_at"):
        return CallOutcome.ANSWERED
    if raw.get("missed_call_reason") in ABANDONED_REASONS:
        return CallOutcome.ABANDONED
    return CallOutcome.MISSED


def customer_number(raw_digits: Any, region: str = "US") -> str | None:
    """E.164 of the other party, None when the number is hidden."""
    if raw_digits is None:
        return None
    if not isinstance(raw_digits, str):
        kind = type(raw_digits).__name__
        raise MappingError(PLATFORM, "call", "raw_digits", f"expected a string, got {kind}")
    if raw_digits.strip().lower() in HIDDEN_NUMBERS:
        return None
    e164 = to_e164(raw_digits, region)
    if e164 is None:
        raise MappingError(PLATFORM, "call", "raw_digits", f"not a phone number: {raw_digits!r}")
    return e164


def to_e164(text: str, region: str = "US") -> str | None:
    """Normalise a human-formatted number (``"+33 6 12 34 56 78"``) to E.164, None if impossible."""
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _direction(raw: dict[str, Any]) -> CallDirection:
    value = raw.get("direction")
    try:
        return CallDirection(value)
    except ValueError:
        reason = f"expected inbound or outbound, got {value!r}"
        raise MappingError(PLATFORM, "call", "direction", reason) from None


def _call_agent(raw: dict[str, Any]) -> Agent | None:
    key = "user" if raw.get("user") else "assigned_to"
    user = raw.get(key)
    if not isinstance(user, dict) or user.get("id") is None:
        return None
    with reading(key):
        return agent_from_aircall(user)


def _line_number(number: dict[str, Any], region: str) -> str | None:
    digits = number.get("digits")
    if not isinstance(digits, str) or not digits.strip():
        return None
    return to_e164(digits, region) or digits  # the line is informative; keep it as shown if odd


def _region_hint(raw: dict[str, Any], number: dict[str, Any], default: str) -> str:
    """Region used for numbers written without ``+``: the line's country, else the setting."""
    for value in (number.get("country"), raw.get("country_code_a2")):
        if isinstance(value, str) and len(value) == 2 and value.isalpha():
            return value.upper()
    return default


def _duration(raw: dict[str, Any], started_at: datetime, ended_at: datetime | None) -> int:
    value = raw.get("duration")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return int(value)
    if value is not None:
        raise MappingError(PLATFORM, "call", "duration", f"expected seconds >= 0, got {value!r}")
    # Aircall's duration is ended_at - started_at (ringing included); rebuild it when absent.
    return max(0, int((ended_at - started_at).total_seconds())) if ended_at else 0


def _link(raw: dict[str, Any], *keys: str) -> str | None:
    # Short URLs first: the plain recording URL is signed and expires within minutes.
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _tag_names(tags: Any) -> tuple[str, ...]:
    if not isinstance(tags, list):
        return ()
    names = (tag.get("name") for tag in tags if isinstance(tag, dict))
    return tuple(name for name in names if isinstance(name, str) and name)


def _comments(comments: Any) -> tuple[CallComment, ...]:
    """The agents' comments on the call (``comments[]``: ``{id, content, posted_at, posted_by}``).

    A blank comment says nothing and is left out; one that is not an object or has no id is a
    ``MappingError`` naming it (the call's note would otherwise silently lose what was typed).
    """
    if comments is None:
        return ()
    if not isinstance(comments, list):
        raise MappingError(PLATFORM, "call", "comments", f"expected a list, got {type(comments).__name__}")
    found = []
    for index, comment in enumerate(comments):
        if not isinstance(comment, dict):
            raise MappingError(PLATFORM, "call", f"comments[{index}]", "not an object")
        content = comment.get("content")
        if not isinstance(content, str):
            raise MappingError(PLATFORM, "call", f"comments[{index}].content", "missing or not text")
        if not content.strip():
            continue
        found.append(
            CallComment(
                id=_comment_id(comment.get("id"), index),
                content=content.strip(),
                author=_comment_author(comment.get("posted_by")),
                posted_at=_timestamp(comment, "call", "posted_at"),
            )
        )
    return tuple(found)


def _comment_id(value: Any, index: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
        raise MappingError(PLATFORM, "call", f"comments[{index}].id", f"missing or not an id: {value!r}")
    return str(value)


def _comment_author(posted_by: Any) -> str | None:
    """``posted_by`` is a user object (or ``{user: {...}}`` in some payloads); None when absent."""
    if not isinstance(posted_by, dict):
        return None
    user = posted_by.get("user") if isinstance(posted_by.get("user"), dict) else posted_by
    return _optional_str(user.get("name")) or _full_name(user) or _optional_str(user.get("email"))


# --------------------------------------------------------------------------- users


@mapping_guard(PLATFORM, "user")
def agent_from_aircall(raw: dict[str, Any]) -> Agent:
    """Map a user object: configured availability plus the v2 ``substatus`` when present."""
    user_id = _required_id(raw, "user", "id")
    status, reason = availability_from_aircall(raw)
    return Agent(
        platform=PLATFORM,
        id=user_id,
        name=_optional_str(raw.get("name")) or _full_name(raw),
        email=_optional_str(raw.get("email")),
        status=status,
        reason=reason,
    )


def availability_from_aircall(raw: dict[str, Any]) -> tuple[AgentStatus, str | None]:
    """``available`` / ``unavailable`` (+ substatus = away) / ``custom`` (working hours)."""
    value = raw.get("availability_status")
    substatus = _optional_str(raw.get("substatus"))
    if value == "available":
        return AgentStatus.AVAILABLE, None
    if value == "unavailable":
        return (AgentStatus.AWAY, substatus) if substatus else (AgentStatus.UNAVAILABLE, None)
    if value == "custom":
        # Follows working hours: ``available`` says whether the hours have it open right now.
        return (AgentStatus.AVAILABLE if raw.get("available") else AgentStatus.UNAVAILABLE), None
    if value is None and isinstance(raw.get("available"), bool):
        return (AgentStatus.AVAILABLE if raw["available"] else AgentStatus.UNAVAILABLE), None
    raise MappingError(PLATFORM, "user", "availability_status", f"unknown value {value!r}")


def availability_to_aircall(
    status: AgentStatus,
    reason: str | None,
    substatus_map: dict[str, str] | None = None,
    available_as: str = "available",
) -> dict[str, str]:
    """The ``PUT /users/:id`` fields for a domain status; away = unavailable with a substatus.

    ``available_as`` is ``available`` (always available) or ``custom`` (follow working hours),
    for teams whose Aircall users run on schedules.
    """
    if status is AgentStatus.AVAILABLE:
        return {"availability_status": available_as}
    if status is AgentStatus.UNAVAILABLE and not reason:
        return {"availability_status": "unavailable"}
    return {"availability_status": "unavailable", "substatus": substatus_for(reason, substatus_map)}


def substatus_for(reason: str | None, substatus_map: dict[str, str] | None = None) -> str:
    """An away reason label -> one of Aircall's substatus values (``other`` when unknown)."""
    if not reason:
        return "other"
    label = reason.strip().lower()
    if label in SUBSTATUSES:
        return label
    table = {key.lower(): value for key, value in (substatus_map or DEFAULT_SUBSTATUS_MAP).items()}
    return table.get(label, "other")


# --------------------------------------------------------------------------- helpers


def _required_id(raw: dict[str, Any], record: str, field: str) -> str:
    value = raw.get(field)
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
        raise MappingError(PLATFORM, record, field, f"missing or not an id: {value!r}")
    return str(value)


def _timestamp(raw: dict[str, Any], record: str, field: str, *, required: bool = False) -> datetime | None:
    """Call times are integer UNIX seconds; ISO strings are accepted too (users, numbers)."""
    value = raw.get(field)
    if value is None or value == "":
        if required:
            raise MappingError(PLATFORM, record, field, "missing")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise MappingError(PLATFORM, record, field, f"UNIX time out of range: {value!r}") from None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise MappingError(PLATFORM, record, field, f"not a UNIX time or ISO-8601 string: {value!r}")


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _full_name(raw: dict[str, Any]) -> str | None:
    parts = [raw.get("first_name"), raw.get("last_name")]
    name = " ".join(part for part in parts if isinstance(part, str) and part)
    return name or None
