"""Intercom's search query language (``POST /{contacts,conversations,tickets}/search``).

The rules are those of the 2.14 description: each field has a type, each type its operators;
dates compare by whole day in the workspace's timezone; at most 2 nesting levels and 15 filters
per group. A value may be sent as a string or an integer where the description allows both: a
date or integer field takes ``1306054154`` or ``"1306054154"`` (the description's own example),
never ``"yesterday"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from plugins.intercom.emulator.errors import invalid
from plugins.intercom.emulator.workspace import Workspace

MAX_FILTERS_PER_GROUP = 15
MAX_NESTING = 2
_INTEGER_TEXT = re.compile(r"-?\d+")


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # string | integer | number | boolean | date | tag
    getter: Callable[[dict[str, Any]], Any]
    many: bool = False  # the record holds a list; a filter matches when any element does
    words: bool = False  # matched word by word (source.body)


OPERATORS = {
    "string": {"=", "!=", "IN", "NIN", "~", "!~", "^", "$"},
    "integer": {"=", "!=", "IN", "NIN", "<", ">", "<=", ">="},
    "number": {"=", "!=", "IN", "NIN", "<", ">", "<=", ">="},
    "boolean": {"=", "!=", "IN", "NIN"},
    "date": {"=", "<", ">"},
    "tag": {"=", "!="},
}


def _strip_html(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text or "")


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _always(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda _record: value


# Contact fields the emulator keeps no data for: searchable (as Intercom allows), never set.
_UNSET_CONTACT_STRINGS = (
    "avatar",
    "language_override",
    "browser",
    "browser_language",
    "os",
    "location.country",
    "location.region",
    "location.city",
    "ios_app_version",
    "ios_device",
    "ios_app_device",
    "ios_os_version",
    "ios_app_name",
    "ios_sdk_version",
    "android_app_version",
    "android_device",
    "android_app_name",
    "andoid_sdk_version",  # sic: the description's spelling
)
_UNSET_CONTACT_DATES = (
    "last_contacted_at",
    "last_replied_at",
    "last_email_opened_at",
    "last_email_clicked_at",
    "ios_last_seen_at",
    "android_last_seen_at",
)


def contact_fields(ws: Workspace) -> dict[str, FieldSpec]:
    """The searchable contact fields of the description's table, custom attributes included."""
    fields = {
        name: FieldSpec("string", lambda c, n=name: c.get(n))
        for name in ("id", "role", "name", "email", "phone", "external_id")
    }
    fields["email_domain"] = FieldSpec("string", lambda c: (c.get("email") or "@").split("@", 1)[1])
    fields["owner_id"] = FieldSpec("integer", lambda c: c.get("owner_id"))
    for name in ("created_at", "updated_at", "signed_up_at", "last_seen_at"):
        fields[name] = FieldSpec("date", lambda c, n=name: c.get(n))
    fields.update({name: FieldSpec("string", _always(None)) for name in _UNSET_CONTACT_STRINGS})
    fields.update({name: FieldSpec("date", _always(None)) for name in _UNSET_CONTACT_DATES})
    fields["unsubscribed_from_emails"] = FieldSpec(
        "boolean", lambda c: bool(c.get("unsubscribed_from_emails"))
    )
    fields["marked_email_as_spam"] = FieldSpec("boolean", _always(False))
    fields["has_hard_bounced"] = FieldSpec("boolean", _always(False))
    fields["tag_id"] = FieldSpec("tag", lambda c: c.get("tag_ids", []), many=True)
    fields["segment_id"] = FieldSpec("string", lambda c: [s["id"] for s in ws.segments_of(c)], many=True)
    kinds = {
        "string": "string",
        "integer": "integer",
        "float": "number",
        "boolean": "boolean",
        "date": "date",
    }
    for key, attribute in ws.data_attributes.items():
        if key.startswith("contact:") and attribute["custom"]:
            name = attribute["name"]
            fields[f"custom_attributes.{name}"] = FieldSpec(
                kinds.get(attribute["data_type"], "string"), lambda c, n=name: c["custom_attributes"].get(n)
            )
    return fields


