"""Shared fixtures: a small two-brand emulator and a Hub wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from plugins.ultracart.emulator import (
    EmulatorState,
    add_auto_order,
    add_customer,
    add_item,
    add_merchant,
    add_order,
)

BASE_URL = "https://secure.ultracart.com/rest/v2"


def stores_config(**overrides: Any) -> dict[str, Any]:
    stores = {
        "paleohacks": {
            "brand": "PaleoHacks",
            "merchant_id": "PHACK",
            "base_url": BASE_URL,
            "simple_key": "key-phack",
            "storefront_host": "secure.paleohacks.com",
            "marketing_email_list_uuid": "list-phack-news",
        },
        "mesa": {
            "brand": "Mesa Cookware",
            "merchant_id": "MESAC",
            "base_url": BASE_URL,
            "simple_key": "key-mesac",
            "storefront_host": "secure.mesacookware.com",
        },
    }
    for key, value in overrides.items():
        stores[key].update(value)
    return stores


@pytest.fixture
def state() -> EmulatorState:
    """Two merchants; Dana buys from both brands with the same email and phone."""
    state = EmulatorState()
    add_merchant(state, "PHACK", "key-phack", brand="PaleoHacks")
    add_merchant(state, "MESAC", "key-mesac", brand="Mesa Cookware")
    add_item(state, "PHACK", "PH-BARS", "Paleo Bars 12-pack", "32.40")
    add_item(state, "PHACK", "PH-COOKBOOK", "Paleo Cookbook", "19.99")
    add_item(state, "MESAC", "MC-SKILLET", "Cast Iron Skillet", "89.99")
    dana = add_customer(
        state,
        "PHACK",
        "dana@example.com",
        first_name="Dana",
        last_name="Reyes",
        phone="(512) 555-0134",
        oid=1001,
    )
    dana_mesa = add_customer(
        state,
        "MESAC",
        "dana@example.com",
        first_name="Dana",
        last_name="Reyes",
        phone="512-555-0134",
        oid=2001,
    )
    add_order(
        state,
        "PHACK",
        dana,
        [("PH-BARS", 2), ("PH-COOKBOOK", 1)],
        order_id="PHACK-0000000001",
        created="2024-05-01T10:00:00-04:00",
        shipped=False,
    )
    add_order(
        state,
        "PHACK",
        dana,
        [("PH-BARS", 1)],
        order_id="PHACK-0000000002",
        created="2024-04-01T10:00:00-04:00",
        shipped=True,
        tracking="1Z999",
        sms_opt_in=True,
    )
    add_order(
        state,
        "MESAC",
        dana_mesa,
        [("MC-SKILLET", 1)],
        order_id="MESAC-0000000001",
        created="2024-03-01T10:00:00-05:00",
        shipped=True,
    )
    add_auto_order(state, "PHACK-0000000002")
    state.coupons[("PHACK", "WELCOME10")] = 10
    return state


HubFactory = Callable[..., Any]


@pytest.fixture
def hub_for() -> HubFactory:
    """``async with hub_for(app, **plugin_settings) as hub`` — a started Hub on the emulator."""

    @asynccontextmanager
    async def factory(app: Any, stores: dict[str, Any] | None = None, **settings: Any) -> AsyncIterator[Hub]:
        pm = get_plugin_manager(only=["ultracart"])
        section = {
            "enabled": True,
            "stores": stores or stores_config(),
            "requests_per_window": 1000,
            **settings,
        }
        config = config_from_mapping(
            {"plugins": {"ultracart": section}}, source="test", models=settings_models(pm)
        )
        # app None: no emulator, the real transport (respx intercepts it in unit tests).
        transports = {"ultracart": httpx.ASGITransport(app=app)} if app is not None else {}
        hub = Hub(pm, config, transports=transports)
        async with hub:
            yield hub

    return factory
