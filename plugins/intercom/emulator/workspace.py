"""The state of one emulated Intercom workspace: its records, knobs, and the rules they keep.

Records are plain dicts in the shape the handlers need; ``render.py`` turns them into Intercom's
JSON. Helpers that create or find records live here so the seeders and the handlers share them.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from hub.sandbox.emulator import FixedWindow
from plugins.intercom.emulator.errors import ApiError, invalid, not_found

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
STATE_CATEGORIES = ("submitted", "in_progress", "waiting_on_customer", "resolved")
TICKET_CATEGORIES = ("Customer", "Back-office", "Tracker")
# The bot Intercom names as the author of automatic ticket parts.
BOT = {"type": "bot", "id": "991266752", "name": "Fin", "email": "operator@intercom.io"}


def version_tuple(version: str) -> tuple[int, int]:
    if version == "Preview":
        return (99, 0)
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def hex_id(kind: str, number: int) -> str:
    """A 24-hex id like Intercom's contact and company ids, stable for a kind and number."""
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
    app_package_code: str = "hub-sandbox"  # the API app's code, on the ticket parts it writes
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
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscription_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    activity_logs: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    object_instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    reference_attributes: dict[str, str] = field(default_factory=dict)  # "contact:order" -> "Order"
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

    # ---- look-ups that answer 404 the way Intercom words it

    def contact(self, contact_id: Any) -> dict[str, Any]:
        contact = self.contacts.get(str(contact_id))
        if contact is None:
            raise not_found("not_found", "User Not Found")
        return contact

    def conversation(self, conversation_id: Any) -> dict[str, Any]:
        conversation = self.conversations.get(str(conversation_id))
        if conversation is None:
            raise not_found("not_found", "Resource Not Found")
        return conversation

    def ticket(self, ticket_id: Any) -> dict[str, Any]:
        ticket = self.tickets.get(str(ticket_id))
        if ticket is None:
            raise not_found("ticket_not_found", "Ticket not found")
        return ticket

    def admin(self, admin_id: Any, message: str = "Admin for admin_id not found") -> dict[str, Any]:
        admin = self.admins.get(str(admin_id))
        if admin is None:
            raise not_found("admin_not_found", message)
        return admin

    def tag(self, tag_id: Any) -> dict[str, Any]:
        tag = self.tags.get(str(tag_id))
        if tag is None:
            raise not_found("tag_not_found", "Tag not found")
        return tag

    def company(self, company_id: Any) -> dict[str, Any]:
        company = self.companies.get(str(company_id))
        if company is None:
            raise not_found("company_not_found", "Company Not Found")
        return company

    def note(self, note_id: Any) -> dict[str, Any]:
        note = self.notes.get(str(note_id))
        if note is None:
            raise not_found("not_found", "Resource Not Found")
        return note

    def ticket_type(self, type_id: Any) -> dict[str, Any]:
        ticket_type = self.ticket_types.get(str(type_id))
        if ticket_type is None:
            raise not_found("not_found", "Resource Not Found")
        return ticket_type

    def token_admin(self) -> dict[str, Any]:
        """The admin the access token belongs to (``GET /me``): the first one."""
        admin = next(iter(self.admins.values()), None)
        if admin is None:
            raise not_found("admin_not_found", "Admin not found")
        return admin

    def find_contact(self, *, intercom_user_id: Any = None, user_id: Any = None, email: Any = None) -> dict:
        """A contact by Intercom id, by ``external_id`` (``user_id``) or by email; 404 otherwise."""
        if intercom_user_id not in (None, ""):
            return self.contact(intercom_user_id)
        key, wanted = ("external_id", user_id) if user_id not in (None, "") else ("email", email)
        for contact in self.contacts.values():
            if wanted not in (None, "") and (contact.get(key) or "").lower() == str(wanted).lower():
                return contact
        raise not_found("not_found", "User Not Found")

    # ---- admins and away mode

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
        if away:
            self.log_activity(admin, "admin_away_mode_change", f"{name} changed their away mode to away.")
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

    def log_activity(
        self, admin: dict[str, Any], activity_type: str, description: str, **metadata: Any
    ) -> dict[str, Any]:
        """One entry of ``GET /admins/activity_logs``, performed by ``admin``."""
        entry = {
            "id": str(uuid.UUID(int=self.next_number("activity_log"))),
            "performed_by": {"type": "admin", "id": admin["id"], "email": admin["email"], "ip": "127.0.0.1"},
            "metadata": metadata,
            "created_at": self.now(),
            "activity_type": activity_type,
            "activity_description": description,
        }
        self.activity_logs.append(entry)
        return entry

    # ---- data attributes

    def add_data_attribute(
        self,
        name: str,
        data_type: str,
        model: str = "contact",
        *,
        custom: bool = True,
        label: str | None = None,
        description: str = "",
        options: list[str] | None = None,
        messenger_writable: bool = False,
        admin_id: str | None = None,
    ) -> dict[str, Any]:
        """A data attribute; a standard one (``custom=False``) has no ``custom_attributes.`` prefix."""
        attr_id = self.next_number("data_attribute", 1)
        now = self.now()
        attribute: dict[str, Any] = {
            "type": "data_attribute",
            "id": attr_id,
            "model": model,
            "name": name,
            "full_name": f"custom_attributes.{name}" if custom else name,
            "label": label or name,
            "description": description,
            "data_type": data_type,
            "api_writable": True,
            "ui_writable": True,
            "messenger_writable": messenger_writable,
            "custom": custom,
            "archived": False,
            "created_at": now,
            "updated_at": now,
        }
        if options is not None:
            attribute["options"] = list(options)
        if admin_id is not None:
            attribute["admin_id"] = admin_id
        self.data_attributes[f"{model}:{name}"] = attribute
        return attribute

    def check_custom_attribute(self, model: str, name: str, value: Any) -> None:
        if f"{model}:{name}" in self.reference_attributes:
            self.check_reference(model, name, value)
            return
        attribute = self.data_attributes.get(f"{model}:{name}")
        if attribute is None or attribute["archived"] or not attribute["custom"]:
            raise invalid(f"Custom attribute '{name}' does not exist", field=f"custom_attributes.{name}")
        if value is not None and not matches_type(attribute["data_type"], value):
            raise invalid(
                f"Custom attribute '{name}' must be of type {attribute['data_type']}",
                field=f"custom_attributes.{name}",
            )

    # ---- custom objects (reference attributes hold instances of a custom object type)

    def add_reference_attribute(self, model: str, name: str, object_type: str) -> None:
        """A ``model`` attribute holding instances of the custom object ``object_type``."""
        self.reference_attributes[f"{model}:{name}"] = object_type

    def add_object_instance(
        self, object_type: str, external_id: str, custom_attributes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        instance_id = str(self.next_number("custom_object_instance", 1))
        now = self.now()
        instance = {
            "id": instance_id,
            "external_id": external_id,
            "external_created_at": now,
            "external_updated_at": now,
            "custom_attributes": dict(custom_attributes or {}),
            "type": object_type,
        }
        self.object_instances[instance_id] = instance
        return instance

    def check_reference(self, model: str, name: str, value: Any) -> None:
        """A reference attribute takes a list of ids of its type's instances (or null)."""
        object_type = self.reference_attributes[f"{model}:{name}"]
        ids = value if isinstance(value, list) else None
        if value is not None and (
            ids is None
            or not all(
                isinstance(i, str | int) and self.object_instances.get(str(i), {}).get("type") == object_type
                for i in ids
            )
        ):
            raise invalid(
                f"Custom attribute '{name}' takes a list of {object_type} instance ids",
                field=f"custom_attributes.{name}",
            )

    # ---- contacts

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
        contact_id = hex_id("contact", number)
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
            "last_seen_at": None,
            "owner_id": None,
            "avatar": None,
            "unsubscribed_from_emails": False,
            "custom_attributes": custom,
            "archived": False,
            "blocked": False,
            "tag_ids": [],
            "tag_applied": {},
            "company_ids": [],
            "subscriptions": {},
        }
        self.contacts[contact_id] = contact
        return contact

    def contact_conflict(self, *, email: Any, external_id: Any, but: str | None = None) -> None:
        """409 when another user already has this email or external id (Intercom keeps users unique)."""
        for other in self.contacts.values():
            if other["id"] == but or other["role"] != "user":
                continue
            same_email = email and (other.get("email") or "").lower() == str(email).lower()
            same_external = external_id and other.get("external_id") == str(external_id)
            if same_email or same_external:
                raise ApiError(
                    409, "conflict", f"A contact matching those details already exists with id={other['id']}"
                )

    def delete_contact(self, contact: dict[str, Any]) -> None:
        """Forget a contact and its notes; conversations and tickets keep only their other contacts."""
        self.contacts.pop(contact["id"], None)
        for note_id in [n["id"] for n in self.notes.values() if n["contact_id"] == contact["id"]]:
            del self.notes[note_id]
        for company in self.companies.values():
            company["user_count"] = sum(company["id"] in c["company_ids"] for c in self.contacts.values())

    def add_note(self, contact: dict[str, Any], body: str, admin: dict[str, Any]) -> dict[str, Any]:
        note_id = str(self.next_number("note", 1))
        note = {
            "id": note_id,
            "contact_id": contact["id"],
            "admin_id": admin["id"],
            "body": body if body.lstrip().startswith("<") else f"<p>{body}</p>",
            "created_at": self.now(),
        }
        self.notes[note_id] = note
        return note

    # ---- companies, segments and subscription types

    def add_company(self, name: str, company_id: str | None = None) -> dict[str, Any]:
        number = self.next_number("company")
        now = self.now()
        company = {
            "id": hex_id("company", number),
            "company_id": company_id or str(number),
            "name": name,
            "plan": {},
            "remote_created_at": now,
            "created_at": now,
            "updated_at": now,
            "last_request_at": now,
            "monthly_spend": 0,
            "session_count": 0,
            "user_count": 0,
            "custom_attributes": {},
            "tag_ids": [],
        }
        self.companies[company["id"]] = company
        return company

    def attach_company(self, contact: dict[str, Any], company: dict[str, Any]) -> None:
        if company["id"] not in contact["company_ids"]:
            contact["company_ids"].append(company["id"])
            company["user_count"] += 1
            company["updated_at"] = self.now()

    def detach_company(self, contact: dict[str, Any], company: dict[str, Any]) -> None:
        if company["id"] in contact["company_ids"]:
            contact["company_ids"].remove(company["id"])
            company["user_count"] = max(0, company["user_count"] - 1)
            company["updated_at"] = self.now()

    def add_segment(self, name: str, person_type: str, role: str, attribute: str | None = None) -> dict:
        """A segment: the contacts of ``role`` (with a value for the custom ``attribute``, if named).

        Intercom's segments are saved filters; one that filters on a data attribute is a
        dependant object of it, so that attribute cannot be archived.
        """
        segment_id = hex_id("segment", self.next_number("segment"))
        now = self.now()
        segment = {"id": segment_id, "name": name, "person_type": person_type, "role": role}
        segment.update(attribute=attribute, created_at=now, updated_at=now)
        self.segments[segment_id] = segment
        return segment

    def segments_of(self, contact: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            s
            for s in self.segments.values()
            if s["role"] == contact["role"]
            and (s["attribute"] is None or contact["custom_attributes"].get(s["attribute"]) is not None)
        ]

    def has_dependants(self, attribute: dict[str, Any]) -> bool:
        """Whether a segment filters on this data attribute (then it cannot be archived)."""
        return attribute["model"] == "contact" and any(
            s["attribute"] == attribute["name"] for s in self.segments.values()
        )

    def add_subscription_type(self, name: str, consent_type: str, content_type: str) -> dict[str, Any]:
        subscription_id = str(self.next_number("subscription_type", 91))
        subscription = {
            "id": subscription_id,
            "name": name,
            "state": "live",
            "consent_type": consent_type,
            "content_types": [content_type],
        }
        self.subscription_types[subscription_id] = subscription
        return subscription

    # ---- tags

    def add_tag(self, name: str) -> dict[str, Any]:
        for tag in self.tags.values():
            if tag["name"] == name:
                return tag
        tag_id = str(self.next_number("tag", 8_001))
        self.tags[tag_id] = {"type": "tag", "id": tag_id, "name": name}
        return self.tags[tag_id]

    def apply_tag(self, record: dict[str, Any], tag: dict[str, Any], by: dict[str, Any]) -> dict[str, Any]:
        """Tag a contact, conversation or ticket; the application remembers when and by whom."""
        if tag["id"] not in record["tag_ids"]:
            record["tag_ids"].append(tag["id"])
            record.setdefault("tag_applied", {})[tag["id"]] = {
                "applied_at": self.now(),
                "applied_by": {"type": by.get("type", "admin"), "id": by["id"]},
            }
            record["updated_at"] = self.now()
        return record.setdefault("tag_applied", {}).get(tag["id"]) or {}

    def remove_tag(self, record: dict[str, Any], tag_id: str) -> dict[str, Any]:
        """Untag a record; 404 ``tag_not_found`` when it does not carry the tag."""
        if tag_id not in record["tag_ids"]:
            raise not_found("tag_not_found", "Tag not found")
        record["tag_ids"].remove(tag_id)
        return record.setdefault("tag_applied", {}).pop(tag_id, {})

    def delete_tag(self, tag_id: str) -> None:
        """Forget a tag and every application of it."""
        del self.tags[tag_id]
        records = [*self.contacts.values(), *self.conversations.values(), *self.tickets.values()]
        for record in [*records, *self.companies.values()]:
            if tag_id in record["tag_ids"]:
                record["tag_ids"].remove(tag_id)
                record.get("tag_applied", {}).pop(tag_id, None)

    # ---- conversations

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
            "tag_applied": {},
            "parts": [],
            "links": [],
            "custom_attributes": {},
            "company_id": None,
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
        if part["type"] == "ticket_part":
            part.setdefault("app_package_code", self.app_package_code)
        record["parts"].append(part)
        record["updated_at"] = now
        return part

    def admin_author(self, admin_id: str) -> dict[str, Any]:
        admin = self.admins.get(str(admin_id))
        if admin is None:
            raise not_found("admin_not_found", "Admin not found")
        return {"type": "admin", "id": admin["id"], "name": admin["name"], "email": admin["email"]}

    def contact_author(self, contact: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "user" if contact["role"] == "user" else "lead",
            "id": contact["id"],
            "name": contact.get("name") or "",
            "email": contact.get("email") or "",
        }

    # ---- ticket types, states and tickets

    def add_ticket_type(
        self,
        name: str,
        attributes: Iterable[tuple[str, str, bool]],
        category: str = "Back-office",
        extra_states: Iterable[tuple[str, str]] = (),
        *,
        description: str | None = None,
        icon: str = "🎟️",
        is_internal: bool | None = None,
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
            "description": description if description is not None else f"{name} requests",
            "icon": icon,
            "category": category,
            "archived": False,
            "is_internal": is_internal if is_internal is not None else category != "Customer",
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
        ticket_id: str | None = None,
    ) -> dict[str, Any]:
        """A ticket of ``type_id`` for one contact; ``ticket_id`` reuses a converted conversation's id."""
        ticket_type = self.ticket_types.get(type_id)
        if ticket_type is None or ticket_type["archived"]:
            raise invalid("Ticket type not found", field="ticket_type_id")
        if contact_id not in self.contacts:
            raise not_found("not_found", "User Not Found")
        self.check_ticket_attributes(ticket_type, attributes, creating=check_required)
        if conversation_id is not None and conversation_id not in self.conversations:
            raise not_found("conversation_not_found", "Conversation not found")
        if ticket_id is None:
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
            "tag_applied": {},
            "admin_assignee_id": None,
            "team_assignee_id": None,
            "snoozed_until": None,
            "is_shared": False,
            "company_id": None,
        }
        self.tickets[ticket_id] = ticket
        self.add_part(
            ticket,
            "ticket_state_updated_by_admin",
            None,
            dict(BOT),
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
                raise invalid(
                    f"Ticket attribute '{name}' does not exist on this ticket type",
                    field=f"ticket_attributes.{name}",
                )
            if value is not None and not matches_type(attribute["data_type"], value):
                raise invalid(
                    f"Ticket attribute '{name}' must be of type {attribute['data_type']}",
                    field=f"ticket_attributes.{name}",
                )
        if creating:
            for attribute in ticket_type["attributes"]:
                if attribute["required_to_create"] and attributes.get(attribute["name"]) in (None, ""):
                    raise invalid(
                        f"Ticket attribute '{attribute['name']}' is required",
                        field=f"ticket_attributes.{attribute['name']}",
                        code="parameter_not_found",
                    )

    def link(self, ticket: dict[str, Any], conversation: dict[str, Any]) -> None:
        category = self.ticket_types[ticket["type_id"]]["category"]
        if ("conversation", conversation["id"]) not in ticket["links"]:
            ticket["links"].append(("conversation", conversation["id"]))
        if ("ticket", ticket["id"], category) not in conversation["links"]:
            conversation["links"].append(("ticket", ticket["id"], category))

    # ---- webhooks

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


def matches_type(data_type: str, value: Any) -> bool:
    """Whether a JSON value fits an attribute's data type (strict: no numeric strings)."""
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
