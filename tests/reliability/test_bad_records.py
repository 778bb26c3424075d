"""Malformed platform records: a mapping either maps them or raises ``MappingError`` naming the field.

Hypothesis takes a valid record of each platform (the same samples the plugins' own mapping
tests use) and breaks one field: removes it, or puts in the wrong type, an unknown enum value,
a huge string, invalid unicode (a lone surrogate), negative, non-numeric or non-finite money.
Any exception other than ``MappingError`` (a ``KeyError``, ``TypeError``, pydantic's
``ValidationError``...) would crash a flow instead of parking the record, and fails the test;
so does a ``MappingError`` that does not name the platform, the record's id (unless the id was
what broke) and a field path starting at the field that was broken. Every mapper of the six
plugins is here, each with a sample of what its platform sends.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.errors import MappingError
from hub.core.mapping import UNKNOWN_FIELD
from hub.core.models import Ref, TicketType
from plugins.aircall import mapping as aircall
from plugins.aircall.mapping import call_from_aircall
from plugins.intercom import mapping as intercom
from plugins.intercom.settings import DEFAULT_TICKET_ATTRIBUTES
from plugins.konnektive import mapping as konnektive
from plugins.shopify import mapping as shopify
from plugins.stickyio import mapping as stickyio
from plugins.ultracart import mapping as ultracart
from tests.plugins.aircall.test_mapping import raw_call
from tests.plugins.konnektive.test_mapping import ORDER as KONNEKTIVE_ORDER
from tests.plugins.konnektive.test_mapping import VIEW
from tests.plugins.shopify.test_mapping import GRAPHQL_ORDER
from tests.plugins.stickyio.test_mapping import STORE as STICKY_STORE
from tests.plugins.stickyio.test_mapping import order_body
from tests.plugins.ultracart.test_mapping import full_order

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "examples"

BAD_VALUES = [
    None,
    12345,
    -1,
    True,
    [],
    {},
    "",
    "not a number",
    "-12.50",
    "NaN",
    "Infinity",
    "1e999",
    "x" * 100_000,
    "\ud800 lone surrogate",
    "UNKNOWN_ENUM_VALUE",
    "2026-13-45T99:99:99Z",
    -1e308,
]


def example(platform: str, name: str) -> Any:
    return json.loads((EXAMPLES / platform / name).read_text(), parse_float=Decimal)


def intercom_conversation() -> dict[str, Any]:
    return example("intercom", "conversations_list_200.json")["conversations"][0]


def intercom_ticket() -> dict[str, Any]:
    return example("intercom", "ticket_create_200.json")


def intercom_contact() -> dict[str, Any]:
    return {
        "type": "contact",
        "id": "6762f0d11bb69f9f2193bb83",
        "role": "user",
        "email": "ana@example.com",
        "phone": "+1 512 555 0101",
        "name": "Ana Lopez",
        "custom_attributes": {"brand": "PaleoHacks", "order_count": 2},
        "updated_at": 1734537556,
    }


def intercom_note() -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "id": "137",
        "part_type": "note",
        "body": "<p>[aircall call 42]</p>",
        "created_at": 1734537584,
        "author": {"id": "991267708", "type": "admin"},
    }


def aircall_user() -> dict[str, Any]:
    return {
        "id": 456,
        "name": "Ann Agent",
        "email": "ann@example.com",
        "availability_status": "unavailable",
        "substatus": "out_for_lunch",
        "available": False,
    }


def shopify_customer_graphql() -> dict[str, Any]:
    return {
        "id": "gid://shopify/Customer/9",
        "email": "old@x.com",
        "phone": None,
        "firstName": "Ana",
        "defaultEmailAddress": {"emailAddress": "new@x.com", "marketingState": "SUBSCRIBED"},
        "defaultPhoneNumber": {"phoneNumber": "+1 (512) 555-0100", "marketingState": "UNSUBSCRIBED"},
        "amountSpent": {"amount": "12.50", "currencyCode": "EUR"},
        "numberOfOrders": "3",
        "lastOrder": {"createdAt": "2025-01-01T00:00:00Z"},
        "defaultAddress": {"address1": "1 Main", "city": "Austin", "countryCodeV2": "US", "zip": "78701"},
    }


def shopify_subscription() -> dict[str, Any]:
    return {
        "id": "gid://shopify/SubscriptionContract/1",
        "status": "ACTIVE",
        "createdAt": "2025-01-01T00:00:00Z",
        "nextBillingDate": "2025-02-01T00:00:00Z",
        "customer": {"id": "gid://shopify/Customer/9"},
        "lines": {
            "nodes": [
                {
                    "title": "Bars",
                    "sku": "B",
                    "quantity": 2,
                    "currentPrice": {"amount": "10.05", "currencyCode": "USD"},
                }
            ]
        },
    }


def konnektive_customer() -> dict[str, Any]:
    return {
        "customerId": "7",
        "emailAddress": "a@example.com",
        "phoneNumber": "5125550101",
        "firstName": "Ana",
        "lastName": "Lopez",
        "country": "US",
        "dateCreated": "2025-01-01 10:00:00",
        "shipAddress1": "1 Oak",
        "shipCity": "Austin",
        "shipCountry": "US",
        "shipPostalCode": "78701",
    }


def konnektive_purchase() -> dict[str, Any]:
    return {
        "purchaseId": "31",
        "customerId": "7",
        "productName": "Protein",
        "productSku": "PH-1",
        "status": "ACTIVE",
        "price": "54.95",
        "nextBillDate": "2026-05-01",
        "dateCreated": "2026-04-01 09:00:00",
    }


def konnektive_refund() -> dict[str, Any]:
    return {
        "transactionId": "900",
        "orderId": "K1",
        "txnType": "REFUND",
        "responseType": "SUCCESS",
        "totalAmount": "-4.50",
        "txnDate": "2026-04-02 10:00:00",
    }


def sticky_customer() -> dict[str, Any]:
    return {
        "customer_id": "77",
        "first_name": "Ana",
        "email": "a@example.com",
        "phone": "512-555-0101",
        "date_created": "2025-01-01 00:00:00",
        "shipping_street_address": "12 Oak Ave",
        "shipping_city": "Austin",
        "shipping_country": "US",
    }


def sticky_subscription() -> dict[str, Any]:
    product = {
        "product_id": "1",
        "name": "Protein",
        "price": "54.95",
        "product_qty": "1",
        "billing_model": {"id": "3", "name": "Monthly"},
        "is_recurring": "1",
    }
    return order_body(
        order_id="2",
        products=[product],
        billing_cycle="1",
        parent_id="1",
        is_recurring="1",
        recurring_date="2026-05-01",
    )


def ultracart_customer() -> dict[str, Any]:
    return {
        "customer_profile_oid": 5,
        "email": "a@b.co",
        "signup_dts": "2020-01-01T00:00:00-05:00",
        "billing": [
            {
                "first_name": "A",
                "last_name": "B",
                "day_phone": "(512) 555-0134",
                "country_code": "US",
                "address1": "1 St",
                "city": "Austin",
                "default_billing": True,
            }
        ],
        "shipping": [{"first_name": "A", "address1": "1 St", "city": "Austin", "country_code": "US"}],
        "orders_summary": {
            "order_count": 3,
            "total": Decimal("120.50"),
            "last_order_dts": "2024-01-02T00:00:00Z",
        },
    }


def ultracart_auto_order() -> dict[str, Any]:
    return {
        "auto_order_oid": 9,
        "status": "active",
        "enabled": True,
        "customer_profile_oid": 5,
        "next_attempt": "2026-05-01T00:00:00-04:00",
        "original_order": {
            "creation_dts": "2026-04-01T00:00:00-04:00",
            "customer_profile": {"customer_profile_oid": 5},
        },
        "items": [
            {
                "original_item_id": "BARS",
                "original_item_description": "Bars",
                "arbitrary_unit_cost": Decimal("19.95"),
                "next_shipment_dts": "2026-05-01T00:00:00-04:00",
            }
        ],
    }


SHOP = {"store": "paleohacks", "brand": "PaleoHacks"}
UC = {"store": "mesa_cookware", "brand": "Mesa Cookware"}
PARENT = Ref(platform="intercom", id="1")


@dataclass(frozen=True)
class Kind:
    """One mapper of one plugin: a valid sample, the mapper, and where the sample keeps its id."""

    sample: Callable[[], dict[str, Any]]
    mapper: Callable[[dict[str, Any]], Any]
    platform: str
    id_field: str | None
    """Where the sample keeps the id the error must name (None: a list of records, no one id)."""


MAPPERS: dict[str, Kind] = {
    "aircall call": Kind(raw_call, call_from_aircall, "aircall", "id"),
    "aircall user": Kind(aircall_user, aircall.agent_from_aircall, "aircall", "id"),
    "intercom conversation": Kind(intercom_conversation, intercom.conversation_from, "intercom", "id"),
    "intercom ticket": Kind(
        intercom_ticket,
        lambda raw: intercom.ticket_from(raw, {"36": TicketType.REFUND}, DEFAULT_TICKET_ATTRIBUTES),
        "intercom",
        "id",
    ),
    "intercom contact": Kind(
        intercom_contact, lambda raw: intercom.contact_from(raw, {}, "US"), "intercom", "id"
    ),
    "intercom admin": Kind(
        lambda: example("intercom", "admin_away_200.json"),
        lambda raw: intercom.agent_from(raw, {"12345": "Coaching"}),
        "intercom",
        "id",
    ),
    "intercom note": Kind(intercom_note, lambda raw: intercom.note_from(raw, PARENT), "intercom", "id"),
    "shopify order": Kind(
        lambda: example("shopify", "order.json")["order"],
        lambda raw: shopify.order_from_rest(raw, **SHOP),
        "shopify",
        "id",
    ),
    "shopify order (graphql)": Kind(
        lambda: copy.deepcopy(GRAPHQL_ORDER),
        lambda raw: shopify.order_from_graphql(raw, **SHOP),
        "shopify",
        "id",
    ),
    "shopify customer": Kind(
        lambda: example("shopify", "customer.json")["customer"],
        lambda raw: shopify.customer_from_rest(raw, **SHOP),
        "shopify",
        "id",
    ),
    "shopify customer (graphql)": Kind(
        shopify_customer_graphql, lambda raw: shopify.customer_from_graphql(raw, **SHOP), "shopify", "id"
    ),
    "shopify refund": Kind(
        lambda: example("shopify", "refund.json")["refund"],
        lambda raw: shopify.refund_from_rest(raw, store="paleohacks"),
        "shopify",
        "id",
    ),
    "shopify subscription": Kind(
        shopify_subscription,
        lambda raw: shopify.subscription_from_graphql(raw, store="paleohacks"),
        "shopify",
        "id",
    ),
    "konnektive order": Kind(
        lambda: copy.deepcopy(KONNEKTIVE_ORDER),
        lambda raw: konnektive.order(raw, VIEW),
        "konnektive",
        "orderId",
    ),
    "konnektive customer": Kind(
        konnektive_customer, lambda raw: konnektive.customer(raw, VIEW), "konnektive", "customerId"
    ),
    "konnektive purchase": Kind(
        konnektive_purchase, lambda raw: konnektive.subscription(raw, VIEW), "konnektive", "purchaseId"
    ),
    "konnektive transaction": Kind(
        konnektive_refund, lambda raw: konnektive.refund(raw, VIEW, "K1"), "konnektive", "transactionId"
    ),
    "stickyio order": Kind(order_body, lambda raw: stickyio.order(raw, STICKY_STORE), "stickyio", "order_id"),
    "stickyio customer": Kind(
        sticky_customer, lambda raw: stickyio.customer(raw, STICKY_STORE), "stickyio", "customer_id"
    ),
    "stickyio subscription": Kind(
        sticky_subscription, lambda raw: stickyio.subscription(raw, STICKY_STORE), "stickyio", "order_id"
    ),
    "ultracart order": Kind(
        full_order, lambda raw: ultracart.order_from_json(raw, **UC), "ultracart", "order_id"
    ),
    "ultracart customer": Kind(
        ultracart_customer,
        lambda raw: ultracart.customer_from_json(raw, **UC, currency="USD"),
        "ultracart",
        "customer_profile_oid",
    ),
    "intercom note list": Kind(
        lambda: [intercom_note(), {**intercom_note(), "id": "138", "part_type": "comment"}],  # type: ignore[arg-type, return-value]
        lambda raw: intercom.notes_from(raw, PARENT),  # type: ignore[arg-type]
        "intercom",
        None,
    ),
    "shopify draft order": Kind(
        lambda: example("shopify", "draft_order.json")["draft_order"],
        lambda raw: shopify.checkout_link_from_rest(raw, store="paleohacks"),
        "shopify",
        "id",
    ),
    "shopify draft order (graphql)": Kind(
        lambda: {
            "id": "gid://shopify/DraftOrder/5",
            "invoiceUrl": "https://shop.example/invoices/5",
            "totalPriceSet": {"shopMoney": {"amount": "19.90", "currencyCode": "USD"}},
        },
        lambda raw: shopify.checkout_link_from_graphql(raw, store="paleohacks"),
        "shopify",
        "id",
    ),
    "ultracart cart": Kind(
        lambda: {
            "redirect_to_url": "https://secure.ultracart.com/checkout/abc",
            "cart": {
                "cart_id": "C1",
                "summary": {"total": {"value": Decimal("19.90"), "currency_code": "USD"}},
            },
        },
        lambda raw: ultracart.checkout_link_from(raw, {"currency_code": "USD"}, store="mesa_cookware"),
        "ultracart",
        None,
    ),
    "ultracart auto order": Kind(
        ultracart_auto_order,
        lambda raw: ultracart.subscription_from_json(raw, store="mesa_cookware", currency="USD"),
        "ultracart",
        "auto_order_oid",
    ),
}


def paths(record: Any, prefix: tuple[Any, ...] = (), depth: int = 2) -> list[tuple[Any, ...]]:
    """Every field of the record down to ``depth`` levels (list items by index)."""
    found = []
    items = (
        record.items() if isinstance(record, dict) else enumerate(record) if isinstance(record, list) else []
    )
    for key, value in items:
        found.append((*prefix, key))
        if depth > 1 and isinstance(value, dict | list):
            found += paths(value, (*prefix, key), depth - 1)
    return found


def broken(record: dict[str, Any], path: tuple[Any, ...], value: Any, remove: bool) -> dict[str, Any]:
    copied = copy.deepcopy(record)
    parent: Any = copied
    for key in path[:-1]:
        parent = parent[key]
    if remove and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copied


KINDS = sorted(MAPPERS)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_broken_field_maps_or_raises_a_mapping_error_naming_it(kind: str, data: st.DataObject) -> None:
    """Whatever field is broken, the mapper maps or names platform, record, id and field; nothing else."""
    case = MAPPERS[kind]
    record = case.sample()
    path = data.draw(st.sampled_from(paths(record)), label="field")
    value = data.draw(st.sampled_from(BAD_VALUES), label="value")
    remove = data.draw(st.booleans(), label="remove")
    try:
        case.mapper(broken(record, path, value, remove))
    except MappingError as exc:
        assert exc.field and exc.field != UNKNOWN_FIELD, f"{kind}: MappingError naming no field: {exc}"
        assert exc.platform == case.platform and exc.record, f"{kind}: {exc}"
        if isinstance(record, dict):  # the path named starts at the field that was broken
            assert re.split(r"[.\[]", exc.field)[0] == str(path[0]), f"{kind}: broke {path}, named {exc}"
        if case.id_field is not None and path[0] != case.id_field:
            assert exc.record_id == str(record[case.id_field]), f"{kind}: the id is not named: {exc}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_samples_themselves_map(kind: str) -> None:
    case = MAPPERS[kind]
    assert case.mapper(case.sample()) is not None


@pytest.mark.parametrize("kind", [kind for kind in KINDS if MAPPERS[kind].id_field is not None])
def test_a_missing_id_is_named(kind: str) -> None:
    case = MAPPERS[kind]
    assert case.id_field is not None
    record = case.sample()
    del record[case.id_field]
    with pytest.raises(MappingError) as caught:
        case.mapper(record)
    assert caught.value.field == case.id_field and caught.value.record_id is None


def test_the_sideways_call_names_direction_and_its_id() -> None:
    with pytest.raises(MappingError) as caught:
        call_from_aircall(raw_call(id=77, direction="sideways"))
    error = caught.value
    assert (error.platform, error.record, error.record_id, error.field) == (
        "aircall",
        "call",
        "77",
        "direction",
    )
    assert "sideways" in error.reason and error.key == "call:aircall:77"
