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
import math
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from hub.core.errors import MappingError
from hub.core.models import UtcDateTime

MAX_JSON_DEPTH = 64
"""Deepest nesting a body may have: platform payloads nest about ten levels, and a deeper body
(built to exhaust the parser's recursion) is refused with 400 before anything reads it."""
MAX_ID_CHARS = 255
"""Longest delivery id (the inbox column); platforms send UUIDs or short notification ids."""
MAX_TOPIC_CHARS = 200
UNREADABLE_ERRORS: tuple[type[Exception], ...] = (
    MappingError,
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,
)
"""What reading a verified record of an odd shape may raise: the event becomes UNREADABLE
(parked with the reason) rather than a 500 the platform would retry for days."""


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
    """``subject`` holds ``email``/``phone`` or an ``order`` ref, or for a batch of events
    ``orders`` (refs) and ``people`` (``email``/``phone``): CS Assist refreshes each summary."""
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
    """When the platform says the event happened, read from signed data only (the replay window
    is checked on it); None if the signed data does not say."""

    @field_validator("delivery_id")
    @classmethod
    def _clean_delivery_id(cls, value: str) -> str:
        return clean_text(value, "delivery id", MAX_ID_CHARS)

    @field_validator("topic")
    @classmethod
    def _clean_topic(cls, value: str) -> str:
        return clean_text(value, "topic", MAX_TOPIC_CHARS)


def clean_text(value: str, what: str, limit: int) -> str:
    """``value`` when it is 1..``limit`` characters with no control character, else ``ValueError``.

    A NUL byte cannot be stored in a PostgreSQL text column, and other control or format
    characters in an id only ever come from a forged or corrupted delivery.
    """
    if not value or len(value) > limit:
        raise ValueError(f"{what} must be 1 to {limit} characters")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in value):
        raise ValueError(f"{what} holds a control character")
    return value


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
    """Constant-time comparison of a shared token (some platforms send it inside the body)."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def epoch(value: Any, field: str) -> datetime | None:
    """A signed UNIX-seconds ``field`` as an aware datetime; None when absent.

    Anything else (text, a bool, a time outside years 1..9999) is refused with 400: the body
    is signed, so retrying would bring the same value.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WebhookRefused(400, f"{field} is not a UNIX time")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise WebhookRefused(400, f"{field} is not a UNIX time in years 1 to 9999") from None


def iso_time(value: Any, field: str) -> datetime | None:
    """A signed ISO-8601 ``field`` with an offset as an aware datetime; None when absent (400 if bad)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise WebhookRefused(400, f"{field} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise WebhookRefused(400, f"{field} has no UTC offset")
    return moment


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json_object(body: bytes) -> dict[str, Any]:
    """The body as a strict JSON object no deeper than ``MAX_JSON_DEPTH`` (400 otherwise).

    Parse only after the signature was checked (a token sent inside the body is the one
    exception). ``NaN``/``Infinity`` are refused: they are not JSON (RFC 8259) and no platform
    sends them. Nesting deep enough to exhaust the parser's recursion is refused, not a 500.
    """
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WebhookRefused(400, "body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "body is not a JSON object")
    if json_depth(payload) > MAX_JSON_DEPTH:
        raise WebhookRefused(400, f"body nests deeper than {MAX_JSON_DEPTH} levels")
    return payload


def json_depth(value: Any) -> int:
    """How many containers deep ``value`` nests (a scalar 0, ``{}`` 1), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def as_object(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a signed body of an odd shape)."""
    return value if isinstance(value, dict) else {}
