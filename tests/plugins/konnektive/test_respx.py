"""Unit tests per hook with respx: request shape, mapping, pages, throttling, envelopes."""

from __future__ import annotations

import logging
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from hub.core.errors import AuthError, FatalError, NotFoundError, RetriableError
from hub.core.facade import gathered
from hub.core.models import (
    Address,
    FinancialStatus,
    FulfillmentStatus,
    Money,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    SubscriptionStatus,
)

BASE = "https://api.konnektive.com"
LOGIN, PASSWORD = "unit_login", "unit-Passw0rd"
STORES = {"ph": {"brand": "PaleoHacks", "base_url": BASE, "login_id": LOGIN, "password": PASSWORD,
                 "timezone": "America/New_York"}}
ORDER_REF = Ref(platform="konnektive", id="K100", store="ph")


def ok(message) -> httpx.Response:
    return httpx.Response(200, json={"result": "SUCCESS", "message": message})


def error(message: str) -> httpx.Response:
    return httpx.Response(200, json={"result": "ERROR", "message": message})


def page(records, total=None, per_page=200, number=1) -> httpx.Response:
    return ok({"totalResults": total if total is not None else len(records), "resultsPerPage": per_page,
               "page": str(number), "data": records})


def params(request: httpx.Request) -> dict[str, str]:
    query = parse_qs(request.url.query.decode(), keep_blank_values=True)
    return {key: values[0] for key, values in query.items()}


ORDER = {
    "orderId": "K100", "customerId": "7", "orderStatus": "COMPLETE", "orderType": "NEW_SALE",
    "campaignId": "3", "totalAmount": "45.93", "price": "39.98", "currencySymbol": "$",
    "emailAddress": "jane@example.com", "phoneNumber": "(512) 555-0142",
    "dateCreated": "2025-03-02 09:00:00", "firstName": "Jane", "lastName": "Doe",
    "address1": "1 Oak St", "city": "Austin", "state": "TX", "postalCode": "78701", "country": "US",
    "shipFirstName": "Jane", "shipLastName": "Doe", "shipAddress1": "1 Oak St", "shipCity": "Austin",
    "shipState": "TX", "shipPostalCode": "78701", "shipCountry": "US",
    "items": {"9001": {"productId": "55", "name": "Paleo Cookbook", "productSku": "PH-COOKBOOK",
                       "price": "19.99", "qty": "2"}},
    "fulfillments": [],
}
SHIPPED = {**ORDER, "fulfillments": [{"status": "SHIPPED", "trackingNumber": "9400111",
                                      "dateShipped": "2025-03-03"}]}
CUSTOMER = {"customerId": "7", "firstName": "Jane", "lastName": "Doe", "emailAddress": "jane@example.com",
            "phoneNumber": "512-555-0142", "country": "US", "dateCreated": "2025-03-01 10:00:00",
            "address1": "1 Oak St", "city": "Austin", "state": "TX", "postalCode": "78701"}


@pytest.fixture
async def hub(make_hub):
    async with make_hub(STORES) as running:
        yield running


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


async def test_find_customers_request_shape_and_mapping(make_hub, api):
    api.post("/customer/query/").mock(return_value=page([CUSTOMER]))
    orders = api.post("/order/query/").mock(return_value=page([ORDER]))
    api.post("/transactions/query/").mock(return_value=error(
        "No transactions matching those parameters could be found"))
    async with make_hub(STORES, compute_customer_summary=True) as hub:  # the figures on the record too
        [customer] = await hub.commerce.find_customers(email="jane@example.com", phone=None)
    request = api.calls[0].request
    sent = params(request)
    assert request.method == "POST" and request.url.path == "/customer/query/" and request.content == b""
    assert sent["loginId"] == LOGIN and sent["password"] == PASSWORD
    assert sent["emailAddress"] == "jane@example.com" and sent["startDate"] == "01/01/2010"
    assert len(sent["endDate"]) == 10 and sent["endDate"][2] == "/"
    assert sent["resultsPerPage"] == "200" and sent["page"] == "1"
    assert params(orders.calls[0].request)["customerId"] == "7"
    assert customer.store == "ph" and customer.brand == "PaleoHacks" and customer.phone == "+15125550142"
    assert customer.lifetime_revenue == Money(amount=Decimal("45.93"), currency="USD")
    assert customer.order_count == 1
    # 09:00 in New York (EST) is 14:00 UTC
    assert customer.last_order_at.isoformat() == "2025-03-02T14:00:00+00:00"


