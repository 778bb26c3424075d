"""Aircall hook implementations (telephony)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from datetime import datetime
from math import floor

from hub.core.errors import MappingError
from hub.core.hookspecs import hookimpl
from hub.core.http import SlidingWindowLimiter
from hub.core.mapping import map_records
from hub.core.models import Agent, AgentStatus, Call, Ref
from hub.core.plugin import HubContext, Kind, Plugin
from hub.core.webhooks import WebhookEvent
from hub.sandbox.world import BRANDS, SandboxApp, SandboxWorld, sandbox_host
from plugins.aircall import webhooks
from plugins.aircall.client import AircallClient
from plugins.aircall.mapping import (
    agent_from_aircall,
    availability_to_aircall,
    call_from_aircall,
    call_started_at,
)
from plugins.aircall.settings import AircallSettings


class AircallPlugin(Plugin):
    """Calls, call comments and agent availability on one Aircall company."""

    name = "aircall"
    kinds = (Kind.TELEPHONY,)
    settings_model = AircallSettings
    description = "Aircall: calls since a cursor, call comments, users and their availability"
    unsupported = {}  # every telephony hook is supported

    def __init__(self) -> None:
        super().__init__()
        self.client: AircallClient | None = None

    async def start(self, context: HubContext) -> None:
        settings: AircallSettings = self.settings
        limiter = context.rate_limiter(
            self.name,
            settings.requests_per_window,
            settings.window_seconds,
            lambda: SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
        )
        self.client = AircallClient(settings, limiter=limiter, transport=context.transport_for(self.name))

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def _api(self) -> AircallClient:
        if self.client is None:
            raise RuntimeError("aircall plugin used before hub_startup")
        return self.client

    # ------------------------------------------------------------------ hooks

    @hookimpl
    def hub_sandbox(self, world: SandboxWorld, kind: Kind) -> SandboxApp | None:
        """The emulator seeded with calls from the world's customers (and some strangers)."""
        # The emulator is sandbox-only code: a production hub never imports it.
        from plugins.aircall.emulator import DEMO_API_ID, DEMO_API_TOKEN, build_seed, create_app
        if kind is not Kind.TELEPHONY:
            return None
        numbers = {brand: [p.phone for p in world.people if p.brand == brand][:4] for brand in BRANDS}
        seed = build_seed(world.seed, now=int(world.now.timestamp()), customer_numbers=numbers)
        app = create_app(seed)
        settings = {
            "api_id": DEMO_API_ID,
            "api_token": DEMO_API_TOKEN,
            "webhook_token": "sandbox-aircall-webhook-token",
            "base_url": f"{sandbox_host(self.name)}/v1",
        }
        return SandboxApp(name=self.name, app=app, settings=settings, state=app.state.emulator)

    @hookimpl
    def telephony_list_calls(self, since: datetime | None) -> AsyncIterator[list[Call | MappingError]] | None:
        if not self.enabled:
            return None
        return self._call_pages(since)

    @hookimpl
    def telephony_comment_call(self, ref: Ref, body: str) -> Awaitable[None] | None:
        if not self.owns(ref):
            return None
        return self._api().comment_call(ref.id, body)

    @hookimpl
    def telephony_list_agents(self) -> Awaitable[list[Agent | MappingError]] | None:
        if not self.enabled:
            return None
        return self._agents()

    @hookimpl
    def telephony_set_availability(
        self, ref: Ref, status: AgentStatus, reason: str | None
    ) -> Awaitable[Agent] | None:
        if not self.owns(ref):
            return None
        return self._set_availability(ref, status, reason)

    @hookimpl
    def hub_webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        """Verify and read a delivery addressed to this platform (``webhooks.read_webhook``)."""
        if platform != self.name or not self.enabled:
            return None
        return webhooks.read_webhook(self.settings, headers, body)

    # ------------------------------------------------------------------ work behind the hooks

    async def _call_pages(self, since: datetime | None) -> AsyncIterator[list[Call | MappingError]]:
        """Pages of calls, oldest first; a call that cannot be mapped is a ``MappingError`` in its place.

        The entry carries the call's ``started_at`` when that much is readable, so the flow's
        cursor moves past the call once it is parked.
        """
        # ``from`` is inclusive UNIX seconds: flooring keeps a call started in since's second.
        start = floor(since.timestamp()) if since is not None else None
        region = self.settings.default_region
        async for raw_calls in self._api().call_pages(start):
            yield map_records(
                raw_calls,
                lambda raw: call_from_aircall(raw, region),
                platform=self.name,
                record="call",
                stamp=call_started_at,
            )

    async def _agents(self) -> list[Agent | MappingError]:
        agents: list[Agent | MappingError] = []
        async for users in self._api().users():
            agents.extend(map_records(users, agent_from_aircall, platform=self.name, record="user"))
        return agents

    async def _set_availability(self, ref: Ref, status: AgentStatus, reason: str | None) -> Agent:
        # Setting the v2 ``substatus`` through the API is unconfirmed: it goes in the same PUT
        # as the status, and the user read back tells the flow what Aircall actually kept.
        fields = availability_to_aircall(
            status, reason, self.settings.substatus_map, self.settings.available_as
        )
        return agent_from_aircall(await self._api().update_user(ref.id, fields))
