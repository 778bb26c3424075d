"""Mapping UltraCart JSON (the vendor example included) to domain models."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.core.errors import MappingError
from hub.core.models import Channel, FinancialStatus, FulfillmentStatus, Ref, SubscriptionStatus
from plugins.ultracart import mapping

FIXTURE = Path(__file__).parents[2] / "fixtures" / "examples" / "ultracart" / "webhook_order_create.json"


def full_order(**changes: object) -> dict:
    order = {
        "order_id": "DEMO-0009104420",
        "merchant_id": "DEMO",
        "current_stage": "Shipping Department",
        "creation_dts": "2021-05-18T12:10:19-04:00",
        "currency_code": "USD",
        "billing": {
            "first_name": "Ana",
            "last_name": "Lee",
            "email": "ana@example.com",
            "address1": "1 Elm",
            "city": "Boston",
            "state_region": "MA",
            "postal_code": "02110",
            "country_code": "US",
            "day_phone": "617-555-0100",
        },
        "shipping": {
            "first_name": "Ana",
            "last_name": "Lee",
            "address1": "1 Elm",
            "city": "Boston",
            "country_code": "US",
            "tracking_numbers": [],
        },
        "items": [
            {
                "item_index": 1,
                "merchant_item_id": "BARS",
                "description": "Bars",
                "quantity": Decimal("3.0"),
                "cost": {"value": Decimal("19.95"), "currency_code": "USD"},
                "total_cost_with_discount": {"value": Decimal("59.85"), "currency_code": "USD"},
            }
        ],
        "summary": {
            "total": {"value": Decimal("64.63"), "currency_code": "USD"},
            "total_refunded": {"value": Decimal("0"), "currency_code": "USD"},
        },
        "payment": {"payment_status": "Processed"},
        "internal": {"transactional_merchant_notes": []},
        "customer_profile": {"customer_profile_oid": 77},
    }
    order.update(changes)
    return order


def test_vendor_webhook_example_maps_to_events_and_refs() -> None:
    body = mapping.webhook_body(FIXTURE.read_bytes())
    events = mapping.webhook_events(body, {"DEMO": "demo_store"})
    assert len(events) == 1
    event = events[0]
    assert event.name == "order_create"
    assert event.ref == Ref(platform="ultracart", id="DEMO-0009104420", store="demo_store")
    assert event.stage == "Accounts Receivable"
    assert event.occurred_at == datetime(2021, 5, 18, 16, 10, 19, tzinfo=UTC)


def test_vendor_webhook_order_is_sparse_so_order_mapping_names_the_missing_field() -> None:
    body = mapping.webhook_body(FIXTURE.read_text())
    sparse = body["events"][0]["order_create"]
    with pytest.raises(MappingError) as caught:
        mapping.order_from_json(sparse, store="demo_store", brand="PaleoHacks")
    assert caught.value.field == "summary.total"


def test_webhook_from_unknown_merchant_has_no_ref_and_compressed_bodies_decode() -> None:
    raw = json.dumps({"events": [{"order_refund": {"merchant_id": "OTHER", "order_id": "X-1"}}]}).encode()
    packed = json.dumps(base64.b64encode(gzip.compress(raw)).decode())
    events = mapping.webhook_events(mapping.webhook_body(packed), {"DEMO": "demo"})
    assert events[0].name == "order_refund" and events[0].ref is None


def test_bad_webhook_element_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as caught:
        mapping.webhook_events({"events": [{"a": {}, "b": {}}]}, {})
    assert caught.value.field == "events[0]"


def test_full_order_maps_with_exact_money_addresses_and_status() -> None:
    order = mapping.order_from_json(full_order(), store="ph", brand="PaleoHacks")
    assert order.total.amount == Decimal("64.63") and order.total.currency == "USD"
    assert order.line_items[0].price.amount == Decimal("19.95")
    assert order.line_items[0].quantity == 3 and order.line_items[0].id == "1"
    assert order.financial_status is FinancialStatus.PAID
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.billing_address is not None and order.billing_address.phone == "+16175550100"
    assert order.customer_id == "77" and order.brand == "PaleoHacks" and order.store == "ph"
    assert order.created_at == datetime(2021, 5, 18, 16, 10, 19, tzinfo=UTC)
    assert not order.shipped and order.refunds == ()


def test_shipped_order_and_refund_markers_become_refunds() -> None:
    marker = mapping.refund_marker(
        "ledger:42", mapping.Money(amount=Decimal("10.00"), currency="USD"), "damaged"
    )
    order = full_order(
        current_stage="Completed Order",
        shipping={
            "address1": "1 Elm",
            "city": "Boston",
            "country_code": "US",
            "shipping_date": "2021-05-20T09:00:00-04:00",
            "tracking_numbers": ["1Z1"],
            "tracking_number_details": [{"tracking_number": "1Z2"}],
        },
        summary={
            "total": {"value": Decimal("64.63"), "currency_code": "USD"},
            "total_refunded": {"value": Decimal("15.00"), "currency_code": "USD"},
        },
        internal={
            "transactional_merchant_notes": [{"note": marker, "note_dts": "2021-05-21T10:00:00-04:00"}]
        },
        refund_dts="2021-05-22T10:00:00-04:00",
    )
    mapped = mapping.order_from_json(order, store="ph", brand="PaleoHacks")
    assert mapped.tracking_numbers == ("1Z1", "1Z2")
    assert mapped.fulfillment_status is FulfillmentStatus.FULFILLED and mapped.shipped
    assert mapped.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    amounts = {refund.id: refund.amount.amount for refund in mapped.refunds}
    assert amounts == {
        "DEMO-0009104420:ledger:42": Decimal("10.00"),
        "DEMO-0009104420:other": Decimal("5.00"),
    }
    assert mapped.refundable.amount == Decimal("49.63")


def test_unsafe_idempotency_keys_are_hashed_into_the_marker() -> None:
    key = "refund for ticket 12 [x]"
    assert mapping.marker_key(key).startswith("sha256-")
    marker = mapping.refund_marker(key, mapping.Money(amount=Decimal("1"), currency="USD"), "other")
    order = {"order_id": "O1", "internal": {"merchant_notes": "old note\n" + marker}}
    assert [r.id for r in mapping.hub_refunds(order, "s")] == [f"O1:{mapping.marker_key(key)}"]


def test_order_without_creation_dts_names_the_field() -> None:
    with pytest.raises(MappingError) as caught:
        mapping.order_from_json(full_order(creation_dts=None), store="s", brand="PaleoHacks")
    assert caught.value.field == "creation_dts"


def test_customer_maps_summary_phone_and_address() -> None:
    customer = mapping.customer_from_json(
        {
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
                }
            ],
            "orders_summary": {
                "order_count": 3,
                "total": Decimal("120.50"),
                "last_order_dts": "2024-01-02T00:00:00Z",
            },
        },
        store="ph",
        brand="PaleoHacks",
        currency="USD",
    )
    assert customer.phone == "+15125550134"
    assert customer.lifetime_revenue is not None and customer.lifetime_revenue.amount == Decimal("120.50")
    assert customer.order_count == 3 and customer.default_address is not None


def test_consents_from_order_marketing() -> None:
    consents = mapping.consents_from_marketing({"mailing_list": True, "cell_phone_opt_in": False}, None)
    assert {(c.channel, c.opted_in) for c in consents} == {(Channel.EMAIL, True), (Channel.SMS, False)}


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"status": "active", "enabled": True}, SubscriptionStatus.ACTIVE),
        ({"status": "active", "enabled": False}, SubscriptionStatus.CANCELLED),
        ({"status": "canceled"}, SubscriptionStatus.CANCELLED),
        ({"status": "merged"}, SubscriptionStatus.EXPIRED),
    ],
)
def test_auto_order_status(data: dict, status: SubscriptionStatus) -> None:
    sub = mapping.subscription_from_json({"auto_order_oid": 9, **data}, store="s", currency="USD")
    assert sub.status is status


def test_naive_timestamp_is_read_as_merchant_eastern_time() -> None:
    moment = mapping.parse_dts("2024-01-15T12:00:00", "order", "creation_dts")
    assert moment == datetime(2024, 1, 15, 17, 0, tzinfo=UTC)