async def test_find_customers_by_phone_tries_national_then_full_number(hub, api):
    route = api.post("/customer/query/").mock(side_effect=[
        error("No customers matching those parameters could be found"),
        page([{**CUSTOMER, "phoneNumber": "15125550142"}]),
    ])
    orders = api.post("/order/query/").mock(return_value=error("No orders matching those parameters"))
    [customer] = await hub.commerce.find_customers(email=None, phone="+15125550142")
    assert [params(c.request)["phoneNumber"] for c in route.calls] == ["5125550142", "15125550142"]
    # By default no figures and no order read: the summary works them out from its own order list.
    assert customer.order_count is None and customer.lifetime_revenue is None and not orders.called


async def test_list_orders_pages_and_refunds(hub, api):
    first = [{**ORDER, "orderId": f"K{n}", "dateCreated": f"2025-03-{n:02d} 09:00:00"} for n in range(1, 3)]
    second = [{**SHIPPED, "orderId": "K3", "dateCreated": "2025-03-03 09:00:00"}]
    other_customer = {**ORDER, "orderId": "K9", "customerId": "8"}
    orders = api.post("/order/query/").mock(side_effect=[
        page(first, total=3, per_page=2), page([*second, other_customer], total=3, per_page=2)])
    api.post("/transactions/query/").mock(return_value=page([
        {"transactionId": "t1", "orderId": "K3", "txnType": "REFUND", "totalAmount": "-10.00",
         "responseType": "SUCCESS", "txnDate": "2025-03-04 10:00:00"},
        {"transactionId": "t2", "orderId": "K3", "txnType": "REFUND", "totalAmount": "5.00",
         "responseType": "HARD_DECLINE"},
    ]))
    hub.pm.get_plugin("konnektive").stores["ph"].client.results_per_page = 2
    result = await gathered(hub.commerce.list_orders(customer=Ref(platform="konnektive", id="7", store="ph")))
    assert [params(c.request)["page"] for c in orders.calls] == ["1", "2"]
    assert [o.id for o in result] == ["K3", "K2", "K1"]  # newest first, other customer dropped
    k3 = result[0]
    assert k3.refunds[0].amount == Money(amount=Decimal("10.00"), currency="USD") and len(k3.refunds) == 1
    assert k3.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert k3.fulfillment_status is FulfillmentStatus.FULFILLED and k3.tracking_numbers == ("9400111",)
    assert k3.line_items[0].price.amount == Decimal("19.99") and k3.line_items[0].sku == "PH-COOKBOOK"
    assert k3.shipping_address.phone == "+15125550142"


async def test_get_order_not_found(hub, api):
    api.post("/order/query/").mock(return_value=error("No orders matching those parameters could be found"))
    with pytest.raises(NotFoundError):
        await hub.commerce.get_order(ref=ORDER_REF)


async def test_429_then_success_is_retried(hub, api):
    route = api.post("/order/query/").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}, json={"result": "ERROR", "message": "Too many"}),
        page([ORDER]),
    ])
    api.post("/transactions/query/").mock(return_value=error("No transactions matching those parameters"))
    order = await hub.commerce.get_order(ref=ORDER_REF)
    assert order.total.amount == Decimal("45.93") and route.call_count == 2


async def test_non_json_answer_is_retriable(hub, api):
    route = api.post("/order/query/").mock(side_effect=[httpx.Response(200, text="<html>maint</html>"),
                                                        page([ORDER])])
    api.post("/transactions/query/").mock(return_value=error("No transactions matching those parameters"))
    await hub.commerce.get_order(ref=ORDER_REF)
    assert route.call_count == 2


async def test_invalid_login_is_auth_error(hub, api):
    api.post("/order/query/").mock(return_value=error("Invalid login credentials"))
    with pytest.raises(AuthError):
        await hub.commerce.get_order(ref=ORDER_REF)


