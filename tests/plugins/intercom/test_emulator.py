"""The emulator rejects what Intercom rejects and accepts what it accepts (raw HTTP)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.core.manager import get_plugin_manager
from hub.core.models import LineItem, Money, Order, Subscription, SubscriptionStatus, TicketType
from hub.core.plugin import Kind
from hub.sandbox.emulator import Faults
from hub.sandbox.world import build_world
from plugins.intercom.emulator import Workspace, build_seed, create_app, seed_catalog, sign_webhook
from tests.plugins.intercom.conftest import BASE_URL, TOKEN, running_hub

AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY = 86_400


@pytest.fixture
def ws() -> Workspace:
    return build_seed(seed=11, contacts_per_brand=2, workspace=Workspace(token=TOKEN))


@pytest.fixture
async def client(ws: Workspace) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(ws)), base_url=BASE_URL, headers=AUTH
    ) as http:
        yield http


def first_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["type"] == "error.list" and body["request_id"]
    return body["errors"][0]


async def test_bad_token_401_without_rate_limit_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/admins", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert first_error(response) == {"code": "unauthorized", "message": "Access Token Invalid"}
    assert "x-ratelimit-limit" not in response.headers


async def test_version_defaults_and_unknown_version_is_refused(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    away = next(a for a in ws.admins.values() if a["away_mode_enabled"])
    default = (await client.get(f"/admins/{away['id']}")).json()
    old = (await client.get(f"/admins/{away['id']}", headers={"Intercom-Version": "2.13"})).json()
    assert isinstance(default["away_status_reason_id"], int) and "away_status_reason_id" not in old
    bad = await client.get("/admins", headers={"Intercom-Version": "9.9"})
    assert bad.status_code == 400 and first_error(bad)["code"] == "intercom_version_invalid"
    assert (await client.get("/away_status_reasons", headers={"Intercom-Version": "2.13"})).status_code == 404


async def test_rate_limit_headers_and_429_body() -> None:
    ws = Workspace(token=TOKEN, per_window=2, window_seconds=60)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(ws)), base_url=BASE_URL, headers=AUTH
    ) as http:
        first, second, third = [await http.get("/tags") for _ in range(3)]
    assert first.headers["x-ratelimit-limit"] == "2" and first.headers["x-ratelimit-remaining"] == "1"
    assert second.headers["x-ratelimit-remaining"] == "0"
    assert third.status_code == 429 and int(third.headers["x-ratelimit-reset"]) >= int(
        datetime.now(UTC).timestamp()
    )
    assert first_error(third) == {
        "code": "rate_limit_exceeded",
        "message": "Exceeded rate limit of 2 in 60_seconds",
    }
    assert ws.app_window.refused == 1


def test_default_window_is_a_sixth_of_the_minute() -> None:
    assert Workspace().app_window.limit == 1_666 and Workspace().app_window.period == 10


async def test_injected_faults_use_the_error_envelope() -> None:
    ws = Workspace(token=TOKEN)
    app = create_app(ws, Faults(schedule=[503]))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=AUTH
    ) as http:
        response = await http.get("/tags")
    assert response.status_code == 503 and first_error(response)["code"] == "service_unavailable"


async def test_search_operator_type_rules(client: httpx.AsyncClient) -> None:
    async def search(query: dict[str, Any]) -> httpx.Response:
        return await client.post("/contacts/search", json={"query": query})

    for query in (
        {"field": "updated_at", "operator": ">=", "value": 1},
        {"field": "updated_at", "operator": "=", "value": "yesterday"},
        {"field": "email", "operator": ">", "value": "a"},
        {"field": "nonsense", "operator": "=", "value": "a"},
        {"field": "email", "operator": "IN", "value": "a"},
    ):
        response = await search(query)
        assert response.status_code == 400 and first_error(response)["code"] == "parameter_invalid", query
    assert (await search({"field": "email", "operator": "~", "value": "example"})).json()["total_count"] == 14


async def test_search_nesting_and_group_size(client: httpx.AsyncClient) -> None:
    leaf = {"field": "role", "operator": "=", "value": "user"}
    two_levels = {"operator": "AND", "value": [{"operator": "OR", "value": [leaf, leaf]}, leaf]}
    three_levels = {
        "operator": "AND",
        "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [leaf]}]}],
    }
    ok = await client.post("/contacts/search", json={"query": two_levels})
    deep = await client.post("/contacts/search", json={"query": three_levels})
    wide = await client.post("/contacts/search", json={"query": {"operator": "OR", "value": [leaf] * 16}})
    assert ok.status_code == 200 and deep.status_code == 400 and wide.status_code == 400
    assert "15 filters" in first_error(wide)["message"]


async def test_dates_compare_by_whole_day_in_the_workspace_timezone() -> None:
    ws = Workspace(token=TOKEN, timezone="America/New_York")
    seed_catalog(ws)
    contact = ws.add_contact(email="tz@example.com")
    noon_utc = int(datetime(2025, 3, 10, 12, 0, tzinfo=UTC).timestamp())  # 08:00 in New York
    late_utc = int(datetime(2025, 3, 11, 2, 0, tzinfo=UTC).timestamp())  # 22:00 on the 10th in New York
    for stamp in (noon_utc, late_utc, noon_utc + DAY):
        ws.add_conversation(contact["id"], "hi", created_at=stamp, updated_at=stamp)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(ws)), base_url=BASE_URL, headers=AUTH
    ) as http:

        async def count(operator: str, value: int) -> int:
            body = {"query": {"field": "updated_at", "operator": operator, "value": value}}
            return (await http.post("/conversations/search", json=body)).json()["total_count"]

        assert await count("=", noon_utc) == 2  # both on 10 March in New York
        assert await count(">", noon_utc) == 1  # from the next midnight on
        assert await count("<", noon_utc + DAY) == 2
        assert await count(">", late_utc - 5 * 3_600) == 1


async def test_source_body_matches_word_by_word(client: httpx.AsyncClient) -> None:
    async def count(value: str) -> int:
        body = {"query": {"field": "source.body", "operator": "=", "value": value}}
        return (await client.post("/conversations/search", json=body)).json()["total_count"]

    assert await count("order") > 0 and await count("my order") == 0


async def test_pagination_clamps_and_cursor_is_opaque(client: httpx.AsyncClient, ws: Workspace) -> None:
    page = (await client.get("/conversations", params={"per_page": 500})).json()
    assert page["pages"]["per_page"] == 150 and "next" not in page["pages"]
    small = (await client.get("/conversations", params={"per_page": 5})).json()
    following = (
        await client.get(
            "/conversations",
            params={"per_page": 5, "starting_after": small["pages"]["next"]["starting_after"]},
        )
    ).json()
    assert not {c["id"] for c in small["conversations"]} & {c["id"] for c in following["conversations"]}
    bad = await client.get("/conversations", params={"starting_after": "garbage!"})
    assert bad.status_code == 400


async def test_contact_custom_attributes_need_a_data_attribute_of_the_right_type(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    contact_id = next(iter(ws.contacts))
    unknown = await client.put(f"/contacts/{contact_id}", json={"custom_attributes": {"nope": 1}})
    wrong = await client.put(f"/contacts/{contact_id}", json={"custom_attributes": {"cs_order_count": "3"}})
    created = await client.post(
        "/data_attributes", json={"name": "nope", "model": "contact", "data_type": "integer"}
    )
    fine = await client.put(f"/contacts/{contact_id}", json={"custom_attributes": {"nope": 1}})
    assert unknown.status_code == 400 and first_error(unknown)["field"] == "custom_attributes.nope"
    assert wrong.status_code == 400 and "integer" in first_error(wrong)["message"]
    assert created.status_code == 200 and fine.json()["custom_attributes"]["nope"] == 1
    missing = await client.get("/contacts/ffffffffffffffffffffffff")
    assert missing.status_code == 404 and first_error(missing)["code"] == "not_found"


async def test_ticket_create_rejections(client: httpx.AsyncClient, ws: Workspace) -> None:
    contact_id = next(iter(ws.contacts))
    refund = ws.ticket_type_by_name("Refund")["id"]
    no_type = await client.post("/tickets", json={"contacts": [{"id": contact_id}]})
    bad_type = await client.post(
        "/tickets",
        json={
            "ticket_type_id": refund,
            "contacts": [{"id": contact_id}],
            "ticket_attributes": {"_default_title_": "x", "Amount": "ten"},
        },
    )
    no_title = await client.post(
        "/tickets", json={"ticket_type_id": refund, "contacts": [{"id": contact_id}]}
    )
    no_contact = await client.post(
        "/tickets",
        json={
            "ticket_type_id": refund,
            "contacts": [{"id": "f" * 24}],
            "ticket_attributes": {"_default_title_": "x"},
        },
    )
    assert no_type.status_code == 400 and first_error(no_type)["code"] == "parameter_not_found"
    assert bad_type.status_code == 400 and first_error(bad_type)["field"] == "ticket_attributes.Amount"
    assert (
        no_title.status_code == 400 and first_error(no_title)["field"] == "ticket_attributes._default_title_"
    )
    assert no_contact.status_code == 404


async def test_ticket_state_must_belong_to_the_type_and_old_versions_use_state(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    ticket = next(iter(ws.tickets.values()))
    foreign = next(s for s in ws.ticket_states.values() if s["ticket_type_id"] != ticket["type_id"])
    refused = await client.put(f"/tickets/{ticket['id']}", json={"ticket_state_id": foreign["id"]})
    assert refused.status_code == 400 and "not associated" in first_error(refused)["message"]
    legacy = await client.put(
        f"/tickets/{ticket['id']}", json={"state": "resolved"}, headers={"Intercom-Version": "2.11"}
    )
    assert legacy.json()["ticket_state"] == "resolved" and ticket["open"] is False
    assert ticket["parts"][-1]["part_type"] == "ticket_state_updated_by_admin"


async def test_away_reason_rules() -> None:
    ws = build_seed(seed=1, contacts_per_brand=1, workspace=Workspace(token=TOKEN, require_away_reason=True))
    admin = next(a for a in ws.admins.values() if not a["away_mode_enabled"])
    deleted = next(r for r in ws.away_reasons.values() if r["deleted"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(ws)), base_url=BASE_URL, headers=AUTH
    ) as http:
        mandatory = await http.put(
            f"/admins/{admin['id']}/away", json={"away_mode_enabled": True, "away_mode_reassign": False}
        )
        gone = await http.put(
            f"/admins/{admin['id']}/away",
            json={
                "away_mode_enabled": True,
                "away_mode_reassign": False,
                "away_status_reason_id": int(deleted["id"]),
            },
        )
        unknown = await http.put(
            "/admins/1/away", json={"away_mode_enabled": False, "away_mode_reassign": False}
        )
    assert first_error(mandatory)["code"] == "away_status_reason_mandatory"
    assert first_error(gone)["message"] == "Away status reason is deleted"
    assert unknown.status_code == 404 and first_error(unknown)["code"] == "admin_not_found"


async def test_tag_rules(client: httpx.AsyncClient, ws: Workspace) -> None:
    conversation_id = next(iter(ws.conversations))
    tag = ws.add_tag("fresh")
    no_admin = await client.post(f"/conversations/{conversation_id}/tags", json={"id": tag["id"]})
    not_on = await client.request(
        "DELETE",
        f"/conversations/{conversation_id}/tags/{tag['id']}",
        json={"admin_id": next(iter(ws.admins))},
    )
    assert no_admin.status_code == 400 and not_on.status_code == 404
    assert first_error(not_on)["code"] == "tag_not_found"


def test_webhook_signature() -> None:
    expected = "sha1=" + hmac.new(b"secret", b'{"a":1}', hashlib.sha1).hexdigest()
    assert sign_webhook(b'{"a":1}', "secret") == expected
    assert sign_webhook(b'{"a": 1}', "secret") != expected  # the exact bytes are signed


async def test_sandbox_hook_seeds_from_the_world() -> None:
    pm = get_plugin_manager(only=["intercom"])
    world = build_world(["shopify"], seed=5, per_brand=3)
    buyer = world.people[0]
    money = Money(amount=Decimal("42.50"), currency="USD")
    world.orders.append(
        Order(
            platform="shopify",
            id="9001",
            number="#9001",
            customer_id="c-1",
            email=buyer.email,
            store=buyer.store,
            created_at=world.now,
            total=money,
            line_items=(LineItem(sku="PH-BARS-12", name="Bars", quantity=1, price=money),),
        )
    )
    world.subscriptions.append(
        Subscription(
            platform="shopify",
            id="s-1",
            customer_id="c-1",
            status=SubscriptionStatus.ACTIVE,
            store=buyer.store,
        )
    )
    apps = [a for a in pm.hook.hub_sandbox(world=world, kind=Kind.HELPDESK) if a]
    assert [a for a in pm.hook.hub_sandbox(world=world, kind=Kind.COMMERCE) if a] == []
    sandbox_ws: Workspace = apps[0].state
    assert {c["email"] for c in sandbox_ws.contacts.values()} == {p.email for p in world.people}
    transport = httpx.ASGITransport(app=apps[0].app)
    async with running_hub(transport, **apps[0].settings) as hub:
        agents = await hub.helpdesk.list_agents()
        tickets = [
            t
            async for page in hub.helpdesk.list_tickets(types=list(TicketType), since=None)
            for t in page
        ]
    assert {a.reason for a in agents} >= {"Break/Lunch", "Coaching", "In a Meeting"}
    trackers = [t for t in tickets if t.type is TicketType.TRACKER]
    assert trackers and all(t.linked_conversation_ids for t in trackers)
    refunds = [t for t in tickets if t.type is TicketType.REFUND]
    assert [(t.attributes["order_id"], t.attributes["amount"]) for t in refunds] == [
        ("#9001", Decimal("42.5"))
    ] * 2
    cancel = next(t for t in tickets if t.type is TicketType.SUBSCRIPTION_CANCEL)
    assert cancel.attributes["subscription_id"] == "s-1" and cancel.attributes["saved"] is False
