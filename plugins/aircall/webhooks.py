"""Aircall webhooks: no signature, a shared token inside the body (reference §5).

The body is parsed to reach the token (there is nothing else to check), but nothing is read
from it before the token matches in constant time. A delivery has no id of its own: retries
repeat ``event`` + ``data.id`` + ``timestamp``, so that triple is the delivery id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.core.errors import MappingError
from hub.core.webhooks import (
    WebhookAction,
    WebhookEvent,
    WebhookRefused,
    epoch,
    read_json_object,
    token_matches,
)
from plugins.aircall.mapping import call_from_aircall
from plugins.aircall.settings import AircallSettings

PLATFORM = "aircall"


def read_webhook(settings: AircallSettings, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Check the body's token, then read the event (``call.ended`` becomes the call's note)."""
    try:
        payload = read_json_object(body)
    except WebhookRefused:
        # Without a token there is nothing to verify: an unreadable body is an unverified one.
        raise WebhookRefused(401, "no verifiable token in the body") from None
    if not token_matches(settings.webhook_token.get_secret_value(), payload.get("token")):
        raise WebhookRefused(401, "token does not match the webhook's token")
    event, data, stamp = payload.get("event"), payload.get("data"), payload.get("timestamp")
    if not isinstance(event, str) or not isinstance(data, dict) or data.get("id") is None:
        raise WebhookRefused(400, "not an Aircall event with data.id")
    action, subject = _action_for(settings, event, data)
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=f"{event}:{data['id']}:{stamp}",
        topic=event,
        action=action,
        subject=subject,
        occurred_at=epoch(stamp),
    )


def _action_for(
    settings: AircallSettings, event: str, data: dict[str, Any]
) -> tuple[WebhookAction, dict[str, Any]]:
    if event != "call.ended":  # call.hungup comes ~30 s earlier, before duration and recording are final
        return WebhookAction.IGNORED, {}
    try:
        call = call_from_aircall(data, settings.default_region)
    except MappingError as exc:
        return WebhookAction.UNREADABLE, {"reason": str(exc), "call": data}
    return WebhookAction.CALL_ENDED, call.model_dump(mode="json")
