"""No body and no header set gets a 5xx from any endpoint of ``hub serve`` (hypothesis).

Platforms retry a 5xx (Shopify for 48 hours, Intercom pauses the subscription after enough of
them), so bad input must be answered with a 4xx and a reason. Per endpoint, hypothesis sends
arbitrary bytes, arbitrary JSON, JSON nested past the parser's recursion, and near-valid
payloads with odd field values, each with arbitrary headers, both unsigned and correctly signed
with the sandbox secrets (a signed body reaches the code that reads it). The server runs on
the sandbox with its state in SQLite; a 5xx or an exception escaping the app fails the test.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.manager import get_plugin_manager
from hub.engine import Runtime
from hub.sandbox import Sandbox
from hub.serve.app import ServeOptions, create_app
from plugins.shopify.emulator.seed import shop_domain
from tests.serve.conftest import AIRCALL_TOKEN, INTERCOM_SECRET, SHOPIFY_SECRET, set_secrets

MAX_BODY = 200_000
PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Headers the HTTP client computes itself; anything else may be sent.
RESERVED_HEADERS = {"content-length", "host", "transfer-encoding", "connection", "expect", "upgrade"}
KNOWN_HEADERS = [
    "x-hub-signature",
    "x-body-signature",
    "x-shopify-hmac-sha256",
    "x-shopify-shop-domain",
    "x-shopify-topic",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-triggered-at",
    "content-type",
]


@dataclass
class Server:
    """The app behind an HTTP client, driven from synchronous hypothesis tests on one loop."""

    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    shop: str
    contacts: list[str]

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, path, content=body, headers=headers))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = Path(tmp_path_factory.mktemp("property")) / "hub.db"
    loop = asyncio.new_event_loop()
    with pytest.MonkeyPatch.context() as monkeypatch, contextlib.closing(loop):
        pm = get_plugin_manager()
        built = Sandbox(pm, per_brand=1)
        built.build()
        brands = [store["brand"] for store in built.apps["shopify"].settings["stores"].values()]
        set_secrets(monkeypatch, brands)
        runtime = Runtime.from_config(
            pm, built.config(database_url=f"sqlite:///{database}"), transports=built.transports()
        )
        app = create_app(runtime, ServeOptions(worker=False, max_body_bytes=MAX_BODY))
        # raise_app_exceptions=False: an exception escaping the app becomes the 500 a platform sees.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://hub.test")
        lifespan = app.router.lifespan_context(app)
        loop.run_until_complete(lifespan.__aenter__())
        try:
            contacts = list(built.apps["intercom"].state.contacts)[:3]
            yield Server(loop, client, shop_domain(brands[0]), contacts)
        finally:
            loop.run_until_complete(client.aclose())
            loop.run_until_complete(lifespan.__aexit__(None, None, None))
            runtime.store.dispose()


# --------------------------------------------------------------------------- strategies

NOW = int(datetime.now(UTC).timestamp())
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from([NOW, 1e20, -1e20, 10**400, "\x00", "2026-01-01T00:00:00Z", "", "1,50"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)


def nested(depth: int, as_list: bool) -> bytes:
    return b"[" * depth + b"]" * depth if as_list else b'{"a":' * depth + b"1" + b"}" * depth


deep_bodies = st.builds(nested, st.integers(min_value=60, max_value=40_000), st.booleans())


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # NaN and Infinity come out as the non-JSON words


def near(base: dict[str, Any], fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[bytes]:
    """``base`` with up to two of ``fields`` replaced by odd values (so most get past the first check)."""
    chosen = st.sets(st.sampled_from(sorted(fields)), max_size=2)
    odd = chosen.flatmap(lambda keys: st.fixed_dictionaries({key: fields[key] for key in sorted(keys)}))
    return odd.map(lambda values: dumps({**base, **values}))


def bodies(near_valid: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Half near-valid payloads, half anything: bytes, any JSON, JSON nested past the limit."""
    anything = st.one_of(st.binary(max_size=300), json_values.map(dumps), deep_bodies)
    return st.booleans().flatmap(lambda valid_ish: near_valid if valid_ish else anything)


signed_mostly = st.sampled_from([True, True, True, False])
"""Signed bodies reach the code that reads them; unsigned ones must stop at the check."""
header_names = st.sampled_from(KNOWN_HEADERS) | st.from_regex(r"\Ax-[a-z0-9-]{1,20}\Z")
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
header_sets = st.dictionaries(header_names, header_values, max_size=6)

intercom_bodies = bodies(
    near(
        {"type": "notification_event", "id": "notif_1", "topic": "ping", "created_at": NOW},
        {
            "id": json_values,
            "topic": st.sampled_from(["ticket.created", "conversation.user.replied", "ping"]) | json_values,
            "created_at": json_values,
            "data": json_values | st.builds(lambda item: {"item": item}, json_values),
            "type": json_values,
        },
    )
)
aircall_bodies = bodies(
    near(
        {"event": "call.ended", "timestamp": NOW, "token": AIRCALL_TOKEN, "data": {"id": 1}},
        {
            "event": st.sampled_from(["call.ended", "call.created"]) | json_values,
            "timestamp": json_values,
            "data": json_values | st.dictionaries(st.text(), json_values).map(lambda more: {"id": 5, **more}),
            "token": st.just("not-the-token") | json_values,
        },
    )
)
shopify_bodies = bodies(
    near(
        {"id": 1, "email": "a@example.com", "updated_at": datetime.now(UTC).isoformat()},
        {
            "updated_at": json_values,
            "created_at": json_values,
            "customer": json_values,
            "order_id": json_values,
            "email": json_values,
            "phone": json_values,
        },
    )
)


