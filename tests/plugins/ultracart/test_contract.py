"""The emulator's answers read by UltraCart's own typed client (``ultracart-rest-sdk``).

UltraCart publishes no OpenAPI file on its own; its official Python SDK is generated from its
REST v2 description, and its model classes carry each field's name, type, enum and nullability
(none is nullable). Each kind of answer the emulator gives (orders with their items, customers,
auto orders with their items, the refund pre-check, a replacement, an error) is deserialised with
those models, type checks on, and every field name it holds must be one the model declares.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from ultracart.configuration import Configuration
from ultracart.model.auto_order_response import AutoOrderResponse
from ultracart.model.auto_orders_response import AutoOrdersResponse
from ultracart.model.customer_response import CustomerResponse
from ultracart.model.customers_response import CustomersResponse
from ultracart.model.error_response import ErrorResponse
from ultracart.model.order_refundable_response import OrderRefundableResponse
from ultracart.model.order_replacement_response import OrderReplacementResponse
from ultracart.model.order_response import OrderResponse
from ultracart.model.orders_response import OrdersResponse
from ultracart.model_utils import ModelNormal, validate_and_convert_types

from plugins.ultracart.client import AUTO_ORDER_EXPAND, CUSTOMER_EXPAND, ORDER_EXPAND
from plugins.ultracart.emulator import EmulatorState, build_seed, create_app, sandbox_key, seed_from_world
from plugins.ultracart.settings import API_VERSION

MERCHANT = "PHACK"
# Every expansion UltraCart documents for an order, so every sub-object comes back.
ALL_ORDER_EXPANSIONS = ORDER_EXPAND + ",items,coupon,taxes"


def _read(body: Any, model: type[ModelNormal]) -> ModelNormal:
    """Deserialise as the SDK does for an answer (type and enum checks on)."""
    return validate_and_convert_types(body, (model,), ["received_data"], True, True, Configuration())


def _unknown_fields(value: Any, model: type[ModelNormal], path: str = "") -> Iterator[str]:
    """Field names ``value`` holds that ``model`` does not declare (the SDK lets them through)."""
    if not isinstance(value, dict):
        return
    declared = {json_name: name for name, json_name in model.attribute_map.items()}
    for key, item in value.items():
        if key not in declared:
            yield f"{path}{key}"
            continue
        (types,) = [model.openapi_types[declared[key]]]
        for candidate in types:
            if isinstance(candidate, list) and isinstance(item, list):
                (element,) = candidate
                for index, entry in enumerate(item):
                    if isinstance(element, type) and issubclass(element, ModelNormal):
                        yield from _unknown_fields(entry, element, f"{path}{key}[{index}].")
            elif isinstance(candidate, type) and issubclass(candidate, ModelNormal):
                yield from _unknown_fields(item, candidate, f"{path}{key}.")


def check(body: Any, model: type[ModelNormal]) -> None:
    _read(body, model)
    assert list(_unknown_fields(body, model)) == []


@pytest.fixture
def seeded() -> EmulatorState:
    return build_seed(seed=7, customers_per_brand=4)


def _an_order(state: EmulatorState) -> str:
    return next(o["order_id"] for o in state.orders.values() if o["merchant_id"] == MERCHANT)


async def _client(state: EmulatorState) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="https://secure.ultracart.com/rest/v2/",
        headers={"x-ultracart-simple-key": sandbox_key(MERCHANT), "X-UltraCart-Api-Version": API_VERSION},
    )


async def test_orders_and_their_items_read_as_ultracart_orders(seeded: EmulatorState) -> None:
    order_id = _an_order(seeded)
    async with await _client(seeded) as api:
        order = (await api.get(f"order/orders/{order_id}", params={"_expand": ALL_ORDER_EXPANSIONS})).json()
        order["order"]["items"][0]["quantity_refunded"] = order["order"]["items"][0]["quantity"]
        refunded = await api.put(
            f"order/orders/{order_id}/refund", json=order["order"], params={"_expand": ALL_ORDER_EXPANSIONS}
        )
        listed = await api.get("order/orders", params={"_expand": ALL_ORDER_EXPANSIONS, "_limit": 50})
        queried = await api.post("order/orders/query", json={}, params={"_expand": ORDER_EXPAND})
        sparse = await api.get(f"order/orders/{order_id}")
    for body in (order, refunded.json(), sparse.json()):
        check(body, OrderResponse)
    for body in (listed.json(), queried.json()):
        check(body, OrdersResponse)
    assert refunded.status_code == 200 and refunded.json()["order"]["refund_dts"]
    assert all(o["items"] for o in listed.json()["orders"])  # items came back and were checked


async def test_customers_read_as_ultracart_customers(seeded: EmulatorState) -> None:
    async with await _client(seeded) as api:
        listed = (await api.get("customer/customers", params={"_expand": CUSTOMER_EXPAND})).json()
        oid = listed["customers"][0]["customer_profile_oid"]
        one = (await api.get(f"customer/customers/{oid}", params={"_expand": CUSTOMER_EXPAND})).json()
        email = listed["customers"][0]["email"]
        by_email = (await api.get(f"customer/customers/by_email/{email}")).json()
        queried = (await api.post("customer/customers/query", json={"email": email})).json()
    check(listed, CustomersResponse)
    check(queried, CustomersResponse)
    check(one, CustomerResponse)
    check(by_email, CustomerResponse)
    assert one["customer"]["orders_summary"]["order_count"] >= 1


async def test_auto_orders_and_their_items_read_as_ultracart_auto_orders(seeded: EmulatorState) -> None:
    async with await _client(seeded) as api:
        listed = (
            await api.post("auto_order/auto_orders/query", json={}, params={"_expand": AUTO_ORDER_EXPAND})
        ).json()
        oid = listed["auto_orders"][0]["auto_order_oid"]
        one = (await api.get(f"auto_order/auto_orders/{oid}", params={"_expand": AUTO_ORDER_EXPAND})).json()
        one["auto_order"]["enabled"] = False
        cancelled = (await api.put(f"auto_order/auto_orders/{oid}", json=one["auto_order"])).json()
    check(listed, AutoOrdersResponse)
    check(one, AutoOrderResponse)
    check(cancelled, AutoOrderResponse)
    assert all(a["items"] for a in listed["auto_orders"])


async def test_refund_check_replacement_and_errors_read_as_ultracart_answers(seeded: EmulatorState) -> None:
    order_id = _an_order(seeded)
    item_id = seeded.orders[order_id]["items"][0]["merchant_item_id"]
    async with await _client(seeded) as api:
        refundable = (await api.get(f"order/orders/{order_id}/refundable")).json()
        replacement = await api.post(
            f"order/orders/{order_id}/replacement",
            json={"items": [{"merchant_item_id": item_id, "quantity": 1}]},
        )
        missing = await api.get("order/orders/PHACK-404")
        too_big = await api.get("order/orders", params={"_limit": 500})
    check(refundable, OrderRefundableResponse)
    check(replacement.json(), OrderReplacementResponse)
    for answer in (missing, too_big):
        assert answer.status_code in (400, 404) and answer.headers["UC-REST-ERROR"]
        check(answer.json(), ErrorResponse)


async def test_answers_seeded_from_the_shared_world_read_the_same() -> None:
    from hub.sandbox.world import build_world

    world = build_world(
        ["ultracart"], seed=3, per_brand=4, now=datetime(2026, 5, 15, 3, 48, 24, 154156, tzinfo=UTC)
    )
    state, settings = seed_from_world(world)
    store = next(iter(settings["stores"].values()))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)),
        base_url="https://secure.ultracart.com/rest/v2/",
        headers={"x-ultracart-simple-key": store["simple_key"], "X-UltraCart-Api-Version": API_VERSION},
    ) as api:
        orders = (await api.get("order/orders", params={"_expand": ALL_ORDER_EXPANSIONS})).json()
        auto_orders = (
            await api.post("auto_order/auto_orders/query", json={}, params={"_expand": AUTO_ORDER_EXPAND})
        ).json()
    check(orders, OrdersResponse)
    check(auto_orders, AutoOrdersResponse)
