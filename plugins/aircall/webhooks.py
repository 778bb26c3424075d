"""Aircall webhooks: no signature, a shared token inside the body (reference §5).

The body is parsed to reach the token (there is nothing else to check), but nothing is read
from it before the token matches in constant time. A delivery has no id of its own: retries
repeat ``event`` + ``data.id`` + ``timestamp``, so that triple is the delivery id.

``call.ended`` (about 30 s after hang-up, once duration and recording are final) becomes the
call's note; ``call.commented`` on a call that has ended brings a comment typed after it, which
the call log adds as a note of its own (during the call the comment waits for ``call.ended``,
whose call object carries it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.core.webhooks import (
    UNREADABLE_ERRORS,
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
    payload = read_json_object(body)  # 400 when unreadable: the token is inside, nothing else to check
    if not token_matches(settings.webhook_token.get_secret_value(), payload.get("token")):
        raise WebhookRefused(401, "token does not match the webhook's token")
    event, data, stamp = payload.get("event"), payload.get("data"), payload.get("timestamp")
    if not isinstance(event, str) or not isinstance(data, dict) or not _is_id(data.get("id")):
        raise WebhookRefused(400, "not an Aircall event with data.id")
    occurred_at = epoch(stamp, "timestamp")  # next to the token: as trusted as the delivery itself
    action, subject = _action_for(settings, event, data)
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=f"{event}:{data['id']}:{stamp}",
        topic=event,
        action=action,
        subject=subject,
        occurred_at=occurred_at,
    )


def _is_id(value: Any) -> bool:
    """Aircall ids are integers; a string is tolerated, anything else is not an id."""
    return isinstance(value, int | str) and not isinstance(value, bool) and str(value) != ""


def _action_for(
    settings: AircallSettings, event: str, data: dict[str, Any]
) -> tuple[WebhookAction, dict[str, Any]]:
    # call.hungup comes ~30 s before call.ended, before duration and recording are final; a
    # comment on a call still going on is in the call.ended object.
    ended = event == "call.ended" or (event == "call.commented" and data.get("ended_at") is not None)
    if not ended:
        return WebhookAction.IGNORED, {}
    try:
        call = call_from_aircall(data, settings.default_phone_region)
    except UNREADABLE_ERRORS as exc:  # a record of an odd shape is parked, not answered with 500
        return WebhookAction.UNREADABLE, {"reason": str(exc), "call": data}
    return WebhookAction.CALL_ENDED, call.model_dump(mode="json")
