"""The emulator answers as UltraCart does: refunds as its samples make them, its timestamps, its
enumerated values, and no ``null`` for a field its typed clients declare non-nullable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from ultracart.model.auto_order_item import AutoOrderItem

from hub.core.models import RefundLine
from hub.sandbox.world import build_world
from plugins.ultracart.client import AUTO_ORDER_EXPAND, CUSTOMER_EXPAND, ORDER_EXPAND
from plugins.ultracart.emulator import EmulatorState, create_app, seed_from_world
from plugins.ultracart.settings import API_VERSION

from .test_e2e import ORDER, refund_request

UC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")  # 2021-05-18T12:10:19-04:00


def api(app: Any, key: str = "key-phack") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="https://secure.ultracart.com/rest/v2/",
        headers={"x-ultracart-simple-key": key, "X-UltraCart-Api-Version": API_VERSION},
    )


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


# --------------------------------------------------------------------------- refunds


async def test_a_refund_by_item_quantity_alone_is_paid_as_ultracarts_sample_makes_it(
    state: EmulatorState,
) -> None:
    # UltraCart's refund_order sample: get the order with its items, set every item's
    # quantity_refunded to its quantity, PUT it back. The amounts follow from the items.
    async with api(create_app(state)) as client:
        order = (await client.get(f"order/orders/{ORDER.id}", params={"_expand": "items"})).json()["order"]
        for item in order["items"]:
            item["quantity_refunded"] = item["quantity"]
        answer = await client.put(f"order/orders/{ORDER.id}/refund", json=order, params={"_expand": "items"})
    assert answer.status_code == 200, answer.json()
    items = answer.json()["order"]["items"]
    assert [(i["quantity_refunded"], i["total_refunded"]["value"]) for i in items] == [
        (2.0, 64.8),
        (1.0, 19.99),
    ]
    assert [r["amount"] for r in state.refunds] == [Decimal("84.79")]


async def test_a_refund_by_amount_alone_and_by_both_are_paid(state: EmulatorState) -> None:
    async with api(create_app(state)) as client:
        order = (await client.get(f"order/orders/{ORDER.id}", params={"_expand": "items"})).json()["order"]
        order["items"][1]["total_refunded"]["value"] = 5.00  # an amount, no quantity
        by_amount = await client.put(f"order/orders/{ORDER.id}/refund", json=order)
        order = (await client.get(f"order/orders/{ORDER.id}", params={"_expand": "items"})).json()["order"]
        order["items"][0]["quantity_refunded"] = 1  # one unit back, but only 10.00 paid for it
        order["items"][0]["total_refunded"]["value"] = 10.00
        by_both = await client.put(f"order/orders/{ORDER.id}/refund", json=order)
    assert by_amount.status_code == by_both.status_code == 200
    assert [r["amount"] for r in state.refunds] == [Decimal("5.00"), Decimal("10.00")]
    assert state.orders[ORDER.id]["items"][0]["quantity_refunded"] == 1


async def test_a_quantity_raised_with_nothing_else_is_still_a_refund_and_cannot_exceed_the_item(
    state: EmulatorState,
) -> None:
    async with api(create_app(state)) as client:
        order = (await client.get(f"order/orders/{ORDER.id}", params={"_expand": "items"})).json()["order"]
        order["items"][0]["quantity_refunded"] = 3  # two were bought
        too_many = await client.put(f"order/orders/{ORDER.id}/refund", json=order)
        unchanged = (await client.get(f"order/orders/{ORDER.id}", params={"_expand": "items"})).json()[
            "order"
        ]
        nothing = await client.put(f"order/orders/{ORDER.id}/refund", json=unchanged)
    assert too_many.status_code == 400 and "more than was purchased" in too_many.headers["UC-REST-ERROR"]
    assert nothing.status_code == 400 and "greater than zero" in nothing.json()["error"]["developer_message"]
    assert state.refunds == []


async def test_lines_with_a_smaller_amount_pay_that_amount_only(state: EmulatorState, hub_for) -> None:
    # The amount reaches the first line only: the second line's quantity is left as it was,
    # or UltraCart would pay it as a refund by quantity.
    lines = (RefundLine(line_item_id="1", quantity=1), RefundLine(line_item_id="2", quantity=1))
    async with hub_for(create_app(state)) as hub:
        refund = await hub.commerce.refund_order(request=refund_request("lines", "32.40", lines=lines)
        )
    items = state.orders[ORDER.id]["items"]
    assert refund.amount.amount == Decimal("32.40") and [r["amount"] for r in state.refunds] == [
        Decimal("32.40")
    ]
    assert [i["quantity_refunded"] for i in items] == [1, 0]


# --------------------------------------------------------------------------- shapes


async def test_timestamps_have_no_fraction_and_no_field_is_null() -> None:
    # A sandbox world whose clock has microseconds, as datetime.now() does.
    now = datetime(2026, 5, 15, 3, 48, 24, 154156, tzinfo=UTC)
    state, settings = seed_from_world(build_world(["ultracart"], seed=3, per_brand=6, now=now))
    store = next(iter(settings["stores"].values()))
    async with api(create_app(state), store["simple_key"]) as client:
        answers = [
            (await client.get("order/orders", params={"_expand": ORDER_EXPAND})).json(),
            (await client.get("customer/customers", params={"_expand": CUSTOMER_EXPAND})).json(),
            (
                await client.post(
                    "auto_order/auto_orders/query", json={}, params={"_expand": AUTO_ORDER_EXPAND}
                )
            ).json(),
            (await client.get("order/orders/NOPE-1")).json(),
        ]
    values = [(path, value) for answer in answers for path, value in _walk(answer)]
    assert [path for path, value in values if value is None] == []
    stamps = [(p, v) for p, v in values if re.search(r"(_dts|next_attempt|shipping_date)$", p)]
    assert stamps and [(p, v) for p, v in stamps if not UC_TIMESTAMP.match(v)] == []


async def test_auto_order_frequencies_are_ultracarts(state: EmulatorState) -> None:
    allowed = set(AutoOrderItem.allowed_values[("frequency",)].values())
    async with api(create_app(state)) as client:
        found = (
            await client.post("auto_order/auto_orders/query", json={}, params={"_expand": "items"})
        ).json()
    frequencies = {item["frequency"] for a in found["auto_orders"] for item in a["items"]}
    assert frequencies and frequencies <= allowed
