"""CS Assist complete (issue 16): billing address, the last N orders with their details, open
subscriptions with the id a cancel ticket takes, consents per channel and per store, phone
look-ups in any common format, and the contact attributes that carry all of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.core import facade
from hub.core.models import (
    Address,
    Channel,
    Consent,
    Contact,
    Conversation,
    Customer,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    Subscription,
    SubscriptionStatus,
)
from hub.flows.base import RunContext
from hub.flows.cs_assist import CsAssist, CsAssistOptions
from hub.flows.summary import build_summary, read_person, summarise, summary_attributes
from hub.store import Store
from plugins.intercom.emulator.seed import CS_ASSIST_DATA_ATTRIBUTES
from plugins.intercom.settings import DEFAULT_CS_ASSIST_ATTRIBUTES

WHEN = datetime(2026, 11, 1, tzinfo=UTC)
USD = "USD"
SHIPPING = Address(line1="1 Ship St", city="Austin", region="TX", postal_code="78701", country="US")
BILLING = Address(line1="9 Bill Ave", city="Dallas", region="TX", postal_code="75201", country="US")


def money(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency=USD)


def customer(**extra: Any) -> Customer:
    fields: dict[str, Any] = {
        "platform": "shopify",
        "id": "C1",
        "store": "paleohacks",
        "brand": "PaleoHacks",
        "email": "a@example.com",
    }
    return Customer(**{**fields, **extra})


def order(number: str, days_ago: int, **extra: Any) -> Order:
    fields: dict[str, Any] = {
        "platform": "shopify",
        "id": f"O{number}",
        "store": "paleohacks",
        "number": f"#{number}",
        "customer_id": "C1",
        "brand": "PaleoHacks",
        "created_at": WHEN - timedelta(days=days_ago),
        "total": money("54.00"),
        "financial_status": FinancialStatus.PAID,
        "fulfillment_status": FulfillmentStatus.UNFULFILLED,
        "shipping_address": SHIPPING,
        "billing_address": BILLING,
    }
    return Order(**{**fields, **extra})


SUBSCRIPTION = Subscription(
    platform="shopify",
    id="gid://shopify/SubscriptionContract/1064",
    store="paleohacks",
    customer_id="C1",
    product="Bars Club",
    status=SubscriptionStatus.ACTIVE,
)


# --------------------------------------------------------------------------- the summary


def test_billing_address_is_the_newest_orders_else_the_customers() -> None:
    older = order("1001", 30, billing_address=SHIPPING)
    newest = order("1002", 1)
    summary = summarise([customer()], [older, newest], [])
    assert summary.billing_address == BILLING and summary.shipping_address == SHIPPING
    no_orders = summarise([customer(billing_address=BILLING, default_address=SHIPPING)], [], [])
    assert no_orders.billing_address == BILLING and no_orders.shipping_address == SHIPPING


def test_the_last_n_orders_with_number_date_total_status_ship_status_and_tracking() -> None:
    shipped = order(
        "1003",
        2,
        fulfillment_status=FulfillmentStatus.FULFILLED,
        shipped_at=WHEN - timedelta(days=1),
        tracking_numbers=("1Z999",),
        line_items=(LineItem(sku="PH-BAR", name="Bars", quantity=2, price=money("12.00")),),
    )
    orders = [order(str(1000 + n), 10 + n) for n in range(6)] + [shipped]
    summary = summarise([customer()], orders, [], recent=3)
    assert [o.number for o in summary.recent_orders] == ["#1003", "#1000", "#1001"]
    latest = summary.recent_orders[0]
    assert (latest.ship_status, latest.tracking_numbers, latest.status) == (
        (WHEN - timedelta(days=1)).date().isoformat(),
        ("1Z999",),
        "paid, fulfilled",
    )
    assert latest.line_items[0].sku == "PH-BAR" and latest.billing_address == BILLING
    attributes = summary_attributes(summary)
    first_line = attributes["recent_orders"].split(" | ")[0]
    assert first_line == (
        f"#1003 {latest.created_at.date().isoformat()} 54.00 USD paid, shipped {latest.ship_status}, "
        "tracking 1Z999"
    )
    assert attributes["recent_orders"].count(" | ") == 2
    assert attributes["billing_address"] == "9 Bill Ave, Dallas, TX, 75201, US"


def test_open_subscriptions_carry_the_id_a_cancel_ticket_takes() -> None:
    summary = summarise([customer()], [order("1001", 1)], [SUBSCRIPTION])
    attributes = summary_attributes(summary)
    assert attributes["open_subscriptions"] == "Bars Club (id gid://shopify/SubscriptionContract/1064)"


def test_consents_per_channel_and_per_store_and_none_written_blank() -> None:
    shop = customer(
        consents=(
            Consent(channel=Channel.EMAIL, opted_in=True, updated_at=WHEN),
            Consent(channel=Channel.SMS, opted_in=False, updated_at=WHEN),
        )
    )
    cart = customer(
        platform="ultracart",
        id="77",
        store="mesa_cookware",
        brand="Mesa Cookware",
        consents=(Consent(channel=Channel.EMAIL, opted_in=False, updated_at=WHEN - timedelta(days=9)),),
    )
    summary = summarise([shop, cart], [], [])
    per_store = {(c.campaign, c.channel.value): c.opted_in for c in summary.store_consents}
    assert per_store == {
        ("PaleoHacks", "email"): True,
        ("PaleoHacks", "sms"): False,
        ("Mesa Cookware", "email"): False,
    }
    attributes = summary_attributes(summary)
    assert (attributes["consent_email"], attributes["consent_sms"]) == (True, False)  # newest answer wins
    # No store records phone consent: it is left out, never written blank over the helpdesk's own.
    assert "consent_phone" not in attributes


def test_a_store_that_records_phone_consent_fills_it() -> None:
    caller = customer(consents=(Consent(channel=Channel.PHONE, opted_in=False, updated_at=WHEN),))
    assert summary_attributes(summarise([caller], [], []))["consent_phone"] is False


def test_every_attribute_is_declared_for_the_helpdesk() -> None:
    """The keys CS Assist writes are the ones the Intercom plugin names (``cs_assist_attributes``,
    what ``hub setup`` creates) and the emulator's workspace holds."""
    full = summarise(
        [customer(consents=tuple(Consent(channel=c, opted_in=True) for c in Channel))],
        [order("1001", 1)],
        [SUBSCRIPTION],
    )
    written = set(summary_attributes(full))
    assert written == set(DEFAULT_CS_ASSIST_ATTRIBUTES)
    names = {name for name, _ in CS_ASSIST_DATA_ATTRIBUTES}
    assert {DEFAULT_CS_ASSIST_ATTRIBUTES[key] for key in written} <= names


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "typed",
    ["(415) 555-0000", "415-555-0000", "415.555.0000", "4155550000", "1 415 555 0000", "+1 (415) 555-0000"],
)
def test_a_phone_in_any_common_format_is_read_as_e164(typed: str) -> None:
    assert read_person(typed) == (None, "+14155550000")
    assert read_person(typed, phone_only=True) == (None, "+14155550000")


