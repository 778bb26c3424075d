"""Shared fixtures: a small two-store emulator world and a Hub wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from plugins.shopify.emulator import EmulatorState, ShopState, create_app

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ADDRESS = {
    "firstName": "Jane",
    "lastName": "Doe",
    "address1": "1 Main St",
    "city": "Austin",
    "provinceCode": "TX",
    "zip": "78701",
    "countryCode": "US",
    "country": "United States",
}


@dataclass
class World:
    """The emulator state plus handles on the records tests act on."""

    state: EmulatorState
    paleo: ShopState
    mesa: ShopState
    jane: dict[str, Any]
    unshipped: dict[str, Any]
    shipped: dict[str, Any]
    contract: dict[str, Any]


def build_world(**knobs: Any) -> World:
    state = EmulatorState(**knobs)
    paleo = state.add_shop("paleohacks.myshopify.com", brand="PaleoHacks", token="tok-paleo")
    mesa = state.add_shop("mesa-cookware.myshopify.com", brand="Mesa Cookware", token="tok-mesa")
    paleo.add_product("Paleo Cereal", [("PH-CEREAL", "Default Title", "14.99")])
    paleo.add_product("Protein Bars", [("PH-BARS-12", "12-pack", "29.99")])
    paleo.discount_codes["WELCOME10"] = 10
    mesa.add_product("Cast Iron Skillet", [("MC-SKILLET-10", "10in", "89.00")])
    jane = paleo.add_customer(
        "Jane",
        "Doe",
        "jane@example.com",
        "(512) 555-0100",
        address=ADDRESS,
        email_consent="SUBSCRIBED",
        sms_consent="NOT_SUBSCRIBED",
        created_at=T0,
    )
    unshipped = paleo.add_order(jane, [("PH-CEREAL", 2), ("PH-BARS-12", 1)], created_at=T0)
    shipped = paleo.add_order(
        jane,
        [("PH-BARS-12", 1)],
        created_at=T0.replace(day=5),
        subscription=True,
        tags=["Subscription Recurring Order"],
    )
    paleo.fulfill(shipped, "9400111899223344556677", shipped_at=T0.replace(day=6))
    contract = paleo.add_subscription(jane, "PH-BARS-12", created_at=T0.replace(day=5))
    other = mesa.add_customer("Jane", "Doe", "jane@example.com", None, address=ADDRESS, created_at=T0)
    mesa.add_order(other, [("MC-SKILLET-10", 1)], created_at=T0)
    return World(state, paleo, mesa, jane, unshipped, shipped, contract)


def shopify_config(
    *, api_version: str = "2026-01", base_url: str = "https://emulator.test", **extra: Any
) -> dict[str, Any]:
    return {
        "enabled": True,
        "api_version": api_version,
        "stores": {
            "paleohacks": {
                "brand": "PaleoHacks",
                "shop": "paleohacks.myshopify.com",
                "base_url": base_url,
                "access_token": "tok-paleo",
            },
            "mesa_cookware": {
                "brand": "Mesa Cookware",
                "shop": "mesa-cookware.myshopify.com",
                "base_url": base_url,
                "access_token": "tok-mesa",
            },
        },
        **extra,
    }


@asynccontextmanager
async def running_hub(app: Any, **config: Any) -> AsyncIterator[Hub]:
    pm = get_plugin_manager(only=["shopify"])
    settings = config_from_mapping(
        {"plugins": {"shopify": shopify_config(**config)}}, source="test", models=settings_models(pm)
    )
    async with Hub(pm, settings, transports={"shopify": httpx.ASGITransport(app=app)}) as hub:
        yield hub


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
async def hub(world: World) -> AsyncIterator[Hub]:
    async with running_hub(create_app(world.state)) as running:
        yield running
