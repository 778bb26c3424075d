"""Shared fixtures: a hub running the Intercom plugin, the emulator, traffic recording and the spec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from plugins.intercom.emulator import Workspace, build_seed, create_app

BASE_URL = "https://api.intercom.io"
TOKEN = "test-token"
ADMIN_ID = "991267001"
SPEC_PATH = Path(__file__).parents[2] / "fixtures" / "specs" / "intercom-openapi-2.14.yaml"
EXAMPLES = Path(__file__).parents[2] / "fixtures" / "examples" / "intercom"


def intercom_section(**overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "access_token": TOKEN, "admin_id": ADMIN_ID, "base_url": BASE_URL, **overrides}


@asynccontextmanager
async def running_hub(
    transport: httpx.AsyncBaseTransport | None = None, **overrides: Any
) -> AsyncIterator[Hub]:
    """A started hub with only the Intercom plugin; without a transport, respx sees the traffic."""
    pm = get_plugin_manager(only=["intercom"])
    config = config_from_mapping(
        {"plugins": {"intercom": intercom_section(**overrides)}}, source="test", models=settings_models(pm)
    )
    hub = Hub(pm, config, transports={"intercom": transport} if transport else {})
    async with hub:
        yield hub


@dataclass
class Exchange:
    request: httpx.Request
    status: int
    headers: httpx.Headers
    body: bytes


class Recorder(httpx.AsyncBaseTransport):
    """Wraps the emulator transport and keeps every request/response pair for spec validation."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.exchanges.append(Exchange(request, response.status_code, response.headers, body))
        return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)


@pytest.fixture
def workspace() -> Workspace:
    return build_seed(seed=7, workspace=Workspace(token=TOKEN))


@pytest.fixture
def recorder(workspace: Workspace) -> Recorder:
    return Recorder(httpx.ASGITransport(app=create_app(workspace)))


@pytest.fixture(scope="session")
def openapi() -> Any:
    """Intercom's 2.14 OpenAPI description, loaded once per session.

    The spec itself fails openapi-spec-validator (an unresolved path parameter on
    /export/reporting_data/{job_identifier}), so spec checking is off; request and response
    validation still run against every operation we use.
    """
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_file_path(str(SPEC_PATH), config=Config(spec_validator_cls=None))
