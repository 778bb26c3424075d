"""Intercom hook implementations (the hub's helpdesk): one workspace, reached through ``operations.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from datetime import datetime
from typing import Any

from hub.core.doctor import Check
from hub.core.hookspecs import hookimpl
from hub.core.limits import CONTACT_TEXT
from hub.core.models import (
    Agent,
    Contact,
    Conversation,
    Note,
    Ref,
    Ticket,
    TicketDraft,
    TicketState,
    TicketType,
)
from hub.core.panel import AppRequest, Panel
from hub.core.plugin import AccountPlugin, Kind
from hub.core.setup import HelpdeskNeeds, SetupItem
from hub.core.webhooks import WebhookEvent
from plugins.intercom import canvas, webhooks
from plugins.intercom.operations import IntercomWorkspace, open_account
from plugins.intercom.settings import IntercomSettings


class IntercomPlugin(AccountPlugin[IntercomWorkspace]):
    """Intercom as the hub's helpdesk: contacts, conversations, notes, tags, tickets, admins."""

    name = "intercom"
    kinds = (Kind.HELPDESK,)
    settings_model = IntercomSettings
    description = "Intercom: contacts, conversations, notes, tags, back-office tickets, admin away mode"
    open_account = staticmethod(open_account)
    limits = {CONTACT_TEXT: 255}  # Intercom keeps 255 characters of a string custom attribute

    # ---- collecting: every helpdesk is asked; a disabled one answers None

    @hookimpl
    def helpdesk_find_contacts(
        self, email: str | None, phone: str | None
    ) -> AsyncIterator[list[Contact]] | None:
        return self.account.find_contacts(email, phone) if self.enabled and (email or phone) else None

    @hookimpl
    def helpdesk_list_conversations(self, since: datetime | None) -> AsyncIterator[list[Conversation]] | None:
        return self.account.list_conversations(since) if self.enabled else None

    @hookimpl
    def helpdesk_list_tickets(
        self, types: list[TicketType], since: datetime | None
    ) -> AsyncIterator[list[Ticket]] | None:
        return self.account.list_tickets(types, since) if self.enabled else None

    @hookimpl
    def helpdesk_list_agents(self) -> Awaitable[list[Agent]] | None:
        return self.account.list_agents() if self.enabled else None

    @hookimpl
    def helpdesk_setup(self, needs: HelpdeskNeeds, apply: bool) -> Awaitable[list[SetupItem]] | None:
        return self.account.setup(needs, apply) if self.enabled else None

    @hookimpl
    def hub_check(self) -> Awaitable[list[Check]] | None:
        return self.account.check() if self.enabled else None

    # ---- actions: routed here only for this workspace's records

    @hookimpl
    async def helpdesk_get_contact(self, ref: Ref) -> Contact:
        return await self.account.get_contact(ref)

    @hookimpl
    async def helpdesk_update_contact(self, ref: Ref, attributes: dict[str, Any]) -> Contact:
        return await self.account.update_contact(ref, attributes)

    @hookimpl
    async def helpdesk_get_ticket(self, ref: Ref) -> Ticket:
        return await self.account.get_ticket(ref)

    @hookimpl
    async def helpdesk_get_conversation(self, ref: Ref) -> Conversation:
        return await self.account.get_conversation(ref)

    @hookimpl
    async def helpdesk_find_conversations(self, contact: Ref, open_only: bool) -> list[Conversation]:
        return await self.account.find_conversations(contact, open_only)

    @hookimpl
    async def helpdesk_create_conversation(self, contact: Ref, body: str) -> Conversation:
        return await self.account.create_conversation(contact, body)

    @hookimpl
    async def helpdesk_add_note(self, target: Ref, body: str) -> Note:
        return await self.account.add_note(target, body)

    @hookimpl
    async def helpdesk_list_notes(self, target: Ref) -> list[Note]:
        return await self.account.list_notes(target)

    @hookimpl
    async def helpdesk_add_tags(self, target: Ref, tags: list[str]) -> None:
        await self.account.add_tags(target, tags)

    @hookimpl
    async def helpdesk_create_ticket(self, draft: TicketDraft) -> Ticket:
        return await self.account.create_ticket(draft)

    @hookimpl
    async def helpdesk_update_ticket(
        self, ref: Ref, state: TicketState | None, attributes: dict[str, Any] | None
    ) -> Ticket:
        return await self.account.update_ticket(ref, state, attributes)

    @hookimpl
    async def helpdesk_link_ticket(self, ticket: Ref, conversation: Ref) -> None:
        await self.account.link_ticket(ticket, conversation)

    @hookimpl
    async def helpdesk_set_agent_away(self, ref: Ref, away: bool, reason: str | None) -> Agent:
        return await self.account.set_agent_away(ref, away, reason)

    # ---- real time (hub serve): routed to the platform named in the URL

    @hookimpl
    def hub_webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify and read a delivery addressed to this platform (``webhooks.read_webhook``)."""
        return webhooks.read_webhook(self.settings, headers, body)

    @hookimpl
    def hub_app_request(self, platform: str, headers: Mapping[str, str], body: bytes) -> AppRequest:
        """Verify an inbox-app (Canvas Kit) request and read it (``webhooks.read_app_request``)."""
        return canvas.app_request(webhooks.read_app_request(self.settings, headers, body))

    @hookimpl
    def hub_app_response(self, platform: str, panel: Panel) -> dict[str, Any]:
        """The panel as a Canvas Kit response body."""
        return canvas.render(panel)
