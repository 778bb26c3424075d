"""A CS Assist summary with a record no store could map: left out, named, parked, never a blank write.

The stores hand an unmappable customer, order or subscription back as a ``MappingError`` entry
in their lists. What agents are shown is the summary of everything readable, plus which records
were left out and why; ``cs_assist`` parks each left-out record with that reason, and when not
one customer record is readable it leaves the contact's attributes as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.core import facade
from hub.core.errors import MappingError
from hub.core.models import Contact, Conversation, Customer, Money, Order
from hub.flows.base import RunContext
from hub.flows.cs_assist import CsAssist
from hub.flows.summary import build_summary
from hub.store import Store

WHEN = datetime(2026, 11, 1, tzinfo=UTC)
CUSTOMER = Customer(
    platform="shopify", id="C1", store="paleohacks", brand="PaleoHacks", email="a@example.com"
)
ORDER = Order(
    platform="shopify",
    id="O1",
    store="paleohacks",
    number="#1001",
    customer_id="C1",
    created_at=WHEN,
    total=Money(amount=Decimal("54.00"), currency="USD"),
)


def unreadable(record: str, record_id: str | None, field: str) -> MappingError:
    error = MappingError("shopify", record, field, "not an amount: 'ten'", record_id=record_id)
    return error.parked_as(payload={"id": record_id, field: "ten"}, at=None)


class StoresHub:
    """Answers the look-ups a summary makes (and the contact update of ``cs_assist``)."""

    def __init__(self, customers: list[Any], orders: list[Any], subscriptions: list[Any] = ()) -> None:
        self.answers = {
            "commerce_find_customers": customers,
            "commerce_list_orders": orders,
            "commerce_list_subscriptions": list(subscriptions),
        }
        self.contact = Contact(platform="intercom", id="K1", email="a@example.com")
        self.updates: list[dict[str, Any]] = []

    @property
    def commerce(self) -> facade.Commerce:
        return facade.Commerce(self)  # type: ignore[arg-type]

    @property
    def helpdesk(self) -> facade.Helpdesk:
        return facade.Helpdesk(self)  # type: ignore[arg-type]

    async def collect(self, hook: Any, **kwargs: Any) -> list[Any]:
        return list(self.answers[hook.__name__])

    async def routed_pages(self, hook: Any, owner: Any, **kwargs: Any) -> Any:
        yield await self.route(hook, owner, **kwargs)  # the whole list as the one page

    def limit(self, platform: str, kind: str) -> int | None:
        return None  # keeps whatever it is given

    async def route(self, hook: Any, owner: Any, **kwargs: Any) -> Any:
        hook = hook.__name__  # the facade names the hookspec function
        if hook == "helpdesk_get_contact":
            return self.contact
        if hook == "helpdesk_update_contact":
            self.updates.append(kwargs["attributes"])
            return self.contact
        return list(self.answers[hook])


async def test_an_unreadable_order_is_left_out_and_named() -> None:
    hub = StoresHub([CUSTOMER], [ORDER, unreadable("order", "O2", "total_price")])
    summary = await build_summary(hub, "a@example.com", None)  # type: ignore[arg-type]
    assert summary is not None and summary.order_count == 1 and summary.latest_order.number == "#1001"
    (left_out,) = summary.unreadable
    assert (left_out.key, left_out.field) == ("order:shopify:O2", "total_price")
    assert str(left_out) == "shopify order O2: field 'total_price': not an amount: 'ten'"
    assert "payload" not in summary.model_dump()["unreadable"][0]  # raw JSON stays out of the view


async def test_nothing_found_is_none_but_an_unreadable_customer_is_a_summary_without_sources() -> None:
    assert await build_summary(StoresHub([], []), "a@example.com", None) is None  # type: ignore[arg-type]
    only_broken = StoresHub([unreadable("customer", "C9", "amountSpent")], [])
    summary = await build_summary(only_broken, "a@example.com", None)  # type: ignore[arg-type]
    assert summary is not None and summary.sources == ()
    assert [u.key for u in summary.unreadable] == ["customer:shopify:C9"]


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.migrate()
    yield store
    store.dispose()


async def refresh(hub: StoresHub, store: Store) -> RunContext:
    ctx = RunContext(hub=hub, store=store, config=None, flow="cs_assist")  # type: ignore[arg-type]
    source = Conversation(platform="intercom", id="V1", created_at=WHEN, updated_at=WHEN)
    await CsAssist().refresh_contact(ctx, hub.contact.ref, source)
    return ctx


async def test_cs_assist_writes_what_it_read_and_parks_what_it_could_not(store: Store) -> None:
    hub = StoresHub([CUSTOMER], [ORDER, unreadable("order", "O2", "total_price")])
    ctx = await refresh(hub, store)
    assert hub.updates and hub.updates[0]["order_count"] == 1
    (letter,) = store.dead_letters.entries("cs_assist")
    assert letter.record == "order:shopify:O2" and "field 'total_price'" in letter.reason
    assert letter.payload["contact"] == "K1" and letter.payload["raw"] == {"id": "O2", "total_price": "ten"}
    reason = "shopify order O2: field 'total_price': not an amount: 'ten'"
    assert ctx.report == [f"contact K1: summary without {reason}"]


async def test_cs_assist_never_blanks_a_contact_when_nothing_could_be_read(store: Store) -> None:
    hub = StoresHub([unreadable("customer", "C9", "amountSpent")], [])
    await refresh(hub, store)
    assert hub.updates == []
    assert [d.record for d in store.dead_letters.entries("cs_assist")] == ["customer:shopify:C9"]
