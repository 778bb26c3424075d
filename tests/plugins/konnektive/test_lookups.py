"""Look-ups compare keys exactly; money is never relabelled (issue 14, items 1 and 3).

The store operations run against a fake CRM that answers loosely, the way a search does: the
plugin's own exact comparison is what keeps another customer's record out.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.core.errors import MappingError, NotFoundError
from hub.core.lookup import AmbiguousMatch
from hub.core.models import Address
from plugins.konnektive import mapping
from plugins.konnektive.operations import KonnektiveStore

VIEW = mapping.StoreView(key="ph", brand="PaleoHacks", currency="USD", zone=ZoneInfo("America/Los_Angeles"))


def order(order_id: str, **extra: Any) -> dict[str, Any]:
    return {"orderId": order_id, "customerId": "7", "orderStatus": "COMPLETE", "totalAmount": "240.00",
            "dateCreated": "2025-07-01 17:30:00", "emailAddress": "b@example.com", **extra}


def customer(customer_id: str, email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    return {"customerId": customer_id, "emailAddress": email, "phoneNumber": phone, "country": "US",
            "dateCreated": "2025-07-01 17:30:00"}


class FakeCrm:
    """Every query answers ``records`` whatever its filter; the calls are kept."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records, self.calls = records, []
        self.store = SimpleNamespace(brand="PaleoHacks", currency="USD")
        self.store_key, self.zone = "ph", ZoneInfo("America/Los_Angeles")

    async def query_by_id(self, endpoint: str, params: dict[str, Any], *, limit: int = 2) -> list[dict]:
        self.calls.append((endpoint, params, limit))
        return self.records[:limit]

    async def query_all(
        self, endpoint: str, params: dict[str, Any], *, date_range: bool = True
    ) -> list[dict]:
        self.calls.append((endpoint, params, None))
        return [] if endpoint == "transactions/query" else list(self.records)


def store_with(*records: dict[str, Any]) -> tuple[KonnektiveStore, FakeCrm]:
    crm = FakeCrm(list(records))
    return KonnektiveStore(crm, compute_summary=False), crm  # type: ignore[arg-type]


async def test_an_order_id_answered_with_another_order_is_not_found():
    store, crm = store_with(order("K12"))
    with pytest.raises(NotFoundError, match="K1 "):
        await store.get_order("K1")
    assert crm.calls[0][2] >= 2  # two asked for, so a second exact one would be seen


async def test_two_orders_with_the_asked_id_are_refused():
    store, _ = store_with(order("K1"), order("k1"))
    with pytest.raises(AmbiguousMatch, match="ambiguous"):
        await store.get_order("K1")


async def test_every_order_action_reads_the_order_through_the_exact_look_up():
    store, _ = store_with(order("K12"))
    address = Address(line1="1 Main St", city="Austin", region="TX", postal_code="78701", country="US")
    with pytest.raises(NotFoundError):
        await store.change_shipping_address("K1", address)
    with pytest.raises(NotFoundError):
        await store.raw_order("K1")  # what refund and replacement start from


async def test_a_purchase_id_answered_with_another_purchase_is_not_found():
    store, _ = store_with({"purchaseId": "P12", "customerId": "7", "status": "ACTIVE"})
    with pytest.raises(NotFoundError, match="P1 "):
        await store.cancel_subscription("P1", "too much", "key")


async def test_customers_are_kept_only_on_the_exact_email_or_phone():
    store, _ = store_with(
        customer("1", "Ann@Example.com"), customer("2", "joann@example.com"), customer("3", "ann@example.co")
    )
    assert [c.id for c in await store.find_customers("ann@example.com", None)] == ["1"]
    store, _ = store_with(customer("4", phone="(512) 555-0101"), customer("5", phone="512-555-0109"))
    assert [c.id for c in await store.find_customers(None, "+15125550101")] == ["4"]


def test_an_order_whose_symbol_names_another_currency_is_refused_not_relabelled():
    with pytest.raises(MappingError, match="currencySymbol"):
        mapping.order(order("K1", currencySymbol="€"), VIEW)
    assert mapping.order(order("K1", currencySymbol="$"), VIEW).total.currency == "USD"
