"""Checkout links through the flow: tidied once, made once, refusals named."""

from __future__ import annotations

import pytest

from hub.core.errors import HubError
from hub.core.models import CheckoutLinkRequest, CheckoutProduct
from hub.flows.checkout_link import FLOW, create_checkout_link, tidy


def request(sandbox, **extra) -> CheckoutLinkRequest:
    stores = sandbox.runtime.config.plugins["konnektive"].stores
    key = sorted(stores)[0]
    sku = sorted(stores[key].sku_product_ids)[0]
    fields = {
        "platform": "konnektive",
        "store": key,
        "email": " nia@example.com ",
        "first_name": " Nia ",
        "last_name": "Cole",
        "phone": "(415) 555-0000",
        "products": (CheckoutProduct(sku=sku, quantity=1),),
        "sales_rep": "",
        "notes": "  ",
        **extra,
    }
    return CheckoutLinkRequest(**fields)


def test_a_request_is_tidied_as_a_form_would_send_it(sandbox):
    tidied = tidy(request(sandbox))
    assert (tidied.email, tidied.first_name, tidied.phone) == ("nia@example.com", "Nia", "+14155550000")
    assert tidied.sales_rep is None and tidied.notes is None
    assert tidy(request(sandbox, phone="ext. 12")).phone == "ext. 12"  # no number: kept as typed


async def test_the_same_request_twice_makes_one_link(sandbox):
    konnektive = sandbox.state("konnektive")
    first = await create_checkout_link(sandbox.context(FLOW), request(sandbox))
    again = await create_checkout_link(sandbox.context(FLOW), request(sandbox, first_name="Nia"))
    assert first == again and len(konnektive.leads) == 1
    customer = konnektive.customers[konnektive.orders[first.id]["customerId"]]
    assert customer["phoneNumber"] == "4155550000"


async def test_an_unknown_sku_is_the_platform_s_refusal(sandbox):
    bad = request(sandbox, products=(CheckoutProduct(sku="NO-SUCH", quantity=1),))
    with pytest.raises(HubError, match=r"checkout link refused by konnektive: .*NO-SUCH"):
        await create_checkout_link(sandbox.context(FLOW), bad)
    assert sandbox.state("konnektive").leads == []
