"""Intercom webhooks and inbox-app requests: signature checks and event reading.

Webhooks carry ``X-Hub-Signature: sha1=<hex>``, an HMAC-SHA1 of the raw body keyed with the
app's client secret (reference §7). Inbox-app (Canvas Kit) requests carry ``X-Body-Signature``,
an HMAC-SHA256 hex of the body with the same secret: reference §8 marks that scheme
unconfirmed by Intercom's documentation (it is what community implementations verify).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from hub.core.models import TicketState
from hub.core.webhooks import (
    UNREADABLE_ERRORS,
    WebhookAction,
    WebhookEvent,
    WebhookRefused,
    as_object,
    epoch,
    hex_signature_matches,
    read_json_object,
)
from plugins.intercom import mapping
from plugins.intercom.settings import IntercomSettings

log = logging.getLogger("hub.plugins.intercom.webhooks")

PLATFORM = "intercom"
TICKET_TOPICS = frozenset({"ticket.created", "ticket.state.updated", "ticket.attribute.updated"})
ACTIVITY_TOPICS = frozenset({"conversation.user.created", "conversation.user.replied"})


def _secret(settings: IntercomSettings) -> str:
    secret = settings.client_secret.get_secret_value()
    if not secret:
        raise WebhookRefused(401, "no client_secret configured for intercom: every request is refused")
    return secret


def read_webhook(settings: IntercomSettings, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Verify ``X-Hub-Signature`` on the raw body, then read the notification."""
    algorithm, _, digest = headers.get("x-hub-signature", "").partition("=")
    if algorithm != "sha1" or not hex_signature_matches([_secret(settings)], body, digest, "sha1"):
        raise WebhookRefused(401, "X-Hub-Signature does not match the body")
    payload = read_json_object(body)
    delivery = payload.get("id")
    topic = payload.get("topic")
    if payload.get("type") != "notification_event" or not isinstance(delivery, str) or not delivery:
        raise WebhookRefused(400, "not an Intercom notification_event with an id")
    if not isinstance(topic, str):
        raise WebhookRefused(400, "notification without a topic")
    occurred_at = epoch(payload.get("created_at"), "created_at")  # signed with the body
    action, subject = _action_for(settings, topic, payload)
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=delivery,
        topic=topic,
        action=action,
        subject=subject,
        occurred_at=occurred_at,
    )


def _action_for(
    settings: IntercomSettings, topic: str, payload: dict[str, Any]
) -> tuple[WebhookAction, dict[str, Any]]:
    item = as_object(as_object(payload.get("data")).get("item"))
    try:
        if topic in TICKET_TOPICS:
            types = mapping.ticket_type_ids([as_object(item.get("ticket_type"))], settings.ticket_types)
            if not types:
                return WebhookAction.IGNORED, {}  # a ticket type that is not the back office's
            ticket = mapping.ticket_from(item, types, settings.ticket_attributes)
            if ticket.state is TicketState.SUBMITTED:
                return WebhookAction.TICKET_SUBMITTED, ticket.model_dump(mode="json")
            return WebhookAction.IGNORED, {}
        if topic in ACTIVITY_TOPICS:
            return WebhookAction.CONTACT_ACTIVE, mapping.conversation_from(item).model_dump(mode="json")
    except UNREADABLE_ERRORS as exc:  # a verified item of an odd shape is parked, not a 500
        log.warning("intercom %s: unreadable item: %s", topic, exc)
        return WebhookAction.UNREADABLE, {"reason": str(exc), "item": item}
    return WebhookAction.IGNORED, {}


def read_app_request(settings: IntercomSettings, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """Verify an inbox-app (Canvas Kit) request's ``X-Body-Signature`` and return its JSON.

    The HMAC-SHA256-hex-of-the-body scheme is unconfirmed by Intercom's docs (reference §8).
    """
    if not hex_signature_matches([_secret(settings)], body, headers.get("x-body-signature"), "sha256"):
        raise WebhookRefused(401, "X-Body-Signature does not match the body")
    return canvas_request(read_json_object(body))


ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
OBJECT_KEYS = ("contact", "conversation", "context", "admin", "current_canvas", "input_values")
"""Keys of a Canvas Kit request that are JSON objects when present (reference §8)."""


def canvas_request(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` when it has the shape of a Canvas Kit initialize/submit request, else 400.

    Objects where the request has objects (``contact``, ``conversation``...), an id on the
    contact, a text ``component_id``, ``stored_data`` an object, and each input value text,
    a number, a bool, null or a list of texts (checkboxes). Naming the first key that is not.
    """
    for key in OBJECT_KEYS:
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            raise WebhookRefused(400, f"{key} must be an object")
    if not _is_id((payload.get("contact") or {}).get("id")):
        raise WebhookRefused(400, "contact.id must be an Intercom id (letters, digits, - and _)")
    if payload.get("conversation") and not _is_id(payload["conversation"].get("id")):
        raise WebhookRefused(400, "conversation.id must be an Intercom id (letters, digits, - and _)")
    if payload.get("component_id") is not None and not isinstance(payload["component_id"], str):
        raise WebhookRefused(400, "component_id must be text")
    stored = (payload.get("current_canvas") or {}).get("stored_data")
    if stored is not None and not isinstance(stored, dict):
        raise WebhookRefused(400, "current_canvas.stored_data must be an object")
    for name, value in (payload.get("input_values") or {}).items():
        if not _input_value(value):
            raise WebhookRefused(400, f"input_values.{name} must be text or a list of texts")
    return payload


def _is_id(value: Any) -> bool:
    """An Intercom id (contacts: 24 hex digits, conversations: digits): it goes into API paths,
    so ``/``, ``..``, ``?`` or control characters must never get through."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value >= 0
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _input_value(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
