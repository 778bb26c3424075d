"""Look-ups compare keys exactly; refunds never change currency (issue 14, items 1 and 3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.core.errors import MappingError, NotFoundError
from hub.core.models import Money, Ref, RefundReason, RefundRequest
from plugins.ultracart import mapping
from plugins.ultracart.operations import UltracartStore
from plugins.ultracart.settings import UltracartStoreSettings

SETTINGS = UltracartStoreSettings(brand="Earth Echo", simple_key="k")  # type: ignore[arg-type]


def money(value: str, code: str = "USD") -> dict[str, Any]:
    return {"value": Decimal(value), "currency_code": code}


def uc_order(order_id: str, refunded: dict | None = None) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "currency_code": "USD",
        "creation_dts": "2026-01-05T10:00:00+00:00",
        "current_stage": "Shipping Department",
        "billing": {"email": "b@example.com"},
        "summary": {"total": money("100.00"), "total_refunded": refunded or money("0")},
    }


def profile(oid: int, email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    return {"customer_profile_oid": oid, "email": email,
            "billing": [{"day_phone": phone, "country_code": "US", "default_billing": True}] if phone else [],
            "signup_dts": "2026-01-01T00:00:00+00:00"}


class FakeUltracart:
    """Every customer search answers ``customers``; an order GET answers ``order``."""

    def __init__(self, order: dict | None = None, customers: list[dict] | None = None,
                 orders: list[dict] | None = None) -> None:
        self.order, self.customers, self.orders = order, customers or [], orders or []

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if path.startswith("order/orders/query"):
            return {"orders": []}
        return {"order": self.order}

    async def pages(self, method: str, path: str, key: str, **kwargs: Any):
        yield list(self.orders if path == "order/orders/query" else self.customers)


def store_with(fake: FakeUltracart) -> UltracartStore:
    return UltracartStore("earth", SETTINGS, fake)  # type: ignore[arg-type]


async def test_an_answer_for_another_order_is_not_taken():
    store = store_with(FakeUltracart(order=uc_order("DEMO-12")))
    with pytest.raises(NotFoundError, match="DEMO-1 "):
        await store.get_order("DEMO-1")
    assert (await store_with(FakeUltracart(order=uc_order("DEMO-1"))).get_order("demo-1")).id == "DEMO-1"


async def test_customers_are_kept_only_on_the_exact_email_or_phone():
    fake = FakeUltracart(customers=[profile(1, "Ann@Example.com"), profile(2, "joann@example.com")])
    assert [c.id for c in await store_with(fake).find_customers("ann@example.com", None)] == ["1"]
    fake = FakeUltracart(customers=[profile(4, phone="(512) 555-0101"), profile(5, phone="512 555 0109")])
    assert [c.id for c in await store_with(fake).find_customers(None, "+15125550101")] == ["4"]


async def test_a_customer_s_order_list_never_holds_another_profile_s_order():
    mine = {**uc_order("DEMO-1"), "customer_profile": {"customer_profile_oid": 7}}
    theirs = {**uc_order("DEMO-2"), "customer_profile": {"customer_profile_oid": 8}}
    store = store_with(FakeUltracart(orders=[mine, theirs]))
    orders = [o async for page in store.list_orders("7") for o in page]
    assert [o.id for o in orders] == ["DEMO-1"]


def test_54_usd_refunded_stays_usd():
    order = mapping.order_from_json(uc_order("DEMO-1", money("54.00")), store="earth", brand="Earth Echo")
    assert order.refunded == Money(amount=Decimal("54.00"), currency="USD")
    assert order.refundable == Money(amount=Decimal("46.00"), currency="USD")


def test_a_refunded_total_in_another_currency_is_refused_not_relabelled():
    with pytest.raises(MappingError, match="refunded in EUR on an order in USD"):
        mapping.order_from_json(uc_order("DEMO-1", money("50.00", "EUR")), store="earth", brand="Earth Echo")


def test_a_hub_refund_marker_in_another_currency_is_refused():
    order = uc_order("DEMO-1", money("50.00"))
    marker = mapping.refund_marker("k1", Money(amount=Decimal("50.00"), currency="EUR"), "damaged")
    order["internal"] = {"merchant_notes": marker}
    with pytest.raises((MappingError, ValueError), match="EUR"):
        mapping.order_from_json(order, store="earth", brand="Earth Echo")


async def test_a_refund_on_an_order_with_money_in_two_currencies_pays_nothing():
    order = uc_order("DEMO-1", money("50.00", "EUR"))
    fake = FakeUltracart(order=order)
    sent: list[str] = []
    answer = fake.call

    async def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        sent.append(f"{method} {path}")
        return await answer(method, path, **kwargs)

    fake.call = call  # type: ignore[method-assign]
    request = RefundRequest(order=Ref(platform="ultracart", id="DEMO-1", store="earth"),
                            amount=Money(amount=Decimal("10.00"), currency="USD"),
                            reason=RefundReason.DAMAGED, idempotency_key="k1")
    with pytest.raises(MappingError, match="EUR"):
        await store_with(fake).refund_order(request)
    assert not any(s.startswith("PUT") for s in sent)
