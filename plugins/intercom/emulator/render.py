"""Workspace records as Intercom's JSON, field for field as the 2.14 description's examples show them."""

from __future__ import annotations

import html
import re
from typing import Any

from plugins.intercom.emulator.workspace import Workspace, version_tuple

DEFAULT_TICKET_ATTRIBUTES = ("_default_title_", "_default_description_")
# Nested lists on a contact show at most this many items; ``has_more`` says when there are more.
ADDRESSABLE_LIMIT = 10
_NULL_CONTACT_FIELDS = (
    "last_replied_at",
    "last_contacted_at",
    "last_email_opened_at",
    "last_email_clicked_at",
    "language_override",
    "browser",
    "browser_version",
    "browser_language",
    "os",
)
_DEVICE_FIELDS = tuple(
    f"{platform}_{name}"
    for platform in ("android", "ios")
    for name in ("app_name", "app_version", "device", "os_version", "sdk_version", "last_seen_at")
)
_UTM_FIELDS = ("utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term", "referrer")


def _addressable(kind: str, ids: list[str], url: str, item_url: str) -> dict[str, Any]:
    """``{"type": "list", "data": [{"type", "id", "url"}], "url", "total_count", "has_more"}``."""
    data = [{"type": kind, "id": item, "url": item_url.format(id=item)} for item in ids[:ADDRESSABLE_LIMIT]]
    return {
        "type": "list",
        "data": data,
        "url": url,
        "total_count": len(ids),
        "has_more": len(ids) > ADDRESSABLE_LIMIT,
    }


def render_contact(ws: Workspace, contact: dict[str, Any]) -> dict[str, Any]:
    """The full contact object (``GET /contacts/{id}``); unknown device and web fields are null."""
    contact_id, email = contact["id"], contact.get("email")
    avatar = contact.get("avatar")
    rendered: dict[str, Any] = {
        "type": "contact",
        "id": contact_id,
        "workspace_id": ws.workspace_id,
        "external_id": contact.get("external_id"),
        "role": contact["role"],
        "email_domain": email.split("@", 1)[1] if email and "@" in email else "",
        "phone": contact.get("phone"),
        "name": contact.get("name"),
        "avatar": {"type": "avatar", "image_url": avatar} if avatar else None,
        "owner_id": contact.get("owner_id"),
        "social_profiles": {"type": "list", "data": []},
        "has_hard_bounced": False,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": bool(contact.get("unsubscribed_from_emails")),
        "created_at": contact["created_at"],
        "updated_at": contact["updated_at"],
        "signed_up_at": contact.get("signed_up_at"),
        "last_seen_at": contact.get("last_seen_at"),
        **dict.fromkeys(_NULL_CONTACT_FIELDS),
        "location": {
            "type": "location",
            **dict.fromkeys(("country", "region", "city", "country_code", "continent_code")),
        },
        **dict.fromkeys(_DEVICE_FIELDS),
        "custom_attributes": render_custom_attributes(ws, "contact", contact["custom_attributes"]),
        **_contact_lists(ws, contact),
        **dict.fromkeys(_UTM_FIELDS),
        "enabled_push_messaging": None,
    }
    if email is not None:  # the spec types email as a non-null string
        rendered["email"] = email
    return rendered


