"""``hub setup`` on an Intercom workspace: the hub's needs as data attributes and ticket types.

Pure planning: given what the workspace lists (``GET /data_attributes?model=contact``,
``GET /ticket_types``) and the names the settings map the hub's keys to, one ``Step`` per
contact attribute, ticket type and ticket type attribute: the ``SetupItem`` to report and, when
something is to be created or updated, the request that does it (``operations.py`` sends it).

Intercom cannot change an attribute's type or a ticket type's category once created, so those
differences are reported with the fix, never "mended". A description that differs from the
hub's is left as the workspace has it (someone may have worded it for the team) and noted.
Source: Intercom REST API 2.14 (data attributes, ticket types, ticket type attributes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.core.models import TicketType
from hub.core.setup import FieldSpec, FieldType, SetupAction, SetupItem, TicketTypeSpec

PLATFORM = "intercom"
CONTACT_TYPES = {
    FieldType.STRING: "string",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "float",
    FieldType.BOOLEAN: "boolean",
    FieldType.DATE: "date",
}
"""The hub's field types as contact data attribute ``data_type`` values."""
TICKET_TYPES = {
    FieldType.STRING: "string",
    FieldType.INTEGER: "integer",
    FieldType.DECIMAL: "decimal",
    FieldType.BOOLEAN: "boolean",
    FieldType.DATE: "datetime",
}
"""The hub's field types as ticket type attribute ``data_type`` values."""
SAME_TYPES = {"datetime": "date"}
"""Intercom answers ``date`` for a contact attribute created as ``datetime``."""


@dataclass(frozen=True)
class Step:
    """One item of the plan and the request that carries it out (none when nothing to do)."""

    item: SetupItem
    method: str = ""
    path: str = ""
    body: dict[str, Any] = field(default_factory=dict)


def category_of(ticket_type: TicketType) -> str:
    """The Intercom category of a hub ticket type: trackers are Tracker, the rest Back-office."""
    return "Tracker" if ticket_type is TicketType.TRACKER else "Back-office"


def contact_steps(
    fields: tuple[FieldSpec, ...], existing: list[Mapping[str, Any]], names: Mapping[str, str]
) -> list[Step]:
    """A step per contact field: its data attribute exists, is to be created, or differs."""
    by_name = {str(a.get("name")): a for a in existing if a.get("model", "contact") == "contact"}
    steps = []
    for spec in fields:
        name = names.get(spec.key, spec.key)
        wanted = CONTACT_TYPES[spec.type]
        found = by_name.get(name)
        item = SetupItem(platform=PLATFORM, kind="contact field", name=name, action=SetupAction.EXISTS)
        if found is None:
            body = {"name": name, "model": "contact", "data_type": wanted, "description": spec.description}
            steps.append(Step(_with(item, SetupAction.CREATE, wanted), "POST", "/data_attributes", body))
        elif _type(found) != SAME_TYPES.get(wanted, wanted):
            fix = (
                f"the hub writes {wanted}: set [plugins.intercom.cs_assist_attributes] {spec.key} = "
                f'"<another name>" (hub setup creates it), or archive {name!r} in Intercom and run hub setup'
            )
            steps.append(Step(_with(item, SetupAction.DIFFERS, f"is {_type(found)}", fix)))
        elif found.get("archived"):
            path = f"/data_attributes/{found.get('id')}"
            steps.append(
                Step(_with(item, SetupAction.UPDATE, "archived: unarchive"), "PUT", path, {"archived": False})
            )
        else:
            steps.append(Step(_with(item, SetupAction.EXISTS, _described(found, spec.description))))
    return steps


def ticket_type_step(spec: TicketTypeSpec, name: str, found: Mapping[str, Any] | None) -> Step:
    """The step of one ticket type: exists, to be created (Back-office or Tracker), or differs."""
    item = SetupItem(platform=PLATFORM, kind="ticket type", name=name, action=SetupAction.EXISTS)
    category = category_of(spec.type)
    if found is None:
        body = {"name": name, "description": spec.description, "category": category, "is_internal": True}
        return Step(_with(item, SetupAction.CREATE, category), "POST", "/ticket_types", body)
    if found.get("archived"):
        fix = f"unarchive {name!r} in Intercom, or name another type in [plugins.intercom.ticket_types]"
        return Step(_with(item, SetupAction.DIFFERS, "archived", fix))
    if found.get("category") != category:
        fix = (
            f"the hub needs a {category} type: rename {name!r} in Intercom, or set "
            f'[plugins.intercom.ticket_types] {spec.type.value} = "<another name>" and run hub setup'
        )
        return Step(_with(item, SetupAction.DIFFERS, f"category {found.get('category')}", fix))
    return Step(_with(item, SetupAction.EXISTS, _described(found, spec.description)))


def ticket_attribute_steps(
    spec: TicketTypeSpec,
    type_name: str,
    type_id: str | None,
    existing: list[Mapping[str, Any]],
    names: Mapping[str, str],
) -> list[Step]:
    """A step per attribute of one ticket type (``type_id`` None: the type is not created yet)."""
    by_name = {str(a.get("name")): a for a in existing if not a.get("archived")}
    steps = []
    for attribute in spec.attributes:
        name = names.get(attribute.key, attribute.key)
        wanted = TICKET_TYPES[attribute.type]
        found = by_name.get(name)
        item = SetupItem(
            platform=PLATFORM, kind="ticket field", name=f"{type_name} / {name}", action=SetupAction.EXISTS
        )
        if found is None:
            body = {"name": name, "description": attribute.description, "data_type": wanted}
            path = f"/ticket_types/{type_id}/attributes"
            steps.append(Step(_with(item, SetupAction.CREATE, wanted), "POST", path, body))
        elif _type(found) != wanted:
            fix = (
                f"the hub reads {wanted}: archive {name!r} on {type_name!r} in Intercom and run hub setup, "
                f'or set [plugins.intercom.ticket_attributes] {attribute.key} = "<another name>"'
            )
            steps.append(Step(_with(item, SetupAction.DIFFERS, f"is {_type(found)}", fix)))
        else:
            steps.append(Step(_with(item, SetupAction.EXISTS, _described(found, attribute.description))))
    return steps


def ticket_type_attributes(ticket_type: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The attributes a listed ticket type carries (``ticket_type_attributes.data``)."""
    listed = ticket_type.get("ticket_type_attributes") or {}
    return list(listed.get("data") or []) if isinstance(listed, Mapping) else []


def _type(record: Mapping[str, Any]) -> str:
    return str(record.get("data_type") or "")


def _described(found: Mapping[str, Any], wanted: str) -> str:
    """A note when the workspace words the description otherwise (kept as it is)."""
    current = str(found.get("description") or "")
    return "" if current == wanted else "description differs (kept as the workspace has it)"


def _with(item: SetupItem, action: SetupAction, detail: str = "", fix: str = "") -> SetupItem:
    return item.model_copy(update={"action": action, "detail": detail, "fix": fix})
