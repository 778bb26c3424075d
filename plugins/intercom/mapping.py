"""Intercom JSON -> the hub's domain models (and the few values that go back the other way).

Tolerant of missing optional fields, strict on what flows need: a record without its id or
timestamps, or a ticket of a type the hub does not know, raises ``MappingError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter

from hub.core import phones
from hub.core.errors import MappingError
from hub.core.mapping import listed, mapping_guard, nested, reading
from hub.core.models import (
    Agent,
    AgentStatus,
    Contact,
    Conversation,
    Money,
    Note,
    Ref,
    Ticket,
    TicketState,
    TicketType,
)
from plugins.intercom.client import SearchPage, json_search_page

PLATFORM = "intercom"
DEFAULT_TITLE = "_default_title_"
DEFAULT_DESCRIPTION = "_default_description_"

# How hub ticket attribute keys are typed; any other key is read as text.
ATTRIBUTE_KINDS: dict[str, str] = {
    "amount": "decimal",
    "saved": "bool",
    "replacement": "bool",
    "tracker_count": "int",
}
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


# --------------------------------------------------------------------------- scalars


_FIRST_SECOND = int(datetime(1, 1, 2, tzinfo=UTC).timestamp())
_LAST_SECOND = int(datetime(9999, 12, 30, tzinfo=UTC).timestamp())
"""UNIX seconds ``datetime`` holds in every timezone (the fast contact path takes only these)."""


def timestamp(record: Mapping[str, Any], field: str, kind: str, *, required: bool = False) -> datetime | None:
    """Intercom's integer UNIX seconds as an aware UTC datetime."""
    value = record.get(field)
    if value is None:
        if required:
            raise MappingError(PLATFORM, kind, field, "missing")
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):  # OSError: a year the C library cannot hold
        raise MappingError(PLATFORM, kind, field, f"not a UNIX timestamp: {value!r}") from None


def required_id(record: Mapping[str, Any], kind: str, field: str = "id") -> str:
    value = record.get(field)
    if value is None or value == "":
        raise MappingError(PLATFORM, kind, field, "missing")
    return str(value)


def e164(phone: str | None, default_region: str = "US") -> str | None:
    """E.164 when the number parses, else the text as Intercom holds it (never dropped).

    ``hub.core.phones``: numbers already in North American E.164 or written the usual US ways
    are read without parsing; the rest are parsed (and cached) by phonenumbers.
    """
    if not phone:
        return None
    return phones.e164(phone, None if phone.startswith("+") else default_region) or phone


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --------------------------------------------------------------------------- contacts


def contact_from(
    record: Mapping[str, Any], cs_assist: Mapping[str, str] | None = None, default_region: str = "US"
) -> Contact:
    """A contact; CS Assist custom attributes come back under the hub's summary field names."""
    return ContactReader(cs_assist, default_region).one(record)


