"""A faithful in-memory Intercom REST API (Starlette), for tests and the sandbox.

What it reproduces (shared/reference/intercom.md §9): Bearer auth with the 401 ``error.list``
body and no rate-limit headers; ``Intercom-Version`` (absent -> the workspace default, unknown ->
400); a per-app fixed 10-second window plus a per-workspace minute window with
``X-RateLimit-Limit/Remaining/Reset`` on every authenticated answer and a 429
``rate_limit_exceeded`` body; opaque cursor pagination (``per_page`` clamped to 150); the search
query language with operator/type rules, whole-day date comparisons in the workspace timezone,
at most 2 nesting levels and 15 filters per group; contacts whose custom attributes must exist as
data attributes of the right type; conversations with parts and tags; ticket types with their
attributes and states, tickets whose state moves by category; admins with away mode and away
status reasons; every error in the ``error.list`` envelope with a ``request_id``.

Run standalone: ``python -m plugins.intercom.emulator --port 8010 [--token T]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.sandbox.emulator import FaultMiddleware, Faults, FixedWindow, run_forever
from hub.sandbox.world import BRANDS

VERSIONS = (
    "1.0",
    "1.1",
    "1.2",
    "1.3",
    "1.4",
    "2.0",
    "2.1",
    "2.2",
    "2.3",
    "2.4",
    "2.5",
    "2.6",
    "2.7",
    "2.8",
    "2.9",
    "2.10",
    "2.11",
    "2.12",
    "2.13",
    "2.14",
    "2.15",
    "2.16",
    "Preview",
)
MAX_PER_PAGE = 150
MAX_FILTERS_PER_GROUP = 15
MAX_NESTING = 2
STATE_CATEGORIES = ("submitted", "in_progress", "waiting_on_customer", "resolved")


def version_tuple(version: str) -> tuple[int, int]:
    if version == "Preview":
        return (99, 0)
    major, _, minor = version.partition(".")
    return int(major), int(minor)


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """Raised by handlers; rendered as Intercom's ``error.list`` body."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(
    status: int,
    code: str,
    message: str | None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    entry: dict[str, Any] = {"code": code, "message": message}
    if field:
        entry["field"] = field
    body = {"type": "error.list", "request_id": str(uuid.uuid4()), "errors": [entry]}
    return JSONResponse(body, status_code=status, headers=headers)


