"""Look-ups compare keys exactly; refunds stay in the order's currency (issue 14, items 1 and 3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.core.errors import NotFoundError
from hub.core.lookup import AmbiguousMatch
from hub.core.models import Address, Money
from hub.flows.summary import summarise
from plugins.stickyio import mapping
from plugins.stickyio.operations import StickyStore
from plugins.stickyio.settings import StickyioStoreSettings

SETTINGS = StickyioStoreSettings(brand="Bright Naturals", base_url="https://b.sticky.io", username="api",
                                 password="pw")  # type: ignore[arg-type]
INFO = mapping.StoreInfo(key="bright", brand="Bright Naturals", currency="USD", timezone="America/New_York")


def view(order_id: str, **extra: Any) -> dict[str, Any]:
    return {"order_id": order_id, "customer_id": "7", "order_status": "2",
            "time_stamp": "2026-05-01 10:00:00", "order_total": "240.00",
            "email_address": "b@example.com", "shipping_date": "Not Shipped",
            "amount_refunded_to_date": "0.00", "employeeNotes": [], "products": [], **extra}


def person(customer_id: str, email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    return {"customer_id": customer_id, "email": email, "phone": phone, "country": "US",
            "date_created": "2026-01-01 10:00:00"}


class FakeSticky:
    """order_view and customer_find answer loosely (whatever was asked); calls are kept."""

    def __init__(self, orders: list[dict] | None = None, customers: list[dict] | None = None) -> None:
        self.orders, self.customers, self.calls = orders or [], customers or [], []

    async def order_view(self, ids: list[str], batch: int = 50) -> list[dict]:
        self.calls.append(("order_view", ids))
        return list(self.orders) if ids else []

    async def customer_find(self, criteria: dict, start: Any) -> list[dict]:
        self.calls.append(("customer_find", criteria))
        return list(self.customers)

    async def order_find_ids(self, criteria: Any, start: Any, search_type: str = "all") -> list[str]:
        return []


def store_with(fake: FakeSticky) -> StickyStore:
    return StickyStore("bright", SETTINGS, fake)  # type: ignore[arg-type]


async def test_an_order_view_answering_another_order_is_not_found():
    store = store_with(FakeSticky(orders=[view("1000")]))
    with pytest.raises(NotFoundError, match="order 100 "):
        await store.get_order("100")


async def test_two_bodies_for_one_order_id_are_refused():
    store = store_with(FakeSticky(orders=[view("100"), view("100", order_total="1.00")]))
    with pytest.raises(AmbiguousMatch):
        await store.get_order("100")


async def test_every_order_action_reads_the_order_through_the_exact_look_up():
    store = store_with(FakeSticky(orders=[view("1000")]))
    address = Address(line1="1 Main St", city="Austin", region="TX", postal_code="78701", country="US")
    with pytest.raises(NotFoundError):
        await store.change_shipping_address("100", address)
    with pytest.raises(NotFoundError):
        await store.order_body("100")  # what refund, cancel and replacement start from


async def test_customers_are_kept_only_on_the_exact_email_or_phone():
    fake = FakeSticky(customers=[person("1", "Ann@Example.com"), person("2", "joann@example.com")])
    assert [c.id for c in await store_with(fake).find_customers("ann@example.com", None)] == ["1"]
    fake = FakeSticky(customers=[person("4", phone="5125550101"), person("5", phone="5125550109")])
    assert [c.id for c in await store_with(fake).find_customers(None, "+15125550101")] == ["4"]


def test_refunds_are_in_the_order_currency_not_the_store_s():
    body = view("100", currency="EUR", order_total="100.00", amount_refunded_to_date="54.00")
    order = mapping.order(body, INFO)
    assert order.refunded == Money(amount=Decimal("54.00"), currency="EUR")
    assert order.refundable == Money(amount=Decimal("46.00"), currency="EUR")
    usd = mapping.order(view("101", order_total="100.00", amount_refunded_to_date="54.00"), INFO)
    assert (usd.refunded, usd.refundable) == (
        Money(amount=Decimal("54.00"), currency="USD"),
        Money(amount=Decimal("46.00"), currency="USD"),
    )


def test_lifetime_revenue_never_adds_orders_of_another_currency():
    """The summary works the figures out per currency (the customer record carries none)."""
    customer = mapping.customer({"customer_id": "7", "email": "b@example.com"}, INFO)
    orders = [mapping.order(view("1", order_total="10.00"), INFO),
              mapping.order(view("2", order_total="5.00", currency="EUR"), INFO)]
    summary = summarise([customer], orders, [])
    assert customer.lifetime_revenue is None and summary.order_count == 2
    assert summary.lifetime_revenue == {"USD": Money(amount=Decimal("10.00"), currency="USD"),
                                        "EUR": Money(amount=Decimal("5.00"), currency="EUR")}