def conversation_fields(ws: Workspace) -> dict[str, FieldSpec]:
    """The searchable conversation fields the emulator keeps data for."""
    source = lambda *path: lambda c: _dig(c["source"], path)  # noqa: E731 - a getter factory
    return {
        "id": FieldSpec("string", lambda c: c["id"]),
        "created_at": FieldSpec("date", lambda c: c["created_at"]),
        "updated_at": FieldSpec("date", lambda c: c["updated_at"]),
        "waiting_since": FieldSpec("date", lambda c: c["waiting_since"]),
        "snoozed_until": FieldSpec("date", lambda c: c["snoozed_until"]),
        "contact_ids": FieldSpec("string", lambda c: c["contact_ids"], many=True),
        "teammate_ids": FieldSpec("string", lambda c: [], many=True),
        "tag_ids": FieldSpec("tag", lambda c: c["tag_ids"], many=True),
        "open": FieldSpec("boolean", lambda c: c["open"]),
        "read": FieldSpec("boolean", lambda c: c["read"]),
        "state": FieldSpec("string", lambda c: c["state"]),
        "priority": FieldSpec("string", lambda c: c["priority"]),
        "admin_assignee_id": FieldSpec("integer", lambda c: _int_or_none(c["admin_assignee_id"])),
        "team_assignee_id": FieldSpec("integer", lambda c: _int_or_none(c["team_assignee_id"])),
        "ai_agent_participated": FieldSpec("boolean", _always(False)),
        "source.type": FieldSpec("string", source("type")),
        "source.id": FieldSpec("string", source("id")),
        "source.delivered_as": FieldSpec("string", source("delivered_as")),
        "source.subject": FieldSpec("string", source("subject")),
        "source.body": FieldSpec("string", lambda c: _strip_html(c["source"]["body"]), words=True),
        "source.author.id": FieldSpec("string", source("author", "id")),
        "source.author.type": FieldSpec("string", source("author", "type")),
        "source.author.name": FieldSpec("string", source("author", "name")),
        "source.author.email": FieldSpec("string", source("author", "email")),
        "source.url": FieldSpec("string", source("url")),
    }


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def ticket_fields(ws: Workspace) -> dict[str, FieldSpec]:
    """The searchable ticket fields, ``ticket_attribute.{id}`` for every attribute of every type."""
    category_terms = {"Customer": "request", "Back-office": "task", "Tracker": "tracker"}
    fields = {
        "id": FieldSpec("string", lambda t: t["id"]),
        "created_at": FieldSpec("date", lambda t: t["created_at"]),
        "updated_at": FieldSpec("date", lambda t: t["updated_at"]),
        "snoozed_until": FieldSpec("date", lambda t: t.get("snoozed_until")),
        "title": FieldSpec("string", lambda t: t["attributes"].get("_default_title_")),
        "description": FieldSpec("string", lambda t: t["attributes"].get("_default_description_")),
        "category": FieldSpec("string", lambda t: category_terms[ws.ticket_types[t["type_id"]]["category"]]),
        "ticket_type_id": FieldSpec("string", lambda t: t["type_id"]),
        "contact_ids": FieldSpec("string", lambda t: t["contact_ids"], many=True),
        "teammate_ids": FieldSpec("string", lambda t: [], many=True),
        "admin_assignee_id": FieldSpec("string", lambda t: _str_or_none(t.get("admin_assignee_id"))),
        "team_assignee_id": FieldSpec("string", lambda t: _str_or_none(t.get("team_assignee_id"))),
        "open": FieldSpec("boolean", lambda t: t["open"]),
        "state": FieldSpec("string", lambda t: ws.ticket_states[t["state_id"]]["category"]),
    }
    kinds = {
        "boolean": "boolean",
        "integer": "integer",
        "decimal": "number",
        "float": "number",
        "date": "date",
    }
    for ticket_type in ws.ticket_types.values():
        for attribute in ticket_type["attributes"]:
            fields[f"ticket_attribute.{attribute['id']}"] = FieldSpec(
                kinds.get(attribute["data_type"], "string"),
                lambda t, n=attribute["name"]: t["attributes"].get(n),
            )
    return fields


