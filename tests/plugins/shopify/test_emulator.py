"""The emulator rejects what Shopify rejects, with Shopify's bodies, and computes query cost."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import parse

from hub.sandbox.emulator import Faults
from plugins.shopify.cost import actual_cost, requested_cost
from plugins.shopify.emulator import create_app, parse_search
from plugins.shopify.emulator.seed import build_seed, sandbox_stores

from .conftest import World


async def post(
    app: Any, query: str, variables: dict | None = None, *, token: str = "tok-paleo", version: str = "2026-01"
) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://emulator.test"
    ) as c:
        return await c.post(
            f"/admin/api/{version}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token},
        )


async def test_bad_token_and_bad_version(world: World) -> None:
    app = create_app(world.state)
    denied = await post(app, "{ shop { id } }", token="wrong")
    assert denied.status_code == 401 and denied.json()["errors"].startswith("[API] Invalid API key")
    assert (await post(app, "{ shop { id } }", version="2026-02")).status_code == 404


async def test_misspelled_field_and_wrong_argument_fail_validation(world: World) -> None:
    app = create_app(world.state)
    body = (await post(app, '{ order(id: "x") { nmae } }')).json()
    assert "nmae" in body["errors"][0]["message"] and "data" not in body
    body = (await post(app, "{ orders(frist: 5) { nodes { id } } }")).json()
    assert "frist" in body["errors"][0]["message"]


async def test_page_size_over_250_is_refused(world: World) -> None:
    body = (await post(create_app(world.state), "{ customers(first: 251) { nodes { id } } }")).json()
    assert "250" in body["errors"][0]["message"]


async def test_cost_extension_and_refund_of_unused_points(world: World) -> None:
    body = (await post(create_app(world.state), "{ customers(first: 10) { nodes { id } } }")).json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 12 and cost["actualQueryCost"] == 3  # 1 customer came back
    assert cost["throttleStatus"]["maximumAvailable"] == 2000.0
    assert cost["throttleStatus"]["currentlyAvailable"] >= 1997


async def test_throttled_body(world: World) -> None:
    assert world.paleo.bucket is not None
    world.paleo.bucket.available = 5
    world.paleo.bucket.restore_rate = 0.0001
    body = (await post(create_app(world.state), "{ customers(first: 10) { nodes { id } } }")).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED" and "data" not in body
    assert body["extensions"]["cost"]["actualQueryCost"] is None


async def test_max_cost_exceeded(world: World) -> None:
    query = "{ orders(first: 250) { nodes { lineItems(first: 50) { nodes { id } } } } }"
    body = (await post(create_app(world.state), query)).json()
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


REFUND = """mutation R($input: RefundInput!) { refundCreate(input: $input) @idempotent(key: "k1") {
  refund { id } userErrors { field message } } }"""


async def test_idempotent_directive_exists_only_from_2026_01(world: World) -> None:
    variables = {"input": {"orderId": world.unshipped["id"], "note": "x"}}
    old = (await post(create_app(world.state), REFUND, variables, version="2025-10")).json()
    assert "idempotent" in old["errors"][0]["message"]
    plain = REFUND.replace(' @idempotent(key: "k1")', "")
    required = (await post(create_app(world.state), plain, variables, version="2026-04")).json()
    assert required["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert world.unshipped["_refunds"] == []


async def test_key_reused_with_other_input_is_refused(world: World) -> None:
    app = create_app(world.state)
    await post(app, REFUND, {"input": {"orderId": world.unshipped["id"], "note": "a"}})
    body = (await post(app, REFUND, {"input": {"orderId": world.unshipped["id"], "note": "b"}})).json()
    assert body["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_MISMATCH"
    assert len(world.unshipped["_refunds"]) == 1


async def test_refund_over_remaining_is_a_user_error(world: World) -> None:
    sale = world.unshipped["_transactions"][0]
    variables = {
        "input": {
            "orderId": world.unshipped["id"],
            "transactions": [
                {
                    "orderId": world.unshipped["id"],
                    "parentId": sale["id"],
                    "amount": "99.00",
                    "gateway": "x",
                    "kind": "REFUND",
                }
            ],
        }
    }
    body = (await post(create_app(world.state), REFUND, variables)).json()
    errors = body["data"]["refundCreate"]["userErrors"]
    assert (
        errors and errors[0]["field"] == ["transactions"] and body["data"]["refundCreate"]["refund"] is None
    )


async def test_address_update_missing_zip_is_a_user_error(world: World) -> None:
    query = """mutation U($input: OrderInput!) {
      orderUpdate(input: $input) { order { id } userErrors { field message } } }"""
    variables = {
        "input": {
            "id": world.unshipped["id"],
            "shippingAddress": {"address1": "1 Elm", "city": "Boise", "countryCode": "US"},
        }
    }
    body = (await post(create_app(world.state), query, variables)).json()
    assert body["data"]["orderUpdate"]["userErrors"] == [
        {"field": ["shippingAddress", "zip"], "message": "zip can't be blank"}
    ]


async def test_wrong_enum_in_variables_is_refused(world: World) -> None:
    query = """mutation U($input: OrderInput!) { orderUpdate(input: $input) { order { id } } }"""
    variables = {"input": {"id": world.unshipped["id"], "shippingAddress": {"countryCode": "USA"}}}
    body = (await post(create_app(world.state), query, variables)).json()
    assert "USA" in body["errors"][0]["message"]


async def test_injected_faults_use_shopify_bodies(world: World) -> None:
    app = create_app(world.state, faults=Faults(schedule=[503]))
    response = await post(app, "{ shop { id } }")
    assert response.status_code == 503 and response.json() == {"errors": "Service Unavailable"}
    assert (await post(app, "{ shop { name } }")).json()["data"]["shop"]["name"] == "PaleoHacks"


def test_cost_rules() -> None:
    query = parse("""query { customers(first: 10) { edges { cursor node { id amountSpent { amount } } }
                     pageInfo { hasNextPage } } shop { id }
                     order(id: "1") { fulfillments(first: 3) { id } } }""")
    assert requested_cost(query) == (2 + 10 * 2) + 1 + (1 + 3)
    data = {
        "customers": {"edges": [{"node": {"id": "1", "amountSpent": {"amount": "1"}}}]},
        "shop": {"id": "s"},
        "order": None,
    }
    assert actual_cost(query, data) == (2 + 2) + 1
    assert requested_cost(parse('mutation { a: orderUpdate(input: {id: "1"}) { order { id } } }')) == 10


def test_search_syntax() -> None:
    assert parse_search('email:"a b@x.com" OR phone:+1555 AND tag:vip') == [
        [("email", "a b@x.com")],
        [("phone", "+1555"), ("tag", "vip")],
    ]


@pytest.mark.parametrize("seed", [7])
def test_seed_builds_every_brand_deterministically(seed: int) -> None:
    first, second = build_seed(seed), build_seed(seed)
    assert len(first.shops) == 7
    assert sum(len(s.customers) for s in first.shops.values()) == 42
    assert [len(s.orders) for s in first.shops.values()] == [len(s.orders) for s in second.shops.values()]
    assert any(s.contracts for s in first.shops.values())
    assert any(o["_fulfillments"] for s in first.shops.values() for o in s.orders.values())
    stores = sandbox_stores("http://127.0.0.1:8003")
    assert stores["paleohacks"]["shop"] == "paleohacks.myshopify.com"