async def test_error_envelope_is_fatal_with_its_message(hub, api):
    api.post("/order/query/").mock(return_value=error("startDate must be in m/d/Y format"))
    with pytest.raises(FatalError, match="startDate must be in m/d/Y format"):
        await hub.commerce.get_order(ref=ORDER_REF)


def refund_routes(api, *, history=(), refunds=()):
    api.post("/order/query/").mock(return_value=page([ORDER]))
    api.post("/customer/history/").mock(
        return_value=page([{"message": m} for m in history]) if history
        else error("No history matching those parameters could be found"))
    txns = api.post("/transactions/query/")
    txns.mock(return_value=page(list(refunds)) if refunds
              else error("No transactions matching those parameters could be found"))
    notes = api.post("/customer/addnote/").mock(return_value=ok({"customerId": "7"}))
    refund = api.post("/order/refund/").mock(return_value=ok({"orderId": "K100", "refundAmount": "12.50"}))
    return txns, notes, refund


async def test_refund_request_shape(hub, api):
    txns, notes, refund = refund_routes(api)
    txns.mock(side_effect=[
        error("No transactions matching those parameters could be found"),
        page([{"transactionId": "t9", "orderId": "K100", "txnType": "REFUND", "totalAmount": "12.50",
               "responseType": "SUCCESS"}]),
    ])
    request = RefundRequest(order=ORDER_REF, amount=Money(amount="12.50", currency="USD"),
                            reason=RefundReason.QUALITY, idempotency_key="key-1")
    result = await hub.commerce.refund_order(request=request)
    sent = params(refund.calls[0].request)
    assert sent["orderId"] == "K100" and sent["fullRefund"] == "0" and sent["refundAmount"] == "12.50"
    assert "txnType" in params(txns.calls[0].request) and "startDate" not in params(txns.calls[0].request)
    messages = [params(c.request)["message"] for c in notes.calls]
    assert messages == ["[hub refund intent] key=key-1 order=K100 amount=12.50 reason=quality",
                        "[hub refund done] key=key-1 order=K100 txn=t9 amount=12.50 reason=quality"]
    assert result.id == "t9" and result.amount.amount == Decimal("12.50") and result.reason == "quality"


async def test_full_refund_uses_full_refund_flag(hub, api):
    txns, _, refund = refund_routes(api)
    txns.mock(side_effect=[
        error("No transactions matching those parameters could be found"),
        page([{"transactionId": "t1", "orderId": "K100", "txnType": "REFUND", "totalAmount": "45.93"}]),
    ])
    request = RefundRequest(order=ORDER_REF, reason=RefundReason.OTHER, idempotency_key="full")
    result = await hub.commerce.refund_order(request=request)
    assert params(refund.calls[0].request)["fullRefund"] == "1"
    assert result.amount.amount == Decimal("45.93")


async def test_refund_already_done_is_returned_without_paying(hub, api):
    refund_txn = {"transactionId": "t5", "orderId": "K100", "txnType": "REFUND", "totalAmount": "12.50",
                  "responseType": "SUCCESS"}
    _, notes, refund = refund_routes(api, history=[
        "[hub refund done] key=key-1 order=K100 txn=t5 amount=12.50 reason=quality"], refunds=[refund_txn])
    request = RefundRequest(order=ORDER_REF, amount=Money(amount="12.50", currency="USD"),
                            reason=RefundReason.QUALITY, idempotency_key="key-1")
    result = await hub.commerce.refund_order(request=request)
    assert result.id == "t5" and not refund.called and not notes.called


async def test_refund_after_crash_claims_the_equal_unclaimed_refund(hub, api):
    txns = [{"transactionId": "t5", "orderId": "K100", "txnType": "REFUND", "totalAmount": "12.50"},
            {"transactionId": "t6", "orderId": "K100", "txnType": "REFUND", "totalAmount": "12.50"}]
    _, notes, refund = refund_routes(api, refunds=txns, history=[
        "[hub refund done] key=other order=K100 txn=t5 amount=12.50 reason=quality",
        "[hub refund intent] key=key-1 order=K100 amount=12.50 reason=quality"])
    request = RefundRequest(order=ORDER_REF, amount=Money(amount="12.50", currency="USD"),
                            reason=RefundReason.QUALITY, idempotency_key="key-1")
    result = await hub.commerce.refund_order(request=request)
    assert result.id == "t6" and not refund.called  # t5 belongs to another key
    assert "txn=t6" in params(notes.calls[0].request)["message"]