class ContactReader:
    """Maps one workspace's contacts: its CS Assist attribute names and phone region, read once.

    ``one(record)`` maps a decoded record. ``page(body)`` maps a whole search answer straight
    from its bytes: pydantic-core reads only the fields a ``Contact`` needs (the bare loop's
    ``json.loads`` builds every field of every record), and a page it cannot read that way (an
    odd field anywhere, a float attribute that must stay an exact ``Decimal``) is decoded and
    mapped record by record instead, so every answer is exactly ``one``'s and a broken record
    still raises its ``MappingError``.
    """

    def __init__(self, cs_assist: Mapping[str, str] | None = None, default_region: str = "US") -> None:
        self.reverse = {name: key for key, name in (cs_assist or {}).items()}
        self.region = default_region

    def one(self, record: Mapping[str, Any]) -> Contact:
        """One decoded contact record (``MappingError`` naming the field when it cannot be read)."""
        return _contact(record, self)

    def _attributes(self, custom: Mapping[str, Any]) -> dict[str, Any]:
        reverse = self.reverse
        return {reverse.get(name, name): value for name, value in custom.items()}

    def page(self, body: bytes) -> SearchPage:
        """A ``POST /contacts/search`` answer as mapped contacts and the next page's cursor."""
        try:
            wire = _CONTACT_PAGE.validate_json(body)
            contacts = self._from_wire(wire.data or ())
        except ValueError:  # pydantic's ValidationError among them: the careful way, record by record
            page = json_search_page(body, "data", "POST /contacts/search")
            return SearchPage([self.one(record) for record in page.records], page.cursor)
        following = wire.pages.next if wire.pages else None
        return SearchPage(contacts, (following.starting_after or None) if following else None)

    def _from_wire(self, records: list[_WireContact]) -> list[Contact]:
        """Contacts of records the strict wire model took: each still validated as a ``Contact``.

        One loop with its names bound once: this runs for every contact a sync reads.
        """
        reverse, region, validate = self.reverse, self.region, Contact.model_validate
        moment = datetime.fromtimestamp
        contacts = []
        for record in records:
            custom, stamp = record.custom_attributes, record.updated_at
            contacts.append(
                validate(
                    {
                        "platform": PLATFORM,
                        "id": record.id,
                        "email": record.email or None,
                        "phone_as_written": record.phone or None,  # E.164 when first read
                        "phone_region": region,
                        "name": record.name or None,
                        "role": record.role,
                        "attributes": {reverse.get(k, k): v for k, v in custom.items()} if custom else {},
                        "updated_at": moment(stamp, UTC) if stamp is not None else None,
                    }
                )
            )
        return contacts


@mapping_guard(PLATFORM, "contact")
def _contact(record: Mapping[str, Any], reader: ContactReader) -> Contact:
    custom = record.get("custom_attributes") or {}
    if not isinstance(custom, Mapping):
        raise MappingError(PLATFORM, "contact", "custom_attributes", "not an object")
    phone = record.get("phone")
    if phone is not None and not isinstance(phone, str):
        raise MappingError(PLATFORM, "contact", "phone", f"not text: {phone!r}")
    return Contact(
        platform=PLATFORM,
        id=required_id(record, "contact"),
        email=record.get("email") or None,
        phone_as_written=phone or None,  # E.164 when first read (Contact.phone)
        phone_region=reader.region,
        name=record.get("name") or None,
        role=record.get("role"),
        attributes=reader._attributes(custom),
        updated_at=timestamp(record, "updated_at", "contact"),
    )


_Scalar = StrictStr | StrictBool | StrictInt | None
"""A custom attribute the fast path takes as is; a float (kept exact as ``Decimal``) or a nested
value sends the page the careful way."""


class _WireContact(BaseModel):
    """The fields of an Intercom contact a ``Contact`` is made of, exactly as ``one`` reads them.

    Strict types: any value ``one`` would convert or refuse (an id given as a number, a
    timestamp given as text) fails here instead, and the page is mapped the careful way.
    """

    model_config = ConfigDict(extra="ignore")

    id: StrictStr = Field(min_length=1)
    email: StrictStr | None = None
    phone: StrictStr | None = None
    name: StrictStr | None = None
    role: StrictStr | None = None
    custom_attributes: dict[str, _Scalar] | None = None
    updated_at: StrictInt | None = Field(default=None, ge=_FIRST_SECOND, le=_LAST_SECOND)


class _Next(BaseModel):
    starting_after: StrictStr | None = None


class _Pages(BaseModel):
    next: _Next | None = None


class _ContactSearchPage(BaseModel):
    data: list[_WireContact] | None = None
    pages: _Pages | None = None


_CONTACT_PAGE = TypeAdapter(_ContactSearchPage)


def contact_attributes_to_wire(attributes: Mapping[str, Any], cs_assist: Mapping[str, str]) -> dict[str, Any]:
    """Hub summary fields -> Intercom custom attribute names and values Intercom can store.

    Money becomes ``"12.34 USD"``, datetimes UNIX seconds (Intercom's date attributes), lists a
    comma-separated string; keys that are not CS Assist fields are taken as Intercom names.
    """
    return {cs_assist.get(key, key): _custom_value(value) for key, value in attributes.items()}


