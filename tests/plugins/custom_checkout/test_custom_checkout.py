"""Custom checkout: links from a URL template, or from the team's endpoint over a signed POST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pydantic import ValidationError

from hub.core.config import config_from_mapping
from hub.core.errors import FatalError
from hub.core.manager import Hub, get_plugin_manager, plugin_infos, settings_models
from hub.core.models import Address, CheckoutLinkRequest, CheckoutProduct, Money
from hub.testing.checks import check_capabilities, check_signatures, check_unsupported
from plugins.custom_checkout.emulator import EndpointState, Shop, create_app
from plugins.custom_checkout.settings import CustomCheckoutStoreSettings

SECRET = "team-endpoint-secret"
TEMPLATE = (
    "https://shop.mesa.example/cart?items={items}&email={email}&name={name}&phone={phone}"
    "&ship={address1},{city},{region},{postal_code},{country}&rep={sales_rep}&coupon={discount_code}"
    "&notes={notes}&ref={reference}"
)
STORES = {
    "mesa_cookware": {
        "brand": "Mesa Cookware",
        "url_template": TEMPLATE,
        "item_format": "{id}:{quantity}",
        "catalogue": {"MC-SKILLET": "4411", "MC-DUTCH": "4412"},
    },
    "paleohacks": {
        "brand": "PaleoHacks",
        "endpoint": "https://sales.example/links/paleohacks",
        "signing_secret": SECRET,
    },
}


def endpoint_state(secret: str = SECRET) -> EndpointState:
    state = EndpointState()
    state.shops["paleohacks"] = Shop(
        "PaleoHacks",
        secret,
        "https://shop.paleohacks.example/cart",
        {"PH-BOX": Decimal("30.00"), "PH-BAR": Decimal("2.50")},
    )
    return state


@asynccontextmanager
async def running(state: EndpointState, stores: dict[str, Any] = STORES) -> AsyncIterator[Hub]:
    pm = get_plugin_manager(only=["custom_checkout"])
    section = {"enabled": True, "max_attempts": 2, "stores": stores}
    config = config_from_mapping(
        {"plugins": {"custom_checkout": section}}, source="test", models=settings_models(pm)
    )
    transports = {"custom_checkout": httpx.ASGITransport(app=create_app(state))}
    async with Hub(pm, config, transports=transports) as hub:
        yield hub


def request(store: str, *skus: tuple[str, int], **extra: Any) -> CheckoutLinkRequest:
    return CheckoutLinkRequest(
        **{
            "platform": "custom_checkout",
            "store": store,
            "email": "nia+cart@example.com",
            "first_name": "Nia",
            "last_name": "Cole",
            "phone": "+15125550199",
            "products": tuple(CheckoutProduct(sku=s, quantity=q) for s, q in skus),
            "shipping_address": Address(
                line1="1 Lake St", city="Miami", region="FL", postal_code="33130", country="US"
            ),
            "sales_rep": "rep 7",
            "discount_code": "SAVE10",
            "notes": "Gift, no invoice",
            **extra,
        }
    )


def test_the_plugin_declares_what_it_does_and_what_it_does_not() -> None:
    pm = get_plugin_manager(only=["custom_checkout"])
    (info,) = plugin_infos(pm)
    assert info.capabilities == {"commerce_create_checkout_link"}
    assert check_capabilities(pm, info) == [] and check_unsupported(info) == []
    assert check_signatures(pm, "custom_checkout") == []


async def test_a_template_link_carries_every_field_url_encoded() -> None:
    async with running(endpoint_state()) as hub:
        link = await hub.commerce.create_checkout_link(
            request=request(
                "mesa_cookware", ("MC-SKILLET", 2), ("MC-DUTCH", 1), metadata={"campaign": "fall"}
            )
        )
    query = parse_qs(urlparse(link.url).query)
    assert link.url.startswith(
        "https://shop.mesa.example/cart?items=4411:2,4412:1&email=nia%2Bcart%40example.com"
    )
    assert {key: value[0] for key, value in query.items()} == {
        "items": "4411:2,4412:1",
        "email": "nia+cart@example.com",
        "name": "Nia Cole",
        "phone": "+15125550199",
        "ship": "1 Lake St,Miami,FL,33130,US",
        "rep": "rep 7",
        "coupon": "SAVE10",
        "notes": "Gift, no invoice",
        "ref": link.id,
        "meta_campaign": "fall",
    }
    assert link.platform == "custom_checkout" and link.store == "mesa_cookware"


async def test_an_sku_outside_the_catalogue_is_refused() -> None:
    async with running(endpoint_state()) as hub:
        with pytest.raises(FatalError, match="NOPE") as caught:
            await hub.commerce.create_checkout_link(request=request("mesa_cookware", ("NOPE", 1)))
    assert caught.value.field == "products.sku"


async def test_the_endpoint_answers_a_signed_request_once_per_request() -> None:
    state = endpoint_state()
    async with running(state) as hub:
        asked = request("paleohacks", ("PH-BOX", 1), ("PH-BAR", 4))
        link = await hub.commerce.create_checkout_link(request=asked)
        again = await hub.commerce.create_checkout_link(request=asked)
    assert link == again and len(state.requests) == 1  # the Idempotency-Key answered the same link
    assert link.total == Money(amount=Decimal("40.00"), currency="USD") and link.id == "C00001"
    assert link.url.startswith("https://shop.paleohacks.example/cart?cart=C00001")
    (body,) = state.requests
    assert (body["first_name"], body["last_name"], body["phone"], body["notes"], body["sales_rep"]) == (
        "Nia",
        "Cole",
        "+15125550199",
        "Gift, no invoice",
        "rep 7",
    )
    assert body["shipping_address"]["postal_code"] == "33130" and body["reference"]


async def test_the_endpoint_s_refusals_reach_the_agent() -> None:
    async with running(endpoint_state()) as hub:
        with pytest.raises(FatalError, match="unknown SKU NOPE") as caught:
            await hub.commerce.create_checkout_link(request=request("paleohacks", ("NOPE", 1)))
        assert caught.value.status == 422
    async with running(endpoint_state(secret="another")) as hub:  # the signature does not verify
        with pytest.raises(FatalError, match="bad signature"):
            await hub.commerce.create_checkout_link(request=request("paleohacks", ("PH-BOX", 1)))


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        (
            {
                "brand": "B",
                "url_template": TEMPLATE,
                "endpoint": "https://x.example",
                "signing_secret": "s",
                "catalogue": {"A": "1"},
            },
            "not both",
        ),
        ({"brand": "B", "endpoint": "https://x.example"}, "signing_secret"),
        ({"brand": "B", "url_template": TEMPLATE}, "needs a catalogue"),
        ({"brand": "B", "url_template": "https://x.example/?c={cart}", "catalogue": {"A": "1"}}, "'cart'"),
        (
            {"brand": "B", "url_template": TEMPLATE, "item_format": "{sku}x{qty}", "catalogue": {"A": "1"}},
            "'qty'",
        ),
    ],
)
def test_settings_name_what_is_wrong(settings: dict[str, Any], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        CustomCheckoutStoreSettings.model_validate(settings)


def test_the_sandbox_world_sells_no_brand_on_it() -> None:
    from hub.sandbox import Sandbox

    built = Sandbox(get_plugin_manager(), per_brand=2)
    built.build()
    assert built.world is not None
    assert "custom_checkout" not in {person.platform for person in built.world.people}
    stores = built.apps["custom_checkout"].settings["stores"]
    assert {store["brand"] for store in stores.values()} == {p.brand for p in built.world.people}


async def test_a_store_not_set_up_yet_loads_and_refuses_links() -> None:
    stores = {**STORES, "earth_echo": {"brand": "Earth Echo"}}
    async with running(endpoint_state(), stores) as hub:
        with pytest.raises(FatalError, match="set url_template") as caught:
            await hub.commerce.create_checkout_link(request=request("earth_echo", ("EE-1", 1)))
    assert caught.value.code == "not_configured"


async def test_the_doctor_reads_each_store_s_mode_and_sends_nothing() -> None:
    from hub.core.doctor import CheckStatus

    state = endpoint_state()
    stores = {**STORES, "earth_echo": {"brand": "Earth Echo"}}
    async with running(state, stores) as hub:
        (rows,) = [answer for answer in hub.pm.hook.hub_check() if answer is not None]
        checks = {row.target: row for row in await rows}
    assert checks["mesa_cookware"].status is CheckStatus.OK and "2 SKU(s)" in checks["mesa_cookware"].detail
    assert checks["paleohacks"].status is CheckStatus.WARN and "not probed" in checks["paleohacks"].detail
    assert checks["earth_echo"].status is CheckStatus.WARN and "url_template" in checks["earth_echo"].fix
    assert state.requests == []
