"""respx unit tests: request shapes, error envelopes, throttling and pagination, per hook."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from hub.core.config import config_from_mapping
from hub.core.errors import AuthError, FatalError, RetriableError
from hub.core.facade import gathered
from hub.core.http import TokenBucketLimiter
from hub.core.manager import Hub, get_plugin_manager, settings_models
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
)
from plugins.shopify.client import ShopifyClient

from .test_mapping import GRAPHQL_ORDER

URL = "https://paleohacks.myshopify.com/admin/api/2026-01/graphql.json"
ORDER_ID = GRAPHQL_ORDER["id"]
CUSTOMER = Ref(platform="shopify", id="gid://shopify/Customer/9", store="paleohacks")


def cost(requested: int = 10, actual: int | None = 5, available: float = 990.0, rate: float = 100.0) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def ok(data: dict[str, Any], **cost_kw: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "extensions": cost(**cost_kw)})


THROTTLED = httpx.Response(
    200,
    json={
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": cost(requested=160, actual=None, available=150, rate=1000),
    },
)


class Shopify:
    """Answers by operation name and records every request's parsed body."""

    def __init__(self, answers: dict[str, list[httpx.Response]]) -> None:
        self.answers, self.calls = answers, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        name = re.search(r"(?:query|mutation)\s+(\w+)", body["query"]).group(1)
        self.calls.append((name, body, request))
        return self.answers[name].pop(0)

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]

    def variables(self, name: str) -> list[dict]:
        return [body["variables"] for n, body, _ in self.calls if n == name]


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    pm = get_plugin_manager(only=["shopify"])
    config = config_from_mapping(
        {
            "plugins": {
                "shopify": {
                    "enabled": True,
                    "stores": {
                        "paleohacks": {
                            "brand": "PaleoHacks",
                            "shop": "paleohacks.myshopify.com",
                            "access_token": "shpat_secret",
                        }
                    },
                }
            }
        },
        source="test",
        models=settings_models(pm),
    )
    async with Hub(pm, config) as running:
        yield running


def route(answers: dict[str, list[httpx.Response]]) -> Shopify:
    shopify = Shopify(answers)
    respx.post(URL).mock(side_effect=shopify)
    return shopify


CUSTOMER_NODE = {
    "id": "gid://shopify/Customer/9",
    "firstName": "Jane",
    "email": "jane@example.com",
    "amountSpent": {"amount": "10.00", "currencyCode": "USD"},
    "numberOfOrders": "1",
}


@respx.mock
async def test_find_customers_request_shape(hub: Hub) -> None:
    shopify = route({"FindCustomers": [ok({"customers": {"nodes": [CUSTOMER_NODE]}})]})
    [customer] = await hub.commerce.find_customers(email="jane@example.com", phone="+15125550100")
    _, body, request = shopify.calls[0]
    assert request.method == "POST" and request.url == URL
    assert request.headers["X-Shopify-Access-Token"] == "shpat_secret"
    assert body["variables"] == {"query": 'email:"jane@example.com" OR phone:"+15125550100"', "first": 25}
    assert "customers(first: $first, query: $query)" in body["query"]
    assert (customer.store, customer.brand, customer.order_count) == ("paleohacks", "PaleoHacks", 1)


@respx.mock
async def test_list_orders_follows_cursors(hub: Hub) -> None:
    def page(cursor: str | None, more: bool) -> httpx.Response:
        return ok(
            {
                "customer": {
                    "orders": {
                        "nodes": [GRAPHQL_ORDER],
                        "pageInfo": {"hasNextPage": more, "endCursor": cursor},
                    }
                }
            }
        )

    shopify = route({"CustomerOrders": [page("c1", True), page("c2", True), page("c3", False)]})
    orders = await gathered(hub.commerce.list_orders(customer=CUSTOMER))
    assert len(orders) == 3 and orders[0].total.amount == Decimal("100.10")
    assert [v["after"] for v in shopify.variables("CustomerOrders")] == [None, "c1", "c2"]
    assert {v["first"] for v in shopify.variables("CustomerOrders")} == {5}


@respx.mock
async def test_throttled_then_success(hub: Hub) -> None:
    shopify = route({"GetOrder": [THROTTLED, ok({"order": GRAPHQL_ORDER})]})
    order = await hub.commerce.get_order(ref=Ref(platform="shopify", id=ORDER_ID, store="paleohacks")
    )
    assert order.number == "#1001" and shopify.names() == ["GetOrder", "GetOrder"]