def _custom_value(value: Any) -> Any:
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, datetime):
        return to_epoch(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(_custom_value(item)) for item in value)
    return value


# --------------------------------------------------------------------------- conversations


@mapping_guard(PLATFORM, "conversation")
def conversation_from(record: Mapping[str, Any]) -> Conversation:
    state = record.get("state") or ("open" if record.get("open", True) else "closed")
    conversation_id = required_id(record, "conversation")
    return Conversation(
        platform=PLATFORM,
        id=conversation_id,
        contact_ids=_listed_ids(record, "contacts"),
        title=record.get("title") or None,
        open=bool(record.get("open", state == "open")),
        state=state,
        tags=_tag_names(record),
        created_at=timestamp(record, "created_at", "conversation", required=True),
        updated_at=timestamp(record, "updated_at", "conversation", required=True),
        notes=notes_held(record, "conversation_parts", _conversation_ref(conversation_id)),
    )


def _conversation_ref(conversation_id: str) -> Ref:
    return Ref(platform=PLATFORM, id=conversation_id, kind="conversation")


def _listed_ids(record: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """Ids of Intercom's ``{"<key>": {"<key>": [{"id": ...}]}}`` lists (contacts of a record)."""
    with reading(key):
        items = (record.get(key) or {}).get(key) or []
        return tuple(str(item["id"]) for item in items if item.get("id") is not None)


def _tag_names(record: Mapping[str, Any]) -> tuple[str, ...]:
    with reading("tags"):
        tags = (record.get("tags") or {}).get("tags") or []
        return tuple(str(t.get("name")) for t in tags if t.get("name"))


@mapping_guard(PLATFORM, "note")
def note_from(part: Mapping[str, Any], parent: Ref) -> Note:
    """A conversation part or ticket part of type ``note``."""
    author = part.get("author") or {}
    return Note(
        platform=PLATFORM,
        id=required_id(part, "note"),
        parent=parent,
        body=part.get("body") or "",
        author_id=_author_id(author),
        created_at=timestamp(part, "created_at", "note"),
    )


def _author_id(author: Any) -> str | None:
    with reading("author"):
        return str(author["id"]) if author.get("id") is not None else None


@mapping_guard(PLATFORM, "conversation", id_field=None)
def notes_from(parts: list[Mapping[str, Any]], parent: Ref) -> list[Note]:
    """The notes among a conversation's (or ticket's) parts, oldest first."""
    notes = [
        note
        for index, part in enumerate(parts)
        for note in _note_of(part, parent, f"conversation_parts[{index}]")
    ]
    return sorted(notes, key=lambda note: (note.created_at or datetime.min.replace(tzinfo=UTC), note.id))


def _note_of(part: Any, parent: Ref, path: str) -> list[Note]:
    with reading(path):
        return [note_from(part, parent)] if part.get("part_type") == "note" else []


@mapping_guard(PLATFORM, "conversation")
def conversation_parts(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    parts = nested(record, "conversation_parts")
    with reading("conversation_parts"):
        return list(listed(parts, "conversation_parts"))


@mapping_guard(PLATFORM, "ticket")
def ticket_parts(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    parts = nested(record, "ticket_parts")
    with reading("ticket_parts"):
        return list(listed(parts, "ticket_parts"))


# --------------------------------------------------------------------------- tickets


@mapping_guard(PLATFORM, "ticket_type", id_field=None)
def ticket_type_ids(types: list[Mapping[str, Any]], names: Mapping[TicketType, str]) -> dict[str, TicketType]:
    """Intercom ticket type id -> hub ticket type, by the names configured in settings."""
    by_name = {name.casefold(): ticket_type for ticket_type, name in names.items()}
    resolved: dict[str, TicketType] = {}
    for item in types:
        if item.get("archived"):
            continue
        hub_type = by_name.get(str(item.get("name", "")).casefold())
        if hub_type is not None:
            resolved[str(item["id"])] = hub_type
    return resolved


@mapping_guard(PLATFORM, "ticket")
def ticket_from(
    record: Mapping[str, Any], types: Mapping[str, TicketType], attribute_names: Mapping[str, str]
) -> Ticket:
    """A ticket; its attributes appear under the hub's keys (only those present)."""
    ticket_type = record.get("ticket_type") or {}
    type_id = str(ticket_type.get("id")) if isinstance(ticket_type, Mapping) else None
    if type_id is None or type_id not in types:
        name = ticket_type.get("name") if isinstance(ticket_type, Mapping) else ticket_type
        raise MappingError(PLATFORM, "ticket", "ticket_type", f"not one of the hub's ticket types: {name!r}")
    raw_attributes = record.get("ticket_attributes") or {}
    if not isinstance(raw_attributes, Mapping):
        raise MappingError(PLATFORM, "ticket", "ticket_attributes", "not an object")
    ticket_id = required_id(record, "ticket")
    return Ticket(
        platform=PLATFORM,
        id=ticket_id,
        number=str(record["ticket_id"]) if record.get("ticket_id") is not None else None,
        type=types[type_id],
        state=ticket_state_of(record),
        title=_title(raw_attributes),
        contact_ids=_listed_ids(record, "contacts"),
        attributes=ticket_attributes_from(raw_attributes, attribute_names),
        linked_conversation_ids=_linked_conversations(record),
        created_at=timestamp(record, "created_at", "ticket", required=True),
        updated_at=timestamp(record, "updated_at", "ticket", required=True),
        notes=notes_held(record, "ticket_parts", Ref(platform=PLATFORM, id=ticket_id, kind="ticket")),
    )


PARTS_CAP = 500
"""The most parts Intercom returns with a conversation or a ticket (2.14 ``conversation_parts``
and ``ticket_parts``: "There is a limit of 500 parts")."""


def notes_held(record: Mapping[str, Any], key: str, parent: Ref) -> tuple[Note, ...] | None:
    """The notes among an answer's parts (``key``: ``conversation_parts`` or ``ticket_parts``)
    when it holds every part, else None.

    Every part: ``total_count`` is an integer equal to the parts listed, below the 500 Intercom
    returns at most (a list at the cap may have been cut, whatever its count says). Which answers
    carry parts (2.14): a ticket search answers each ticket with them (``POST /tickets/search``
    200 example), so the ticket list tells a flow which notes are there without a
    ``GET /tickets/{id}``; a conversation has them only when retrieved (``GET
    /conversations/{id}``), a search answer has none. An answer without them, or with a part
    that cannot be read, gives None: the record is still mapped, and ``list_notes`` (which
    reports a broken part) is asked instead.
    """
    listed = record.get(key)
    if not isinstance(listed, Mapping):
        return None
    parts, total = listed.get(key), listed.get("total_count")
    if not isinstance(parts, list) or type(total) is not int or total != len(parts) or total >= PARTS_CAP:
        return None
    try:
        return tuple(notes_from(parts, parent))
    except MappingError:
        return None


def _title(raw_attributes: Mapping[str, Any]) -> str | None:
    title = raw_attributes.get(DEFAULT_TITLE)
    if title is not None and not isinstance(title, str):
        raise MappingError(PLATFORM, "ticket", f"ticket_attributes.{DEFAULT_TITLE}", "not text")
    return title or None


def _linked_conversations(record: Mapping[str, Any]) -> tuple[str, ...]:
    with reading("linked_objects"):
        links = (record.get("linked_objects") or {}).get("data") or []
        return tuple(str(link["id"]) for link in links if link.get("type") == "conversation")


def ticket_state_of(record: Mapping[str, Any]) -> TicketState:
    """The state category: an object from 2.12 on, a bare string before."""
    state = record.get("ticket_state")
    category = state.get("category") if isinstance(state, Mapping) else state
    try:
        return TicketState(str(category))
    except ValueError:
        raise MappingError(PLATFORM, "ticket", "ticket_state", f"unknown state {category!r}") from None


def ticket_attributes_from(raw: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key, name in names.items():
        value = raw.get(name)
        if value is None or value == "":
            continue
        attributes[key] = _typed_attribute(key, value)
    return attributes


def _typed_attribute(key: str, value: Any) -> Any:
    """Typed when the value reads as its type (an amount only when it is a number); else the
    text as the agent typed it.

    Agents type ticket attributes by hand, so a bad amount is the flow's to report back on the
    ticket ("amount 'twelve' is not a number"), not a reason to drop the whole ticket here.
    Numbers arrive as Decimal (the client parses JSON floats as Decimal), never float.
    """
    kind = ATTRIBUTE_KINDS.get(key, "text")
    if isinstance(value, bool) and kind != "bool":
        return str(value).lower()
    if kind == "decimal":
        # Text stays as typed for the hub's one amount parser (hub.core.amounts): Decimal()
        # would read "1.5e1" as 15, "1_000" as 1000 and other scripts' digits, all refused there.
        return value if isinstance(value, str) else _as_decimal(value)
    if kind == "bool":
        text = str(value).strip().casefold()
        if isinstance(value, bool):
            return value
        return text in _TRUE if text in _TRUE | _FALSE else value
    if kind == "int":
        number = _as_decimal(value)
        return int(number) if isinstance(number, Decimal) and number == number.to_integral_value() else value
    return value if isinstance(value, str) else str(value)


def _as_decimal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return value
    return number if number.is_finite() else value


def ticket_attributes_to_wire(attributes: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Hub attribute keys -> Intercom attribute names; unknown keys are taken as Intercom names."""
    wire: dict[str, Any] = {}
    for key, value in attributes.items():
        if isinstance(value, Money):
            value = value.amount
        wire[names.get(key, key)] = value
    return wire


def state_id_for(
    ticket_type: Mapping[str, Any], state: TicketState, all_states: list[Mapping[str, Any]] | None = None
) -> str | None:
    """The id of the type's state in ``state``'s category (the first when there are several)."""
    own = (ticket_type.get("ticket_states") or {}).get("data") or []
    candidates = [s for s in own if s.get("category") == state.value and not s.get("archived")]
    if not candidates and all_states:
        type_id = str(ticket_type.get("id"))
        candidates = [
            s
            for s in all_states
            if s.get("category") == state.value
            and not s.get("archived")
            and type_id in {str(t.get("id")) for t in (s.get("ticket_types") or {}).get("data") or []}
        ]
    return str(candidates[0]["id"]) if candidates else None


# --------------------------------------------------------------------------- admins


def reason_labels(reasons: list[Mapping[str, Any]]) -> dict[str, str]:
    """Away status reason id -> label (deleted ones kept: an admin may still carry one)."""
    return {str(r["id"]): str(r.get("label") or "") for r in reasons if r.get("id") is not None}


@mapping_guard(PLATFORM, "admin")
def agent_from(record: Mapping[str, Any], reasons: Mapping[str, str]) -> Agent:
    away = bool(record.get("away_mode_enabled"))
    reason_id = record.get("away_status_reason_id")
    reason = reasons.get(str(reason_id)) if away and reason_id is not None else None
    return Agent(
        platform=PLATFORM,
        id=required_id(record, "admin"),
        name=record.get("name") or None,
        email=record.get("email") or None,
        status=AgentStatus.AWAY if away else AgentStatus.AVAILABLE,
        reason=reason,
    )


# --------------------------------------------------------------------------- webhooks


def notification_item(
    payload: Mapping[str, Any],
    types: Mapping[str, TicketType] | None = None,
    attribute_names: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> Any:
    """The domain record carried by a webhook notification's ``data.item``."""
    if payload.get("type") != "notification_event":
        raise MappingError(PLATFORM, "notification", "type", "not a notification_event")
    item = ((payload.get("data") or {}).get("item")) or {}
    kind = item.get("type")
    if kind in ("contact", "user", "lead"):  # "user" is the legacy (v1) item shape
        return contact_from(item)
    if kind == "conversation":
        return conversation_from(item)
    if kind == "ticket":
        return ticket_from(item, types or {}, attribute_names or {})
    if kind == "admin":
        return agent_from(item, reasons or {})
    raise MappingError(PLATFORM, "notification", "data.item.type", f"unsupported item type {kind!r}")