async def test_refund_above_balance_is_refused_before_paying(hub, api):
    _, notes, refund = refund_routes(api, refunds=[
        {"transactionId": "t5", "orderId": "K100", "txnType": "REFUND", "totalAmount": "40.00"}])
    request = RefundRequest(order=ORDER_REF, amount=Money(amount="6.00", currency="USD"),
                            reason=RefundReason.QUALITY, idempotency_key="k")
    with pytest.raises(FatalError, match=r"refundable balance 5\.93"):
        await hub.commerce.refund_order(request=request)
    assert not refund.called and not notes.called


async def test_refund_platform_error_is_fatal_and_not_retried(hub, api):
    _, _, refund = refund_routes(api)
    refund.mock(return_value=error("Refund amount exceeds the amount remaining"))
    request = RefundRequest(order=ORDER_REF, amount=Money(amount="1.00", currency="USD"),
                            reason=RefundReason.QUALITY, idempotency_key="k")
    with pytest.raises(FatalError, match="exceeds"):
        await hub.commerce.refund_order(request=request)
    assert refund.call_count == 1


async def test_refund_5xx_is_not_retried(hub, api):
    _, _, refund = refund_routes(api)
    refund.mock(return_value=httpx.Response(502, text="bad gateway"))
    request = RefundRequest(order=ORDER_REF, amount=Money(amount="1.00", currency="USD"),
                            reason=RefundReason.QUALITY, idempotency_key="k")
    with pytest.raises(RetriableError):
        await hub.commerce.refund_order(request=request)
    assert refund.call_count == 1


PURCHASE = {"purchaseId": "501", "orderId": "K100", "customerId": "7", "productName": "Snack Box",
            "status": "ACTIVE", "price": "34.95", "nextBillDate": "2025-04-06",
            "dateCreated": "2025-03-06 09:00:00"}


async def test_list_subscriptions(hub, api):
    route = api.post("/purchase/query/").mock(return_value=page([PURCHASE, {**PURCHASE, "purchaseId": "502",
                                                                           "status": "RECYCLE_FAILED"}]))
    subs = await hub.commerce.list_subscriptions(customer=Ref(platform="konnektive", id="7"))
    assert params(route.calls[0].request)["customerId"] == "7"
    assert [s.status for s in subs] == [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED]
    assert subs[0].price == Money(amount=Decimal("34.95"), currency="USD")


async def test_cancel_subscription_shape_and_already_cancelled(hub, api):
    query = api.post("/purchase/query/").mock(side_effect=[page([PURCHASE]),
                                                           page([{**PURCHASE, "status": "CANCELLED"}]),
                                                           page([{**PURCHASE, "status": "CANCELLED"}])])
    cancel = api.post("/purchase/cancel/").mock(return_value=ok({"purchaseId": "501"}))
    ref = Ref(platform="konnektive", id="501", store="ph")
    sub = await hub.commerce.cancel_subscription(ref=ref, reason="x" * 120, idempotency_key="c-1")
    sent = params(cancel.calls[0].request)
    assert sent["purchaseId"] == "501" and sent["afterNextBill"] == "0" and sent["fullRefund"] == "0"
    assert len(sent["cancelReason"]) == 100 and sent["cancelReason"].endswith(" [hub:c-1]")
    assert sub.status is SubscriptionStatus.CANCELLED
    again = await hub.commerce.cancel_subscription(ref=ref, reason="x", idempotency_key="c-1")
    assert again.status is SubscriptionStatus.CANCELLED and cancel.call_count == 1 and query.call_count == 3