def test_the_default_region_is_configurable() -> None:
    assert read_person("020 7946 0958", region="GB") == (None, "+442079460958")
    assert read_person("+1 415 555 0000", region="GB") == (None, "+14155550000")  # its own +country
    assert read_person("ann@example.com") == ("ann@example.com", None)
    with pytest.raises(ValueError, match="not a phone number"):
        read_person("x@y", phone_only=True)
    with pytest.raises(ValueError, match="not an email address or phone number"):
        read_person("nobody")


class AskedHub:
    """Records what the stores are asked for (a customer search answers nobody)."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    @property
    def commerce(self) -> facade.Commerce:
        return facade.Commerce(self)  # type: ignore[arg-type]

    async def collect(self, hook: Any, **kwargs: Any) -> list[Any]:
        self.asked.append(kwargs)
        return []


async def test_the_stores_are_asked_with_e164_whatever_was_typed() -> None:
    """``(415) 555-0000`` found nobody on stores that match phone text as stored: they are asked
    with ``+14155550000``, read in the configured region."""
    hub = AskedHub()
    await build_summary(hub, None, "(415) 555-0000")  # type: ignore[arg-type]
    await build_summary(hub, None, "020 7946 0958", region="GB")  # type: ignore[arg-type]
    assert [a["phone"] for a in hub.asked] == ["+14155550000", "+442079460958"]


def test_options_check_the_region_and_the_retention_links() -> None:
    options = CsAssistOptions(
        phone_region="gb",
        retention_scripts={"PaleoHacks": "https://s.example/ph", "*": "https://s.example/all"},
    )
    assert options.phone_region == "GB"
    assert options.retention_script("paleohacks") == "https://s.example/ph"
    assert options.retention_script("Mesa Cookware", "mesa_cookware") == "https://s.example/all"
    with pytest.raises(ValidationError, match="not a region"):
        CsAssistOptions(phone_region="XX")
    with pytest.raises(ValidationError, match="not a web address"):
        CsAssistOptions(retention_scripts={"PaleoHacks": "javascript:alert(1)"})
    with pytest.raises(ValidationError):
        CsAssistOptions(recent_orders=0)


# --------------------------------------------------------------------------- the flow


class StoresHub:
    """One customer with one order on one store; the contact keeps an agent's phone consent."""

    def __init__(self) -> None:
        self.contact = Contact(
            platform="intercom", id="K1", email="a@example.com", attributes={"consent_phone": False}
        )
        self.updates: list[dict[str, Any]] = []

    @property
    def commerce(self) -> facade.Commerce:
        return facade.Commerce(self)  # type: ignore[arg-type]

    @property
    def helpdesk(self) -> facade.Helpdesk:
        return facade.Helpdesk(self)  # type: ignore[arg-type]

    def limit(self, platform: str, kind: str) -> int | None:
        return None  # keeps whatever it is given

    async def collect(self, hook: Any, **kwargs: Any) -> list[Any]:
        return [customer(consents=(Consent(channel=Channel.EMAIL, opted_in=True),))]

    async def routed_pages(self, hook: Any, owner: Any, **kwargs: Any) -> Any:
        yield await self.route(hook, owner, **kwargs)  # the whole list as the one page

    async def route(self, hook: Any, owner: Any, **kwargs: Any) -> Any:
        name = hook.__name__
        if name == "helpdesk_get_contact":
            return self.contact
        if name == "helpdesk_update_contact":
            self.updates.append(kwargs["attributes"])
            return self.contact
        return {"commerce_list_orders": [order("1001", 1)], "commerce_list_subscriptions": [SUBSCRIPTION]}[
            name
        ]


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.migrate()
    yield store
    store.dispose()


