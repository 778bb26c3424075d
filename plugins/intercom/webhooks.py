"""Intercom webhooks and inbox-app requests: signature checks and event reading.

Webhooks carry ``X-Hub-Signature: sha1=<hex>``, an HMAC-SHA1 of the raw body keyed with the
app's client secret (reference §7). Inbox-app (Canvas Kit) requests carry ``X-Body-Signature``,
an HMAC-SHA256 hex of the body with the same secret: reference §8 marks that scheme
unconfirmed by Intercom's documentation (it is what community implementations verify).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hub.core.errors import MappingError
from hub.core.models import TicketState
from hub.core.webhooks import (
    WebhookAction,
    WebhookEvent,
    WebhookRefused,
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
    action, subject = _action_for(settings, topic, payload)
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=delivery,
        topic=topic,
        action=action,
        subject=subject,
        occurred_at=epoch(payload.get("created_at")),
    )


def _action_for(
    settings: IntercomSettings, topic: str, payload: dict[str, Any]
) -> tuple[WebhookAction, dict[str, Any]]:
    item = (payload.get("data") or {}).get("item") or {}
    try:
        if topic in TICKET_TOPICS:
            types = mapping.ticket_type_ids([item.get("ticket_type") or {}], settings.ticket_types)
            if not types:
                return WebhookAction.IGNORED, {}  # a ticket type that is not the back office's
            ticket = mapping.ticket_from(item, types, settings.ticket_attributes)
            if ticket.state is TicketState.SUBMITTED:
                return WebhookAction.TICKET_SUBMITTED, ticket.model_dump(mode="json")
            return WebhookAction.IGNORED, {}
        if topic in ACTIVITY_TOPICS:
            return WebhookAction.CONTACT_ACTIVE, mapping.conversation_from(item).model_dump(mode="json")
    except MappingError as exc:
        log.warning("intercom %s: unreadable item: %s", topic, exc)
        return WebhookAction.UNREADABLE, {"reason": str(exc), "item": item}
    return WebhookAction.IGNORED, {}


def read_app_request(settings: IntercomSettings, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """Verify an inbox-app (Canvas Kit) request's ``X-Body-Signature`` and return its JSON.

    The HMAC-SHA256-hex-of-the-body scheme is unconfirmed by Intercom's docs (reference §8).
    """
    if not hex_signature_matches([_secret(settings)], body, headers.get("x-body-signature"), "sha256"):
        raise WebhookRefused(401, "X-Body-Signature does not match the body")
    return read_json_object(body)
