"""Shared fixtures: a small hand-built pair of Sticky.io instances and a Hub wired to the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from hub.sandbox.emulator import Faults, FaultyTransport
from plugins.stickyio.emulator import (
    Instance,
    Ship,
    add_customer,
    add_order,
    add_product,
    create_app,
    plugin_config,
)

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def instances() -> dict[str, Instance]:
    """Two brands. PaleoHacks: Ana (shipped order 20001, unshipped 20002, subscription chain
    20003 -> 20004 active), Ben (declined 20005). PhysioTru: Ana again (same email) with 30001."""
    paleo = Instance(app_key="paleohacks", brand="PaleoHacks", password="ph-secret")
    add_product(paleo, "1", "PH-001", "Paleo Protein", "54.95", recurring=True)
    add_product(paleo, "2", "PH-002", "Paleo Snack Pack", "21.99")
    ana = add_customer(paleo, first_name="Ana", last_name="Lopez", email="ana@example.com",
                       phone="(512) 555-0101", customer_id="501", created=NOW - timedelta(days=300))
    ben = add_customer(paleo, first_name="Ben", last_name="Kim", email="ben@example.com",
                       phone="5125550102", customer_id="502", created=NOW - timedelta(days=200))
    home = Ship("12 Oak Ave", "Austin", "TX", "78701")
    add_order(paleo, ana["customer_id"], [("2", 2)], order_id="20001", created=NOW - timedelta(days=40),
              shipped=NOW - timedelta(days=38), tracking="1Z999", address=home)
    add_order(paleo, ana["customer_id"], [("2", 1), ("1", 1)], order_id="20002",
              created=NOW - timedelta(days=2), address=home)
    add_order(paleo, ana["customer_id"], [("1", 1)], order_id="20003", created=NOW - timedelta(days=60),
              shipped=NOW - timedelta(days=58), tracking="1Z111", recurring=True, address=home)
    add_order(paleo, ana["customer_id"], [("1", 1)], order_id="20004", created=NOW - timedelta(days=30),
              recurring=True, billing_cycle=1, parent_id="20003", address=home)
    add_order(paleo, ben["customer_id"], [("2", 1)], order_id="20005", created=NOW - timedelta(days=5),
              status="7", address=home)
    physio = Instance(app_key="physiotru", brand="PhysioTru", password="pt-secret")
    add_product(physio, "7", "PT-007", "Joint Support", "39.95")
    ana2 = add_customer(physio, first_name="Ana", last_name="Lopez", email="ana@example.com",
                        phone="5125550101", customer_id="601", created=NOW - timedelta(days=100))
    add_order(physio, ana2["customer_id"], [("7", 3)], order_id="30001", created=NOW - timedelta(days=9),
              address=home)
    return {"paleohacks": paleo, "physiotru": physio}


HubFactory = Callable[..., Any]


@pytest.fixture
def emulator_hub() -> HubFactory:
    """``async with emulator_hub(instances, settings={...}, faults=..., **create_app_kwargs) as (hub, app)``;
    network faults in ``faults`` are raised by a ``FaultyTransport`` on the client side."""

    @asynccontextmanager
    async def factory(instances: dict[str, Instance], *, settings: dict[str, Any] | None = None,
                      faults: Faults | None = None,
                      **app_kwargs: Any) -> AsyncIterator[tuple[Hub, Any]]:
        app = create_app(instances, faults=faults, **app_kwargs)
        pm = get_plugin_manager(only=["stickyio"])
        config = config_from_mapping(
            {"plugins": {"stickyio": plugin_config(instances, **(settings or {}))}},
            source="test", models=settings_models(pm),
        )
        wire: httpx.AsyncBaseTransport = httpx.ASGITransport(app=app)
        if faults is not None and faults.network:
            wire = FaultyTransport(wire, faults)
        async with Hub(pm, config, transports={"stickyio": wire}) as hub:
            yield hub, app

    return factory
