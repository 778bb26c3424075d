"""A hub server on the sandbox: every emulator seeded, secrets set, driven through ASGI."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.core.manager import get_plugin_manager
from hub.engine import Runtime
from hub.sandbox import Sandbox
from hub.sandbox.world import store_key
from hub.serve.app import ServeOptions, ServerState, create_app
from plugins.aircall.emulator import render_call
from plugins.shopify.emulator.seed import shop_domain

INTERCOM_SECRET = "test-intercom-client-secret"
AIRCALL_TOKEN = "test-aircall-webhook-token"
SHOPIFY_SECRET = "test-shopify-secret-current"
SHOPIFY_OLD_SECRET = "test-shopify-secret-previous"
ULTRACART_USER = "hub-webhooks"
ULTRACART_PASSWORD = "test-ultracart-basic-password"
MAX_BODY = 64_000


@dataclass
class Served:
    """The server under test, its client and the sandbox behind it."""

    sandbox: Sandbox
    runtime: Runtime
    client: httpx.AsyncClient
    server: ServerState
    app: Any = None
    """The ASGI app itself, for what an HTTP client cannot send (a sender hanging up mid-body)."""

    def state(self, platform: str) -> Any:
        return self.sandbox.apps[platform].state

    # ---- signed deliveries

    async def intercom(self, payload: dict[str, Any], secret: str = INTERCOM_SECRET) -> httpx.Response:
        return await self.intercom_raw(json.dumps(payload).encode(), secret)

    async def intercom_raw(self, body: bytes, secret: str = INTERCOM_SECRET) -> httpx.Response:
        signature = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        return await self.client.post(
            "/webhooks/intercom", content=body, headers={"X-Hub-Signature": f"sha1={signature}"}
        )

    async def shopify(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        brand: str,
        delivery: str,
        secret: str = SHOPIFY_SECRET,
        triggered_at: str | None = None,
        body: bytes | None = None,
        event: str | None = None,
    ) -> httpx.Response:
        raw = body if body is not None else json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
        headers = {
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": shop_domain(brand),
            "X-Shopify-Webhook-Id": delivery,
            "Content-Type": "application/json",
        }
        if triggered_at:
            headers["X-Shopify-Triggered-At"] = triggered_at
        if event:
            headers["X-Shopify-Event-Id"] = event
        return await self.client.post("/webhooks/shopify", content=raw, headers=headers)

    def aircall_payload(
        self, call: dict[str, Any], *, event: str = "call.ended", token: str = AIRCALL_TOKEN
    ) -> dict:
        state = self.state("aircall")
        company = next(iter(state.companies.values()))
        data = render_call(state, company, call, "https://api.aircall.io/v1", False)
        return {
            "resource": "call",
            "event": event,
            "timestamp": call["ended_at"] or call["started_at"],
            "token": token,
            "data": data,
        }

    async def ultracart(
        self, body: bytes | dict[str, Any], *, user: str = ULTRACART_USER, password: str = ULTRACART_PASSWORD
    ) -> httpx.Response:
        """A webhook delivery as UltraCart sends it: the batch, with the webhook's Basic credentials."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.client.post("/webhooks/ultracart", content=raw, auth=(user, password))

    async def aircall(self, payload: dict[str, Any]) -> httpx.Response:
        return await self.client.post("/webhooks/aircall", content=json.dumps(payload).encode())

    async def app_request(
        self, step: str, payload: dict[str, Any], secret: str = INTERCOM_SECRET
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return await self.client.post(
            f"/inbox-app/intercom/{step}", content=body, headers={"X-Body-Signature": signature}
        )


def set_secrets(monkeypatch: pytest.MonkeyPatch, brands: list[str], ultracart: Iterable[str] = ()) -> None:
    monkeypatch.setenv("HUB_INTERCOM__CLIENT_SECRET", INTERCOM_SECRET)
    monkeypatch.setenv("HUB_AIRCALL__WEBHOOK_TOKEN", AIRCALL_TOKEN)
    for key in ultracart:  # every UltraCart account's webhook logs in with the same Basic pair here
        monkeypatch.setenv(f"HUB_ULTRACART__STORES__{key.upper()}__WEBHOOK_USERNAME", ULTRACART_USER)
        monkeypatch.setenv(f"HUB_ULTRACART__STORES__{key.upper()}__WEBHOOK_PASSWORD", ULTRACART_PASSWORD)
    for brand in brands:
        key = store_key(brand).upper()
        monkeypatch.setenv(f"HUB_SHOPIFY__STORES__{key}__WEBHOOK_SECRET", SHOPIFY_SECRET)
        monkeypatch.setenv(f"HUB_SHOPIFY__STORES__{key}__PREVIOUS_WEBHOOK_SECRET", SHOPIFY_OLD_SECRET)


@contextlib.asynccontextmanager
async def serving(monkeypatch: pytest.MonkeyPatch, database_url: str) -> AsyncIterator[Served]:
    """A server on a freshly seeded sandbox, its state in ``database_url``."""
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=6)
    built.build()
    set_secrets(
        monkeypatch,
        [store["brand"] for store in built.apps["shopify"].settings["stores"].values()],
        list(built.apps["ultracart"].settings["stores"]),
    )
    config = built.config(database_url=database_url)
    runtime = Runtime.from_config(pm, config, transports=built.transports())
    app = create_app(runtime, ServeOptions(worker=False, max_body_bytes=MAX_BODY))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Served(built, runtime, client, app.state.hub_server, app)
    runtime.store.dispose()


@pytest.fixture
async def served(tmp_path, monkeypatch) -> AsyncIterator[Served]:
    async with serving(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}") as server:
        yield server
