"""Shared fixtures: a hub running the Intercom plugin, the emulator, traffic recording and the spec."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.core.config import config_from_mapping
from hub.core.manager import Hub, get_plugin_manager, settings_models
from hub.testing.openapi import SpecCheckedTransport, load_description
from plugins.intercom.emulator import Workspace, build_seed, create_app

BASE_URL = "https://api.intercom.io"
TOKEN = "test-token"
ADMIN_ID = "991267001"
SPEC_PATH = Path(__file__).parents[2] / "fixtures" / "specs" / "intercom-openapi-2.14.yaml"
EXAMPLES = Path(__file__).parents[2] / "fixtures" / "examples" / "intercom"


def intercom_section(**overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "access_token": TOKEN, "admin_id": ADMIN_ID, "base_url": BASE_URL, **overrides}


# ---- the hub's own client, held to Intercom's description

_INTERCOM_ID = re.compile(r"[0-9a-f]{24}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def uuid_or_intercom_id(value: Any) -> bool:
    """The description types ``POST /conversations`` ``from.id`` as a 24-character ``uuid``.

    No uuid has 24 characters: Intercom's contact ids are 24 hex digits, and that is what it
    takes. The check accepts those and real uuids, so the rest of that body is still checked.
    """
    return not isinstance(value, str) or bool(_UUID.fullmatch(value) or _INTERCOM_ID.fullmatch(value))


def intercom_description() -> Any:
    """Intercom's 2.14 description as openapi-core reads it, loaded once per process."""
    return load_description(SPEC_PATH, (("uuid", uuid_or_intercom_id),))


def not_in_the_description(request: httpx.Request) -> str | None:
    """Requests the 2.14 description cannot judge, and why."""
    if request.url.path.endswith("/linked_conversations"):
        return "POST /tickets/{id}/linked_conversations arrived after 2.14 (Intercom-Version 2.15)"
    return None


CLIENT_TRAFFIC: list[SpecCheckedTransport] = []
"""The checking transports of the current test's hubs; ``the_client_follows_the_description`` reads them."""


def intercom_checked(inner: httpx.AsyncBaseTransport) -> SpecCheckedTransport:
    """``inner`` behind a check of every request against Intercom's description (also used by tests/flows)."""
    return SpecCheckedTransport(inner, intercom_description(), BASE_URL, skip=not_in_the_description)


def checked_transport(inner: httpx.AsyncBaseTransport | None) -> SpecCheckedTransport:
    """``intercom_checked`` over ``inner`` (respx's mocked network when None), watched by this test."""
    transport = intercom_checked(inner or httpx.AsyncHTTPTransport())
    CLIENT_TRAFFIC.append(transport)
    return transport


@pytest.fixture(autouse=True)
def the_client_follows_the_description() -> Iterator[None]:
    """Every request the Intercom client sends in these tests must follow Intercom's description."""
    CLIENT_TRAFFIC.clear()
    yield
    problems = [problem for transport in CLIENT_TRAFFIC for problem in transport.problems]
    CLIENT_TRAFFIC.clear()
    assert problems == [], "the Intercom client sent requests the 2.14 description does not allow"


@asynccontextmanager
async def running_hub(
    transport: httpx.AsyncBaseTransport | None = None, **overrides: Any
) -> AsyncIterator[Hub]:
    """A started hub with only the Intercom plugin; without a transport, respx sees the traffic.

    Either way the client's requests pass through ``checked_transport``.
    """
    pm = get_plugin_manager(only=["intercom"])
    config = config_from_mapping(
        {"plugins": {"intercom": intercom_section(**overrides)}}, source="test", models=settings_models(pm)
    )
    hub = Hub(pm, config, transports={"intercom": checked_transport(transport)})
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
    return intercom_description()
