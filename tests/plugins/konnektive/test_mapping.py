"""Mapping of Konnektive records and the settings model."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from hub.core.errors import MappingError
from hub.core.models import FinancialStatus, FulfillmentStatus, SubscriptionStatus
from plugins.konnektive import mapping
from plugins.konnektive.operations import cancel_reason
from plugins.konnektive.settings import KonnektiveSettings

VIEW = mapping.StoreView(key="ph", brand="PaleoHacks", currency="USD", zone=ZoneInfo("America/Los_Angeles"))
ORDER = {"orderId": "K1", "customerId": "7", "orderStatus": "COMPLETE", "totalAmount": "10.10",
         "dateCreated": "2025-07-01 17:30:00", "items": [{"productId": "5", "name": "Box", "price": "10.10"}]}


def test_order_mapping_times_items_and_statuses():
    order = mapping.order(ORDER, VIEW)
    assert order.created_at.isoformat() == "2025-07-02T00:30:00+00:00"  # PDT is UTC-7
    assert order.total.amount == Decimal("10.10") and order.financial_status is FinancialStatus.PAID
    assert order.line_items[0].id == "5" and order.line_items[0].quantity == 1
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED and order.store == "ph"
    declined = mapping.order({**ORDER, "orderStatus": "DECLINED"}, VIEW)
    assert declined.financial_status is FinancialStatus.DECLINED
    recurring = mapping.order({**ORDER, "orderType": "RECURRING"}, VIEW)
    assert recurring.is_subscription


@pytest.mark.parametrize("field", ["orderId", "totalAmount", "dateCreated"])
def test_order_mapping_names_the_missing_field(field):
    with pytest.raises(MappingError) as caught:
        mapping.order({k: v for k, v in ORDER.items() if k != field}, VIEW)
    assert caught.value.field == field


def test_bad_values_raise_mapping_errors():
    with pytest.raises(MappingError, match="totalAmount"):
        mapping.order({**ORDER, "totalAmount": "ten"}, VIEW)
    with pytest.raises(MappingError, match="dateCreated"):
        mapping.order({**ORDER, "dateCreated": "yesterday"}, VIEW)


def test_json_numbers_keep_their_exact_text():
    order = mapping.order({**ORDER, "totalAmount": 19.99}, VIEW)
    assert order.total.amount == Decimal("19.99")


def test_phones_addresses_and_nulls():
    assert mapping.e164("(512) 555-0142", "US") == "+15125550142"
    assert mapping.e164("020 7946 0958", "GB") == "+442079460958"
    assert mapping.e164("12", "US") == "12"  # not a possible number: kept as typed
    record = {"shipAddress1": "1 Oak", "shipCity": "Austin", "shipCountry": "us", "shipAddress2": "NULL"}
    address = mapping.address(record, "ship")
    assert address.country == "US" and address.line2 is None
    assert mapping.address({"shipAddress1": "1 Oak"}, "ship") is None
    assert mapping.digits_for_search("+15125550142") == ["5125550142", "15125550142"]


def test_purchase_statuses():
    base = {"purchaseId": "1", "price": "9.99"}
    statuses = {s: mapping.subscription({**base, "status": s}, VIEW).status
                for s in ("ACTIVE", "TRIAL", "RECYCLE_FAILED", "CANCELLED", "COMPLETE", "ODD")}
    assert statuses == {"ACTIVE": SubscriptionStatus.ACTIVE, "TRIAL": SubscriptionStatus.ACTIVE,
                        "RECYCLE_FAILED": SubscriptionStatus.PAUSED,
                        "CANCELLED": SubscriptionStatus.CANCELLED,
                        "COMPLETE": SubscriptionStatus.EXPIRED, "ODD": SubscriptionStatus.UNKNOWN}


def test_markers_round_trip_and_ignore_other_notes():
    note = mapping.marker_text("refund", "done", key="k 1", order="K1", txn="9", amount="1.00")
    found = mapping.markers(["Customer called about order", note])
    assert [(m.action, m.state, m.fields) for m in found] == [
        ("refund", "done", {"key": "k_1", "order": "K1", "txn": "9", "amount": "1.00"})]


def test_cancel_reason_fits_100_characters():
    assert cancel_reason("moving", "abc") == "moving [hub:abc]"
    assert len(cancel_reason("r" * 200, "k" * 40)) == 100


def store(**extra):
    return {"brand": "PaleoHacks", "login_id": "user", "password": "pw", **extra}


def test_settings_validation_and_secrecy():
    settings = KonnektiveSettings.model_validate({"enabled": True, "stores": {"ph": store()}})
    assert settings.stores["ph"].base_url == "https://api.konnektive.com"
    assert "pw" not in repr(settings) and settings.requests_per_window == 5
    for bad in (store(brand=""), store(password="a&b"), store(login_id="x" * 33), store(extra=1),
                store(timezone="Mars/Base")):
        with pytest.raises(ValidationError):
            KonnektiveSettings.model_validate({"stores": {"ph": bad}})
    with pytest.raises(ValidationError):
        KonnektiveSettings.model_validate({"page_size": 500})