def render_custom_attributes(ws: Workspace, model: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Custom attributes; a reference attribute's instance ids become ``{"type": "Order.list", ...}``."""
    rendered = {}
    for name, value in attributes.items():
        object_type = ws.reference_attributes.get(f"{model}:{name}")
        if object_type is not None and isinstance(value, list):
            instances = [ws.object_instances[str(i)] for i in value if str(i) in ws.object_instances]
            value = {"type": f"{object_type}.list", "instances": [dict(i) for i in instances]}
        rendered[name] = value
    return rendered


def _contact_lists(ws: Workspace, contact: dict[str, Any]) -> dict[str, Any]:
    contact_id = contact["id"]
    notes = sorted((n for n in ws.notes.values() if n["contact_id"] == contact_id), key=_newest_first)
    subscriptions = contact.get("subscriptions", {})
    subscription_url = f"/contacts/{contact_id}/subscriptions"
    return {
        "tags": _addressable("tag", contact.get("tag_ids", []), f"/contacts/{contact_id}/tags", "/tags/{id}"),
        "notes": _addressable(
            "note", [n["id"] for n in notes], f"/contacts/{contact_id}/notes", "/notes/{id}"
        ),
        "companies": _addressable(
            "company", contact.get("company_ids", []), f"/contacts/{contact_id}/companies", "/companies/{id}"
        ),
        "opted_out_subscription_types": _addressable(
            "subscription",
            [s for s, consent in subscriptions.items() if consent == "opt_out"],
            subscription_url,
            "/subscriptions/{id}",
        ),
        "opted_in_subscription_types": _addressable(
            "subscription",
            [s for s, consent in subscriptions.items() if consent == "opt_in"],
            subscription_url,
            "/subscriptions/{id}",
        ),
    }


def _newest_first(note: dict[str, Any]) -> tuple[int, int]:
    return (-note["created_at"], -int(note["id"]))


def render_contact_reference(contact: dict[str, Any]) -> dict[str, Any]:
    return {"type": "contact", "id": contact["id"], "external_id": contact.get("external_id")}


def render_tag(tag: dict[str, Any], applied: dict[str, Any] | None = None) -> dict[str, Any]:
    """``tag`` with ``applied_at``/``applied_by`` when it was applied to a record, else ``tag_basic``."""
    rendered = {"type": "tag", "id": tag["id"], "name": tag["name"]}
    if applied is not None:
        rendered["applied_at"] = applied.get("applied_at")
        rendered["applied_by"] = applied.get("applied_by")
    return rendered


def render_record_tags(ws: Workspace, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The tags on a contact, conversation or ticket, each with when and by whom it was applied."""
    applied = record.get("tag_applied", {})
    return [render_tag(ws.tags[t], applied.get(t, {})) for t in record["tag_ids"] if t in ws.tags]


def render_company(ws: Workspace, company: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "company",
        "company_id": company["company_id"],
        "id": company["id"],
        "app_id": ws.workspace_id,
        "name": company["name"],
        "remote_created_at": company["remote_created_at"],
        "created_at": company["created_at"],
        "updated_at": company["updated_at"],
        "last_request_at": company["last_request_at"],
        "monthly_spend": company["monthly_spend"],
        "session_count": company["session_count"],
        "user_count": company["user_count"],
        "tags": {
            "type": "tag.list",
            "tags": [render_tag(ws.tags[t]) for t in company["tag_ids"] if t in ws.tags],
        },
        "segments": {"type": "segment.list", "segments": []},
        "plan": dict(company["plan"]),
        "custom_attributes": dict(company["custom_attributes"]),
    }


def render_segment(segment: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "segment",
        "id": segment["id"],
        "name": segment["name"],
        "created_at": segment["created_at"],
        "updated_at": segment["updated_at"],
        "person_type": segment["person_type"],
    }


def render_subscription_type(subscription: dict[str, Any]) -> dict[str, Any]:
    translation = {"name": subscription["name"], "description": f"{subscription['name']}", "locale": "en"}
    return {
        "type": "subscription",
        "id": subscription["id"],
        "state": subscription["state"],
        "consent_type": subscription["consent_type"],
        "default_translation": translation,
        "translations": [dict(translation)],
        "content_types": list(subscription["content_types"]),
    }


def render_note(ws: Workspace, note: dict[str, Any]) -> dict[str, Any]:
    admin = ws.admins.get(note["admin_id"])
    author = None
    if admin is not None:
        author = {
            "type": "admin",
            "id": admin["id"],
            "name": admin["name"],
            "email": admin["email"],
            "away_mode_enabled": admin["away_mode_enabled"],
            "away_mode_reassign": admin["away_mode_reassign"],
        }
    contact = ws.contacts.get(note["contact_id"])
    return {
        "type": "note",
        "id": note["id"],
        "created_at": note["created_at"],
        "contact": {"type": "contact", "id": contact["id"]} if contact is not None else None,
        "author": author,
        "body": note["body"],
    }


def _render_links(links: list[tuple[str, ...]]) -> dict[str, Any]:
    data = [
        {"type": link[0], "id": link[1], "category": link[2] if len(link) > 2 else None} for link in links
    ]
    return {"type": "list", "data": data, "total_count": len(data), "has_more": False}


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def render_part(part: dict[str, Any], state: str) -> dict[str, Any]:
    """A conversation part with the fields Intercom always sends.

    ``assigned_to``, ``email_message_metadata`` and ``event_details`` are left out when they do
    not apply: Intercom sends null, which its own schema (a ``$ref`` beside ``nullable``) refuses.
    """
    return {
        "external_id": None,
        "metadata": {},
        "state": state,
        "tags": [],
        "app_package_code": None,
        **part,
    }


def render_conversation(ws: Workspace, conversation: dict[str, Any], *, with_parts: bool) -> dict[str, Any]:
    """A conversation (``with_parts``) or a conversation list item (without its parts)."""
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
        "admin_assignee_id": _int_or_none(conversation["admin_assignee_id"]),
        "team_assignee_id": _int_or_none(conversation["team_assignee_id"]),
        "tags": {"type": "tag.list", "tags": render_record_tags(ws, conversation)},
        "source": conversation["source"],
        "contacts": {
            "type": "contact.list",
            "contacts": [
                render_contact_reference(ws.contacts[cid])
                for cid in conversation["contact_ids"]
                if cid in ws.contacts
            ],
        },
        "first_contact_reply": None,
        "sla_applied": None,
        "statistics": None,
        "conversation_rating": None,
        "teammates": None,
        "custom_attributes": render_custom_attributes(ws, "conversation", conversation["custom_attributes"]),
        "topics": {},
        "ticket": None,
        "linked_objects": _render_links(conversation["links"]),
        # ``ai_agent`` is left out: Intercom sends null, which its own schema does not allow.
        "ai_agent_participated": False,
    }
    if with_parts:
        parts = conversation["parts"][-500:]  # Intercom returns the 500 most recent parts
        rendered["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": [render_part(p, p.get("state", conversation["state"])) for p in parts],
            "total_count": len(parts),
        }
    return rendered


def plaintext(text: str | None) -> str | None:
    """An HTML body as ``display_as=plaintext`` gives it: paragraphs and breaks as new lines."""
    if not text:
        return text
    lines = re.sub(r"<br\s*/?>|</p>\s*<p[^>]*>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", lines)).strip()


def as_plaintext(conversation: dict[str, Any]) -> dict[str, Any]:
    """A rendered conversation with its message and part bodies in plain text."""
    source = {**conversation["source"], "body": plaintext(conversation["source"].get("body"))}
    rendered = {**conversation, "source": source}
    if "conversation_parts" in conversation:
        listed = conversation["conversation_parts"]
        parts = [{**p, "body": plaintext(p.get("body"))} for p in listed["conversation_parts"]]
        rendered["conversation_parts"] = {**listed, "conversation_parts": parts}
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
    """A ticket; before 2.12 ``ticket_state`` is the bare category plus the two labels."""
    ticket_type = ws.ticket_types[ticket["type_id"]]
    state = ws.ticket_states[ticket["state_id"]]
    rendered: dict[str, Any] = {
        "type": "ticket",
        "id": ticket["id"],
        "ticket_id": ticket["ticket_id"],
        "category": ticket_type["category"],
        # The two default attributes are always there, null when unset.
        "ticket_attributes": {**dict.fromkeys(DEFAULT_TICKET_ATTRIBUTES), **ticket["attributes"]},
        "ticket_type": render_ticket_type(ws, ticket_type),
        "contacts": {
            "type": "contact.list",
            "contacts": [
                render_contact_reference(ws.contacts[cid])
                for cid in ticket["contact_ids"]
                if cid in ws.contacts
            ],
        },
        "admin_assignee_id": str(ticket.get("admin_assignee_id") or "0"),
        "team_assignee_id": str(ticket.get("team_assignee_id") or "0"),
        "created_at": ticket["created_at"],
        "updated_at": ticket["updated_at"],
        "open": ticket["open"],
        "ticket_parts": {
            "type": "ticket_part.list",
            "ticket_parts": ticket["parts"],
            "total_count": len(ticket["parts"]),
        },
        "linked_objects": _render_links(ticket["links"]),
        "is_shared": bool(ticket.get("is_shared")),
    }
    if ticket.get("snoozed_until") is not None:  # an integer when set; the spec has no null for it
        rendered["snoozed_until"] = ticket["snoozed_until"]
    if version_tuple(version) >= (2, 12):
        rendered["ticket_state"] = render_state(state)
    else:  # 2.11 and before: a bare category plus the labels
        rendered["ticket_state"] = state["category"]
        rendered["ticket_state_internal_label"] = state["internal_label"]
        rendered["ticket_state_external_label"] = state["external_label"]
    return rendered


TICKET_REPLY_FIELDS = (
    "type",
    "id",
    "part_type",
    "body",
    "created_at",
    "updated_at",
    "author",
    "attachments",
    "redacted",
    "app_package_code",
)


def render_ticket_reply(part: dict[str, Any]) -> dict[str, Any]:
    """The ``ticket_reply`` answer to ``POST /tickets/{id}/reply``: the new part alone."""
    return {key: part[key] for key in TICKET_REPLY_FIELDS}


def render_admin(admin: dict[str, Any], version: str) -> dict[str, Any]:
    """An admin; ``away_status_reason_id`` (an integer) arrived in 2.14."""
    rendered = {"type": "admin", **{k: v for k, v in admin.items() if k != "away_status_reason_id"}}
    if version_tuple(version) >= (2, 14):
        reason = admin.get("away_status_reason_id")
        rendered["away_status_reason_id"] = int(reason) if reason is not None else None
    return rendered