@respx.mock
async def test_http_429_on_a_mutation_is_retried(hub: Hub) -> None:
    contract = {"id": "gid://shopify/SubscriptionContract/1", "status": "ACTIVE", "lines": {"nodes": []}}
    shopify = route(
        {
            "GetSubscription": [ok({"subscriptionContract": contract})],
            "CancelSubscription": [
                httpx.Response(429, headers={"Retry-After": "0.01"}, json={"errors": "Throttled"}),
                ok(
                    {
                        "subscriptionContractCancel": {
                            "contract": {**contract, "status": "CANCELLED"},
                            "userErrors": [],
                        }
                    }
                ),
            ],
        }
    )
    ref = Ref(platform="shopify", id=contract["id"], store="paleohacks")
    result = await hub.commerce.cancel_subscription(ref=ref, reason="r", idempotency_key="k")
    assert result.status == "cancelled"
    assert shopify.names() == ["GetSubscription", "CancelSubscription", "CancelSubscription"]
    assert shopify.variables("CancelSubscription")[0] == {"id": contract["id"]}


@respx.mock
async def test_server_error_on_a_plain_mutation_is_not_retried(hub: Hub) -> None:
    shopify = route(
        {
            "GetOrder": [
                ok(
                    {
                        "order": {
                            **GRAPHQL_ORDER,
                            "displayFulfillmentStatus": "UNFULFILLED",
                            "fulfillments": [],
                        }
                    }
                )
            ],
            "UpdateOrderAddress": [httpx.Response(502, json={"errors": "Bad Gateway"})],
        }
    )
    address = Address(
        name="Jane Doe", line1="1 Elm", city="Boise", region="ID", postal_code="83702", country="us"
    )
    with pytest.raises(RetriableError, match="Bad Gateway"):
        await hub.commerce.change_shipping_address(
            ref=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"),
            address=address,
        )
    assert shopify.names() == ["GetOrder", "UpdateOrderAddress"]
    assert shopify.variables("UpdateOrderAddress")[0]["input"] == {
        "id": ORDER_ID,
        "shippingAddress": {
            "firstName": "Jane",
            "lastName": "Doe",
            "company": None,
            "address1": "1 Elm",
            "address2": None,
            "city": "Boise",
            "provinceCode": "ID",
            "zip": "83702",
            "countryCode": "US",
            "phone": None,
        },
    }


@respx.mock
async def test_address_change_refused_when_fulfilled(hub: Hub) -> None:
    shopify = route({"GetOrder": [ok({"order": {**GRAPHQL_ORDER, "displayFulfillmentStatus": "FULFILLED"}})]})
    address = Address(line1="1 Elm", city="Boise", country="US")
    with pytest.raises(FatalError, match="already shipped"):
        await hub.commerce.change_shipping_address(
            ref=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"),
            address=address,
        )
    assert shopify.names() == ["GetOrder"]


