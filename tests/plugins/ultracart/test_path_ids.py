"""An order id that is not one path segment is refused before any request is sent.

The id a ticket or a side-panel form names went into the REST path as typed: order
``../../customer/customers/1001`` made the hub send ``GET /rest/v2/customer/customers/1001``
with the merchant's key (and quote the answer back in its error).
"""

from __future__ import annotations

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.errors import NotFoundError
from hub.core.manager import Hub, get_plugin_manager, settings_models
from hub.core.models import Ref
from plugins.ultracart.emulator import EmulatorState, create_app

from .conftest import stores_config


class Recorder(httpx.AsyncBaseTransport):
    """The emulator's transport, keeping every path it was asked for."""

    def __init__(self, app: object) -> None:
        self.inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize(
    "typed",
    ["../../customer/customers/1001", "PHACK-0000000001/../PHACK-0000000002", "PHACK-1?_expand=all", ""],
)
async def test_an_id_that_is_not_one_segment_sends_nothing(state: EmulatorState, typed: str) -> None:
    recorder = Recorder(create_app(state))
    pm = get_plugin_manager(only=["ultracart"])
    section = {"enabled": True, "stores": stores_config(), "requests_per_window": 1000}
    config = config_from_mapping(
        {"plugins": {"ultracart": section}}, source="test", models=settings_models(pm)
    )
    async with Hub(pm, config, transports={"ultracart": recorder}) as hub:
        with pytest.raises(NotFoundError):
            await hub.commerce.get_order(ref=Ref(platform="ultracart", id=typed, store="paleohacks"))
    assert recorder.paths == [], recorder.paths


@pytest.mark.parametrize("typed", ["PHACK-0000000001", " #PHACK-0000000001 "])
async def test_an_order_id_as_typed_is_still_found(state: EmulatorState, hub_for, typed: str) -> None:
    async with hub_for(create_app(state)) as hub:
        order = await hub.commerce.get_order(ref=Ref(platform="ultracart", id=typed, store="paleohacks"))
    assert order.id == "PHACK-0000000001"
