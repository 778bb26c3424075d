"""Unit tests per hook with respx: request shape, mapping, pagination, throttling, errors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from hub.core.errors import AuthError, FatalError
from hub.core.facade import gathered
from hub.core.manager import implemented_hooks
from hub.core.models import (
    Address,
    Channel,
    CheckoutLinkRequest,
    CheckoutProduct,
    Consent,
    Money,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    SubscriptionStatus,
)

from .conftest import BASE_URL, stores_config

ORDER_REF = Ref(platform="ultracart", id="PHACK-1", store="paleohacks")
CUSTOMER_REF = Ref(platform="ultracart", id="1001", store="paleohacks")


def envelope(
    payload: dict[str, Any], *, more: bool = False, offset: int = 0, count: int = 1
) -> dict[str, Any]:
    result_set = {
        "count": count,
        "limit": 200,
        "offset": offset,
        "more": more,
        "next_offset": offset + 200 if more else None,
        "total_records": None,
    }
    return {
        "success": True,
        **payload,
        "metadata": {"result_set": result_set},
        "error": None,
        "warning": None,
    }


def uc_error(status: int, message: str, code: str | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"UC-REST-ERROR": message},
        json={
            "success": False,
            "error": {"developer_message": message, "user_message": message, "error_code": code},
            "metadata": {},
        },
    )


def order_json(order_id: str = "PHACK-1", **changes: Any) -> dict[str, Any]:
    order = {
        "order_id": order_id,
        "merchant_id": "PHACK",
        "current_stage": "Shipping Department",
        "creation_dts": "2024-05-01T10:00:00-04:00",
        "currency_code": "USD",
        "billing": {
            "email": "dana@example.com",
            "first_name": "Dana",
            "last_name": "Reyes",
            "address1": "1 Oak",
            "city": "Austin",
            "country_code": "US",
        },
        "shipping": {
            "first_name": "Dana",
            "last_name": "Reyes",
            "address1": "1 Oak",
            "city": "Austin",
            "country_code": "US",
            "shipping_method": "USPS",
        },
        "items": [
            {
                "item_index": 1,
                "merchant_item_id": "PH-BARS",
                "description": "Bars",
                "quantity": 2.0,
                "quantity_refunded": 0.0,
                "cost": {"value": 32.4, "currency_code": "USD"},
                "total_cost_with_discount": {"value": 64.8, "currency_code": "USD"},
                "total_refunded": {"value": 0.0, "currency_code": "USD"},
            }
        ],
        "summary": {
            "total": {"value": 75.93, "currency_code": "USD"},
            "tax": {"value": 5.18, "currency_code": "USD"},
            "shipping_handling_total": {"value": 5.95, "currency_code": "USD"},
            "total_refunded": {"value": 0.0, "currency_code": "USD"},
        },
        "payment": {"payment_status": "Processed"},
        "internal": {"transactional_merchant_notes": []},
    }
    order.update(changes)
    return order


def customer_json(oid: int, email: str = "dana@example.com") -> dict[str, Any]:
    return {
        "customer_profile_oid": oid,
        "email": email,
        "billing": [
            {"first_name": "Dana", "last_name": "Reyes", "day_phone": "512-555-0134", "country_code": "US"}
        ],
        "orders_summary": {"order_count": 2, "total": 140.1, "last_order_dts": "2024-05-01T10:00:00-04:00"},
    }


@pytest.fixture
async def hub(hub_for):
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        async with hub_for(None, stores={"paleohacks": stores_config()["paleohacks"]}) as started:
            started.router = router
            yield started


def body_of(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def params_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


async def test_capabilities_cover_every_commerce_hook(hub) -> None:
    info = next(i for i in hub.infos() if i.name == "ultracart")
    commerce = {name for name in dir(hub.pm.hook) if name.startswith("commerce_")}
    assert info.capabilities == commerce == implemented_hooks(hub.pm, "ultracart")
    assert dict(info.unsupported) == {}


async def test_find_customers_by_email_pages_and_sends_auth_headers(hub) -> None:
    router = hub.router
    listing = router.get("/customer/customers").mock(
        side_effect=[
            httpx.Response(200, json=envelope({"customers": [customer_json(1)]}, more=True)),
            httpx.Response(200, json=envelope({"customers": [customer_json(2)]}, offset=200)),
        ]
    )
    router.post("/order/orders/query").mock(
        return_value=httpx.Response(
            200,
            json=envelope(
                {
                    "orders": [
                        {
                            "order_id": "X",
                            "creation_dts": "2024-05-01T10:00:00Z",
                            "marketing": {"mailing_list": False, "cell_phone_opt_in": True},
                        }
                    ]
                }
            ),
        )
    )
    customers = await hub.commerce.find_customers(email="dana@example.com", phone=None)
    assert [c.id for c in customers] == ["1", "2"]
    first = listing.calls[0].request
    assert first.headers["x-ultracart-simple-key"] == "key-phack"
    assert first.headers["x-ultracart-api-version"] == "2017-03-01"
    assert params_of(listing, 0) == {
        "email": "dana@example.com",
        "_expand": "billing,shipping,orders_summary",
        "_limit": "200",
        "_offset": "0",
    }
    assert params_of(listing, 1)["_offset"] == "200"
    assert customers[0].lifetime_revenue == Money(amount=Decimal("140.1"), currency="USD")
    assert {(c.channel, c.opted_in) for c in customers[0].consents} == {
        (Channel.EMAIL, False),
        (Channel.SMS, True),
    }


async def test_find_customers_by_phone_queries_each_phone_field(hub) -> None:
    query = hub.router.post("/customer/customers/query").mock(
        return_value=httpx.Response(200, json=envelope({"customers": [customer_json(7)]}))
    )
    hub.router.post("/order/orders/query").mock(
        return_value=httpx.Response(200, json=envelope({"orders": []}))
    )
    customers = await hub.commerce.find_customers(email=None, phone="+15125550134")
    assert [c.id for c in customers] == ["7"] and customers[0].phone == "+15125550134"
    sent = {json.dumps(body_of(query, i)) for i in range(query.call_count)}
    assert sent == {
        json.dumps({field: "+15125550134"})
        for field in ("billing_day_phone", "billing_evening_phone", "shipping_day_phone")
    }


async def test_get_order_expands_and_keeps_money_exact(hub) -> None:
    route = hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    order = await hub.commerce.get_order(ref=ORDER_REF)
    assert "item" in params_of(route)["_expand"].split(",") and "summary" in params_of(route)["_expand"]
    assert order.total.amount == Decimal("75.93") and order.line_items[0].price.amount == Decimal("32.4")
    assert order.store == "paleohacks" and order.brand == "PaleoHacks"


async def test_list_orders_queries_by_customer_newest_first_over_pages(hub) -> None:
    route = hub.router.post("/order/orders/query").mock(
        side_effect=[
            httpx.Response(
                200,
                json=envelope({"orders": [order_json("A", creation_dts="2024-01-01T00:00:00Z")]}, more=True),
            ),
            httpx.Response(
                200,
                json=envelope({"orders": [order_json("B", creation_dts="2024-02-01T00:00:00Z")]}, offset=200),
            ),
        ]
    )
    orders = await gathered(hub.commerce.list_orders(customer=CUSTOMER_REF))
    assert [o.id for o in orders] == ["B", "A"]
    assert body_of(route, 0) == {"customer_profile_oid": 1001}
    assert params_of(route, 0)["_sort"] == "-creation_dts"


async def test_refund_reads_then_puts_target_state_with_marker(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    hub.router.get("/order/orders/PHACK-1/refundable").mock(
        return_value=httpx.Response(200, json={"success": True, "refundable": True})
    )

    def answer(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        note = {"note": sent["internal"]["merchant_notes"], "note_dts": "2024-05-02T10:00:00Z"}
        sent["internal"] = {"transactional_merchant_notes": [note]}
        return httpx.Response(200, json=envelope({"order": sent}))

    put = hub.router.put("/order/orders/PHACK-1/refund").mock(side_effect=answer)
    request = RefundRequest(
        order=ORDER_REF,
        amount=Money(amount=Decimal("70.00"), currency="USD"),
        reason=RefundReason.QUALITY,
        idempotency_key="k1",
    )
    refund = await hub.commerce.refund_order(request=request)
    body, params = body_of(put), params_of(put)
    assert body["summary"]["total_refunded"]["value"] == 70.0
    assert (
        body["items"][0]["total_refunded"]["value"] == 64.8 and body["items"][0]["quantity_refunded"] == 2.0
    )
    assert body["summary"]["shipping_handling_refunded"]["value"] == 5.2
    assert body["refund_reason"] == "quality"
    assert (
        body["internal"]["merchant_notes"] == "[hub-refund key=k1 amount=70.00 currency=USD reason=quality]"
    )
    assert params["manual_refund"] == "false" and params["reverse_affiliate_transactions"] == "true"
    assert refund.id == "PHACK-1:k1" and refund.amount.amount == Decimal("70.00")


async def test_refund_already_marked_is_returned_without_any_write(hub) -> None:
    marked = order_json(
        internal={"merchant_notes": "[hub-refund key=k1 amount=5.00 currency=USD reason=other]"},
        summary={
            "total": {"value": 75.93, "currency_code": "USD"},
            "total_refunded": {"value": 5.0, "currency_code": "USD"},
        },
    )
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": marked}))
    )
    put = hub.router.put("/order/orders/PHACK-1/refund")
    request = RefundRequest(
        order=ORDER_REF,
        amount=Money(amount=Decimal("5.00"), currency="USD"),
        reason=RefundReason.OTHER,
        idempotency_key="k1",
    )
    refund = await hub.commerce.refund_order(request=request)
    assert refund.amount.amount == Decimal("5.00") and not put.called


async def test_refund_non_transactional_notes_are_appended(hub) -> None:
    order = order_json(internal={"merchant_notes": "VIP customer"})
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order}))
    )
    hub.router.get("/order/orders/PHACK-1/refundable").mock(
        return_value=httpx.Response(200, json={"refundable": True})
    )
    put = hub.router.put("/order/orders/PHACK-1/refund").mock(
        side_effect=lambda request: httpx.Response(200, json=envelope({"order": json.loads(request.content)}))
    )
    await hub.commerce.refund_order(request=RefundRequest(
            order=ORDER_REF,
            lines=(RefundLine(line_item_id="1", quantity=1),),
            reason=RefundReason.DAMAGED,
            idempotency_key="k2",
        ),
    )
    notes = body_of(put)["internal"]["merchant_notes"]
    assert notes.startswith("VIP customer\n[hub-refund key=k2 amount=32.40")


async def test_refund_above_balance_is_refused_before_any_write(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    put = hub.router.put("/order/orders/PHACK-1/refund")
    request = RefundRequest(
        order=ORDER_REF,
        amount=Money(amount=Decimal("75.94"), currency="USD"),
        reason=RefundReason.OTHER,
        idempotency_key="k3",
    )
    with pytest.raises(FatalError, match="refundable balance"):
        await hub.commerce.refund_order(request=request)
    assert not put.called


async def test_refund_refused_when_ultracart_says_not_refundable(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    hub.router.get("/order/orders/PHACK-1/refundable").mock(
        return_value=httpx.Response(
            200, json={"success": True, "refundable": False, "manual_because_multiple_charges": True}
        )
    )
    with pytest.raises(FatalError, match="several charges"):
        await hub.commerce.refund_order(
            request=RefundRequest(order=ORDER_REF, reason=RefundReason.OTHER, idempotency_key="k4"),
        )


async def test_list_and_cancel_subscription(hub) -> None:
    auto_order = {
        "auto_order_oid": 55,
        "status": "active",
        "enabled": True,
        "next_attempt": "2030-01-01T00:00:00Z",
        "items": [{"original_item_id": "PH-BARS", "arbitrary_unit_cost": 32.4}],
    }
    query = hub.router.post("/auto_order/auto_orders/query").mock(
        return_value=httpx.Response(200, json=envelope({"auto_orders": [auto_order]}))
    )
    subs = await hub.commerce.list_subscriptions(customer=CUSTOMER_REF)
    assert body_of(query) == {"customer_profile_oid": 1001}
    assert subs[0].status is SubscriptionStatus.ACTIVE and subs[0].price.amount == Decimal("32.4")
    hub.router.get("/auto_order/auto_orders/55").mock(
        return_value=httpx.Response(200, json=envelope({"auto_order": auto_order}))
    )
    put = hub.router.put("/auto_order/auto_orders/55").mock(
        side_effect=lambda request: httpx.Response(
            200, json=envelope({"auto_order": {**json.loads(request.content), "status": "canceled"}})
        )
    )
    cancelled = await hub.commerce.cancel_subscription(ref=subs[0].ref, reason="moving", idempotency_key="c1"
    )
    assert body_of(put)["enabled"] is False and body_of(put)["cancel_reason"].startswith(
        "moving [hub-cancel key=c1]"
    )
    assert cancelled.status is SubscriptionStatus.CANCELLED


async def test_change_address_puts_the_edited_order(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    put = hub.router.put("/order/orders/PHACK-1").mock(
        side_effect=lambda request: httpx.Response(200, json=envelope({"order": json.loads(request.content)}))
    )
    address = Address(
        name="Dana Q Reyes", line1="2 Elm", city="Waco", region="TX", postal_code="76701", country="US"
    )
    order = await hub.commerce.change_shipping_address(ref=ORDER_REF, address=address)
    shipping = body_of(put)["shipping"]
    assert (shipping["first_name"], shipping["last_name"], shipping["address1"]) == (
        "Dana",
        "Q Reyes",
        "2 Elm",
    )
    assert shipping["shipping_method"] == "USPS"  # untouched fields go back as they were
    assert order.shipping_address is not None and order.shipping_address.city == "Waco"


async def test_change_address_refused_once_shipped(hub) -> None:
    shipped = order_json(current_stage="Completed Order")
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": shipped}))
    )
    put = hub.router.put("/order/orders/PHACK-1")
    with pytest.raises(FatalError, match="already shipped"):
        await hub.commerce.change_shipping_address(ref=ORDER_REF,
            address=Address(line1="x", city="y", country="US"),
        )
    assert not put.called


async def test_replacement_posts_items_and_fetches_the_new_order(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    hub.router.post("/order/orders/query").mock(
        return_value=httpx.Response(200, json=envelope({"orders": []}))
    )
    post = hub.router.post("/order/orders/PHACK-1/replacement").mock(
        return_value=httpx.Response(200, json={"successful": True, "order_id": "PHACK-2"})
    )
    hub.router.get("/order/orders/PHACK-2").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json("PHACK-2")}))
    )
    request = ReplacementRequest(
        order=ORDER_REF,
        lines=(RefundLine(line_item_id="1", quantity=2),),
        reason="spoiled",
        idempotency_key="r1",
    )
    order = await hub.commerce.create_replacement_order(request=request)
    body = body_of(post)
    assert body["items"] == [{"merchant_item_id": "PH-BARS", "quantity": 2}]
    assert body["free"] is True and body["additional_merchant_notes_new_order"].startswith(
        "[hub-replacement key=r1]"
    )
    assert order.id == "PHACK-2"


async def test_replacement_failure_is_reported(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(200, json=envelope({"order": order_json()}))
    )
    hub.router.post("/order/orders/query").mock(
        return_value=httpx.Response(200, json=envelope({"orders": []}))
    )
    hub.router.post("/order/orders/PHACK-1/replacement").mock(
        return_value=httpx.Response(200, json={"successful": False, "error_message": "Item discontinued"})
    )
    with pytest.raises(FatalError, match="Item discontinued"):
        await hub.commerce.create_replacement_order(request=ReplacementRequest(
                order=ORDER_REF,
                lines=(RefundLine(line_item_id="1", quantity=1),),
                reason="x",
                idempotency_key="r2",
            ),
        )


async def test_checkout_link_builds_cart_and_hands_off(hub_for) -> None:
    stores = {"paleohacks": {**stores_config()["paleohacks"], "browser_key": "browser-1"}}
    with respx.mock(base_url=BASE_URL) as router:
        router.get("/checkout/cart").mock(
            return_value=httpx.Response(
                200, json=envelope({"cart": {"cart_id": "C1", "currency_code": "USD"}})
            )
        )
        put = router.put("/checkout/cart").mock(
            side_effect=lambda request: httpx.Response(
                200,
                json=envelope(
                    {"cart": {**json.loads(request.content), "summary": {"total": {"value": 64.8}}}}
                ),
            )
        )
        handoff = router.post("/checkout/cart/handoff").mock(
            return_value=httpx.Response(
                200, json={"redirect_to_url": "https://secure.paleohacks.com/checkout?cart=C1", "errors": []}
            )
        )
        async with hub_for(None, stores=stores) as hub:
            link = await hub.commerce.create_checkout_link(request=CheckoutLinkRequest(
                    platform="ultracart",
                    store="paleohacks",
                    email="a@b.co",
                    products=(CheckoutProduct(sku="PH-BARS", quantity=2),),
                    discount_code="SAVE",
                ),
            )
    assert link.url.endswith("cart=C1") and link.total == Money(amount=Decimal("64.8"), currency="USD")
    assert body_of(put)["items"] == [{"item_id": "PH-BARS", "quantity": 2}]
    assert body_of(put)["coupons"] == [{"coupon_code": "SAVE"}]
    sent = body_of(handoff)
    assert sent["operation"] == "checkout" and sent["secure_host_name"] == "secure.paleohacks.com"
    assert handoff.calls.last.request.headers["x-ultracart-browser-key"] == "browser-1"


async def test_update_email_consent_posts_list_change(hub) -> None:
    lists = hub.router.post("/customer/customers/1001/email_lists").mock(
        return_value=httpx.Response(200, json={"add_to_lists": [], "remove_from_lists": ["list-phack-news"]})
    )
    hub.router.get("/customer/customers/1001").mock(
        return_value=httpx.Response(200, json=envelope({"customer": customer_json(1001)}))
    )
    hub.router.post("/order/orders/query").mock(
        return_value=httpx.Response(200, json=envelope({"orders": []}))
    )
    customer = await hub.commerce.update_consent(customer=CUSTOMER_REF,
        consent=Consent(channel=Channel.EMAIL, opted_in=False),
    )
    assert body_of(lists) == {"add_to_lists": [], "remove_from_lists": ["list-phack-news"]}
    assert [(c.channel, c.opted_in) for c in customer.consents] == [(Channel.EMAIL, False)]


async def test_429_then_success_is_retried(hub) -> None:
    route = hub.router.get("/order/orders/PHACK-1").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "0", "UC-REST-ERROR": "rate limit"},
                json={"success": False, "error": {"developer_message": "rate limit"}},
            ),
            httpx.Response(200, json=envelope({"order": order_json()})),
        ]
    )
    order = await hub.commerce.get_order(ref=ORDER_REF)
    assert order.id == "PHACK-1" and route.call_count == 2


async def test_401_is_an_auth_error_with_ultracart_message(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(return_value=uc_error(401, "Permission Denied."))
    with pytest.raises(AuthError, match="Permission Denied"):
        await hub.commerce.get_order(ref=ORDER_REF)


async def test_400_error_envelope_becomes_fatal_error_with_code(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=uc_error(400, "Invalid expansion", "BAD_EXPAND")
    )
    with pytest.raises(FatalError) as caught:
        await hub.commerce.get_order(ref=ORDER_REF)
    assert caught.value.code == "BAD_EXPAND" and "Invalid expansion" in str(caught.value)


async def test_success_false_with_200_is_an_error(hub) -> None:
    hub.router.get("/order/orders/PHACK-1").mock(
        return_value=httpx.Response(
            200,
            json={"success": False, "error": {"developer_message": "Order locked", "error_code": "LOCKED"}},
        )
    )
    with pytest.raises(FatalError, match="Order locked"):
        await hub.commerce.get_order(ref=ORDER_REF)


async def test_unknown_store_is_refused(hub) -> None:
    with pytest.raises(FatalError, match="unknown UltraCart store"):
        await hub.commerce.get_order(ref=Ref(platform="ultracart", id="X", store="nope"))


async def test_other_platforms_records_are_not_answered(hub) -> None:
    from hub.core.errors import CapabilityMissing

    with pytest.raises(CapabilityMissing):
        await hub.commerce.get_order(ref=Ref(platform="shopify", id="1"))