@respx.mock
async def test_bad_token_is_auth_error(hub: Hub) -> None:
    respx.post(URL).mock(
        return_value=httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
    )
    with pytest.raises(AuthError, match="Invalid API key"):
        await hub.commerce.get_order(ref=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"))


@respx.mock
async def test_access_denied_and_validation_errors_with_http_200(hub: Hub) -> None:
    denied = {
        "errors": [
            {
                "message": "Access denied for subscriptionContracts field.",
                "extensions": {"code": "ACCESS_DENIED"},
            }
        ]
    }
    invalid = {
        "errors": [
            {
                "message": "Field 'nope' doesn't exist on type 'Order'",
                "extensions": {"code": "undefinedField"},
            }
        ]
    }
    respx.post(URL).mock(side_effect=[httpx.Response(200, json=denied), httpx.Response(200, json=invalid)])
    # Cheap queries: no cost extension comes back here, so nothing is refunded to the bucket.
    ref = Ref(platform="shopify", id=ORDER_ID, store="paleohacks")
    with pytest.raises(AuthError, match="Access denied"):
        await hub.commerce.get_order(ref=ref)
    with pytest.raises(FatalError, match="doesn't exist") as caught:
        await hub.commerce.get_order(ref=ref)
    assert caught.value.code == "undefinedField"


REFUND_ORDER = {
    **GRAPHQL_ORDER,
    "refunds": [],
    "transactions": [
        {
            "id": "gid://shopify/OrderTransaction/1",
            "kind": "SALE",
            "status": "SUCCESS",
            "gateway": "shopify_payments",
            "amountSet": {"shopMoney": {"amount": "60.00", "currencyCode": "USD"}},
            "parentTransaction": None,
        },
        {
            "id": "gid://shopify/OrderTransaction/2",
            "kind": "SALE",
            "status": "SUCCESS",
            "gateway": "paypal",
            "amountSet": {"shopMoney": {"amount": "40.10", "currencyCode": "USD"}},
            "parentTransaction": None,
        },
    ],
}


@respx.mock
async def test_refund_request_shape(hub: Hub) -> None:
    refund = {
        "id": "gid://shopify/Refund/7",
        "createdAt": "2025-03-05T00:00:00Z",
        "note": "n",
        "totalRefundedSet": {"shopMoney": {"amount": "75.00", "currencyCode": "USD"}},
    }
    shopify = route(
        {
            "OrderForRefund": [ok({"order": REFUND_ORDER})],
            "RefundCreate": [ok({"refundCreate": {"refund": refund, "userErrors": []}})],
        }
    )
    request = RefundRequest(
        order=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"),
        amount=Money(amount=Decimal("75.00"), currency="USD"),
        reason=RefundReason.QUALITY,
        note="tastes off",
        idempotency_key="ledger:refund:42",
        lines=(RefundLine(line_item_id="gid://shopify/LineItem/3", quantity=1),),
    )
    result = await hub.commerce.refund_order(request=request)
    assert result.amount.amount == Decimal("75.00")
    [sent] = shopify.variables("RefundCreate")
    assert "@idempotent(key: $key)" in shopify.calls[1][1]["query"]
    assert uuid.UUID(sent["key"]).version == 5
    assert sent["input"]["note"] == "quality: tastes off [hub-key:ledger:refund:42]"
    assert sent["input"]["transactions"] == [  # spread over both captured payments
        {
            "orderId": ORDER_ID,
            "parentId": "gid://shopify/OrderTransaction/1",
            "amount": "60.00",
            "gateway": "shopify_payments",
            "kind": "REFUND",
        },
        {
            "orderId": ORDER_ID,
            "parentId": "gid://shopify/OrderTransaction/2",
            "amount": "15.00",
            "gateway": "paypal",
            "kind": "REFUND",
        },
    ]
    assert sent["input"]["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/3", "quantity": 1, "restockType": "NO_RESTOCK"}
    ]


@respx.mock
async def test_refund_already_made_is_returned_without_a_mutation(hub: Hub) -> None:
    shopify = route(
        {"OrderForRefund": [ok({"order": {**REFUND_ORDER, "refunds": GRAPHQL_ORDER["refunds"]}})]}
    )
    request = RefundRequest(
        order=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"),
        reason=RefundReason.DAMAGED,
        idempotency_key="k1",
    )
    refund = await hub.commerce.refund_order(request=request)
    assert refund.id == "gid://shopify/Refund/5" and shopify.names() == ["OrderForRefund"]


@respx.mock
async def test_refund_user_errors_name_the_field(hub: Hub) -> None:
    errors = [{"field": ["transactions", "0", "amount"], "message": "Amount is too high"}]
    route(
        {
            "OrderForRefund": [ok({"order": REFUND_ORDER})],
            "RefundCreate": [ok({"refundCreate": {"refund": None, "userErrors": errors}})],
        }
    )
    request = RefundRequest(
        order=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"),
        amount=Money(amount=Decimal("1.00"), currency="USD"),
        reason=RefundReason.OTHER,
        idempotency_key="k9",
    )
    with pytest.raises(FatalError, match="Amount is too high") as caught:
        await hub.commerce.refund_order(request=request)
    assert caught.value.field == "transactions.0.amount"


@respx.mock
async def test_checkout_link_request_shape(hub: Hub) -> None:
    draft = {
        "id": "gid://shopify/DraftOrder/4",
        "name": "#D1",
        "status": "OPEN",
        "invoiceUrl": "https://paleohacks.myshopify.com/1/invoices/abc",
        "totalPriceSet": {"shopMoney": {"amount": "29.98", "currencyCode": "USD"}},
    }
    shopify = route(
        {
            "VariantsBySku": [
                ok({"productVariants": {"nodes": [{"id": "gid://shopify/ProductVariant/8", "sku": "PH-1"}]}})
            ],
            "FindCustomers": [ok({"customers": {"nodes": []}})],
            "DraftOrderCreate": [ok({"draftOrderCreate": {"draftOrder": draft, "userErrors": []}})],
        }
    )
    request = CheckoutLinkRequest(
        platform="shopify",
        email="new@example.com",
        sales_rep="Ben",
        products=(CheckoutProduct(sku="PH-1", quantity=2),),
        discount_code="SAVE",
        metadata={"source": "call"},
    )
    link = await hub.commerce.create_checkout_link(request=request)
    assert link.url == draft["invoiceUrl"] and link.total.amount == Decimal("29.98")
    assert shopify.variables("VariantsBySku")[0] == {"query": 'sku:"PH-1"', "first": 2}
    assert shopify.variables("DraftOrderCreate")[0]["input"] == {
        "email": "new@example.com",
        "lineItems": [{"variantId": "gid://shopify/ProductVariant/8", "quantity": 2}],
        "customAttributes": [{"key": "sales_rep", "value": "Ben"}, {"key": "source", "value": "call"}],
        "tags": ["hub-checkout"],
        "note": "Sales rep: Ben",
        "discountCodes": ["SAVE"],
    }


