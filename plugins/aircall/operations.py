"""What the hub does on one Aircall company: calls, call comments, users and their availability.

Each method serves the ``telephony_*`` hook of the same name; records are mapped here
(``plugins.aircall.mapping``) and a record that cannot be mapped becomes a ``MappingError`` in
its place. Source: https://developer.aircall.io/api-references/ (see ``../shared/reference/``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from math import floor

from hub.core.doctor import Check, permissions_note, probe
from hub.core.errors import MappingError
from hub.core.http import SlidingWindowLimiter
from hub.core.mapping import map_records
from hub.core.models import Agent, AgentStatus, Call
from hub.core.plugin import HubContext
from plugins.aircall.client import AircallClient
from plugins.aircall.mapping import (
    agent_from_aircall,
    availability_to_aircall,
    call_from_aircall,
    call_started_at,
)
from plugins.aircall.settings import AircallSettings

PLATFORM = "aircall"


class AircallCompany:
    """One Aircall company reached with one API id and token."""

    def __init__(self, client: AircallClient, settings: AircallSettings) -> None:
        self.client, self.settings = client, settings

    async def list_calls(self, since: datetime | None) -> AsyncIterator[list[Call | MappingError]]:
        """Pages of calls, oldest first; a call that cannot be mapped is a ``MappingError`` in its place.

        The entry carries the call's ``started_at`` when that much is readable, so the flow's
        cursor moves past the call once it is parked.
        """
        # ``from`` is inclusive UNIX seconds: flooring keeps a call started in since's second.
        start = floor(since.timestamp()) if since is not None else None
        region = self.settings.default_phone_region
        async for raw_calls in self.client.call_pages(start):
            yield map_records(
                raw_calls,
                lambda raw: call_from_aircall(raw, region),
                platform=PLATFORM,
                record="call",
                stamp=call_started_at,
            )

    async def comment_call(self, call_id: str, body: str) -> None:
        await self.client.comment_call(call_id, body)

    async def list_agents(self) -> list[Agent | MappingError]:
        agents: list[Agent | MappingError] = []
        async for users in self.client.users():
            agents.extend(map_records(users, agent_from_aircall, platform=PLATFORM, record="user"))
        return agents

    async def set_availability(self, user_id: str, status: AgentStatus, reason: str | None) -> Agent:
        # Setting the v2 ``substatus`` through the API is unconfirmed: it goes in the same PUT
        # as the status, and the user read back tells the flow what Aircall actually kept.
        fields = availability_to_aircall(
            status, reason, self.settings.substatus_map, self.settings.available_as
        )
        return agent_from_aircall(await self.client.update_user(user_id, fields))

    async def check(self) -> list[Check]:
        """``GET /v1/ping`` with the company's API id and token (and the clock from its answer)."""
        rows, _ = await probe(
            PLATFORM,
            "",
            lambda: self.client.get_json("ping"),
            auth_fix=(
                "set [plugins.aircall] api_id and api_token (HUB_AIRCALL__API_ID, HUB_AIRCALL__API_TOKEN) "
                "to a pair from Aircall Dashboard > Integrations & API > API keys"
            ),
            date=lambda: self.client.server_date,
            describe=lambda answer: f"ping answered {answer.get('ping', answer)!r}",
        )
        if len(rows) > 1:  # the credentials work: say what the flows need of them
            rows.append(permissions_note(PLATFORM, "", "an admin's API key (calls, comments, users)"))
        return rows


def open_account(settings: AircallSettings, context: HubContext) -> AircallCompany:
    """The company the settings reach, its client paced by the company's one rate limit."""
    limiter = context.rate_limiter(
        PLATFORM,
        settings.requests_per_window,
        settings.window_seconds,
        lambda: SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
    )
    return AircallCompany(
        AircallClient(settings, limiter=limiter, transport=context.transport_for(PLATFORM)), settings
    )
