"""UltraCart webhook deliveries read by the plugin: Basic credentials, the vendor's batch shape."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from hub.core.webhooks import WebhookAction, WebhookRefused
from plugins.ultracart.settings import UltracartSettings
from plugins.ultracart.webhooks import MAX_INFLATED_BYTES, read_webhook

FIXTURE = Path(__file__).parents[2] / "fixtures/examples/ultracart/webhook_order_create.json"
SETTINGS = UltracartSettings.model_validate(
    {
        "enabled": True,
        "stores": {
            "demo_store": {
                "brand": "PaleoHacks",
                "merchant_id": "DEMO",
                "simple_key": "k",
                "webhook_username": "hub",
                "webhook_password": "s3cret",
            },
            "other": {"brand": "Earth Echo", "merchant_id": "EECHO", "simple_key": "k2"},
        },
    }
)


def basic(user: str = "hub", password: str = "s3cret") -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_the_vendor_sample_refreshes_the_order_s_customer() -> None:
    event = read_webhook(SETTINGS, basic(), FIXTURE.read_bytes())
    assert event.platform == "ultracart" and event.topic == "order_create"
    assert event.action is WebhookAction.CUSTOMER_CHANGED
    assert event.subject == {
        "orders": [
            {"platform": "ultracart", "id": "DEMO-0009104420", "store": "demo_store", "kind": "order"}
        ],
        "people": [],
        "store": "demo_store",
    }
    assert event.occurred_at is None  # nothing of the body is signed: no replay window rests on it
    assert read_webhook(SETTINGS, basic(), FIXTURE.read_bytes()).delivery_id == event.delivery_id


def test_compressed_auto_order_and_customer_events() -> None:
    raw = json.dumps(
        {
            "events": [
                {
                    "auto_order_cancel": {
                        "merchant_id": "DEMO",
                        "auto_order_oid": 7,
                        "original_order_id": "DEMO-1",
                    }
                },
                {
                    "customer_update": {
                        "merchant_id": "DEMO",
                        "customer_profile_oid": 9,
                        "email": "Ann@Example.com",
                    }
                },
                {"order_update": {"merchant_id": "DEMO", "order_id": "DEMO-1"}},
            ]
        }
    ).encode()
    packed = json.dumps(base64.b64encode(gzip.compress(raw)).decode()).encode()
    event = read_webhook(SETTINGS, basic(), packed)
    assert [o["id"] for o in event.subject["orders"]] == ["DEMO-1"]  # one refresh per order
    assert event.subject["people"] == [{"email": "Ann@Example.com"}]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, None),
        (basic(password="nope"), None),
        (basic(user="other"), None),
        ({"authorization": "Bearer s3cret"}, None),
        ({"authorization": "Basic not-base64!"}, None),
        (basic(), b'{"events": [{"order_create": {"merchant_id": "EECHO", "order_id": "E-1"}}]}'),
    ],
)
def test_refused_with_401(headers: dict[str, str], body: bytes | None) -> None:
    with pytest.raises(WebhookRefused) as refused:
        read_webhook(SETTINGS, headers, body or FIXTURE.read_bytes())
    assert refused.value.status == 401


def test_a_store_without_credentials_or_merchant_id_takes_no_deliveries() -> None:
    settings = UltracartSettings.model_validate(
        {
            "stores": {
                "s": {"brand": "B", "simple_key": "k", "webhook_username": "hub", "webhook_password": "x"}
            }
        }
    )
    with pytest.raises(WebhookRefused) as refused:
        read_webhook(settings, basic(password="x"), FIXTURE.read_bytes())
    assert refused.value.status == 401


def test_a_compression_bomb_is_refused_before_it_inflates() -> None:
    bomb = gzip.compress(b" " * (MAX_INFLATED_BYTES + 1))
    with pytest.raises(WebhookRefused) as refused:
        read_webhook(SETTINGS, basic(), json.dumps(base64.b64encode(bomb).decode()).encode())
    assert refused.value.status == 400


def test_an_odd_event_is_parked_not_refused() -> None:
    event = read_webhook(SETTINGS, basic(), b'{"events": [{"a": {}, "b": {}}]}')
    assert event.action is WebhookAction.UNREADABLE and "events[0]" in event.subject["reason"]