class Search:
    """Validates and evaluates one search query against a resource's fields."""

    def __init__(
        self,
        fields: dict[str, FieldSpec],
        tz: ZoneInfo,
        extra_date_operators: dict[str, set[str]] | None = None,
    ) -> None:
        self.fields, self.tz = fields, tz
        self.extra = extra_date_operators or {}

    def validate(self, node: Any, depth: int = 0) -> dict[str, Any]:
        """The query with its values in their field's type (``"1306054154"`` -> 1306054154); 400 if bad."""
        if not isinstance(node, dict):
            raise invalid("query must be an object", field="query")
        operator = node.get("operator")
        if operator in ("AND", "OR"):
            if depth + 1 > MAX_NESTING:
                raise invalid(f"Maximum of {MAX_NESTING} nested filters exceeded")
            children = node.get("value")
            if not isinstance(children, list) or not children:
                raise invalid(f"{operator} needs a list of filters")
            if len(children) > MAX_FILTERS_PER_GROUP:
                raise invalid(f"Maximum of {MAX_FILTERS_PER_GROUP} filters per {operator} group exceeded")
            return {"operator": operator, "value": [self.validate(child, depth + 1) for child in children]}
        return self._validate_filter(node)

    def _validate_filter(self, node: dict[str, Any]) -> dict[str, Any]:
        name, operator, value = node.get("field"), node.get("operator"), node.get("value")
        spec = self.fields.get(name) if isinstance(name, str) else None
        if spec is None:
            raise invalid(f"{name!r} is not a searchable field", field="query.field")
        allowed = OPERATORS[spec.kind] | self.extra.get(name, set())
        if operator not in allowed:
            raise invalid(
                f"Operator {operator!r} is not supported for {spec.kind} field {name}", field="query.operator"
            )
        if operator in ("IN", "NIN") and not isinstance(value, list):
            raise invalid(f"{operator} needs an array value", field="query.value")
        values = value if operator in ("IN", "NIN") else [value]
        typed = []
        for item in values:
            converted = typed_value(spec.kind, item)
            if converted is None:
                raise invalid(
                    f"Value {item!r} does not match the {spec.kind} type of {name}", field="query.value"
                )
            typed.append(converted[0])
        return {
            "field": name,
            "operator": operator,
            "value": typed if operator in ("IN", "NIN") else typed[0],
        }

    def matches(self, record: dict[str, Any], node: dict[str, Any]) -> bool:
        """Whether ``record`` satisfies a query returned by ``validate``."""
        operator = node["operator"]
        if operator == "AND":
            return all(self.matches(record, child) for child in node["value"])
        if operator == "OR":
            return any(self.matches(record, child) for child in node["value"])
        spec = self.fields[node["field"]]
        actual = spec.getter(record)
        if spec.kind == "date":
            return self._date_match(actual, operator, node["value"])
        candidates = list(actual or []) if spec.many else [actual]
        if spec.words:
            candidates = str(actual or "").lower().split()
        negative = operator in ("!=", "NIN", "!~")
        hits = [self._scalar_match(c, operator, node["value"]) for c in candidates]
        return all(hits) if negative else any(hits)

    def _day_start(self, epoch: int, shift_days: int = 0) -> int:
        day = datetime.fromtimestamp(epoch, tz=self.tz).date() + timedelta(days=shift_days)
        return int(datetime(day.year, day.month, day.day, tzinfo=self.tz).timestamp())

    def _date_match(self, actual: Any, operator: str, value: int) -> bool:
        """Whole-day comparisons in the workspace timezone (reference §5)."""
        if actual is None:
            return False
        if operator == "=":
            return self._day_start(value) <= actual < self._day_start(value, 1)
        if operator == ">":
            return actual >= self._day_start(value, 1)
        if operator == "<":
            return actual < self._day_start(value)
        if operator == ">=":
            return actual >= self._day_start(value)
        if operator == "<=":
            return actual < self._day_start(value, 1)
        return False

    @staticmethod
    def _scalar_match(actual: Any, operator: str, value: Any) -> bool:
        if isinstance(actual, str) and isinstance(value, str):
            actual_cmp, value_cmp = actual.lower(), value.lower()
        else:
            actual_cmp, value_cmp = actual, value
        if operator == "=":
            return actual_cmp == value_cmp
        if operator == "!=":
            return actual_cmp != value_cmp
        if operator in ("IN", "NIN"):
            options = [v.lower() if isinstance(v, str) else v for v in value]
            return (actual_cmp in options) == (operator == "IN")
        if actual is None:
            return operator == "!~"
        if operator in ("<", ">", "<=", ">="):
            return _compare(actual_cmp, operator, value_cmp)
        text, needle = str(actual_cmp), str(value_cmp)
        return {
            "~": needle in text,
            "!~": needle not in text,
            "^": text.startswith(needle),
            "$": text.endswith(needle),
        }[operator]


def _compare(actual: Any, operator: str, value: Any) -> bool:
    try:
        return {
            "<": actual < value,
            ">": actual > value,
            "<=": actual <= value,
            ">=": actual >= value,
        }[operator]
    except TypeError:  # a number field holding text never orders against a number
        return False


def typed_value(kind: str, value: Any) -> tuple[Any] | None:
    """``(value,)`` in the field's type, or None when it does not fit.

    An integer or date field takes an integer or a string of digits (the description's examples
    send dates as strings), never other text; a string field takes only a string.
    """
    if isinstance(value, bool):
        return (value,) if kind == "boolean" else None
    if kind in ("string", "tag"):
        return (value,) if isinstance(value, str) else None
    if kind in ("integer", "date"):
        if isinstance(value, int):
            return (value,)
        return (int(value),) if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()) else None
    if kind == "number":
        if isinstance(value, int | float):
            return (value,)
        try:
            return (float(value),) if isinstance(value, str) else None
        except ValueError:
            return None
    return None
