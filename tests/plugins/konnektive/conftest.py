"""Fixtures for the Konnektive plugin tests: hubs wired to respx or to the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from plugins.konnektive.emulator import KonnektiveEmulator, Product, create_app

BASE_URL = "https://api.konnektive.com"
LOGIN, PASSWORD = "hub_api_user", "s3cret-Pass!"
OTHER_LOGIN, OTHER_PASSWORD = "bn_api_user", "other-S3cret"


def store(login: str = LOGIN, password: str = PASSWORD, brand: str = "PaleoHacks",
          **extra: Any) -> dict[str, Any]:
    return {"brand": brand, "base_url": BASE_URL, "login_id": login, "password": password, **extra}


HubFactory = Callable[..., Any]


@asynccontextmanager
async def running_hub(stores: dict[str, dict[str, Any]], transport: httpx.AsyncBaseTransport | None = None,
                      **settings: Any) -> AsyncIterator[Hub]:
    pm = get_plugin_manager(only=["konnektive"])
    section = {"enabled": True, "requests_per_window": 1000, "stores": stores, **settings}
    config = config_from_mapping({"plugins": {"konnektive": section}}, source="test",
                                 models=settings_models(pm))
    transports = {"konnektive": transport} if transport is not None else {}
    async with Hub(pm, config, transports=transports) as hub:
        yield hub


@pytest.fixture
def make_hub() -> HubFactory:
    """``async with make_hub(stores, transport, **settings) as hub``."""
    return running_hub


class World:
    """An emulator with two brands (PaleoHacks, Bright Naturals) and a few known records."""

    def __init__(self, **app_options: Any) -> None:
        self.app = create_app(**app_options)
        self.emu: KonnektiveEmulator = self.app.state.emulator
        self.emu.add_account(LOGIN, PASSWORD, "PaleoHacks")
        self.emu.add_account(OTHER_LOGIN, OTHER_PASSWORD, "Bright Naturals")
        self.book = self.emu.add_product("PaleoHacks", "Paleo Cookbook", "PH-COOKBOOK", "19.99")
        self.box = self.emu.add_product("PaleoHacks", "Snack Box Subscription", "PH-SNACK", "34.95",
                                        recurring=True)
        self.serum = self.emu.add_product("Bright Naturals", "Vitamin C Serum", "BN-VITC", "24.50")
        self.jane = self.emu.add_customer(
            "PaleoHacks", created=datetime(2025, 3, 1, 10, 0), firstName="Jane", lastName="Doe",
            emailAddress="jane@example.com", phoneNumber="512-555-0142", address1="1 Oak St",
            city="Austin", state="TX", postalCode="78701", country="US", shipFirstName="Jane",
            shipLastName="Doe", shipAddress1="1 Oak St", shipCity="Austin", shipState="TX",
            shipPostalCode="78701", shipCountry="US")
        self.jane_bn = self.emu.add_customer(
            "Bright Naturals", created=datetime(2025, 4, 1, 10, 0), firstName="Jane", lastName="Doe",
            emailAddress="jane@example.com", phoneNumber="5125550142", address1="1 Oak St",
            city="Austin", state="TX", postalCode="78701", country="US")
        # Jane's PaleoHacks orders: one shipped, one not, one starting a subscription.
        self.shipped = self.emu.add_order(self.jane["customerId"], [(self.book, 2)],
                                          created=datetime(2025, 3, 2, 9, 0), shipping="5.95")
        self.emu.ship_order(self.shipped["orderId"], "9400111", date(2025, 3, 3))
        self.unshipped = self.emu.add_order(self.jane["customerId"], [(self.book, 1)],
                                            created=datetime(2025, 3, 5, 9, 0))
        self.sub_order = self.emu.add_order(self.jane["customerId"], [(self.box, 1)],
                                            created=datetime(2025, 3, 6, 9, 0), purchase_for=self.box)
        self.purchase = next(iter(self.emu.purchases.values()))
        self.bn_order = self.emu.add_order(self.jane_bn["customerId"], [(self.serum, 1)],
                                           created=datetime(2025, 4, 2, 9, 0))

    @property
    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def stores(self) -> dict[str, dict[str, Any]]:
        return {"paleohacks": store(),
                "bright_naturals": store(OTHER_LOGIN, OTHER_PASSWORD, "Bright Naturals")}

    def add_orders(self, customer_id: str, count: int, product: Product) -> None:
        for index in range(count):
            self.emu.add_order(customer_id, [(product, 1)],
                               created=datetime(2024, 1, 1, 0, 0) + (index * _MINUTE))


_MINUTE = datetime(2024, 1, 1, 0, 1) - datetime(2024, 1, 1, 0, 0)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def world_factory() -> Callable[..., World]:
    """``world_factory(rate_limit=(6, 0.2), faults=Faults(...))`` for a World with app knobs."""
    return World