async def test_change_address_shape_and_refusal_when_shipped(hub, api):
    new = Address(name="Jane Q Doe", line1="77 Elm Ct", city="Denver", region="CO", postal_code="80202",
                  country="US")
    updated = {**ORDER, "shipAddress1": "77 Elm Ct", "shipCity": "Denver", "shipState": "CO",
               "shipPostalCode": "80202"}
    api.post("/order/query/").mock(side_effect=[page([ORDER]), page([updated]), page([SHIPPED])])
    api.post("/transactions/query/").mock(return_value=error("No transactions matching those parameters"))
    update = api.post("/order/update/").mock(return_value=ok({"orderId": "K100"}))
    order = await hub.commerce.change_shipping_address(ref=ORDER_REF, address=new)
    sent = params(update.calls[0].request)
    assert sent["shipFirstName"] == "Jane" and sent["shipLastName"] == "Q Doe"
    assert sent["shipAddress2"] == "NULL" and sent["shipCity"] == "Denver"
    assert order.shipping_address.city == "Denver"
    with pytest.raises(FatalError, match="has shipped"):
        await hub.commerce.change_shipping_address(ref=ORDER_REF, address=new)
    assert update.call_count == 1


async def test_change_address_not_applied_is_an_error(hub, api):
    api.post("/order/query/").mock(return_value=page([ORDER]))
    api.post("/transactions/query/").mock(return_value=error("No transactions matching those parameters"))
    api.post("/order/update/").mock(return_value=ok({"orderId": "K100"}))
    new = Address(line1="77 Elm Ct", city="Denver", country="US")
    with pytest.raises(FatalError, match="still shows the old address"):
        await hub.commerce.change_shipping_address(ref=ORDER_REF, address=new)


async def test_replacement_order_shape(hub, api):
    replacement = {**ORDER, "orderId": "K200", "totalAmount": "0.00", "items": {
        "9100": {"productId": "55", "name": "Paleo Cookbook", "price": "0.00", "qty": "1"}}}
    api.post("/order/query/").mock(side_effect=[page([ORDER]), page([replacement])])
    api.post("/customer/history/").mock(return_value=error("No history matching those parameters"))
    api.post("/transactions/query/").mock(return_value=error("No transactions matching those parameters"))
    api.post("/customer/addnote/").mock(return_value=ok({"customerId": "7"}))
    imported = api.post("/order/import/").mock(return_value=ok({"orderId": "K200"}))
    request = ReplacementRequest(order=ORDER_REF, lines=(RefundLine(line_item_id="9001", quantity=1),),
                                 reason="damaged", idempotency_key="r-1")
    order = await hub.commerce.create_replacement_order(request=request)
    sent = params(imported.calls[0].request)
    assert sent["campaignId"] == "3" and sent["paySource"] == "ACCTONFILE" and sent["customerId"] == "7"
    product = [sent[f"product1_{part}"] for part in ("id", "qty", "price", "shipPrice")]
    assert product == ["55", "1", "0.00", "0.00"]
    assert sent["shipAddress1"] == "1 Oak St" and "product2_id" not in sent
    assert order.id == "K200" and order.total.amount == 0


async def test_replacement_of_more_than_ordered_is_refused(hub, api):
    api.post("/order/query/").mock(return_value=page([ORDER]))
    api.post("/customer/history/").mock(return_value=error("No history matching those parameters"))
    imported = api.post("/order/import/")
    request = ReplacementRequest(order=ORDER_REF, lines=(RefundLine(line_item_id="9001", quantity=3),),
                                 reason="damaged", idempotency_key="r-1")
    with pytest.raises(FatalError, match="3 asked, 2 ordered"):
        await hub.commerce.create_replacement_order(request=request)
    assert not imported.called


async def test_credentials_never_reach_the_logs(hub, api, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # hub logging quiets httpx; hear it here
    unavailable = httpx.Response(503, headers={"Retry-After": "0"})
    api.post("/order/query/").mock(side_effect=[unavailable, page([ORDER])])
    api.post("/transactions/query/").mock(return_value=error("Invalid login credentials"))
    with pytest.raises(AuthError) as caught:
        await hub.commerce.get_order(ref=ORDER_REF)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "HTTP Request" in logged  # httpx's own line with the URL is there, masked
    for secret in (LOGIN, PASSWORD):
        assert secret not in logged and secret not in str(caught.value)
