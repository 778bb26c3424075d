"""Sticky.io JSON -> domain models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.core.errors import MappingError
from hub.core.models import FinancialStatus, FulfillmentStatus, Money, SubscriptionStatus
from hub.flows.summary import summarise
from plugins.stickyio import mapping
from plugins.stickyio.mapping import StoreInfo

STORE = StoreInfo(key="paleohacks", brand="PaleoHacks", currency="USD", timezone="America/New_York")


def order_body(**overrides) -> dict:
    body = {
        "response_code": "100", "order_id": "1001", "customer_id": "77", "order_status": "2",
        "time_stamp": "2026-03-10 09:30:00", "order_total": "64.90", "email_address": "a@example.com",
        "customers_telephone": "(512) 555-0101",
        "shipping_first_name": "Ana", "shipping_last_name": "Lopez",
        "shipping_street_address": "12 Oak Ave", "shipping_street_address2": "Apt 4",
        "shipping_city": "Austin", "shipping_state": "TX", "shipping_postcode": "78701",
        "shipping_country": "US", "billing_street_address": "1 Bill St", "billing_city": "Dallas",
        "billing_state": "TX", "billing_postcode": "75201", "billing_country": "US",
        "shipping_date": "Not Shipped", "tracking_number": "",
        "products": [
            {"product_id": "5", "sku": "PH-005", "name": "Protein", "price": "32.45", "product_qty": "2",
             "billing_model": {"id": "2", "name": "Straight Sale"}, "is_recurring": "0"},
        ],
        "is_recurring": "0", "billing_cycle": "0", "amount_refunded_to_date": "0.00",
        "employeeNotes": [],
    }
    body.update(overrides)
    return body


def test_order_maps_money_exactly_and_converts_time_zone() -> None:
    order = mapping.order(order_body(), STORE)
    assert order.total == Money(amount=Decimal("64.90"), currency="USD")
    assert order.line_items[0].price.amount == Decimal("32.45")
    assert order.line_items[0].total.amount == Decimal("64.90")
    assert order.created_at == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)  # EDT is UTC-4
    assert (order.store, order.brand, order.number) == ("paleohacks", "PaleoHacks", "1001")
    assert order.shipping_address.line2 == "Apt 4" and order.shipping_address.phone == "+15125550101"
    assert order.billing_address.city == "Dallas"
    assert order.financial_status is FinancialStatus.PAID
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED and order.shipped_at is None
    assert order.is_subscription is False


def test_shipped_and_refund_states() -> None:
    shipped = mapping.order(order_body(order_status="8", shipping_date="2026-03-12",
                                       tracking_number="1Z9"), STORE)
    assert shipped.fulfillment_status is FulfillmentStatus.FULFILLED
    assert shipped.shipped_at == datetime(2026, 3, 12, 4, 0, tzinfo=UTC)
    assert shipped.tracking_numbers == ("1Z9",)
    partly = mapping.order(order_body(amount_refunded_to_date="10.00"), STORE)
    assert partly.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert partly.refundable.amount == Decimal("54.90")
    assert mapping.order(order_body(order_status="6", amount_refunded_to_date="64.90"), STORE
                         ).financial_status is FinancialStatus.REFUNDED
    assert mapping.order(order_body(order_status="7"), STORE).financial_status is FinancialStatus.DECLINED


def test_refunds_rebuilt_from_hub_notes_and_crm_remainder() -> None:
    done = mapping.refund_done_note("k 1", Decimal("5"), "damaged", "box")
    notes = ["2026-03-11 10:00:00 hub_api: " + done,
             mapping.refund_pending_note("k2", Decimal("1.00"), Decimal("5.00"))]
    order = mapping.order(order_body(amount_refunded_to_date="8.00", employeeNotes=notes), STORE)
    assert [(r.id, r.amount.amount, r.reason, r.note) for r in order.refunds] == [
        ("1001:k 1", Decimal("5.00"), "damaged", "box"),
        ("1001:crm", Decimal("3.00"), None, "refunded in the CRM (no hub note)"),
    ]
    assert mapping.pending_refund(order_body(employeeNotes=notes), "k2") == (Decimal("1.00"), Decimal("5.00"))
    assert mapping.pending_refund(order_body(employeeNotes=notes), "k") is None


@pytest.mark.parametrize(("field", "value"), [("order_total", None), ("order_total", "abc"),
                                              ("time_stamp", "yesterday"), ("order_id", "")])
def test_required_fields_are_named(field: str, value) -> None:
    with pytest.raises(MappingError) as caught:
        mapping.order(order_body(**{field: value}), STORE)
    assert caught.value.field == field


def test_bad_quantity_is_named() -> None:
    products = [{"product_id": "5", "name": "X", "price": "1.00", "product_qty": "two"}]
    with pytest.raises(MappingError) as caught:
        mapping.order(order_body(products=products), STORE)
    assert caught.value.field == "products[0].product_qty"


def test_customer_summary_from_orders() -> None:
    """The record carries no figures; the summary's fold of its orders gives them (a declined
    order listed but not counted), and its address is the newest order's."""
    orders = [mapping.order(order_body(), STORE),
              mapping.order(order_body(order_id="1002", time_stamp="2026-04-01 12:00:00",
                                       amount_refunded_to_date="4.90"), STORE),
              mapping.order(order_body(order_id="1003", order_status="7"), STORE)]
    customer = mapping.customer({"customer_id": "77", "first_name": "Ana", "email": "a@example.com",
                                 "phone": "512-555-0101", "date_created": "2025-01-01 00:00:00"},
                                STORE)
    assert (customer.lifetime_revenue, customer.order_count, customer.last_order_at) == (None, None, None)
    assert customer.phone == "+15125550101" and customer.brand == "PaleoHacks"
    summary = summarise([customer], [o.model_copy(update={"customer_id": "77"}) for o in orders], [])
    assert summary.lifetime_revenue == {"USD": Money(amount=Decimal("124.90"), currency="USD")}
    assert summary.order_count == 2 and len(summary.recent_orders) == 3
    assert summary.last_purchase_at == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)
    assert summary.shipping_address is not None and summary.shipping_address.line1 == "12 Oak Ave"
    with pytest.raises(MappingError):
        mapping.customer({"email": "x@example.com"}, STORE)


def test_subscription_and_chain_heads() -> None:
    product = {"product_id": "1", "name": "Protein", "price": "54.95", "product_qty": "1",
               "billing_model": {"id": "3", "name": "Monthly"}, "is_recurring": "0"}
    first = order_body(order_id="1", products=[product], child_id="2")
    rebill = order_body(order_id="2", products=[product], billing_cycle="1", parent_id="1",
                        is_recurring="1", recurring_date="2026-05-01")
    one_off = order_body(order_id="3")
    heads = mapping.chain_heads([first, rebill, one_off])
    assert [h["order_id"] for h in heads] == ["2"]
    sub = mapping.subscription(heads[0], STORE)
    assert sub.status is SubscriptionStatus.ACTIVE and sub.price.amount == Decimal("54.95")
    assert sub.next_billing_at == datetime(2026, 5, 1, 4, 0, tzinfo=UTC)
    stopped = mapping.subscription(dict(rebill, is_recurring="0", recurring_date=""), STORE)
    assert stopped.status is SubscriptionStatus.CANCELLED and stopped.next_billing_at is None


def test_phone_helpers() -> None:
    assert mapping.e164("+44 20 7946 0958", "GB") == "+442079460958"
    assert mapping.e164("12", "US") == "12"  # kept raw rather than dropped
    assert mapping.national_digits("+1 512 555 0101") == "5125550101"
