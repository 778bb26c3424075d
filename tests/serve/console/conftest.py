"""The console on a sandbox server: passwords configured, driven over ASGI (HTTP tests)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.core.models import Ticket, TicketType
from hub.engine import Runtime
from hub.serve.console.passwords import hash_password
from tests.serve.conftest import Served, serving

ADMIN_PASSWORD = "correct horse battery staple"
READ_ONLY_PASSWORD = "look but do not touch"
SESSION_SECRET = "console-session-signing-secret"
ORIGIN = "http://hub.test"
"""The origin of the test client's requests (``base_url`` of ``tests.serve.conftest.serving``)."""
CHEAP = 2**10
"""scrypt cost for test hashes: the format carries it, so tests need not spend a third of a
second per login."""


@pytest.fixture(scope="session")
def password_hashes() -> tuple[str, str]:
    return hash_password(ADMIN_PASSWORD, n=CHEAP), hash_password(READ_ONLY_PASSWORD, n=CHEAP)


def configure_console(monkeypatch: pytest.MonkeyPatch, hashes: tuple[str, str], **extra: str) -> None:
    """Turn the console on through its environment variables (``HUB_CONSOLE__<KEY>``)."""
    monkeypatch.setenv("HUB_CONSOLE__PASSWORD_HASH", hashes[0])
    monkeypatch.setenv("HUB_CONSOLE__READ_ONLY_PASSWORD_HASH", hashes[1])
    monkeypatch.setenv("HUB_CONSOLE__SESSION_SECRET", SESSION_SECRET)
    for key, value in extra.items():
        monkeypatch.setenv(f"HUB_CONSOLE__{key.upper()}", value)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)


@dataclass
class Console:
    """A browser-like client of the console: cookies kept, forms posted from the console's origin."""

    served: Served

    @property
    def client(self) -> httpx.AsyncClient:
        return self.served.client

    async def login(self, password: str) -> httpx.Response:
        page = await self.client.get("/console/login")
        return await self.client.post(
            "/console/login",
            data={"csrf": csrf_of(page.text), "password": password},
            headers={"Origin": ORIGIN},
        )

    async def token(self, headers: dict[str, str] | None = None) -> str:
        return csrf_of((await self.client.get("/console/lookup", headers=headers)).text)

    async def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """A form from the console itself (its token, its origin) unless told otherwise."""
        form = {"csrf": await self.token(headers), **(data or {})}
        return await self.client.post(path, data=form, headers={"Origin": ORIGIN, **(headers or {})}, **kw)


@pytest.fixture
async def console(tmp_path, monkeypatch, password_hashes) -> AsyncIterator[Console]:
    configure_console(monkeypatch, password_hashes)
    async with serving(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}") as served:
        yield Console(served)


async def a_ticket(runtime: Runtime) -> Ticket:
    """A refund ticket of the sandbox's helpdesk, as the back-office flow reads it."""
    async with runtime.session() as hub:
        async for page in hub.helpdesk.list_tickets(types=[TicketType.REFUND], since=None):
            for ticket in page:
                if isinstance(ticket, Ticket):
                    return ticket
    raise AssertionError("the sandbox has no refund ticket")


def park(runtime: Runtime, ticket: Ticket, reason: str = "intercom: 503 Service Unavailable (outage)") -> int:
    """Park ``ticket`` as the back-office flow does when a platform fails it."""
    return runtime.store.dead_letters.add(
        "back_office", f"ticket:{ticket.platform}:{ticket.id}", ticket.model_dump(mode="json"), reason
    )
