"""Shopify webhooks: HMAC check against the store's current and previous secret, then the topic.

``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw body keyed with the app's client
secret; after a rotation Shopify may sign with the old secret for up to an hour, so both are
tried (reference §6). ``X-Shopify-Webhook-Id`` is the delivery id a retry repeats. Bodies are
REST-shaped whatever API the hub calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.core.models import Ref
from hub.core.webhooks import (
    WebhookAction,
    WebhookEvent,
    WebhookRefused,
    base64_signature_matches,
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
    delivery = headers.get("x-shopify-webhook-id", "").strip()
    topic = headers.get("x-shopify-topic", "").strip()
    if not delivery or not topic:
        raise WebhookRefused(400, "X-Shopify-Webhook-Id and X-Shopify-Topic are required")
    action, subject = _action_for(topic, payload, key)
    return WebhookEvent(
        platform=PLATFORM,
        delivery_id=delivery,
        topic=topic,
        action=action,
        subject=subject,
        occurred_at=_triggered_at(headers.get("x-shopify-triggered-at")),
    )


def _action_for(topic: str, payload: dict[str, Any], store: str) -> tuple[WebhookAction, dict[str, Any]]:
    if topic in REFUND_TOPICS:
        order_id = payload.get("order_id")
        if order_id is None:
            return WebhookAction.UNREADABLE, {"reason": "refund without order_id", "store": store}
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
    email = payload.get("email") or customer.get("email") or payload.get("contact_email")
    phone = e164(payload.get("phone") or customer.get("phone"))
    return {k: str(v) for k, v in (("email", email), ("phone", phone)) if v}


def _triggered_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
