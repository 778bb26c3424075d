"""Shopify webhooks: HMAC check against the store's current and previous secret, then the topic.

``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw body keyed with the app's client
secret; after a rotation Shopify may sign with the old secret for up to an hour, so both are
tried (reference §6). Bodies are REST-shaped whatever API the hub calls.

Duplicates: ``X-Shopify-Webhook-Id`` is repeated by a retry of one delivery, but Shopify may
send the same event again as a new delivery (new webhook id) marked with the same
``X-Shopify-Event-Id``; the inbox deduplicates on the event id, the webhook id when there is none.

Replays: only the body is signed, so the replay window rests on the body's own time
(``updated_at``, else ``created_at``), never on the unsigned ``X-Shopify-Triggered-At``, which
anyone replaying a captured body could set to now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.core.models import Ref
from hub.core.webhooks import (
    UNREADABLE_ERRORS,
    WebhookAction,
    WebhookEvent,
    WebhookRefused,
    base64_signature_matches,
    iso_time,
    read_json_object,
)
from plugins.shopify.client import PLATFORM
from plugins.shopify.mapping import e164, gid
from plugins.shopify.settings import ShopifySettings, ShopifyStoreSettings

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
CUSTOMER_TOPICS = frozenset({"customers/create", "customers/update", "customers/marketing_consent/update"})
REFUND_TOPICS = frozenset({"refunds/create"})


def store_for_shop(settings: ShopifySettings, shop: str) -> tuple[str, ShopifyStoreSettings] | None:
    """The configured store whose permanent domain sent the delivery."""
    wanted = shop.strip().lower()
    return next(((key, store) for key, store in settings.stores.items() if store.shop == wanted), None)


def read_webhook(settings: ShopifySettings, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Verify the delivery on its raw bytes, then say what the hub should do about it."""
    found = store_for_shop(settings, headers.get("x-shopify-shop-domain", ""))
    if found is None:
        raise WebhookRefused(401, "X-Shopify-Shop-Domain is not a configured store")
    key, store = found
    secrets = [store.webhook_secret.get_secret_value(), store.previous_webhook_secret.get_secret_value()]
    if not base64_signature_matches(secrets, body, headers.get("x-shopify-hmac-sha256")):
        raise WebhookRefused(401, "X-Shopify-Hmac-Sha256 does not match the body")
    payload = read_json_object(body)
    delivery = dedupe_id(headers)
    topic = headers.get("x-shopify-topic", "").strip()
    if not delivery or not topic:
        raise WebhookRefused(400, "X-Shopify-Topic and X-Shopify-Webhook-Id (or -Event-Id) are required")
    occurred_at = signed_time(payload)
    try:
        action, subject = _action_for(topic, payload, key)
    except UNREADABLE_ERRORS as exc:  # a signed body of an odd shape is parked, not a 500
        action, subject = WebhookAction.UNREADABLE, {"reason": f"{type(exc).__name__}: {exc}", "store": key}
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=delivery,
        topic=topic,
        action=action,
        subject=subject,
        occurred_at=occurred_at,
    )


def dedupe_id(headers: Mapping[str, str]) -> str:
    """The id two deliveries of one event share: ``X-Shopify-Event-Id``, else ``X-Shopify-Webhook-Id``."""
    event = headers.get("x-shopify-event-id", "").strip()
    return f"event:{event}" if event else headers.get("x-shopify-webhook-id", "").strip()


def signed_time(payload: dict[str, Any]) -> datetime | None:
    """When the event happened, from the signed body: the record's ``updated_at``, else ``created_at``.

    REST timestamps carry the shop's offset (``2008-01-10T11:00:00-05:00``, reference §7); a
    topic whose body has neither (e.g. consent updates) is not window-checked (None).
    """
    for field in ("updated_at", "created_at"):
        if payload.get(field) is not None:
            return iso_time(payload[field], field)
    return None


def _action_for(topic: str, payload: dict[str, Any], store: str) -> tuple[WebhookAction, dict[str, Any]]:
    if topic in REFUND_TOPICS:
        order_id = payload.get("order_id")
        if not _is_rest_id(order_id):
            return WebhookAction.UNREADABLE, {"reason": "refund without a numeric order_id", "store": store}
        order = Ref(platform=PLATFORM, id=gid("Order", order_id), store=store, kind="order")
        return WebhookAction.CUSTOMER_CHANGED, {"order": order.model_dump(mode="json")}
    if topic in ORDER_TOPICS or topic in CUSTOMER_TOPICS:
        customer = payload.get("customer") if topic in ORDER_TOPICS else payload
        who = _who(payload, customer if isinstance(customer, dict) else {})
        if not who:
            return WebhookAction.IGNORED, {}  # e.g. a POS order with no customer: no one to summarise
        return WebhookAction.CUSTOMER_CHANGED, {**who, "store": store}
    return WebhookAction.IGNORED, {}


def _who(payload: dict[str, Any], customer: dict[str, Any]) -> dict[str, str]:
    email = _text(payload.get("email")) or _text(customer.get("email")) or _text(payload.get("contact_email"))
    phone = e164(_text(payload.get("phone")) or _text(customer.get("phone")))
    return {k: str(v) for k, v in (("email", email), ("phone", phone)) if v}



def _is_rest_id(value: Any) -> bool:
    """REST ids in webhook bodies are integers (reference §7); a digit string is tolerated."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value > 0
    return isinstance(value, str) and value.isdigit()


def _text(value: Any) -> str | None:
    """A body field that should be text; anything else counts as absent."""
    return value.strip() or None if isinstance(value, str) else None