@st.composite
def canvas_bodies(draw: st.DrawFn, contacts: list[str]) -> bytes:
    """Canvas Kit requests for a real contact (so submit reaches the forms), or anything."""
    components = [
        "refund", "confirm_refund", "cancel_subscription", "confirm_cancel", "change_address",
        "confirm_address", "consents", "confirm_consents", "checkout_link", "confirm_checkout", "nope",
        "review_refund", "add_note", "search_customer", "order:shopify||#1001", "order:",
    ]  # fmt: skip
    names = [
        "order", "amount", "refund_reason", "admin_reason", "disposition", "subscription", "new_address",
        "consents", "store", "products", "discount_code", "note", "search", "campaign", "first_name",
        "last_name", "email", "phone", "address", "sales_rep", "notes",
    ]  # fmt: skip
    inputs = st.dictionaries(st.sampled_from(names) | st.text(max_size=8), json_values, max_size=6)
    request = {
        "workspace_id": "ws1",
        "admin": {"id": "1"},
        "contact": {"id": draw(st.sampled_from(contacts) if draw(signed_mostly) else json_values)},
        "conversation": draw(st.none() | st.builds(lambda i: {"id": i}, json_values)),
        "component_id": draw(st.sampled_from(components) | json_values),
        "input_values": draw(inputs | json_values),
        "current_canvas": draw(st.none() | st.builds(lambda d: {"stored_data": d}, json_values)),
    }
    kept = draw(st.sets(st.sampled_from(sorted(request)))) | ({"contact"} if draw(signed_mostly) else set())
    return dumps({key: request[key] for key in kept})


# --------------------------------------------------------------------------- signing


def intercom_signature(body: bytes) -> dict[str, str]:
    return {"x-hub-signature": "sha1=" + hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()}


def app_signature(body: bytes) -> dict[str, str]:
    return {"x-body-signature": hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha256).hexdigest()}


def shopify_signature(shop: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "x-shopify-topic": headers.get("x-shopify-topic", "orders/updated"),
        "x-shopify-webhook-id": headers.get("x-shopify-webhook-id", "wh-1"),
        **headers,
        "x-shopify-hmac-sha256": digest,
        "x-shopify-shop-domain": shop,
    }


def post(server: Server, path: str, body: bytes, headers: dict[str, str]) -> None:
    response = server.request("POST", path, body, headers)
    assert response.status_code < 500, (path, response.status_code, response.text, body[:200], headers)
    if response.status_code >= 400:
        assert response.json().get("error"), "a refusal must say why"


# --------------------------------------------------------------------------- the properties


@PROPERTY
@given(body=intercom_bodies, headers=header_sets, signed=signed_mostly)
def test_intercom_webhook_never_answers_5xx(server: Server, body: bytes, headers: dict, signed: bool) -> None:
    post(server, "/webhooks/intercom", body, {**headers, **(intercom_signature(body) if signed else {})})


@PROPERTY
@given(body=aircall_bodies, headers=header_sets)
def test_aircall_webhook_never_answers_5xx(server: Server, body: bytes, headers: dict) -> None:
    post(server, "/webhooks/aircall", body, headers)  # the token is in the body: signed or not by the body


@PROPERTY
@given(
    body=shopify_bodies,
    headers=header_sets,
    signed=signed_mostly,
    topic=st.sampled_from(["orders/create", "orders/updated", "refunds/create", "customers/update", "app/x"]),
)
def test_shopify_webhook_never_answers_5xx(
    server: Server, body: bytes, headers: dict, signed: bool, topic: str
) -> None:
    if signed:
        headers = shopify_signature(server.shop, {"x-shopify-topic": topic, **headers}, body)
    post(server, "/webhooks/shopify", body, headers)


@pytest.mark.parametrize("step", ["initialize", "submit"])
def test_inbox_app_never_answers_5xx(server: Server, step: str) -> None:
    @settings(PROPERTY, max_examples=60)
    @given(body=bodies(canvas_bodies(server.contacts)), headers=header_sets, signed=signed_mostly)
    def check(body: bytes, headers: dict, signed: bool) -> None:
        signature = app_signature(body) if signed else {}
        post(server, f"/inbox-app/intercom/{step}", body, {**headers, **signature})

    check()


@PROPERTY
@given(
    path=st.sampled_from(["/healthz", "/metrics"]),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]),
    body=st.binary(max_size=200),
    headers=header_sets,
    query=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30),
)
def test_health_and_metrics_never_answer_5xx(
    server: Server, path: str, method: str, body: bytes, headers: dict, query: str
) -> None:
    response = server.request(method, f"{path}?{query}", body, headers)
    assert response.status_code < 500, (path, method, response.status_code, response.text)


def test_the_properties_reach_the_code_that_reads_signed_bodies(server: Server) -> None:
    """The strategies are not all refused at the signature check: valid examples get stored."""
    body = dumps({"type": "notification_event", "id": "notif_reach", "topic": "ping", "created_at": NOW})
    stored = server.request("POST", "/webhooks/intercom", body, intercom_signature(body))
    assert stored.status_code == 200
    odd = dumps({"type": "notification_event", "id": "notif_odd", "topic": "ping", "created_at": math.inf})
    refused = server.request("POST", "/webhooks/intercom", odd, intercom_signature(odd))
    assert refused.status_code == 400 and "not JSON" in refused.json()["error"]
