"""What the hub needs a helpdesk to hold before its flows can write there, and what setup did.

The flows declare their needs (``Flow.needs``, a ``HelpdeskNeeds``): the contact fields CS
Assist writes, the ticket types the back office and the tracker report read, each field with
the hub's key, a type and a one-line description. ``hub setup`` merges the needs of the enabled
flows and hands them to every helpdesk plugin (``helpdesk_setup``), which compares them with
what the workspace holds under the names its settings map the keys to, and answers one
``SetupItem`` per thing: it exists, it will be (or was) created or brought back from the
archive, or it differs in a way the hub cannot mend (a field of another type), with the fix.
Nothing here names a platform.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hub.core.models import TicketType


class FieldType(StrEnum):
    """The kinds of value the hub writes into a helpdesk field (each platform has its names)."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"


class FieldSpec(BaseModel):
    """One field the hub writes or reads: its key (the hub's name), type and what it holds."""

    model_config = ConfigDict(frozen=True)

    key: str
    type: FieldType = FieldType.STRING
    description: str


class TicketTypeSpec(BaseModel):
    """One ticket type the hub reads, with the attributes its tickets carry."""

    model_config = ConfigDict(frozen=True)

    type: TicketType
    description: str
    attributes: tuple[FieldSpec, ...] = ()


class HelpdeskNeeds(BaseModel):
    """What a flow (or a whole hub) needs the helpdesk to hold: contact fields and ticket types."""

    model_config = ConfigDict(frozen=True)

    contact_fields: tuple[FieldSpec, ...] = ()
    ticket_types: tuple[TicketTypeSpec, ...] = ()

    def merged(self, other: HelpdeskNeeds) -> HelpdeskNeeds:
        """Both flows' needs: each field once (the first description wins), a ticket type's
        attributes joined. ``ValueError`` when two flows give one key two types."""
        types: dict[TicketType, TicketTypeSpec] = {t.type: t for t in self.ticket_types}
        for wanted in other.ticket_types:
            known = types.get(wanted.type)
            attributes = _joined(known.attributes, wanted.attributes) if known else wanted.attributes
            types[wanted.type] = (known or wanted).model_copy(update={"attributes": attributes})
        return HelpdeskNeeds(
            contact_fields=_joined(self.contact_fields, other.contact_fields),
            ticket_types=tuple(types.values()),
        )


def _joined(first: tuple[FieldSpec, ...], second: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    fields = {spec.key: spec for spec in first}
    for spec in second:
        known = fields.setdefault(spec.key, spec)
        if known.type is not spec.type:
            raise ValueError(f"field {spec.key!r} is needed as {known.type} and as {spec.type}")
    return tuple(fields.values())


class SetupAction(StrEnum):
    EXISTS = "exists"
    """Already there as the hub needs it: nothing to do."""
    CREATE = "create"
    """Missing: setup creates it."""
    UPDATE = "update"
    """There, but archived: setup brings it back (a description worded otherwise is kept)."""
    DIFFERS = "differs"
    """There, but not usable as it is (another type, another category): ``fix`` says what to do."""


class SetupItem(BaseModel):
    """One thing a helpdesk holds for the hub, what setup does about it, and whether it did."""

    model_config = ConfigDict(frozen=True)

    platform: str
    kind: str
    """``contact field``, ``ticket type`` or ``ticket field``."""
    name: str
    """The name on the platform (``Refund``, ``Refund / Order ID``, ``cs_tracking_numbers``)."""
    action: SetupAction
    detail: str = ""
    fix: str = ""
    """For ``DIFFERS``: what a person has to change, and where."""
    done: bool = False
    """True once an applied setup created or updated it."""

    @property
    def pending(self) -> bool:
        """Setup would change it and has not (a dry run, or a plan before it is applied)."""
        return self.action in (SetupAction.CREATE, SetupAction.UPDATE) and not self.done
