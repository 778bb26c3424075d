"""UltraCart webhooks: one merchant account's HTTP Basic credentials, then its batch of events.

An UltraCart webhook (``/webhook/webhooks``, reference §5; the SDK's ``Webhook`` model) logs in
to the receiver with ``authentication_type`` ``basic`` and the ``basic_username`` /
``basic_password`` set on it; no signature header is documented. So a delivery is accepted when
its ``Authorization: Basic`` credentials are one store's ``webhook_username`` /
``webhook_password`` (compared in constant time), and every event in it names that store's
``merchant_id`` (one account's credentials never speak for another's orders). The body is read
only after that. Nothing in it is signed: no replay window applies (``occurred_at`` is None) and
nothing in it is acted on as such. Payloads are sparse; the flow re-fetches the order.

The body is ``{"events": [{"<event name>": {...}}, ...]}``, or that JSON gzipped and base64
encoded as one JSON string (``compress_events``). A delivery has no id of its own (unconfirmed):
a retry repeats the same bytes, so the delivery id is the body's SHA-256 and the hour it came
in. Two identical sparse events hours apart are both acted on, which only refreshes a summary
again; a retry within the hour is stored once.

What the hub does: an order event (``order_create``, ``order_update``, ``order_ship``,
``order_refund``...) or an auto order event (through its ``original_order_id``) refreshes the
CS Assist summary of the order's customer (``CUSTOMER_CHANGED`` with ``orders``); a customer
event carrying an email refreshes that person's (``people``); other events are kept, ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from collections.abc import Mapping
from typing import Any

from hub.core.models import Ref, utcnow
from hub.core.webhooks import (
    UNREADABLE_ERRORS,
    WebhookAction,
    WebhookEvent,
    WebhookRefused,
    read_json_object,
)
from plugins.ultracart import mapping
from plugins.ultracart.client import PLATFORM
from plugins.ultracart.settings import UltracartSettings, UltracartStoreSettings

MAX_INFLATED_BYTES = 8_000_000
"""Largest batch a compressed body may inflate to (UltraCart caps a batch by ``maximum_size``)."""


def read_webhook(settings: UltracartSettings, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Check the Basic credentials, then read the batch into one event for the CS Assist refresh.

    Raises ``WebhookRefused``: 401 for credentials no store has, or an event of another
    merchant; 400 for a body that is not an UltraCart batch.
    """
    key, store = store_for_credentials(settings, headers.get("authorization", ""))
    payload = read_batch(body)
    try:
        events = mapping.webhook_events(payload, {str(store.merchant_id): key})
    except UNREADABLE_ERRORS as exc:  # authenticated, but of an odd shape: parked, not a 500
        return _event(body, "batch", WebhookAction.UNREADABLE, {"reason": str(exc), "store": key})
    foreign = sorted(
        {str(e.merchant_id) for e in events if e.merchant_id and e.merchant_id != store.merchant_id}
    )
    if foreign:
        raise WebhookRefused(
            401, f"events of merchant {', '.join(foreign)} sent with store {key}'s credentials"
        )
    topic = ",".join(dict.fromkeys(e.name for e in events)) or "empty"
    orders, people = _subjects(events, key)
    if not orders and not people:
        return _event(body, topic, WebhookAction.IGNORED, {})
    subject = {"orders": orders, "people": people, "store": key}
    return _event(body, topic, WebhookAction.CUSTOMER_CHANGED, subject)


def store_for_credentials(
    settings: UltracartSettings, authorization: str
) -> tuple[str, UltracartStoreSettings]:
    """The store whose webhook credentials ``Authorization: Basic ...`` carries (401 otherwise).

    Every configured store is compared (constant time each), so the answer's timing does not
    tell which user names exist.
    """
    scheme, _, token = authorization.strip().partition(" ")
    user, password = _basic(token) if scheme.lower() == "basic" else (None, None)
    found = None
    for key, store in settings.stores.items():
        # A store without merchant_id could not tell its own events from another account's.
        if store.webhook_username and store.webhook_password is not None and store.merchant_id:
            same_user = hmac.compare_digest((user or "").encode(), store.webhook_username.encode())
            same_password = hmac.compare_digest(
                (password or "").encode(), store.webhook_password.get_secret_value().encode()
            )
            if same_user and same_password and user is not None and found is None:
                found = (key, store)
    if found is None:
        raise WebhookRefused(
            401, "Authorization is not the Basic credentials of a configured store's webhook"
        )
    return found


def _basic(token: str) -> tuple[str | None, str | None]:
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None, None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else (None, None)


def read_batch(body: bytes) -> dict[str, Any]:
    """The batch as a JSON object, inflated first when UltraCart compressed it (400 if unreadable)."""
    if body.lstrip()[:1] == b'"':  # compress_events: one JSON string, base64 of gzipped JSON
        try:
            packed = json.loads(body)
            body = _gunzip(base64.b64decode(packed, validate=True))
        except (ValueError, TypeError, binascii.Error, zlib.error):
            raise WebhookRefused(400, "compressed events are not base64 gzip") from None
    payload = read_json_object(body)
    if not isinstance(payload.get("events"), list):
        raise WebhookRefused(400, "not an UltraCart webhook batch (no events list)")
    return payload


def _gunzip(data: bytes) -> bytes:
    """Inflate gzip ``data`` to at most ``MAX_INFLATED_BYTES`` (a bomb is refused, not inflated)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    inflated = inflater.decompress(data, MAX_INFLATED_BYTES)
    if inflater.unconsumed_tail or not inflater.eof:
        raise WebhookRefused(
            400, f"compressed events inflate past {MAX_INFLATED_BYTES} bytes or are cut short"
        )
    return inflated


def _subjects(
    events: list[mapping.WebhookEvent], store: str
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The orders (as ref JSON) and the people (``{"email"}``) the batch's events are about."""
    orders: dict[str, dict[str, Any]] = {}
    people: dict[str, dict[str, str]] = {}
    for event in events:
        order_id = _order_of(event)
        if order_id:
            orders.setdefault(
                order_id,
                Ref(platform=PLATFORM, id=order_id, store=store, kind="order").model_dump(mode="json"),
            )
        email = event.data.get("email") if event.name.startswith("customer_") else None
        if isinstance(email, str) and email.strip():
            people.setdefault(email.strip().lower(), {"email": email.strip()})
    return list(orders.values()), list(people.values())


def _order_of(event: mapping.WebhookEvent) -> str | None:
    """The order an event is about: its ``order_id``, or an auto order's ``original_order_id``."""
    if event.name.startswith("order_"):
        value = event.data.get("order_id")
    elif event.name.startswith("auto_order_"):
        value = event.data.get("original_order_id")
    else:
        return None
    return str(value).strip() if isinstance(value, str | int) and str(value).strip() else None


def _event(body: bytes, topic: str, action: WebhookAction, subject: dict[str, Any]) -> WebhookEvent:
    digest = hashlib.sha256(body).hexdigest()[:40]
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=f"sha256:{digest}:{utcnow():%Y%m%d%H}",
        topic=topic[:200],
        action=action,
        subject=subject,
        occurred_at=None,  # nothing in an UltraCart delivery is signed
    )