async def test_cs_assist_writes_the_new_fields_and_keeps_the_contacts_phone_consent(store: Store) -> None:
    hub = StoresHub()
    ctx = RunContext(hub=hub, store=store, config=None, flow="cs_assist")  # type: ignore[arg-type]
    source = Conversation(platform="intercom", id="V1", created_at=WHEN, updated_at=WHEN)
    await CsAssist(CsAssistOptions(recent_orders=2)).refresh_contact(ctx, hub.contact.ref, source)
    (written,) = hub.updates
    assert written["billing_address"] == BILLING.one_line()
    assert written["recent_orders"].startswith("#1001 ")
    assert written["open_subscriptions"].endswith("(id gid://shopify/SubscriptionContract/1064)")
    assert written["consent_email"] is True and "consent_phone" not in written


async def test_the_sandbox_contact_gets_billing_orders_and_subscription_ids(sandbox) -> None:
    await sandbox.run("cs_assist")
    world = sandbox.world
    emails = {(o.platform, o.store, o.customer_id): o.email for o in world.orders if o.email}
    sub = next(
        s
        for s in world.subscriptions
        if s.platform == "konnektive" and s.is_open and (s.platform, s.store, s.customer_id) in emails
    )
    email = emails[(sub.platform, sub.store, sub.customer_id)] or ""
    stored = sandbox.contact_of(email)["custom_attributes"]
    assert f"(id {sub.id})" in stored["cs_open_subscriptions"]
    assert stored["cs_billing_address"] and stored["cs_recent_orders"]
