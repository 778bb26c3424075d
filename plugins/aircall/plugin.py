"""Aircall hook implementations (telephony): one company, reached through ``operations.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from datetime import datetime

from hub.core.doctor import Check
from hub.core.errors import MappingError
from hub.core.hookspecs import hookimpl
from hub.core.models import Agent, AgentStatus, Call, Ref
from hub.core.plugin import AccountPlugin, Kind
from hub.core.webhooks import WebhookEvent
from plugins.aircall import webhooks
from plugins.aircall.operations import AircallCompany, open_account
from plugins.aircall.settings import AircallSettings


class AircallPlugin(AccountPlugin[AircallCompany]):
    """Calls, call comments and agent availability on one Aircall company."""

    name = "aircall"
    kinds = (Kind.TELEPHONY,)
    settings_model = AircallSettings
    description = "Aircall: calls since a cursor, call comments, users and their availability"
    unsupported = {}  # every telephony hook is supported
    open_account = staticmethod(open_account)

    @hookimpl
    def telephony_list_calls(self, since: datetime | None) -> AsyncIterator[list[Call | MappingError]] | None:
        return self.account.list_calls(since) if self.enabled else None

    @hookimpl
    def telephony_list_agents(self) -> Awaitable[list[Agent | MappingError]] | None:
        return self.account.list_agents() if self.enabled else None

    @hookimpl
    def hub_check(self) -> Awaitable[list[Check]] | None:
        return self.account.check() if self.enabled else None

    @hookimpl
    async def telephony_comment_call(self, ref: Ref, body: str) -> None:
        await self.account.comment_call(ref.id, body)

    @hookimpl
    async def telephony_set_availability(self, ref: Ref, status: AgentStatus, reason: str | None) -> Agent:
        return await self.account.set_availability(ref.id, status, reason)

    @hookimpl
    def hub_webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify and read a delivery addressed to this platform (``webhooks.read_webhook``)."""
        return webhooks.read_webhook(self.settings, headers, body)