_FAULT_CODES = {
    400: ("parameter_invalid", "Bad request"),
    401: ("unauthorized", "Access Token Invalid"),
    403: ("api_plan_restricted", "Active subscription needed."),
    404: ("not_found", "Resource Not Found"),
    429: ("rate_limit_exceeded", "Exceeded rate limit"),
    500: ("server_error", "Server Error"),
    502: ("server_error", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
}


def fault_body(status: int) -> Response:
    """Intercom's error body for an injected fault."""
    code, message = _FAULT_CODES.get(status, ("server_error", "Server Error"))
    return error_response(status, code, message)


def not_found(code: str = "not_found", message: str = "Resource Not Found") -> ApiError:
    return ApiError(404, code, message)


# --------------------------------------------------------------------------- the workspace


def _hex_id(kind: str, number: int) -> str:
    return hashlib.sha1(f"{kind}-{number}".encode()).hexdigest()[:24]


@dataclass
class Workspace:
    """All state of one emulated workspace, plus knobs. Tests read it to assert outcomes."""

    token: str = "test-token"
    default_version: str = "2.14"
    timezone: str = "UTC"
    per_minute: int = 10_000
    window_seconds: float = 10.0
    per_window: int | None = None
    workspace_per_minute: int = 25_000
    require_away_reason: bool = False
    webhook_secret: str = "emulator-client-secret"
    workspace_id: str = "hubsandbox"
    clock: Callable[[], float] = time.time
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    admins: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    ticket_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    ticket_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    away_reasons: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()
        limit = self.per_window or max(1, int(self.per_minute * self.window_seconds // 60))
        self.app_window = FixedWindow(limit, self.window_seconds, clock=self.clock)
        self.workspace_window = FixedWindow(self.workspace_per_minute, 60, clock=self.clock)

    # ---- ids and time

    def next_number(self, kind: str, start: int = 1) -> int:
        with self._lock:
            value = self._counters.get(kind, start - 1) + 1
            self._counters[kind] = value
            return value

    def now(self) -> int:
        return int(self.clock())

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # ---- seeding helpers (also used by handlers)

    def add_admin(
        self,
        name: str,
        email: str,
        *,
        away: bool = False,
        reason: str | None = None,
        job_title: str = "Support Agent",
    ) -> dict[str, Any]:
        admin_id = str(self.next_number("admin", 991_267_001))
        reason_id = self.reason_by_label(reason)["id"] if reason else None
        admin = {
            "id": admin_id,
            "name": name,
            "email": email,
            "job_title": job_title,
            "away_mode_enabled": away,
            "away_mode_reassign": False,
            "has_inbox_seat": True,
            "team_ids": [],
            "away_status_reason_id": reason_id if away else None,
        }
        self.admins[admin_id] = admin
        return admin

    def add_away_reason(self, label: str, emoji: str = "", *, deleted: bool = False) -> dict[str, Any]:
        reason_id = str(self.next_number("away_reason", 1))
        now = self.now()
        reason = {
            "type": "away_status_reason",
            "id": reason_id,
            "label": label,
            "emoji": emoji,
            "order": len(self.away_reasons) + 1,
            "deleted": deleted,
            "created_at": now,
            "updated_at": now,
        }
        self.away_reasons[reason_id] = reason
        return reason

    def reason_by_label(self, label: str) -> dict[str, Any]:
        for reason in self.away_reasons.values():
            if reason["label"] == label and not reason["deleted"]:
                return reason
        raise KeyError(f"no away reason {label!r}")

    def add_data_attribute(self, name: str, data_type: str, model: str = "contact") -> dict[str, Any]:
        attr_id = self.next_number("data_attribute", 1)
        now = self.now()
        attribute = {
            "type": "data_attribute",
            "id": attr_id,
            "model": model,
            "name": name,
            "full_name": f"custom_attributes.{name}",
            "label": name,
            "data_type": data_type,
            "api_writable": True,
            "ui_writable": True,
            "messenger_writable": False,
            "custom": True,
            "archived": False,
            "created_at": now,
            "updated_at": now,
        }
        self.data_attributes[f"{model}:{name}"] = attribute
        return attribute

    def add_contact(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        name: str | None = None,
        role: str = "user",
        external_id: str | None = None,
        custom_attributes: dict[str, Any] | None = None,
        created_at: int | None = None,
        updated_at: int | None = None,
    ) -> dict[str, Any]:
        number = self.next_number("contact")
        contact_id = _hex_id("contact", number)
        created = created_at if created_at is not None else self.now()
        custom = dict(custom_attributes or {})
        for key, value in custom.items():
            self.check_custom_attribute("contact", key, value)
        contact = {
            "id": contact_id,
            "external_id": external_id,
            "role": role,
            "email": email,
            "phone": phone,
            "name": name,
            "created_at": created,
            "updated_at": updated_at if updated_at is not None else created,
            "signed_up_at": created,
            "custom_attributes": custom,
        }
        self.contacts[contact_id] = contact
        return contact

    def check_custom_attribute(self, model: str, name: str, value: Any) -> None:
        attribute = self.data_attributes.get(f"{model}:{name}")
        if attribute is None or attribute["archived"]:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' does not exist",
                field=f"custom_attributes.{name}",
            )
        if value is not None and not _matches_type(attribute["data_type"], value):
            raise ApiError(
                400,
                "parameter_invalid",
                f"Custom attribute '{name}' must be of type {attribute['data_type']}",
                field=f"custom_attributes.{name}",
            )

    def add_tag(self, name: str) -> dict[str, Any]:
        for tag in self.tags.values():
            if tag["name"] == name:
                return tag
        tag_id = str(self.next_number("tag", 8_001))
        self.tags[tag_id] = {"type": "tag", "id": tag_id, "name": name}
        return self.tags[tag_id]

    def add_conversation(
        self,
        contact_id: str,
        body: str,
        *,
        open: bool = True,
        created_at: int | None = None,
        updated_at: int | None = None,
        title: str | None = None,
        author_type: str = "user",
    ) -> dict[str, Any]:
        if contact_id not in self.contacts:
            raise not_found("not_found", "User Not Found")
        conversation_id = str(self.next_number("conversation", 1_001))
        created = created_at if created_at is not None else self.now()
        contact = self.contacts[contact_id]
        conversation = {
            "id": conversation_id,
            "title": title,
            "created_at": created,
            "updated_at": updated_at if updated_at is not None else created,
            "open": open,
            "state": "open" if open else "closed",
            "read": False,
            "priority": "not_priority",
            "admin_assignee_id": None,
            "team_assignee_id": None,
            "contact_ids": [contact_id],
            "tag_ids": [],
            "parts": [],
            "links": [],
            "custom_attributes": {},
            "waiting_since": created if open else None,
            "snoozed_until": None,
            "source": {
                "type": "conversation",
                "id": str(self.next_number("source", 403_918_001)),
                "delivered_as": "customer_initiated",
                "subject": "",
                "body": body,
                "author": {
                    "type": author_type,
                    "id": contact_id,
                    "name": contact.get("name") or "",
                    "email": contact.get("email") or "",
                },
                "attachments": [],
                "url": None,
                "redacted": False,
            },
        }
        self.conversations[conversation_id] = conversation
        return conversation

    def add_part(
        self, record: dict[str, Any], part_type: str, body: str | None, author: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        now = self.now()
        part = {
            "type": extra.pop("type", "conversation_part"),
            "id": str(self.next_number("part", 1)),
            "part_type": part_type,
            "body": body,
            "created_at": now,
            "updated_at": now,
            "notified_at": now,
            "author": author,
            "attachments": [],
            "redacted": False,
            **extra,
        }
        record["parts"].append(part)
        record["updated_at"] = now
        return part

    def admin_author(self, admin_id: str) -> dict[str, Any]:
        admin = self.admins.get(str(admin_id))
        if admin is None:
            raise not_found("admin_not_found", "Admin not found")
        return {"type": "admin", "id": admin["id"], "name": admin["name"], "email": admin["email"]}

    def add_ticket_type(
        self,
        name: str,
        attributes: Iterable[tuple[str, str, bool]],
        category: str = "Back-office",
        extra_states: Iterable[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        """A ticket type with ``(name, data_type, required)`` attributes and one state per category."""
        type_id = str(self.next_number("ticket_type", 1))
        now = self.now()
        attribute_list = [
            ("_default_title_", "string", True),
            ("_default_description_", "string", False),
            *attributes,
        ]
        ticket_type = {
            "id": type_id,
            "name": name,
            "description": f"{name} requests",
            "icon": "🎟️",
            "category": category,
            "archived": False,
            "is_internal": category != "Customer",
            "created_at": now,
            "updated_at": now,
            "state_ids": [],
            "attributes": [
                {
                    "id": str(self.next_number("ticket_type_attribute", 1)),
                    "name": attr_name,
                    "data_type": data_type,
                    "required_to_create": required,
                    "order": order,
                    "default": attr_name.startswith("_default_"),
                }
                for order, (attr_name, data_type, required) in enumerate(attribute_list)
            ],
        }
        self.ticket_types[type_id] = ticket_type
        labels = {
            "submitted": "Submitted",
            "in_progress": "In progress",
            "waiting_on_customer": "Waiting on customer",
            "resolved": "Resolved",
        }
        for category_name, label in [*labels.items(), *extra_states]:
            state_id = str(self.next_number("ticket_state", 2_001))
            self.ticket_states[state_id] = {
                "id": state_id,
                "category": category_name,
                "internal_label": label,
                "external_label": label,
                "archived": False,
                "ticket_type_id": type_id,
            }
            ticket_type["state_ids"].append(state_id)
        return ticket_type

    def ticket_type_by_name(self, name: str) -> dict[str, Any]:
        for ticket_type in self.ticket_types.values():
            if ticket_type["name"] == name:
                return ticket_type
        raise KeyError(name)

    def state_of_type(self, type_id: str, category: str) -> dict[str, Any]:
        for state_id in self.ticket_types[type_id]["state_ids"]:
            if self.ticket_states[state_id]["category"] == category:
                return self.ticket_states[state_id]
        raise KeyError(category)

    def add_ticket(
        self,
        type_id: str,
        contact_id: str,
        attributes: dict[str, Any],
        *,
        conversation_id: str | None = None,
        created_at: int | None = None,
        updated_at: int | None = None,
        state: str = "submitted",
        check_required: bool = True,
    ) -> dict[str, Any]:
        ticket_type = self.ticket_types.get(type_id)
        if ticket_type is None or ticket_type["archived"]:
            raise ApiError(400, "parameter_invalid", "Ticket type not found", field="ticket_type_id")
        if contact_id not in self.contacts:
            raise not_found("not_found", "User Not Found")
        self.check_ticket_attributes(ticket_type, attributes, creating=check_required)
        if conversation_id is not None and conversation_id not in self.conversations:
            raise not_found("conversation_not_found", "Conversation not found")
        ticket_id = str(self.next_number("conversation", 1_001))  # one id space, as on Intercom
        created = created_at if created_at is not None else self.now()
        ticket = {
            "id": ticket_id,
            "ticket_id": str(self.next_number("ticket_number", 1)),
            "type_id": type_id,
            "state_id": self.state_of_type(type_id, state)["id"],
            "attributes": dict(attributes),
            "contact_ids": [contact_id],
            "created_at": created,
            "updated_at": updated_at if updated_at is not None else created,
            "open": state != "resolved",
            "parts": [],
            "links": [],
            "tag_ids": [],
        }
        self.tickets[ticket_id] = ticket
        bot = {"type": "bot", "id": "991266752", "name": "Fin", "email": "operator@intercom.io"}
        self.add_part(
            ticket,
            "ticket_state_updated_by_admin",
            None,
            bot,
            type="ticket_part",
            ticket_state=state,
            previous_ticket_state="submitted",
        )
        ticket["updated_at"] = updated_at if updated_at is not None else ticket["updated_at"]
        if conversation_id is not None:
            self.link(ticket, self.conversations[conversation_id])
        return ticket

    def check_ticket_attributes(
        self, ticket_type: dict[str, Any], attributes: dict[str, Any], *, creating: bool
    ) -> None:
        known = {a["name"]: a for a in ticket_type["attributes"]}
        for name, value in attributes.items():
            attribute = known.get(name)
            if attribute is None:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"Ticket attribute '{name}' does not exist on this ticket type",
                    field=f"ticket_attributes.{name}",
                )
            if value is not None and not _matches_type(attribute["data_type"], value):
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"Ticket attribute '{name}' must be of type {attribute['data_type']}",
                    field=f"ticket_attributes.{name}",
                )
        if creating:
            for attribute in ticket_type["attributes"]:
                if attribute["required_to_create"] and attributes.get(attribute["name"]) in (None, ""):
                    raise ApiError(
                        400,
                        "parameter_not_found",
                        f"Ticket attribute '{attribute['name']}' is required",
                        field=f"ticket_attributes.{attribute['name']}",
                    )

    def link(self, ticket: dict[str, Any], conversation: dict[str, Any]) -> None:
        category = self.ticket_types[ticket["type_id"]]["category"]
        if ("conversation", conversation["id"]) not in ticket["links"]:
            ticket["links"].append(("conversation", conversation["id"]))
        if ("ticket", ticket["id"], category) not in conversation["links"]:
            conversation["links"].append(("ticket", ticket["id"], category))

    def emit(self, topic: str, item: dict[str, Any]) -> dict[str, Any]:
        """Record an outgoing webhook notification (the sandbox may deliver it)."""
        event = {
            "type": "notification_event",
            "id": f"notif_{uuid.uuid4()}",
            "topic": topic,
            "app_id": self.workspace_id,
            "created_at": self.now(),
            "delivery_attempts": 1,
            "first_sent_at": self.now(),
            "data": {"type": "notification_event_data", "item": item},
        }
        self.events.append(event)
        return event


def sign_webhook(body: bytes, secret: str) -> str:
    """``X-Hub-Signature`` value: HMAC-SHA1 of the raw body keyed with the client secret."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _matches_type(data_type: str, value: Any) -> bool:
    if data_type in ("string", "list"):
        return isinstance(value, str)
    if data_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if data_type in ("float", "decimal"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if data_type == "boolean":
        return isinstance(value, bool)
    if data_type in ("date", "datetime"):
        return isinstance(value, int) and not isinstance(value, bool)
    return True


# --------------------------------------------------------------------------- rendering


def render_contact(ws: Workspace, contact: dict[str, Any]) -> dict[str, Any]:
    email = contact.get("email")
    rendered: dict[str, Any] = {
        "type": "contact",
        "id": contact["id"],
        "workspace_id": ws.workspace_id,
        "external_id": contact.get("external_id"),
        "role": contact["role"],
        "email_domain": email.split("@", 1)[1] if email and "@" in email else "",
        "phone": contact.get("phone"),
        "name": contact.get("name"),
        "owner_id": None,
        "has_hard_bounced": False,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": False,
        "created_at": contact["created_at"],
        "updated_at": contact["updated_at"],
        "signed_up_at": contact.get("signed_up_at"),
        "last_seen_at": None,
        "last_replied_at": None,
        "last_contacted_at": None,
        "last_email_opened_at": None,
        "last_email_clicked_at": None,
        "custom_attributes": dict(contact["custom_attributes"]),
        "tags": {
            "type": "list",
            "data": [],
            "url": f"/contacts/{contact['id']}/tags",
            "total_count": 0,
            "has_more": False,
        },
        "notes": {
            "type": "list",
            "data": [],
            "url": f"/contacts/{contact['id']}/notes",
            "total_count": 0,
            "has_more": False,
        },
        "companies": {
            "type": "list",
            "data": [],
            "url": f"/contacts/{contact['id']}/companies",
            "total_count": 0,
            "has_more": False,
        },
    }
    if email is not None:  # the spec types email as a non-null string
        rendered["email"] = email
    return rendered


def _render_links(links: list[tuple[str, ...]]) -> dict[str, Any]:
    data = [
        {"type": link[0], "id": link[1], "category": link[2] if len(link) > 2 else None} for link in links
    ]
    return {"type": "list", "data": data, "total_count": len(data), "has_more": False}


def render_conversation(ws: Workspace, conversation: dict[str, Any], *, with_parts: bool) -> dict[str, Any]:
    rendered = {
        "type": "conversation",
        "id": conversation["id"],
        "title": conversation["title"],
        "created_at": conversation["created_at"],
        "updated_at": conversation["updated_at"],
        "waiting_since": conversation["waiting_since"],
        "snoozed_until": conversation["snoozed_until"],
        "open": conversation["open"],
        "state": conversation["state"],
        "read": conversation["read"],
        "priority": conversation["priority"],
        "admin_assignee_id": conversation["admin_assignee_id"],
        "team_assignee_id": conversation["team_assignee_id"],
        "tags": {
            "type": "tag.list",
            "tags": [
                {"type": "tag", "id": tag_id, "name": ws.tags[tag_id]["name"]}
                for tag_id in conversation["tag_ids"]
            ],
        },
        "source": conversation["source"],
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {"type": "contact", "id": cid, "external_id": ws.contacts[cid].get("external_id")}
                for cid in conversation["contact_ids"]
                if cid in ws.contacts
            ],
        },
        "custom_attributes": conversation["custom_attributes"],
        "linked_objects": _render_links(conversation["links"]),
        "ai_agent_participated": False,
    }
    if with_parts:
        parts = conversation["parts"][-500:]  # Intercom returns the 500 most recent parts
        rendered["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        }
    return rendered


def render_state(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "ticket_state",
        "id": state["id"],
        "category": state["category"],
        "internal_label": state["internal_label"],
        "external_label": state["external_label"],
    }


def render_ticket_type(ws: Workspace, ticket_type: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "ticket_type",
        "id": ticket_type["id"],
        "name": ticket_type["name"],
        "description": ticket_type["description"],
        "icon": ticket_type["icon"],
        "workspace_id": ws.workspace_id,
        "archived": ticket_type["archived"],
        "created_at": ticket_type["created_at"],
        "updated_at": ticket_type["updated_at"],
        "is_internal": ticket_type["is_internal"],
        "category": ticket_type["category"],
        "ticket_type_attributes": {
            "type": "list",
            "data": [
                {
                    "type": "ticket_type_attribute",
                    "id": a["id"],
                    "workspace_id": ws.workspace_id,
                    "name": a["name"],
                    "description": a.get("description", ""),
                    "data_type": a["data_type"],
                    "input_options": None,
                    "order": a["order"],
                    "required_to_create": a["required_to_create"],
                    "required_to_create_for_contacts": False,
                    "visible_on_create": True,
                    "visible_to_contacts": False,
                    "default": a["default"],
                    "ticket_type_id": int(ticket_type["id"]),
                    "archived": a.get("archived", False),
                    "created_at": ticket_type["created_at"],
                    "updated_at": ticket_type["updated_at"],
                }
                for a in ticket_type["attributes"]
            ],
        },
        "ticket_states": {
            "type": "list",
            "data": [render_state(ws.ticket_states[state_id]) for state_id in ticket_type["state_ids"]],
        },
    }


def render_ticket(ws: Workspace, ticket: dict[str, Any], version: str) -> dict[str, Any]:
    ticket_type = ws.ticket_types[ticket["type_id"]]
    state = ws.ticket_states[ticket["state_id"]]
    rendered: dict[str, Any] = {
        "type": "ticket",
        "id": ticket["id"],
        "ticket_id": ticket["ticket_id"],
        "category": ticket_type["category"],
        "ticket_attributes": dict(ticket["attributes"]),
        "ticket_type": render_ticket_type(ws, ticket_type),
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {"type": "contact", "id": cid, "external_id": ws.contacts[cid].get("external_id")}
                for cid in ticket["contact_ids"]
                if cid in ws.contacts
            ],
        },
        "admin_assignee_id": "0",
        "team_assignee_id": "0",
        "created_at": ticket["created_at"],
        "updated_at": ticket["updated_at"],
        "open": ticket["open"],
        "ticket_parts": {
            "type": "ticket_part.list",
            "ticket_parts": ticket["parts"],
            "total_count": len(ticket["parts"]),
        },
        "linked_objects": _render_links(ticket["links"]),
        "is_shared": False,
    }
    if version_tuple(version) >= (2, 12):
        rendered["ticket_state"] = render_state(state)
    else:  # 2.11 and before: a bare category plus the labels
        rendered["ticket_state"] = state["category"]
        rendered["ticket_state_internal_label"] = state["internal_label"]
        rendered["ticket_state_external_label"] = state["external_label"]
    return rendered


def render_admin(admin: dict[str, Any], version: str) -> dict[str, Any]:
    rendered = {"type": "admin", **{k: v for k, v in admin.items() if k != "away_status_reason_id"}}
    if version_tuple(version) >= (2, 14):
        reason = admin.get("away_status_reason_id")
        rendered["away_status_reason_id"] = int(reason) if reason is not None else None
    return rendered


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # string | integer | boolean | date | tag
    getter: Callable[[dict[str, Any]], Any]
    many: bool = False  # the record holds a list; a filter matches when any element does
    words: bool = False  # matched word by word (source.body)


OPERATORS = {
    "string": {"=", "!=", "IN", "NIN", "~", "!~", "^", "$"},
    "integer": {"=", "!=", "IN", "NIN", "<", ">", "<=", ">="},
    "boolean": {"=", "!=", "IN", "NIN"},
    "date": {"=", "<", ">"},
    "tag": {"=", "!="},
}


def _strip_html(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text or "")


def contact_fields(ws: Workspace) -> dict[str, FieldSpec]:
    fields = {
        name: FieldSpec("string", lambda c, n=name: c.get(n))
        for name in ("id", "role", "name", "email", "phone", "external_id")
    }
    fields["email_domain"] = FieldSpec("string", lambda c: (c.get("email") or "@").split("@", 1)[1])
    fields["owner_id"] = FieldSpec("integer", lambda c: c.get("owner_id"))
    for name in ("created_at", "updated_at", "signed_up_at", "last_seen_at"):
        fields[name] = FieldSpec("date", lambda c, n=name: c.get(n))
    kinds = {
        "string": "string",
        "integer": "integer",
        "float": "integer",
        "boolean": "boolean",
        "date": "date",
    }
    for key, attribute in ws.data_attributes.items():
        if key.startswith("contact:"):
            name = attribute["name"]
            fields[f"custom_attributes.{name}"] = FieldSpec(
                kinds.get(attribute["data_type"], "string"), lambda c, n=name: c["custom_attributes"].get(n)
            )
    return fields


def conversation_fields(ws: Workspace) -> dict[str, FieldSpec]:
    return {
        "id": FieldSpec("string", lambda c: c["id"]),
        "created_at": FieldSpec("date", lambda c: c["created_at"]),
        "updated_at": FieldSpec("date", lambda c: c["updated_at"]),
        "waiting_since": FieldSpec("date", lambda c: c["waiting_since"]),
        "snoozed_until": FieldSpec("date", lambda c: c["snoozed_until"]),
        "contact_ids": FieldSpec("string", lambda c: c["contact_ids"], many=True),
        "tag_ids": FieldSpec("tag", lambda c: c["tag_ids"], many=True),
        "open": FieldSpec("boolean", lambda c: c["open"]),
        "read": FieldSpec("boolean", lambda c: c["read"]),
        "state": FieldSpec("string", lambda c: c["state"]),
        "priority": FieldSpec("string", lambda c: c["priority"]),
        "admin_assignee_id": FieldSpec("string", lambda c: _str_or_none(c["admin_assignee_id"])),
        "team_assignee_id": FieldSpec("string", lambda c: _str_or_none(c["team_assignee_id"])),
        "source.type": FieldSpec("string", lambda c: c["source"]["type"]),
        "source.body": FieldSpec("string", lambda c: _strip_html(c["source"]["body"]), words=True),
        "source.author.id": FieldSpec("string", lambda c: c["source"]["author"]["id"]),
        "source.author.email": FieldSpec("string", lambda c: c["source"]["author"].get("email")),
    }


def ticket_fields(ws: Workspace) -> dict[str, FieldSpec]:
    category_terms = {"Customer": "request", "Back-office": "task", "Tracker": "tracker"}
    return {
        "id": FieldSpec("string", lambda t: t["id"]),
        "created_at": FieldSpec("date", lambda t: t["created_at"]),
        "updated_at": FieldSpec("date", lambda t: t["updated_at"]),
        "title": FieldSpec("string", lambda t: t["attributes"].get("_default_title_")),
        "description": FieldSpec("string", lambda t: t["attributes"].get("_default_description_")),
        "category": FieldSpec("string", lambda t: category_terms[ws.ticket_types[t["type_id"]]["category"]]),
        "ticket_type_id": FieldSpec("string", lambda t: t["type_id"]),
        "contact_ids": FieldSpec("string", lambda t: t["contact_ids"], many=True),
        "open": FieldSpec("boolean", lambda t: t["open"]),
        "state": FieldSpec("string", lambda t: ws.ticket_states[t["state_id"]]["category"]),
    }


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


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

    def validate(self, node: Any, depth: int = 0) -> None:
        if not isinstance(node, dict):
            raise ApiError(400, "parameter_invalid", "query must be an object", field="query")
        operator = node.get("operator")
        if operator in ("AND", "OR"):
            if depth + 1 > MAX_NESTING:
                raise ApiError(400, "parameter_invalid", f"Maximum of {MAX_NESTING} nested filters exceeded")
            children = node.get("value")
            if not isinstance(children, list) or not children:
                raise ApiError(400, "parameter_invalid", f"{operator} needs a list of filters")
            if len(children) > MAX_FILTERS_PER_GROUP:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"Maximum of {MAX_FILTERS_PER_GROUP} filters per {operator} group exceeded",
                )
            for child in children:
                self.validate(child, depth + 1)
            return
        self._validate_filter(node)

    def _validate_filter(self, node: dict[str, Any]) -> None:
        name, operator, value = node.get("field"), node.get("operator"), node.get("value")
        spec = self.fields.get(name) if isinstance(name, str) else None
        if spec is None:
            raise ApiError(
                400, "parameter_invalid", f"{name!r} is not a searchable field", field="query.field"
            )
        allowed = OPERATORS[spec.kind] | self.extra.get(name, set())
        if operator not in allowed:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Operator {operator!r} is not supported for {spec.kind} field {name}",
                field="query.operator",
            )
        values = value if operator in ("IN", "NIN") else [value]
        if operator in ("IN", "NIN") and not isinstance(value, list):
            raise ApiError(400, "parameter_invalid", f"{operator} needs an array value", field="query.value")
        for item in values:
            if not _search_value_ok(spec.kind, item):
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"Value {item!r} does not match the {spec.kind} type of {name}",
                    field="query.value",
                )

    def matches(self, record: dict[str, Any], node: dict[str, Any]) -> bool:
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
        text, needle = str(actual_cmp), str(value_cmp)
        return {
            "~": needle in text,
            "!~": needle not in text,
            "^": text.startswith(needle),
            "$": text.endswith(needle),
            "<": actual_cmp < value_cmp,
            ">": actual_cmp > value_cmp,
            "<=": actual_cmp <= value_cmp,
            ">=": actual_cmp >= value_cmp,
        }[operator]


def _search_value_ok(kind: str, value: Any) -> bool:
    if kind in ("string", "tag"):
        return isinstance(value, str)
    if kind in ("integer", "date"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return False


# --------------------------------------------------------------------------- pagination


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, offset = text.partition(":")
        if kind != "o":
            raise ValueError(cursor)
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "parameter_invalid", "starting_after is not a valid cursor", field="starting_after"
        ) from None


def _per_page(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "parameter_invalid", "per_page must be an integer", field="per_page") from None
    if number < 1:
        raise ApiError(400, "parameter_invalid", "per_page must be positive", field="per_page")
    return min(number, MAX_PER_PAGE)  # clamped (safer than refusing; reference §9.3)


def paginate(items: list[Any], per_page: int, starting_after: str | None) -> tuple[list[Any], dict[str, Any]]:
    offset = _decode_cursor(starting_after) if starting_after else 0
    page_items = items[offset : offset + per_page]
    total_pages = max(1, -(-len(items) // per_page))
    pages: dict[str, Any] = {
        "type": "pages",
        "page": offset // per_page + 1,
        "per_page": per_page,
        "total_pages": total_pages,
    }
    if offset + per_page < len(items):
        pages["next"] = {"per_page": per_page, "starting_after": _encode_cursor(offset + per_page)}
    return page_items, pages


# --------------------------------------------------------------------------- the gate (auth, version, limits)


class Gate:
    """Auth first (401 without rate-limit headers), then version, then the rate-limit windows."""

    def __init__(self, app: ASGIApp, workspace: Workspace) -> None:
        self.app, self.ws = app, workspace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        status_holder: dict[str, int] = {}

        async def record_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        response = self._refusal(request)
        if response is not None:
            await response(scope, receive, record_send)
        else:
            allowed, remaining, reset = self.ws.app_window.hit()
            headers = {
                "X-RateLimit-Limit": str(self.ws.app_window.limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset),
            }
            workspace_ok = allowed and self.ws.workspace_window.hit()[0]
            if not allowed or not workspace_ok:
                limit = self.ws.app_window.limit if not allowed else self.ws.workspace_window.limit
                window = f"{self.ws.window_seconds:g}_seconds" if not allowed else "60_seconds"
                headers["X-RateLimit-Remaining"] = "0"
                response = error_response(
                    429, "rate_limit_exceeded", f"Exceeded rate limit of {limit} in {window}", headers=headers
                )
                await response(scope, receive, record_send)
            else:
                await self.app(scope, receive, _with_headers(record_send, headers))
        self.ws.requests.append((request.method, request.url.path, status_holder.get("status", 0)))

    def _refusal(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), self.ws.token):
            return error_response(401, "unauthorized", "Access Token Invalid")
        version = request.headers.get("intercom-version") or self.ws.default_version
        if version not in VERSIONS:
            return error_response(
                400, "intercom_version_invalid", f"Requested version {version} is not valid"
            )
        request.scope.setdefault("state", {})["version"] = version
        return None


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = dict(message)
            message["headers"] = [
                *message.get("headers", []),
                *((k.lower().encode(), v.encode()) for k, v in headers.items()),
            ]
        await send(message)

    return wrapped


# --------------------------------------------------------------------------- handlers


def _ws(request: Request) -> Workspace:
    return request.app.state.emulator


def _version(request: Request) -> str:
    return getattr(request.state, "version", _ws(request).default_version)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "parameter_invalid", "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "parameter_invalid", "Request body must be an object")
    return body


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) in (None, ""):
        raise ApiError(400, "parameter_not_found", f"{name} is required", field=name)
    return body[name]


def _search_body(body: dict[str, Any], default_per_page: int) -> tuple[dict[str, Any], int, str | None]:
    query = _required(body, "query")
    pagination = body.get("pagination") or {}
    return query, _per_page(pagination.get("per_page"), default_per_page), pagination.get("starting_after")


async def me(request: Request) -> JSONResponse:
    ws = _ws(request)
    admin = next(iter(ws.admins.values()), None)
    if admin is None:
        raise not_found("admin_not_found", "Admin not found")
    rendered = render_admin(admin, _version(request))
    rendered["app"] = {
        "type": "app",
        "id_code": ws.workspace_id,
        "name": "Hub sandbox",
        "created_at": 1_700_000_000,
        "secure": False,
        "identity_verification": False,
        "timezone": ws.timezone,
        "region": "US",
    }
    return JSONResponse(rendered)


async def search_contacts(request: Request) -> JSONResponse:
    ws = _ws(request)
    query, per_page, cursor = _search_body(await _body(request), 50)
    search = Search(contact_fields(ws), ws.tz())
    search.validate(query)
    found = sorted(
        (c for c in ws.contacts.values() if search.matches(c, query)),
        key=lambda c: (c["created_at"], c["id"]),
    )
    page, pages = paginate(found, per_page, cursor)
    return JSONResponse(
        {
            "type": "list",
            "data": [render_contact(ws, c) for c in page],
            "total_count": len(found),
            "pages": pages,
        }
    )


def _contact_or_404(ws: Workspace, contact_id: str) -> dict[str, Any]:
    contact = ws.contacts.get(contact_id)
    if contact is None:
        raise not_found("not_found", "User Not Found")
    return contact


async def get_contact(request: Request) -> JSONResponse:
    ws = _ws(request)
    return JSONResponse(render_contact(ws, _contact_or_404(ws, request.path_params["contact_id"])))


async def update_contact(request: Request) -> JSONResponse:
    ws = _ws(request)
    contact = _contact_or_404(ws, request.path_params["contact_id"])
    body = await _body(request)
    custom = body.get("custom_attributes") or {}
    if not isinstance(custom, dict):
        raise ApiError(
            400, "parameter_invalid", "custom_attributes must be an object", field="custom_attributes"
        )
    for name, value in custom.items():
        ws.check_custom_attribute("contact", name, value)
    for key in ("email", "phone", "name", "role", "external_id"):
        if key in body:
            contact[key] = body[key]
    from plugins.intercom.emulator.setup_api import as_stored

    contact["custom_attributes"].update({name: as_stored(value) for name, value in custom.items()})
    contact["updated_at"] = ws.now()
    return JSONResponse(render_contact(ws, contact))


async def list_conversations(request: Request) -> JSONResponse:
    ws = _ws(request)
    per_page = _per_page(request.query_params.get("per_page"), 20)
    # Newest-updated first (reference §9.3, unconfirmed).
    ordered = sorted(ws.conversations.values(), key=lambda c: (c["updated_at"], int(c["id"])), reverse=True)
    page, pages = paginate(ordered, per_page, request.query_params.get("starting_after"))
    return JSONResponse(
        {
            "type": "conversation.list",
            "conversations": [render_conversation(ws, c, with_parts=False) for c in page],
            "total_count": len(ordered),
            "pages": pages,
        }
    )


async def search_conversations(request: Request) -> JSONResponse:
    ws = _ws(request)
    query, per_page, cursor = _search_body(await _body(request), 20)
    search = Search(conversation_fields(ws), ws.tz())
    search.validate(query)
    found = sorted(
        (c for c in ws.conversations.values() if search.matches(c, query)),
        key=lambda c: (c["created_at"], int(c["id"])),
    )
    page, pages = paginate(found, per_page, cursor)
    return JSONResponse(
        {
            "type": "conversation.list",
            "conversations": [render_conversation(ws, c, with_parts=False) for c in page],
            "total_count": len(found),
            "pages": pages,
        }
    )


def _conversation_or_404(ws: Workspace, conversation_id: str) -> dict[str, Any]:
    conversation = ws.conversations.get(conversation_id)
    if conversation is None:
        raise not_found("not_found", "Resource Not Found")
    return conversation


async def get_conversation(request: Request) -> JSONResponse:
    ws = _ws(request)
    conversation = _conversation_or_404(ws, request.path_params["conversation_id"])
    return JSONResponse(render_conversation(ws, conversation, with_parts=True))


async def create_conversation(request: Request) -> JSONResponse:
    ws = _ws(request)
    body = await _body(request)
    sender = _required(body, "from")
    message_body = _required(body, "body")
    if not isinstance(sender, dict) or sender.get("type") not in ("user", "lead", "contact"):
        raise ApiError(400, "parameter_invalid", "from.type must be user, lead or contact", field="from.type")
    contact = _contact_or_404(ws, str(sender.get("id")))
    conversation = ws.add_conversation(contact["id"], message_body, created_at=body.get("created_at"))
    return JSONResponse(
        {
            "type": "user_message",
            "id": conversation["source"]["id"],
            "created_at": conversation["created_at"],
            "body": message_body,
            "message_type": "inapp",
            "conversation_id": conversation["id"],
        }
    )


def _admin_reply_part(ws: Workspace, body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    message_type = _required(body, "message_type")
    if body.get("type") != "admin":
        raise ApiError(400, "parameter_invalid", "only admin replies are emulated", field="type")
    if message_type not in ("comment", "note", "quick_reply"):
        raise ApiError(
            400, "parameter_invalid", f"message_type {message_type!r} is not valid", field="message_type"
        )
    author = ws.admin_author(str(_required(body, "admin_id")))
    if message_type in ("comment", "note") and not body.get("body"):
        raise ApiError(400, "parameter_not_found", "body is required for comment and note", field="body")
    return message_type, body.get("body") or "", author


async def reply_conversation(request: Request) -> JSONResponse:
    ws = _ws(request)
    conversation = _conversation_or_404(ws, request.path_params["conversation_id"])
    message_type, text, author = _admin_reply_part(ws, await _body(request))
    ws.add_part(conversation, message_type, text, author)
    if message_type == "comment" and conversation["state"] != "open":
        conversation.update(open=True, state="open", snoozed_until=None)
    return JSONResponse(render_conversation(ws, conversation, with_parts=True))


def _tag_target(ws: Workspace, request: Request) -> dict[str, Any]:
    if "conversation_id" in request.path_params:
        return _conversation_or_404(ws, request.path_params["conversation_id"])
    return _ticket_or_404(ws, request.path_params["ticket_id"])


async def attach_tag(request: Request) -> JSONResponse:
    ws = _ws(request)
    target = _tag_target(ws, request)
    body = await _body(request)
    tag_id = str(_required(body, "id"))
    admin = ws.admin_author(str(_required(body, "admin_id")))
    tag = ws.tags.get(tag_id)
    if tag is None:
        raise not_found("tag_not_found", "Tag not found")
    if tag_id not in target["tag_ids"]:
        target["tag_ids"].append(tag_id)
        target["updated_at"] = ws.now()
    return JSONResponse({**tag, "applied_at": ws.now(), "applied_by": {"type": "admin", "id": admin["id"]}})


async def detach_tag(request: Request) -> JSONResponse:
    ws = _ws(request)
    target = _tag_target(ws, request)
    body = await _body(request)
    admin = ws.admin_author(str(_required(body, "admin_id")))
    tag_id = request.path_params["tag_id"]
    if tag_id not in target["tag_ids"]:
        raise not_found("tag_not_found", "Tag not found")
    target["tag_ids"].remove(tag_id)
    return JSONResponse(
        {**ws.tags[tag_id], "applied_at": ws.now(), "applied_by": {"type": "admin", "id": admin["id"]}}
    )


async def list_tags(request: Request) -> JSONResponse:
    return JSONResponse({"type": "list", "data": list(_ws(request).tags.values())})


async def create_tag(request: Request) -> JSONResponse:
    ws = _ws(request)
    body = await _body(request)
    name = _required(body, "name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "parameter_invalid", "name must be a non-empty string", field="name")
    if body.get("id"):
        tag = ws.tags.get(str(body["id"]))
        if tag is None:
            raise not_found("tag_not_found", "Tag not found")
        tag["name"] = name
        return JSONResponse(tag)
    return JSONResponse(ws.add_tag(name))


async def list_admins(request: Request) -> JSONResponse:
    ws = _ws(request)
    version = _version(request)
    return JSONResponse(
        {"type": "admin.list", "admins": [render_admin(a, version) for a in ws.admins.values()]}
    )


def _admin_or_404(ws: Workspace, admin_id: str) -> dict[str, Any]:
    admin = ws.admins.get(admin_id)
    if admin is None:
        raise not_found("admin_not_found", "Admin for admin_id not found")
    return admin


async def get_admin(request: Request) -> JSONResponse:
    ws = _ws(request)
    return JSONResponse(render_admin(_admin_or_404(ws, request.path_params["admin_id"]), _version(request)))


async def set_away(request: Request) -> JSONResponse:
    ws = _ws(request)
    admin = _admin_or_404(ws, request.path_params["admin_id"])
    body = await _body(request)
    for name in ("away_mode_enabled", "away_mode_reassign"):
        if not isinstance(body.get(name), bool):
            raise ApiError(400, "parameter_not_found", f"{name} is required", field=name)
    reason_id = body.get("away_status_reason_id") if version_tuple(_version(request)) >= (2, 14) else None
    if reason_id is not None:
        reason = ws.away_reasons.get(str(reason_id))
        if reason is None or isinstance(reason_id, bool):
            raise ApiError(
                400, "parameter_invalid", "Away status reason not found", field="away_status_reason_id"
            )
        if reason["deleted"]:
            raise ApiError(
                400, "parameter_invalid", "Away status reason is deleted", field="away_status_reason_id"
            )
    if (
        body["away_mode_enabled"]
        and reason_id is None
        and ws.require_away_reason
        and version_tuple(_version(request)) >= (2, 14)
    ):
        raise ApiError(400, "away_status_reason_mandatory", "Away status reason is mandatory")
    admin["away_mode_enabled"] = body["away_mode_enabled"]
    admin["away_mode_reassign"] = body["away_mode_reassign"]
    admin["away_status_reason_id"] = (
        str(reason_id) if body["away_mode_enabled"] and reason_id is not None else None
    )
    rendered = render_admin(admin, _version(request))
    ws.emit("admin.away_mode_updated", rendered)
    return JSONResponse(rendered)


async def list_away_reasons(request: Request) -> JSONResponse:
    if version_tuple(_version(request)) < (2, 14):
        raise not_found("not_found", "Resource Not Found")  # the endpoint arrived in 2.14
    return JSONResponse({"type": "list", "data": list(_ws(request).away_reasons.values())})


async def list_data_attributes(request: Request) -> JSONResponse:
    ws = _ws(request)
    model = request.query_params.get("model")
    data = [a for a in ws.data_attributes.values() if model is None or a["model"] == model]
    return JSONResponse({"type": "list", "data": data})


async def create_data_attribute(request: Request) -> JSONResponse:
    ws = _ws(request)
    body = await _body(request)
    name, model, data_type = (_required(body, key) for key in ("name", "model", "data_type"))
    if model not in ("contact", "company"):
        raise ApiError(400, "parameter_invalid", "model must be contact or company", field="model")
    if data_type not in ("string", "integer", "float", "boolean", "datetime", "date"):
        raise ApiError(400, "parameter_invalid", f"data_type {data_type!r} is not valid", field="data_type")
    if f"{model}:{name}" in ws.data_attributes or not re.fullmatch(r"[A-Za-z0-9_ -]+", str(name)):
        raise ApiError(
            400, "parameter_invalid", f"You already have '{name}' or the name is invalid", field="name"
        )
    return JSONResponse(ws.add_data_attribute(name, "date" if data_type == "datetime" else data_type, model))


async def list_ticket_types(request: Request) -> JSONResponse:
    ws = _ws(request)
    return JSONResponse(
        {"type": "list", "data": [render_ticket_type(ws, t) for t in ws.ticket_types.values()]}
    )


async def list_ticket_states(request: Request) -> JSONResponse:
    ws = _ws(request)
    if version_tuple(_version(request)) < (2, 12):
        raise not_found("not_found", "Resource Not Found")
    data = []
    for state in ws.ticket_states.values():
        ticket_type = ws.ticket_types[state["ticket_type_id"]]
        data.append(
            {
                **render_state(state),
                "archived": state["archived"],
                "ticket_types": {
                    "type": "list",
                    "data": [
                        {k: v for k, v in render_ticket_type(ws, ticket_type).items() if k != "ticket_states"}
                    ],
                },
            }
        )
    return JSONResponse({"type": "list", "data": data})


def _ticket_or_404(ws: Workspace, ticket_id: str) -> dict[str, Any]:
    ticket = ws.tickets.get(ticket_id)
    if ticket is None:
        raise not_found("ticket_not_found", "Ticket not found")
    return ticket


async def create_ticket(request: Request) -> JSONResponse:
    ws = _ws(request)
    body = await _body(request)
    type_id = str(_required(body, "ticket_type_id"))
    contacts = _required(body, "contacts")
    if not isinstance(contacts, list) or len(contacts) != 1 or not isinstance(contacts[0], dict):
        raise ApiError(400, "parameter_invalid", "contacts must hold exactly one contact", field="contacts")
    contact = _find_ticket_contact(ws, contacts[0])
    attributes = body.get("ticket_attributes") or {}
    if not isinstance(attributes, dict):
        raise ApiError(
            400, "parameter_invalid", "ticket_attributes must be an object", field="ticket_attributes"
        )
    link_to = body.get("conversation_to_link_id") if version_tuple(_version(request)) >= (2, 14) else None
    ticket = ws.add_ticket(
        type_id,
        contact["id"],
        attributes,
        conversation_id=str(link_to) if link_to is not None else None,
        created_at=body.get("created_at"),
    )
    return JSONResponse(render_ticket(ws, ticket, _version(request)))


def _find_ticket_contact(ws: Workspace, reference: dict[str, Any]) -> dict[str, Any]:
    if reference.get("id"):
        return _contact_or_404(ws, str(reference["id"]))
    for key in ("external_id", "email"):
        if reference.get(key):
            for contact in ws.contacts.values():
                if contact.get(key) == reference[key]:
                    return contact
            if key == "email":  # Intercom creates a lead for an unknown email
                return ws.add_contact(email=reference["email"], role="lead")
    raise not_found("not_found", "User Not Found")


async def get_ticket(request: Request) -> JSONResponse:
    ws = _ws(request)
    return JSONResponse(
        render_ticket(ws, _ticket_or_404(ws, request.path_params["ticket_id"]), _version(request))
    )


async def update_ticket(request: Request) -> JSONResponse:
    ws = _ws(request)
    ticket = _ticket_or_404(ws, request.path_params["ticket_id"])
    body = await _body(request)
    version = _version(request)
    ticket_type = ws.ticket_types[ticket["type_id"]]
    attributes = body.get("ticket_attributes") or {}
    if not isinstance(attributes, dict):
        raise ApiError(
            400, "parameter_invalid", "ticket_attributes must be an object", field="ticket_attributes"
        )
    ws.check_ticket_attributes(ticket_type, attributes, creating=False)
    new_state = _requested_state(ws, ticket, body, version)
    ticket["attributes"].update(attributes)
    if "open" in body:
        ticket["open"] = bool(body["open"])
    if new_state is not None and new_state["id"] != ticket["state_id"]:
        previous = ws.ticket_states[ticket["state_id"]]["category"]
        ticket["state_id"] = new_state["id"]
        ticket["open"] = new_state["category"] != "resolved"
        ws.add_part(
            ticket,
            "ticket_state_updated_by_admin",
            None,
            {"type": "bot", "id": "991266752", "name": "Fin", "email": "operator@intercom.io"},
            type="ticket_part",
            ticket_state=new_state["category"],
            previous_ticket_state=previous,
        )
    ticket["updated_at"] = ws.now()
    return JSONResponse(render_ticket(ws, ticket, version))


def _requested_state(
    ws: Workspace, ticket: dict[str, Any], body: dict[str, Any], version: str
) -> dict[str, Any] | None:
    """``ticket_state_id`` from 2.12, the bare ``state`` category before (reference §6)."""
    if version_tuple(version) >= (2, 12):
        state_id = body.get("ticket_state_id")
        if state_id is None:
            return None
        state = ws.ticket_states.get(str(state_id))
        if state is None or state["ticket_type_id"] != ticket["type_id"]:
            raise ApiError(
                400,
                "parameter_invalid",
                "Ticket state id is not valid or is not associated with the ticket type",
                field="ticket_state_id",
            )
        return state
    category = body.get("state")
    if category is None:
        return None
    if category not in STATE_CATEGORIES[1:]:
        raise ApiError(400, "parameter_invalid", f"state {category!r} is not valid", field="state")
    return ws.state_of_type(ticket["type_id"], category)


async def reply_ticket(request: Request) -> JSONResponse:
    ws = _ws(request)
    ticket = _ticket_or_404(ws, request.path_params["ticket_id"])
    message_type, text, author = _admin_reply_part(ws, await _body(request))
    part = ws.add_part(ticket, message_type, text, author, type="ticket_part")
    return JSONResponse(
        {
            k: part[k]
            for k in (
                "type",
                "id",
                "part_type",
                "body",
                "created_at",
                "updated_at",
                "author",
                "attachments",
                "redacted",
            )
        }
    )


async def search_tickets(request: Request) -> JSONResponse:
    ws = _ws(request)
    query, per_page, cursor = _search_body(await _body(request), 20)
    # The tickets search documentation allows <= and >= on created_at.
    search = Search(ticket_fields(ws), ws.tz(), extra_date_operators={"created_at": {"<=", ">="}})
    search.validate(query)
    found = sorted(
        (t for t in ws.tickets.values() if search.matches(t, query)),
        key=lambda t: (t["created_at"], int(t["id"])),
    )
    page, pages = paginate(found, per_page, cursor)
    version = _version(request)
    return JSONResponse(
        {
            "type": "ticket.list",
            "tickets": [render_ticket(ws, t, version) for t in page],
            "total_count": len(found),
            "pages": pages,
        }
    )


async def link_conversation(request: Request) -> JSONResponse:
    """``POST /tickets/{id}/linked_conversations``: tracker tickets only (after 2.14; unconfirmed codes)."""
    ws = _ws(request)
    if version_tuple(_version(request)) < (2, 15):
        raise not_found("not_found", "Resource Not Found")
    ticket = _ticket_or_404(ws, request.path_params["ticket_id"])
    body = await _body(request)
    conversation = ws.conversations.get(str(_required(body, "conversation_id")))
    if conversation is None:
        raise not_found("conversation_not_found", "Conversation not found")
    if ws.ticket_types[ticket["type_id"]]["category"] != "Tracker":
        raise ApiError(400, "invalid_ticket_type", "Conversations can only be linked to tracker tickets")
    if ("conversation", conversation["id"]) not in ticket["links"] and len(ticket["links"]) >= 2_500:
        raise ApiError(400, "linked_conversation_limit_exceeded", "Linked conversation limit exceeded")
    ws.link(ticket, conversation)
    ticket["updated_at"] = ws.now()
    return JSONResponse(render_conversation(ws, conversation, with_parts=True))


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.field)


async def route_not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        return error_response(405, "method_not_allowed", "Method Not Allowed")
    return error_response(404, "not_found", "Resource Not Found")


ROUTES = [
    Route("/me", me),
    Route("/contacts/search", search_contacts, methods=["POST"]),
    Route("/contacts/{contact_id}", get_contact, methods=["GET"]),
    Route("/contacts/{contact_id}", update_contact, methods=["PUT"]),
    Route("/conversations", list_conversations, methods=["GET"]),
    Route("/conversations", create_conversation, methods=["POST"]),
    Route("/conversations/search", search_conversations, methods=["POST"]),
    Route("/conversations/{conversation_id}", get_conversation, methods=["GET"]),
    Route("/conversations/{conversation_id}/reply", reply_conversation, methods=["POST"]),
    Route("/conversations/{conversation_id}/tags", attach_tag, methods=["POST"]),
    Route("/conversations/{conversation_id}/tags/{tag_id}", detach_tag, methods=["DELETE"]),
    Route("/tags", list_tags, methods=["GET"]),
    Route("/tags", create_tag, methods=["POST"]),
    Route("/admins", list_admins, methods=["GET"]),
    Route("/admins/{admin_id}", get_admin, methods=["GET"]),
    Route("/admins/{admin_id}/away", set_away, methods=["PUT"]),
    Route("/away_status_reasons", list_away_reasons, methods=["GET"]),
    Route("/data_attributes", list_data_attributes, methods=["GET"]),
    Route("/data_attributes", create_data_attribute, methods=["POST"]),
    Route("/ticket_types", list_ticket_types, methods=["GET"]),
    Route("/ticket_states", list_ticket_states, methods=["GET"]),
    Route("/tickets", create_ticket, methods=["POST"]),
    Route("/tickets/search", search_tickets, methods=["POST"]),
    Route("/tickets/{ticket_id}", get_ticket, methods=["GET"]),
    Route("/tickets/{ticket_id}", update_ticket, methods=["PUT"]),
    Route("/tickets/{ticket_id}/reply", reply_ticket, methods=["POST"]),
    Route("/tickets/{ticket_id}/tags", attach_tag, methods=["POST"]),
    Route("/tickets/{ticket_id}/tags/{tag_id}", detach_tag, methods=["DELETE"]),
    Route("/tickets/{ticket_id}/linked_conversations", link_conversation, methods=["POST"]),
]


def create_app(workspace: Workspace | None = None, faults: Faults | None = None) -> Starlette:
    """The emulator app; ``app.state.emulator`` is the ``Workspace`` (state and knobs)."""
    from plugins.intercom.emulator.setup_api import setup_routes

    ws = workspace if workspace is not None else Workspace()
    app = Starlette(
        routes=[*setup_routes(), *ROUTES],  # hub setup's endpoints first: they answer in full
        exception_handlers={ApiError: api_error, 404: route_not_found, 405: route_not_found},
    )
    app.state.emulator = ws
    app.state.faults = faults or Faults()
    app.add_middleware(Gate, workspace=ws)
    app.add_middleware(FaultMiddleware, faults=app.state.faults, error_body=fault_body)
    return app


# --------------------------------------------------------------------------- seed data


FIRST_NAMES = (
    "Ava",
    "Liam",
    "Maya",
    "Noah",
    "Zoe",
    "Ethan",
    "Ivy",
    "Lucas",
    "Nora",
    "Owen",
    "Ruby",
    "Caleb",
    "Hazel",
    "Miles",
    "Stella",
    "Felix",
    "Iris",
    "Jonah",
    "Lena",
    "Theo",
)
LAST_NAMES = (
    "Parker",
    "Nguyen",
    "Garcia",
    "Patel",
    "Kim",
    "Rossi",
    "Walsh",
    "Okafor",
    "Silva",
    "Berg",
    "Moreau",
    "Chen",
    "Haddad",
    "Novak",
    "Reyes",
    "Fischer",
)
BRAND_SKUS = {
    "Ava Jane's Kitchen": ("AJK-SALT-01", "AJK-SPICE-02"),
    "Bright Naturals": ("BN-VITC-30", "BN-OMEGA-60"),
    "Earth Echo": ("EE-GREENS-01", "EE-BEETS-02"),
    "Mesa Cookware": ("MC-SKILLET-10", "MC-DUTCH-05"),
    "PaleoHacks": ("PH-COOKBOOK-1", "PH-BARS-12"),
    "Paleo Plan": ("PP-MEALPLAN-M", "PP-MEALPLAN-Y"),
    "PhysioTru": ("PT-BAND-SET", "PT-ROLLER-01"),
}
PLATFORMS = ("shopify", "konnektive", "stickyio", "ultracart")

TICKET_TYPE_ATTRIBUTES: dict[str, list[tuple[str, str, bool]]] = {
    "Refund": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("Amount", "decimal", False),
        ("Currency", "string", False),
        ("Refund Reason", "string", False),
        ("Admin Reason", "string", False),
        ("Disposition", "string", False),
        ("Line Items", "string", False),
    ],
    "Subscription Cancel": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("Subscription ID", "string", False),
        ("Saved", "boolean", False),
        ("Admin Reason", "string", False),
    ],
    "Fulfillment": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("New Address", "string", False),
        ("Replacement", "boolean", False),
        ("Line Items", "string", False),
    ],
    "Quality": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("SKU", "string", False),
        ("Lot", "string", False),
        ("Replacement", "boolean", False),
        ("Line Items", "string", False),
    ],
    "Tracker": [("SKU", "string", False), ("Lot", "string", False), ("Tracker Count", "integer", False)],
}

CS_ASSIST_DATA_ATTRIBUTES = (
    ("brand", "string"),
    ("cs_lifetime_revenue", "string"),
    ("cs_order_count", "integer"),
    ("cs_last_purchase_date", "string"),
    ("cs_open_subscriptions", "string"),
    ("cs_latest_order_number", "string"),
    ("cs_latest_order_status", "string"),
    ("cs_tracking_numbers", "string"),
    ("cs_shipping_address", "string"),
    ("cs_consent_email", "boolean"),
    ("cs_consent_sms", "boolean"),
    ("cs_consent_phone", "boolean"),
    ("cs_synced_at", "date"),
)


def seed_catalog(ws: Workspace) -> None:
    """What every workspace needs: ticket types with states, away reasons, data attributes."""
    for label, emoji in (("Break/Lunch", "🍔"), ("Coaching", "🎓"), ("In a Meeting", "📅")):
        ws.add_away_reason(label, emoji)
    ws.add_away_reason("Training (retired)", "📚", deleted=True)
    for name, data_type in CS_ASSIST_DATA_ATTRIBUTES:
        ws.add_data_attribute(name, data_type)
    for name, attributes in TICKET_TYPE_ATTRIBUTES.items():
        category = "Tracker" if name == "Tracker" else "Back-office"
        extra = (("in_progress", "Escalated"),) if name == "Refund" else ()
        ws.add_ticket_type(name, attributes, category=category, extra_states=extra)
    ws.add_ticket_type("Product Question", [], category="Customer")


def build_seed(
    seed: int = 7, contacts_per_brand: int = 5, now: int | None = None, workspace: Workspace | None = None
) -> Workspace:
    """A realistic, deterministic workspace for the seven brands.

    Contacts with emails and E.164 phones, conversations (some open), admins (some away with the
    SOP's reasons), back-office tickets of every type (complete, incomplete and duplicate ones).
    """
    rng = random.Random(seed)
    ws = workspace if workspace is not None else Workspace()
    clock_now = now if now is not None else ws.now()
    seed_catalog(ws)
    ws.add_admin("Hub Automation", "hub@support.example.com", job_title="Integration")
    for name, reason in (
        ("Dana Cruz", None),
        ("Eli Brooks", "Break/Lunch"),
        ("Fatima Khan", "Coaching"),
        ("Gus Lindqvist", "In a Meeting"),
        ("Hana Mori", None),
    ):
        first = name.split()[0].lower()
        ws.add_admin(name, f"{first}@support.example.com", away=reason is not None, reason=reason)
    for tag in ("call-log", "refund-request", "vip", "duplicate"):
        ws.add_tag(tag)
    types = {name: ws.ticket_type_by_name(name)["id"] for name in TICKET_TYPE_ATTRIBUTES}
    for brand_index, brand in enumerate(BRANDS):
        for number in range(contacts_per_brand):
            _seed_customer(ws, rng, brand, brand_index, number, clock_now, types)
    _seed_tracker_tickets(ws, rng, clock_now, types)
    return ws


def _seed_customer(
    ws: Workspace,
    rng: random.Random,
    brand: str,
    brand_index: int,
    number: int,
    now: int,
    types: dict[str, str],
) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first}.{last}.{brand_index}{number}@example.com".lower()
    phone = f"+1202555{brand_index:02d}{number:02d}" if number % 4 != 3 else None  # some have no phone
    created = now - rng.randint(30, 400) * 86_400
    contact = ws.add_contact(
        email=email,
        phone=phone,
        name=f"{first} {last}",
        created_at=created,
        updated_at=created + rng.randint(0, 20) * 86_400,
        custom_attributes={"brand": brand},
    )
    for _ in range(rng.randint(1, 2)):
        updated = now - rng.randint(0, 25) * 86_400 - rng.randint(0, 86_399)
        ws.add_conversation(
            contact["id"],
            f"<p>Question about my {brand} order</p>",
            open=rng.random() < 0.5,
            created_at=updated - rng.randint(0, 5) * 86_400,
            updated_at=updated,
        )
    if number % 2 == 0:
        _seed_back_office_ticket(ws, rng, brand, brand_index, number, contact, now, types)


def _seed_back_office_ticket(
    ws: Workspace,
    rng: random.Random,
    brand: str,
    brand_index: int,
    number: int,
    contact: dict[str, Any],
    now: int,
    types: dict[str, str],
) -> None:
    kind = ("Refund", "Subscription Cancel", "Fulfillment", "Quality")[(brand_index + number) % 4]
    order_id = f"{1000 + brand_index * 100 + number}"
    sku = rng.choice(BRAND_SKUS[brand])
    common = {
        "_default_title_": f"{kind} for order {order_id}",
        "Order ID": order_id,
        "Platform": PLATFORMS[brand_index % len(PLATFORMS)],
        "Store": brand,
    }
    specific: dict[str, Any] = {
        "Refund": {
            "Amount": round(rng.uniform(10, 150), 2),
            "Currency": "USD",
            "Refund Reason": "damaged",
            "Admin Reason": "Arrived broken",
            "Disposition": "dispose",
            "Line Items": f"{sku}:1",
        },
        "Subscription Cancel": {
            "Subscription ID": f"SUB-{order_id}",
            "Saved": False,
            "Admin Reason": "Too much product",
        },
        "Fulfillment": {
            "New Address": "12 Elm St, Springfield, IL 62701, US",
            "Replacement": False,
            "Line Items": f"{sku}:1",
        },
        "Quality": {
            "SKU": sku,
            "Lot": f"LOT-{rng.randint(100, 999)}",
            "Replacement": True,
            "Line Items": f"{sku}:1",
        },
    }[kind]
    conversation = next(c for c in ws.conversations.values() if contact["id"] in c["contact_ids"])
    updated = now - rng.randint(0, 10) * 86_400
    attributes = {**common, **specific}
    if number == 4:  # incomplete: the agent forgot the order id and amount
        attributes = {k: v for k, v in attributes.items() if k not in ("Order ID", "Amount")}
    ws.add_ticket(
        types[kind],
        contact["id"],
        attributes,
        conversation_id=conversation["id"],
        created_at=updated - 3_600,
        updated_at=updated,
    )
    if number == 0 and brand_index % 3 == 0:  # a duplicate filed twice for the same order
        ws.add_ticket(
            types[kind],
            contact["id"],
            {**attributes, "_default_title_": f"{kind} (again) {order_id}"},
            created_at=updated - 1_800,
            updated_at=updated + 60,
        )


def _seed_tracker_tickets(ws: Workspace, rng: random.Random, now: int, types: dict[str, str]) -> None:
    first_contact = next(iter(ws.contacts.values()))
    conversations = list(ws.conversations.values())
    for brand in BRANDS[:3]:
        sku = BRAND_SKUS[brand][0]
        tracker = ws.add_ticket(
            types["Tracker"],
            first_contact["id"],
            {
                "_default_title_": f"{sku} leaking lids",
                "SKU": sku,
                "Lot": f"LOT-{rng.randint(100, 999)}",
                "Tracker Count": 0,
            },
            created_at=now - 5 * 86_400,
            updated_at=now - 86_400,
        )
        for conversation in rng.sample(conversations, 3):
            ws.link(tracker, conversation)


# --------------------------------------------------------------------------- sandbox world

SANDBOX_TOKEN = "sandbox-intercom-token"


def seed_from_world(world: Any, workspace: Workspace | None = None) -> Workspace:
    """The helpdesk side of the shared sandbox world (``hub.sandbox.world.SandboxWorld``).

    Every person becomes a contact (same email and phone as in the stores), with a conversation
    or two; the world's agents become admins (some away); the world's orders and subscriptions
    get back-office tickets of every type, including incomplete and duplicate ones; the first
    brands' best sellers get tracker tickets with linked conversations.
    """
    rng = random.Random(world.seed)
    ws = workspace if workspace is not None else Workspace(token=SANDBOX_TOKEN)
    now = int(world.now.timestamp())
    seed_catalog(ws)
    ws.add_admin("Hub Automation", "hub@supporthub.example", job_title="Integration")
    reasons = (None, "Break/Lunch", "Coaching", "In a Meeting")
    for index, (name, email) in enumerate(world.agents):
        reason = reasons[index % len(reasons)]
        ws.add_admin(name, email, away=reason is not None, reason=reason)
    for tag in ("call-log", "refund-request", "vip"):
        ws.add_tag(tag)
    contacts: dict[str, dict[str, Any]] = {}
    for person in world.people:
        created = now - rng.randint(30, 400) * 86_400
        contact = ws.add_contact(
            email=person.email,
            phone=person.phone,
            name=person.name,
            created_at=created,
            updated_at=created,
            custom_attributes={"brand": person.brand},
        )
        contacts[person.email.lower()] = contact
        for _ in range(rng.randint(1, 2)):
            updated = now - rng.randint(0, 20) * 86_400 - rng.randint(0, 86_399)
            ws.add_conversation(
                contact["id"],
                f"<p>Question about my {person.brand} order</p>",
                open=rng.random() < 0.5,
                created_at=updated - 3_600,
                updated_at=updated,
            )
    types = {name: ws.ticket_type_by_name(name)["id"] for name in TICKET_TYPE_ATTRIBUTES}
    _world_order_tickets(ws, rng, world, contacts, types, now)
    _world_subscription_tickets(ws, world, contacts, types, now)
    if contacts:
        _seed_tracker_tickets(ws, rng, now, types)
    return ws


def _first_conversation(ws: Workspace, contact_id: str) -> str | None:
    return next((c["id"] for c in ws.conversations.values() if contact_id in c["contact_ids"]), None)


def _world_order_tickets(
    ws: Workspace,
    rng: random.Random,
    world: Any,
    contacts: dict[str, dict[str, Any]],
    types: dict[str, str],
    now: int,
) -> None:
    kinds = ("Refund", "Fulfillment", "Quality", "Refund")
    for index, order in enumerate(_round_robin(world.orders)[: 4 * len(BRANDS) * 2 : 2]):
        contact = contacts.get((order.email or "").lower())
        if contact is None:
            continue
        kind = kinds[index % len(kinds)]
        item = order.line_items[0] if order.line_items else None
        attributes: dict[str, Any] = {
            "_default_title_": f"{kind} for order {order.number}",
            "Order ID": order.number,
            "Platform": order.platform,
            "Store": order.store or "",
        }
        line = f"{item.sku}:1" if item is not None and item.sku else ""
        if kind == "Refund":
            attributes |= {
                "Amount": float(order.total.amount) if index % 2 else float(item.price.amount if item else 1),
                "Currency": order.total.currency,
                "Refund Reason": "damaged",
                "Admin Reason": "Arrived broken",
                "Disposition": "dispose",
                "Line Items": line,
            }
        elif kind == "Fulfillment":
            attributes |= {"New Address": "12 Elm St, Springfield, IL, 62701, US", "Line Items": line}
        else:
            attributes |= {
                "SKU": item.sku if item and item.sku else "",
                "Lot": "LOT-204",
                "Replacement": True,
                "Line Items": line,
            }
        if index % 7 == 6:  # incomplete: the agent left the order id out
            attributes.pop("Order ID")
        updated = now - rng.randint(0, 5) * 86_400
        ws.add_ticket(
            types[kind],
            contact["id"],
            attributes,
            conversation_id=_first_conversation(ws, contact["id"]),
            created_at=updated - 600,
            updated_at=updated,
        )
        if index == 0:  # filed twice for the same order
            ws.add_ticket(
                types[kind], contact["id"], attributes, created_at=updated - 300, updated_at=updated + 5
            )


def _round_robin(orders: list[Any]) -> list[Any]:
    """Orders taken from each store platform in turn, so tickets reach every store."""
    by_platform: dict[str, list[Any]] = {}
    for order in orders:
        by_platform.setdefault(order.platform, []).append(order)
    queues = list(by_platform.values())
    mixed = []
    for index in range(max((len(q) for q in queues), default=0)):
        mixed.extend(queue[index] for queue in queues if index < len(queue))
    return mixed


def _world_subscription_tickets(
    ws: Workspace, world: Any, contacts: dict[str, dict[str, Any]], types: dict[str, str], now: int
) -> None:
    """Cancel tickets for subscriptions whose customer has an order (the order gives the email)."""
    emails = {(o.platform, o.customer_id): (o.email or "").lower() for o in world.orders if o.customer_id}
    made = 0
    for subscription in _round_robin(world.subscriptions):
        contact = contacts.get(emails.get((subscription.platform, subscription.customer_id), ""))
        if contact is None or made >= 6:
            continue
        made += 1
        ws.add_ticket(
            types["Subscription Cancel"],
            contact["id"],
            {
                "_default_title_": f"Cancel subscription {subscription.id}",
                "Subscription ID": subscription.id,
                "Platform": subscription.platform,
                "Store": subscription.store or "",
                "Saved": False,
                "Admin Reason": "Too much product",
            },
            conversation_id=_first_conversation(ws, contact["id"]),
            created_at=now - 7_200,
            updated_at=now - 3_600 + made,
        )


# --------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Intercom API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--per-minute", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args(argv)
    ws = build_seed(args.seed, workspace=Workspace(token=args.token, per_minute=args.per_minute))
    run_forever(create_app(ws, Faults(rate=args.fault_rate, seed=args.seed)), args.host, args.port)


if __name__ == "__main__":
    main()
