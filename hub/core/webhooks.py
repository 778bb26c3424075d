"""What a verified webhook delivery is, and the checks every platform's verification shares.

A plugin's ``hub_webhook`` implementation checks the platform's signature on the raw bytes,
then reads the body into a ``WebhookEvent``: the delivery id the platform repeats on a retry
(the inbox deduplicates on it), the topic, and what the hub should do about it, with just
enough of the record (in the hub's domain shapes) for the matching flow to act on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub.core.models import UtcDateTime


class WebhookRefused(Exception):
    """The delivery is refused: ``status`` is the HTTP answer (401 unverified, 400 unreadable)."""

    def __init__(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason
        super().__init__(f"{status}: {reason}")


class WebhookAction(StrEnum):
    """What the hub does with a verified event."""

    CALL_ENDED = "call_ended"
    """``subject`` is a ``Call``: the call log writes its note."""
    CUSTOMER_CHANGED = "customer_changed"
    """``subject`` holds ``email``/``phone`` or an ``order`` ref: CS Assist refreshes the summary."""
    CONTACT_ACTIVE = "contact_active"
    """``subject`` is a ``Conversation``: CS Assist refreshes the summary of its contacts."""
    TICKET_SUBMITTED = "ticket_submitted"
    """``subject`` is a ``Ticket``: the back office carries it out."""
    UNREADABLE = "unreadable"
    """Verified, but its record could not be read: parked as a dead letter with the reason."""
    IGNORED = "ignored"
    """Verified and kept for the record, nothing to do (pings, topics the hub does not use)."""


class WebhookEvent(BaseModel):
    """One verified delivery, as the inbox keeps it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    delivery_id: str
    topic: str
    action: WebhookAction
    subject: dict[str, Any] = {}
    occurred_at: UtcDateTime | None = None
    """When the platform says the event happened (for refusing stale replays); None if it does not say."""


def hmac_digest(secret: str, body: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).digest()


def hex_signature_matches(
    secrets: list[str], body: bytes, given: str | None, algorithm: str = "sha256"
) -> bool:
    """True when ``given`` is the hex HMAC of ``body`` under one of ``secrets`` (constant time)."""
    if not given:
        return False
    given_bytes = given.strip().lower().encode()
    return any(
        hmac.compare_digest(hmac_digest(secret, body, algorithm).hex().encode(), given_bytes)
        for secret in secrets
        if secret
    )


def base64_signature_matches(secrets: list[str], body: bytes, given: str | None) -> bool:
    """True when ``given`` is the base64 HMAC-SHA256 of ``body`` under one of ``secrets``."""
    if not given:
        return False
    given_bytes = given.strip().encode()
    return any(
        hmac.compare_digest(base64.b64encode(hmac_digest(secret, body)), given_bytes)
        for secret in secrets
        if secret
    )


def token_matches(expected: str, given: Any) -> bool:
    """Constant-time comparison of a shared token (Aircall sends it inside the body)."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def epoch(value: Any) -> datetime | None:
    """A UNIX-seconds field as an aware datetime; None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def read_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, parsed only after the signature was checked (400 otherwise)."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused(400, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "body is not a JSON object")
    return payload
