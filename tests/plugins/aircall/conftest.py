"""Fixtures shared by the Aircall tests: a hub factory and emulator builders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from plugins.aircall.emulator import DEMO_API_ID, DEMO_API_TOKEN

BASE = "https://api.aircall.io/v1"
HubFactory = Callable[..., Any]


def aircall_settings(**overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "enabled": True,
        "api_id": DEMO_API_ID,
        "api_token": DEMO_API_TOKEN,
        # Unpaced unless a test asks for a limit: the emulator's window is opened wide too.
        "requests_per_window": 10_000,
        "window_seconds": 60,
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def make_hub() -> HubFactory:
    """``async with make_hub(transport=..., **settings) as hub`` -> a started Hub with aircall only."""

    @asynccontextmanager
    async def factory(
        transport: httpx.AsyncBaseTransport | None = None, **overrides: Any
    ) -> AsyncIterator[Hub]:
        pm = get_plugin_manager(only=["aircall"])
        config = config_from_mapping(
            {"plugins": {"aircall": aircall_settings(**overrides)}}, source="test", models=settings_models(pm)
        )
        transports = {"aircall": transport} if transport is not None else {}
        async with Hub(pm, config, transports=transports) as hub:
            yield hub

    return factory