@respx.mock
async def test_replacement_request_shape(hub: Hub) -> None:
    order_node = {
        **GRAPHQL_ORDER,
        "shippingAddress": {
            "address1": "1 Main",
            "city": "Austin",
            "countryCodeV2": "US",
            "zip": "78701",
            "name": "Jo Ann",
        },
    }
    completed = {
        "id": "gid://shopify/DraftOrder/4",
        "status": "COMPLETED",
        "order": {**GRAPHQL_ORDER, "id": "gid://shopify/Order/2", "name": "#1002"},
    }
    shopify = route(
        {
            "DraftOrdersByTag": [ok({"draftOrders": {"nodes": []}})],
            "GetOrder": [ok({"order": order_node})],
            "DraftOrderCreate": [
                ok({"draftOrderCreate": {"draftOrder": {"id": completed["id"]}, "userErrors": []}})
            ],
            "DraftOrderComplete": [ok({"draftOrderComplete": {"draftOrder": completed, "userErrors": []}})],
        }
    )
    request = ReplacementRequest(
        order=Ref(platform="shopify", id=ORDER_ID, store="paleohacks"),
        reason="lost",
        lines=(RefundLine(line_item_id="gid://shopify/LineItem/3", quantity=2),),
        idempotency_key="rep-9",
    )
    order = await hub.commerce.create_replacement_order(request=request)
    assert order.number == "#1002"
    sent = shopify.variables("DraftOrderCreate")[0]["input"]
    assert sent["lineItems"] == [{"variantId": "v", "quantity": 2}]
    assert sent["appliedDiscount"] == {"value": 100.0, "valueType": "PERCENTAGE", "title": "Replacement"}
    assert sent["purchasingEntity"] == {"customerId": "gid://shopify/Customer/9"}
    assert sent["shippingAddress"]["firstName"] == "Jo" and sent["tags"][0] == "replacement"
    assert shopify.variables("DraftOrdersByTag")[0]["query"] == f'tag:"{sent["tags"][1]}"'


@respx.mock
async def test_consent_request_shape(hub: Hub) -> None:
    shopify = route(
        {
            "SmsConsent": [
                ok(
                    {
                        "customerSmsMarketingConsentUpdate": {
                            "customer": {
                                **CUSTOMER_NODE,
                                "smsMarketingConsent": {"marketingState": "SUBSCRIBED"},
                            },
                            "userErrors": [],
                        }
                    }
                )
            ]
        }
    )
    customer = await hub.commerce.update_consent(
        customer=CUSTOMER, consent=Consent(channel=Channel.SMS, opted_in=True)
    )
    assert shopify.variables("SmsConsent")[0]["input"] == {
        "customerId": CUSTOMER.id,
        "smsMarketingConsent": {"marketingState": "SUBSCRIBED", "marketingOptInLevel": "SINGLE_OPT_IN"},
    }
    assert [(c.channel, c.opted_in) for c in customer.consents] == [(Channel.SMS, True)]


@respx.mock
async def test_limiter_adopts_throttle_status_and_refunds() -> None:
    respx.post(URL).mock(return_value=ok({"order": None}, requested=160, actual=20, available=900, rate=200))
    limiter = TokenBucketLimiter(capacity=1000, rate=50)
    client = ShopifyClient(
        base_url="https://paleohacks.myshopify.com", api_version="2026-01", access_token="t", limiter=limiter
    )
    async with client:
        await client.graphql(
            "query GetOrder($id: ID!) { order(id: $id) { id customer { id } } }", {"id": "x"}, idempotent=True
        )
    assert (limiter.capacity, limiter.rate) == (1000, 200)
    assert 899 <= limiter._available <= 1000


async def test_query_above_the_cost_cap_is_refused_before_sending() -> None:
    client = ShopifyClient(
        base_url="https://x.myshopify.com",
        api_version="2026-01",
        access_token="t",
        limiter=TokenBucketLimiter(1000, 50),
    )
    async with client:
        with pytest.raises(FatalError, match="single-query cap"):
            await client.graphql(
                "query Q { orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }",
                idempotent=True,
            )
