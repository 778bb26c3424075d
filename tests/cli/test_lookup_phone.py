"""``hub lookup`` by a phone typed as people write it (issue 16: ``(415) 555-0000`` found nothing),
and the CS Assist fields it shows: billing address, orders with their status, subscription ids."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Hub


def typed_like_people(phone: str) -> str:
    """``+14155550000`` as ``(415) 555-0000``."""
    digits = phone.removeprefix("+1")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def recorded(hub_cli: Hub, platform: str) -> list[httpx.Request]:
    """Every request the hub sends ``platform`` from now on."""
    gate, seen = hub_cli.gates[platform], []
    forward = gate.handle_async_request

    async def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return await forward(request)

    gate.handle_async_request = record  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize("platform", ["konnektive", "ultracart"])
def test_lookup_finds_a_phone_typed_with_brackets_and_asks_the_stores_in_e164(
    hub_cli: Hub, platform: str
) -> None:
    person = next(p for p in hub_cli.sandbox.world.people if p.platform == platform)
    seen = recorded(hub_cli, "ultracart")
    found = hub_cli.invoke("lookup", typed_like_people(person.phone), "--phone", "--json", "--sandbox")
    assert found.exit_code == 0, found.output
    document: dict[str, Any] = json.loads(found.stdout)
    assert document["query"] == {"email": None, "phone": person.phone}
    assert document["customer"]["email"] == person.email
    # UltraCart matches phone text as stored: it was asked with E.164, never with "(415) ...".
    bodies = [json.loads(r.content) for r in seen if r.url.path.endswith("/customer/customers/query")]
    assert bodies and all(value == person.phone for body in bodies for value in body.values())


def test_lookup_shows_billing_orders_and_subscription_ids(hub_cli: Hub) -> None:
    world = hub_cli.sandbox.world
    emails = {(o.platform, o.store, o.customer_id): o.email for o in world.orders if o.email}
    sub = next(
        s
        for s in world.subscriptions
        if s.platform == "konnektive" and s.is_open and (s.platform, s.store, s.customer_id) in emails
    )
    email = emails[(sub.platform, sub.store, sub.customer_id)] or ""
    found = hub_cli.invoke("lookup", email, "--json", "--sandbox")
    customer = json.loads(found.stdout)["customer"]
    assert customer["billing_address"]["line1"]
    assert sub.id in [s["id"] for s in customer["open_subscriptions"]]
    order = customer["recent_orders"][0]
    assert order["financial_status"] and order["fulfillment_status"] and order["line_items"]
    assert isinstance(customer["store_consents"], list)
    table = hub_cli.invoke("lookup", email, "--sandbox")
    assert "Billing address" in table.stdout and f"id {sub.id}" in table.stdout
