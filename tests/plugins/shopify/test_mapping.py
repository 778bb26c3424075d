"""Mapping: the vendor's REST/webhook examples and GraphQL nodes to domain models."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hub.core.errors import MappingError
from hub.core.models import Channel, FinancialStatus, FulfillmentStatus, Money, SubscriptionStatus
from plugins.shopify import mapping

FIXTURES = Path(__file__).parents[2] / "fixtures" / "examples" / "shopify"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_rest_order_fixture() -> None:
    order = mapping.order_from_rest(fixture("order")["order"], store="paleohacks", brand="PaleoHacks")
    assert (order.id, order.number, order.brand) == ("gid://shopify/Order/450789469", "#1001", "PaleoHacks")
    assert order.total == Money(amount=Decimal("409.94"), currency="USD")
    assert order.created_at.isoformat() == "2008-01-10T16:00:00+00:00"
    assert order.financial_status == FinancialStatus.PENDING  # authorized, not captured
    assert order.fulfillment_status == FulfillmentStatus.UNFULFILLED
    # The only fulfillment failed: no ship date and no tracking number to show an agent.
    assert order.shipped_at is None and order.tracking_numbers == ()
    assert [(li.sku, li.quantity, li.price.amount) for li in order.line_items] == [
        ("IPOD2008GREEN", 1, Decimal("199.00")),
        ("IPOD2008RED", 1, Decimal("199.00")),
        ("IPOD2008BLACK", 1, Decimal("199.00")),
    ]
    assert order.line_items[0].id == "gid://shopify/LineItem/466157049"
    assert order.shipping_address is not None and order.shipping_address.phone == "+15556251199"
    assert order.shipping_address.region == "KY" and order.customer_id == "gid://shopify/Customer/207119551"


def test_rest_order_with_live_fulfillment_ships() -> None:
    body = fixture("order")["order"]
    body["fulfillments"][0]["status"] = "success"
    body["fulfillment_status"] = "fulfilled"
    order = mapping.order_from_rest(body, store="s", brand="b")
    assert order.tracking_numbers == ("1Z2345",) and order.shipped_at is not None
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED


def test_rest_refund_fixture() -> None:
    refund = mapping.refund_from_rest(fixture("refund")["refund"], store="paleohacks")
    assert refund.amount == Money(amount=Decimal("209.00"), currency="USD")
    assert refund.order_id == "gid://shopify/Order/450789469" and refund.note == "it broke during shipping"
    assert refund.reason is None


def test_rest_customer_fixture() -> None:
    customer = mapping.customer_from_rest(
        fixture("customer")["customer"], store="paleohacks", brand="PaleoHacks"
    )
    assert customer.id == "gid://shopify/Customer/207119551" and customer.email == "bob.norman@hostmail.com"
    assert customer.lifetime_revenue == Money(amount=Decimal("41.94"), currency="USD")
    assert customer.order_count == 1 and customer.phone == "+15556251199"
    assert customer.default_address is not None and customer.default_address.city == "Louisville"


def test_rest_draft_order_fixture() -> None:
    link = mapping.checkout_link_from_rest(fixture("draft_order")["draft_order"], store="paleohacks")
    assert link.url == "https://checkout.myshopify.io/1/invoices/8e72bdccd0ac51067b947ac68c6f3804"
    assert link.total == Money(amount=Decimal("1027.41"), currency="CAD")
    assert link.id == "gid://shopify/DraftOrder/517119332"


GRAPHQL_ORDER = {
    "id": "gid://shopify/Order/1",
    "name": "#1001",
    "email": "a@b.c",
    "createdAt": "2025-03-01T12:00:00Z",
    "cancelledAt": None,
    "tags": [],
    "displayFinancialStatus": "PARTIALLY_REFUNDED",
    "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
    "customer": {"id": "gid://shopify/Customer/9"},
    "totalPriceSet": {"shopMoney": {"amount": "100.10", "currencyCode": "USD"}},
    "lineItems": {
        "nodes": [
            {
                "id": "gid://shopify/LineItem/3",
                "title": "Bars",
                "name": "Bars - 12",
                "sku": None,
                "quantity": 3,
                "variant": {"id": "v", "sku": "PH-BARS"},
                "originalUnitPriceSet": {"shopMoney": {"amount": "33.3666", "currencyCode": "USD"}},
                "sellingPlan": {"name": "Monthly", "sellingPlanId": "x"},
            }
        ]
    },
    "shippingAddress": {"address1": "1 Main", "city": "Austin", "countryCodeV2": "US", "zip": "78701"},
    "fulfillments": [
        {"status": "CANCELLED", "createdAt": "2025-03-02T00:00:00Z", "trackingInfo": [{"number": "DEAD"}]},
        {
            "status": "SUCCESS",
            "createdAt": "2025-03-03T00:00:00Z",
            "trackingInfo": [{"number": "1Z1"}, {"number": "1Z2"}],
        },
    ],
    "refunds": [
        {
            "id": "gid://shopify/Refund/5",
            "createdAt": "2025-03-04T00:00:00Z",
            "note": "damaged: crushed [hub-key:k1]",
            "totalRefundedSet": {"shopMoney": {"amount": "0.10", "currencyCode": "USD"}},
        }
    ],
}


def test_graphql_order() -> None:
    order = mapping.order_from_graphql(GRAPHQL_ORDER, store="paleohacks", brand="PaleoHacks")
    assert order.total.amount == Decimal("100.10") and order.refundable.amount == Decimal("100.00")
    assert order.line_items[0].price.amount == Decimal("33.3666")  # exact, never through float
    assert order.line_items[0].sku == "PH-BARS" and order.is_subscription
    assert order.tracking_numbers == ("1Z1", "1Z2") and order.shipped_at.day == 3
    assert order.fulfillment_status == FulfillmentStatus.PARTIAL
    assert order.refunds[0].reason == "damaged" and mapping.key_in_note(order.refunds[0].note) == "k1"


def test_graphql_order_missing_total_names_the_field() -> None:
    broken = {k: v for k, v in GRAPHQL_ORDER.items() if k != "totalPriceSet"}
    with pytest.raises(MappingError) as caught:
        mapping.order_from_graphql(broken, store="s", brand="b")
    assert caught.value.field == "totalPriceSet"


def test_graphql_order_bad_timestamp_names_the_field() -> None:
    with pytest.raises(MappingError) as caught:
        mapping.order_from_graphql({**GRAPHQL_ORDER, "createdAt": "yesterday"}, store="s", brand="b")
    assert caught.value.field == "createdAt"


def test_graphql_customer_prefers_new_fields_and_reads_consents() -> None:
    customer = mapping.customer_from_graphql(
        {
            "id": "gid://shopify/Customer/9",
            "email": "old@x.com",
            "phone": None,
            "defaultEmailAddress": {"emailAddress": "new@x.com", "marketingState": "SUBSCRIBED"},
            "defaultPhoneNumber": {"phoneNumber": "+1 (512) 555-0100", "marketingState": "UNSUBSCRIBED"},
            "amountSpent": {"amount": "12.50", "currencyCode": "EUR"},
            "numberOfOrders": "3",
            "lastOrder": {"createdAt": "2025-01-01T00:00:00Z"},
        },
        store="s",
        brand="b",
    )
    assert customer.email == "new@x.com" and customer.phone == "+15125550100"
    assert customer.order_count == 3 and customer.lifetime_revenue == Money(
        amount=Decimal("12.50"), currency="EUR"
    )
    assert {c.channel: c.opted_in for c in customer.consents} == {Channel.EMAIL: True, Channel.SMS: False}


def test_graphql_subscription() -> None:
    subscription = mapping.subscription_from_graphql(
        {
            "id": "gid://shopify/SubscriptionContract/1",
            "status": "FAILED",
            "customer": {"id": "c"},
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
        },
        store="s",
    )
    assert subscription.status == SubscriptionStatus.EXPIRED
    assert subscription.price == Money(amount=Decimal("20.10"), currency="USD")
