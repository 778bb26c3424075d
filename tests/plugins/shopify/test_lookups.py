"""Look-ups compare keys exactly; refunds and totals never mix currencies (issue 14, items 1 and 3).

The store operations run against a fake client answering the way Shopify's search does: loosely
(``name:#1-A`` also finds ``#12-A``), so only the plugin's own exact comparison stands between
a ticket and another buyer's order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.core.errors import MappingError, NotFoundError
from hub.core.lookup import AmbiguousMatch
from hub.core.models import Address, CheckoutLinkRequest, CheckoutProduct, Money
from plugins.shopify import mapping
from plugins.shopify import queries as q
from plugins.shopify.operations import ShopifyStore


def order_node(name: str, number: int, total: str = "240.00", email: str = "b@example.com") -> dict:
    return {
        "id": f"gid://shopify/Order/{number}",
        "name": name,
        "email": email,
        "createdAt": "2026-01-05T10:00:00Z",
        "totalPriceSet": {"shopMoney": {"amount": total, "currencyCode": "USD"}},
    }


def customer_node(number: int, email: str | None, phone: str | None = None) -> dict:
    return {"id": f"gid://shopify/Customer/{number}", "email": email, "phone": phone}


class FakeClient:
    """Answers each GraphQL document with canned data and keeps the variables it was sent."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers, self.sent = answers, []

    async def graphql(self, document: str, variables: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        self.sent.append((document, variables))
        return self.answers[document]

    async def aclose(self) -> None:
        pass


def store_answering(document: str, data: dict[str, Any]) -> tuple[ShopifyStore, FakeClient]:
    client = FakeClient({document: data})
    return ShopifyStore("paleohacks", "PaleoHacks", client, idempotent_refunds=False), client  # type: ignore[arg-type]


def orders(*nodes: dict) -> dict:
    return {"orders": {"nodes": list(nodes)}}


async def test_asked_for_1_a_the_search_s_12_a_is_not_taken():
    # Issue 14: the look-up took the first hit, another buyer's 240.00 USD order.
    store, client = store_answering(q.FIND_ORDER_BY_NAME, orders(order_node("#12-A", 12)))
    with pytest.raises(NotFoundError, match="#1-A"):
        await store.get_order("#1-A")
    assert client.sent[0][1]["first"] >= 2  # enough hits asked for to see a second exact one


async def test_the_exact_order_is_found_among_loose_hits():
    store, _ = store_answering(
        q.FIND_ORDER_BY_NAME, orders(order_node("#12-A", 12), order_node("#1-A", 1, total="7.00"))
    )
    order = await store.get_order("1-A")
    assert (order.number, order.total) == ("#1-A", Money(amount=Decimal("7.00"), currency="USD"))


async def test_two_orders_named_1001_are_refused_not_one_picked():
    store, _ = store_answering(q.FIND_ORDER_BY_NAME, orders(order_node("#1001", 1), order_node("#1001", 2)))
    with pytest.raises(AmbiguousMatch, match="ambiguous"):
        await store.get_order("#1001")


async def test_every_order_action_goes_through_the_exact_look_up():
    store, _ = store_answering(q.FIND_ORDER_BY_NAME, orders(order_node("#12-A", 12)))
    address = Address(line1="1 Main St", city="Austin", region="TX", postal_code="78701", country="US")
    with pytest.raises(NotFoundError):
        await store.change_shipping_address("#1-A", address)
    with pytest.raises(NotFoundError):
        await store._order_id("#1-A")  # what refund_order resolves a number with


async def test_customer_search_keeps_only_the_exact_email_or_phone():
    found = {
        "customers": {
            "nodes": [
                customer_node(1, "Ann@Example.com"),
                customer_node(2, "joann@example.com"),  # a loose hit
                customer_node(3, "ann@example.com.evil"),
                customer_node(4, None, "+15125550101"),
                customer_node(5, None, "+15125550109"),
            ]
        }
    }
    store, _ = store_answering(q.FIND_CUSTOMERS, found)
    by_email = await store.find_customers("ann@example.com", None)
    assert [c.id for c in by_email] == ["gid://shopify/Customer/1"]
    by_phone = await store.find_customers(None, "+1 (512) 555-0101")
    assert [c.id for c in by_phone] == ["gid://shopify/Customer/4"]


async def test_a_checkout_link_is_not_attached_to_a_near_match_or_an_ambiguous_customer():
    request = CheckoutLinkRequest(
        platform="shopify", email="ann@example.com", products=(CheckoutProduct(sku="S1", quantity=1),)
    )
    variants = {"productVariants": {"nodes": [{"id": "gid://shopify/ProductVariant/1", "sku": "S1"}]}}
    draft = {"draftOrderCreate": {"draftOrder": {"id": "d1", "invoiceUrl": "https://x/i", "name": "#D1"},
                                  "userErrors": []}}
    near = {"customers": {"nodes": [customer_node(2, "joann@example.com")]}}
    client = FakeClient({q.VARIANTS_BY_SKU: variants, q.FIND_CUSTOMERS: near, q.DRAFT_ORDER_CREATE: draft})
    store = ShopifyStore("paleohacks", "PaleoHacks", client, idempotent_refunds=False)  # type: ignore[arg-type]
    await store.create_checkout_link(request)
    sent_draft = next(v for d, v in client.sent if d == q.DRAFT_ORDER_CREATE)["input"]
    assert "purchasingEntity" not in sent_draft

    client.answers[q.FIND_CUSTOMERS] = {
        "customers": {"nodes": [customer_node(1, "ann@example.com"), customer_node(7, "ANN@example.com")]}
    }
    with pytest.raises(AmbiguousMatch):
        await store.create_checkout_link(request)


# ---- currencies


def rest_order(*refunds: dict, total: str = "100.00") -> dict:
    return {
        "id": 1,
        "name": "#1001",
        "currency": "USD",
        "created_at": "2026-01-05T10:00:00Z",
        "total_price": total,
        "refunds": list(refunds),
    }


def rest_refund(refund_id: int, *transactions: tuple[str, str]) -> dict:
    return {
        "id": refund_id,
        "order_id": 1,
        "transactions": [
            {"kind": "refund", "status": "success", "amount": amount, "currency": currency}
            for amount, currency in transactions
        ],
    }


def test_54_usd_refunded_and_the_refundable_balance_stay_usd():
    body = rest_order(rest_refund(1, ("50.00", "USD")), rest_refund(2, ("4.00", "USD")))
    order = mapping.order_from_rest(body, store="s", brand="b")
    assert order.refunded == Money(amount=Decimal("54.00"), currency="USD")
    assert order.refundable == Money(amount=Decimal("46.00"), currency="USD")


def test_a_50_eur_refund_on_a_usd_order_is_refused_not_counted_as_usd():
    # Issue 14: reported as 50.00 USD refunded of a USD order.
    body = rest_order(rest_refund(1, ("50.00", "EUR")))
    refund = mapping.refund_from_rest(body["refunds"][0], store="s", currency="USD")
    assert refund.amount == Money(amount=Decimal("50.00"), currency="EUR")
    with pytest.raises(MappingError, match=r"refund .* is in EUR on an order in USD"):
        mapping.order_from_rest(body, store="s", brand="b")


def test_a_refund_paid_in_two_currencies_is_not_summed():
    with pytest.raises(MappingError, match="mixed currencies"):
        mapping.refund_from_rest(rest_refund(1, ("50.00", "USD"), ("5.00", "EUR")), store="s")


def test_a_graphql_refund_in_another_currency_is_refused():
    node = order_node("#1", 1, total="100.00")
    node["refunds"] = [
        {
            "id": "gid://shopify/Refund/1",
            "totalRefundedSet": {"shopMoney": {"amount": "50.00", "currencyCode": "EUR"}},
        }
    ]
    with pytest.raises((MappingError, ValueError), match="in EUR on an order in USD"):
        mapping.order_from_graphql(node, store="s", brand="b")
