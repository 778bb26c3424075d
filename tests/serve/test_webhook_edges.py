"""Bad input at every endpoint is a 4xx with a reason; duplicates are judged on the right id.

Each example of issue 14 items 5 and 6 with the answer it must get, on every platform where
the kind can occur: a body nested to exhaust the parser, signed bodies of odd shapes (``data``
a list, times of 1e20 or NaN, an inbox-app form whose ``input_values`` is a list), ids holding
control characters, the same Shopify event under two webhook ids, and a replay whose unsigned
header claims it is fresh.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from hub.core.hookspecs import hookimpl
from hub.core.panel import AppRequest
from hub.core.plugin import PluginSettings
from hub.core.webhooks import WebhookEvent
from hub.serve.inbox import InboxStatus
from tests.serve.conftest import AIRCALL_TOKEN, Served

NESTED = b"{\"a\":" * 10_000 + b"1" + b"}" * 10_000  # 60 KB, under the test limit
NESTED_LIST = b"[" * 30_000 + b"]" * 30_000


def now() -> int:
    return int(datetime.now(UTC).timestamp())


def shopify_brand(served: Served) -> str:
    return next(iter(served.sandbox.apps["shopify"].settings["stores"].values()))["brand"]


def notification(**fields: object) -> dict:
    return {"type": "notification_event", "id": "notif_1", "topic": "ping", "created_at": now(), **fields}


def aircall_event(served: Served, **fields: object) -> dict:
    event = {"resource": "call", "event": "call.created", "timestamp": now(), "token": AIRCALL_TOKEN}
    return {**event, "data": {"id": 1}, **fields}


@pytest.mark.parametrize("body", [NESTED, NESTED_LIST], ids=["object", "list"])
async def test_a_deeply_nested_body_is_400_on_every_webhook(served: Served, body: bytes) -> None:
    assert (await served.client.post("/webhooks/aircall", content=body)).status_code == 400
    signed_intercom = await served.client.post(
        "/webhooks/intercom", content=body, headers={"X-Hub-Signature": "sha1=" + "0" * 40}
    )
    assert signed_intercom.status_code == 401  # unsigned: refused before the body is read
    raw = await served.shopify("orders/create", {}, brand=shopify_brand(served), delivery="d", body=body)
    assert raw.status_code == 400, raw.text
    assert (await served.intercom_raw(body)).status_code == 400
    assert served.server.inbox.rows() == []


async def test_a_body_nested_past_the_limit_but_parseable_is_400(served: Served) -> None:
    deep: object = 1
    for _ in range(200):
        deep = {"d": deep}
    response = await served.intercom(notification(data=deep))
    assert response.status_code == 400
    assert "deeper" in response.json()["error"]


@pytest.mark.parametrize("stamp", [1e20, -1e20, "yesterday", True, [1]])
async def test_a_signed_time_that_is_not_a_time_is_400_with_the_field(served: Served, stamp: object) -> None:
    intercom = await served.intercom(notification(created_at=stamp))
    assert intercom.status_code == 400 and "created_at" in intercom.json()["error"]
    aircall = await served.aircall(aircall_event(served, timestamp=stamp))
    assert aircall.status_code == 400 and "timestamp" in aircall.json()["error"]
    shopify = await served.shopify(
        "orders/updated", {"updated_at": stamp}, brand=shopify_brand(served), delivery="d-time"
    )
    assert shopify.status_code == 400 and "updated_at" in shopify.json()["error"]
    assert served.server.inbox.rows() == []


async def test_nan_in_a_signed_body_is_400(served: Served) -> None:
    body = b'{"type": "notification_event", "id": "notif_nan", "topic": "ping", "created_at": NaN}'
    assert (await served.intercom_raw(body)).status_code == 400
    nan_aircall = json.dumps(aircall_event(served)).replace('"timestamp": ', '"timestamp": NaN, "t": ')
    assert (await served.client.post("/webhooks/aircall", content=nan_aircall)).status_code == 400
    shopify = await served.shopify(
        "orders/updated", {}, brand=shopify_brand(served), delivery="d-nan", body=b'{"total_price": NaN}'
    )
    assert shopify.status_code == 400


@pytest.mark.parametrize("topic", ["ticket.created", "conversation.user.created", "ping"])
async def test_intercom_data_of_an_odd_shape_is_stored_unreadable_or_ignored_never_500(
    served: Served, topic: str
) -> None:
    shapes = [[1, 2], "text", {"item": [1]}, {"item": {"ticket_type": [1], "id": {"x": 1}}}]
    for number, data in enumerate(shapes):
        response = await served.intercom(notification(id=f"notif_{number}", topic=topic, data=data))
        assert response.status_code == 200, response.text
    rows = served.server.inbox.rows("intercom")
    assert len(rows) == len(shapes)
    assert {row.status for row in rows} <= {InboxStatus.PENDING, InboxStatus.IGNORED}
    await served.server.worker.drain()  # the worker parks what it cannot read and goes on
    rows = served.server.inbox.rows("intercom")
    assert InboxStatus.PENDING not in {row.status for row in rows}
    assert not [row.error for row in rows if row.error and "not found" in row.error]


async def test_aircall_data_of_an_odd_shape_is_400(served: Served) -> None:
    for data in ([1, 2], {"id": [1]}, {"id": True}, {"id": ""}, {"id": {"x": 1}}):
        response = await served.aircall(aircall_event(served, data=data))
        assert response.status_code == 400, (data, response.text)
    ended = await served.aircall(aircall_event(served, event="call.ended", data={"id": 7, "direction": 5}))
    assert ended.status_code == 200  # verified but unreadable: parked by the worker, not refused
    (row,) = served.server.inbox.rows("aircall")
    assert row.action.value == "unreadable"


async def test_shopify_bodies_of_odd_shapes_never_500(served: Served) -> None:
    brand = shopify_brand(served)
    odd = [
        {"customer": [1], "email": {"a": 1}},
        {"order_id": {"x": 1}},
        {"email": 5, "phone": ["1"]},
    ]
    for number, payload in enumerate(odd):
        for topic in ("orders/create", "refunds/create", "customers/update"):
            response = await served.shopify(topic, payload, brand=brand, delivery=f"odd-{number}-{topic}")
            assert response.status_code == 200, response.text
    listed = await served.shopify("orders/create", {}, brand=brand, delivery="d-list", body=b"[1, 2]")
    assert listed.status_code == 400
    await served.server.worker.drain()  # and the worker gets through all of them
    rows = served.server.inbox.rows("shopify")
    assert len(rows) == len(odd) * 3
    assert not [row.error for row in rows if row.error and "not found" in row.error]  # no bogus look-up
    parked = [letter.reason for letter in served.runtime.store.dead_letters.entries()]
    assert "refund without a numeric order_id" in parked


@pytest.mark.parametrize(
    "bad_id",
    ["notif\x00nul", "tab\there", "bidi\u202eoverride", "x" * 256, ""],
    ids=["nul", "tab", "format-char", "too-long", "empty"],
)
async def test_a_delivery_id_with_control_characters_or_oversized_is_400(served: Served, bad_id: str) -> None:
    intercom = await served.intercom(notification(id=bad_id))
    assert intercom.status_code == 400, intercom.text
    aircall = await served.aircall(aircall_event(served, data={"id": bad_id}))
    assert aircall.status_code == 400, aircall.text
    assert served.server.inbox.rows() == []


async def test_a_shopify_header_id_too_long_is_400(served: Served) -> None:
    brand = shopify_brand(served)
    response = await served.shopify("orders/create", {"id": 1}, brand=brand, delivery="w" * 300)
    assert response.status_code == 400 and "delivery" in response.json()["error"]
    topic = await served.shopify("x" * 201, {"id": 1}, brand=brand, delivery="w-1")
    assert topic.status_code == 400 and "topic" in topic.json()["error"]


@pytest.mark.parametrize(
    "form",
    [
        {"input_values": ["amount", "1.00"]},
        {"input_values": {"amount": {"nested": 1}}},
        {"input_values": {"consents": [1, 2]}},
        {"contact": ["c1"]},
        {"contact": {"id": {"x": 1}}},
        {"contact": {}},
        {"contact": {"id": "../admins"}},  # an id goes into an API path: never a path of its own
        {"contact": {"id": "\x1f"}},
        {"conversation": {"id": "1?x=2"}},
        {"conversation": "c1"},
        {"current_canvas": {"stored_data": [1]}},
        {"current_canvas": []},
        {"component_id": 5},
    ],
)
async def test_an_inbox_app_request_of_an_odd_shape_is_400_naming_the_key(served: Served, form: dict) -> None:
    ws = served.state("intercom")
    contact = next(iter(ws.contacts.values()))
    request = {"workspace_id": "ws1", "contact": {"id": contact["id"]}, "component_id": "confirm_refund"}
    for step in ("initialize", "submit"):
        response = await served.app_request(step, {**request, **form})
        assert response.status_code == 400, response.text
        assert next(iter(form)) in response.json()["error"]


async def test_same_shopify_event_under_two_webhook_ids_is_stored_once(served: Served) -> None:
    brand = shopify_brand(served)
    order = {"id": 1, "email": "a@example.com", "updated_at": datetime.now(UTC).isoformat()}
    first = await served.shopify("orders/updated", order, brand=brand, delivery="wh-a", event="ev-1")
    resent = await served.shopify("orders/updated", order, brand=brand, delivery="wh-b", event="ev-1")
    assert (first.json()["result"], resent.json()["result"]) == ("stored", "duplicate")
    other = await served.shopify("orders/updated", order, brand=brand, delivery="wh-c", event="ev-2")
    assert other.json()["result"] == "stored"
    no_event = await served.shopify("orders/updated", order, brand=brand, delivery="wh-d")
    retried = await served.shopify("orders/updated", order, brand=brand, delivery="wh-d")
    assert (no_event.json()["result"], retried.json()["result"]) == ("stored", "duplicate")
    assert len(served.server.inbox.rows("shopify")) == 3


async def test_shopify_replay_window_rests_on_the_signed_body_not_the_triggered_at_header(
    served: Served,
) -> None:
    brand = shopify_brand(served)
    week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    replayed = await served.shopify(
        "orders/updated",
        {"id": 1, "email": "a@example.com", "updated_at": week_ago},
        brand=brand,
        delivery="wh-replay",
        triggered_at=datetime.now(UTC).isoformat(),  # unsigned: anyone replaying may set it
    )
    assert replayed.status_code == 401 and "replay" in replayed.json()["error"]
    fresh_body = {"id": 2, "email": "a@example.com", "updated_at": datetime.now(UTC).isoformat()}
    stale_header = await served.shopify(
        "orders/updated", fresh_body, brand=brand, delivery="wh-fresh", triggered_at=week_ago
    )
    assert stale_header.status_code == 200  # the signed body says it is fresh
    assert [row.delivery_id for row in served.server.inbox.rows("shopify")] == ["wh-fresh"]


async def test_intercom_and_aircall_replay_windows_read_the_signed_body(served: Served) -> None:
    week_ago = int((datetime.now(UTC) - timedelta(days=7)).timestamp())
    assert (await served.intercom(notification(created_at=week_ago))).status_code == 401
    assert (await served.aircall(aircall_event(served, timestamp=week_ago))).status_code == 401
    assert served.server.inbox.rows() == []


class CarelessPlugin:
    """A third-party plugin whose readers trip over their input instead of refusing it."""

    @hookimpl
    def hub_webhook(self, platform: str, headers: dict, body: bytes) -> WebhookEvent | None:
        if platform != "careless":
            return None
        if body == b"build":
            return WebhookEvent(platform="careless", delivery_id="x\x00y", topic="t", action="ignored")
        return json.loads(body)["event"]["id"]  # KeyError, TypeError, JSONDecodeError...

    @hookimpl
    def hub_app_request(self, platform: str, headers: dict, body: bytes) -> AppRequest | None:
        return None if platform != "careless" else AppRequest(contact_id=json.loads(body)["contact"])


@pytest.mark.parametrize("body", [b"{}", b"[]", b"not json", b"build"])
async def test_any_plugin_tripping_over_its_input_is_a_400_not_a_500(served: Served, body: bytes) -> None:
    served.server.hub.pm.register(CarelessPlugin(), name="careless")
    served.server.hub.config.plugins["careless"] = PluginSettings(enabled=True)
    response = await served.client.post("/webhooks/careless", content=body)
    assert response.status_code == 400 and response.json()["error"], response.text
    app = await served.client.post("/inbox-app/careless/initialize", content=body)
    assert app.status_code == 400 and app.json()["error"], app.text
    assert served.server.inbox.rows() == []
