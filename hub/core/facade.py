"""The typed facade over the hooks: the one place that calls them.

Flows and the serving code call ``hub.commerce.refund_order(request)`` rather than a hook by
name: one method per hook of ``hookspecs.py``, with the hook's own parameters and the type its
implementations answer, so type checkers, editors and readers follow every call. Each method
names its hookspec function itself (never a string) and goes through ``Hub``: action hooks to
the plugin that owns the record (``CapabilityMissing`` when none does), look-ups to every plugin
at once (results flattened), paged hooks (``hookinfo.PAGE_ITEMS``) as streamed pages; the
real-time hooks of ``hub serve`` to the platform named in the URL. ``tests/core/test_facade.py``
checks that the facade and the hookspecs never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hub.core import hookspecs
from hub.core.hookspecs import Pages
from hub.core.models import (
    Address,
    Agent,
    AgentStatus,
    CheckoutLink,
    CheckoutLinkRequest,
    Consent,
    Contact,
    Conversation,
    Customer,
    Note,
    Order,
    Ref,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
    Ticket,
    TicketDraft,
    TicketState,
    TicketType,
)

if TYPE_CHECKING:
    from hub.core.doctor import Check
    from hub.core.manager import Hub
    from hub.core.panel import AppRequest, Panel
    from hub.core.setup import HelpdeskNeeds, SetupItem
    from hub.core.webhooks import WebhookEvent


async def gathered(pages: Pages) -> list[Any]:
    """Every record of a paged hook's answer in one list, for a consumer that needs them all at
    once (a look-up choosing among its matches). Anything reading many records should take the
    pages one at a time instead: this holds them all."""
    return [record async for page in pages for record in page]


class _Capability:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub


def lookback_of(pages: Callable[..., Pages]) -> timedelta:
    """The overlap a cursor read through ``pages`` re-reads before its position.

    ``pages`` is a ``list_*`` method of the facade (``hub.helpdesk.list_tickets``); the hook it
    serves is named after it (``helpdesk_list_tickets``), and the answer is the longest
    ``lookback_minutes`` of the enabled plugins implementing it (``Hub.lookback``). Anything
    else (a test's own page source) has none.
    """
    capability = getattr(pages, "__self__", None)
    if not isinstance(capability, _Capability):
        return timedelta(0)
    return capability._hub.lookback(f"{type(capability).__name__.lower()}_{pages.__name__}")


class Helpdesk(_Capability):
    """The helpdesk hooks (``helpdesk_*``), one typed method each."""

    async def setup(self, needs: HelpdeskNeeds, apply: bool) -> list[SetupItem]:
        """Compare what the helpdesk holds with what the hub's flows need; create what is missing."""
        return await self._hub.collect(hookspecs.helpdesk_setup, needs=needs, apply=apply)

    def find_contacts(self, email: str | None, phone: str | None) -> Pages:
        """Yield pages of the helpdesk contacts with this email or E.164 phone (whichever is given)."""
        return self._hub.pages(hookspecs.helpdesk_find_contacts, email=email, phone=phone)

    async def get_contact(self, ref: Ref) -> Contact:
        """Fetch one contact by reference. Called by flows that start from a contact id."""
        return await self._hub.route(hookspecs.helpdesk_get_contact, ref, ref=ref)

    async def update_contact(self, ref: Ref, attributes: dict[str, Any]) -> Contact:
        """Set custom attributes (the CS Assist fields) on a contact; returns the updated contact."""
        return await self._hub.route(hookspecs.helpdesk_update_contact, ref, ref=ref, attributes=attributes)

    def list_conversations(self, since: datetime | None) -> Pages:
        """Yield pages of conversations updated at or after ``since``, oldest first."""
        return self._hub.pages(hookspecs.helpdesk_list_conversations, since=since)

    async def get_ticket(self, ref: Ref) -> Ticket:
        """One ticket by id, as it is now (state and attributes). First-result."""
        return await self._hub.route(hookspecs.helpdesk_get_ticket, ref, ref=ref)

    async def get_conversation(self, ref: Ref) -> Conversation:
        """One conversation by id, with its contacts, and its notes when the answer holds them all
        (``Conversation.notes``; None otherwise). Called by the tracker report, and by the call log
        to read the conversation a contact's call notes last went on: one read says whether it is
        still open and theirs, and shows the notes its marker check looks through. First-result."""
        return await self._hub.route(hookspecs.helpdesk_get_conversation, ref, ref=ref)

    async def find_conversations(self, contact: Ref, open_only: bool) -> list[Conversation]:
        """Conversations of one contact, most recently updated first."""
        return await self._hub.route(
            hookspecs.helpdesk_find_conversations, contact, contact=contact, open_only=open_only
        )

    async def create_conversation(self, contact: Ref, body: str) -> Conversation:
        """Open a conversation for a contact (when a call has none to attach to). First-result."""
        return await self._hub.route(
            hookspecs.helpdesk_create_conversation, contact, contact=contact, body=body
        )

    async def add_note(self, target: Ref, body: str) -> Note:
        """Add an internal note to a conversation or ticket (``target.id``) as the hub's admin."""
        return await self._hub.route(hookspecs.helpdesk_add_note, target, target=target, body=body)

    async def list_notes(self, target: Ref) -> list[Note]:
        """Internal notes already on a conversation or ticket, oldest first."""
        return await self._hub.route(hookspecs.helpdesk_list_notes, target, target=target)

    async def add_tags(self, target: Ref, tags: list[str]) -> None:
        """Tag a conversation (tags created by name when missing). First-result."""
        return await self._hub.route(hookspecs.helpdesk_add_tags, target, target=target, tags=tags)

    def list_tickets(self, types: list[TicketType], since: datetime | None) -> Pages:
        """Yield pages of tickets of the given types updated at or after ``since``, oldest first."""
        return self._hub.pages(hookspecs.helpdesk_list_tickets, types=types, since=since)

    async def create_ticket(self, draft: TicketDraft) -> Ticket:
        """Open a ticket (``draft.platform`` routes it); links it to ``draft.conversation_id``."""
        return await self._hub.route(hookspecs.helpdesk_create_ticket, draft, draft=draft)

    async def update_ticket(
        self, ref: Ref, state: TicketState | None, attributes: dict[str, Any] | None
    ) -> Ticket:
        """Move a ticket to ``state`` and/or set attributes; returns the updated ticket."""
        return await self._hub.route(
            hookspecs.helpdesk_update_ticket, ref, ref=ref, state=state, attributes=attributes
        )

    async def link_ticket(self, ticket: Ref, conversation: Ref) -> None:
        """Link a ticket to a conversation (a duplicate ticket to the first one's conversation)."""
        return await self._hub.route(
            hookspecs.helpdesk_link_ticket, ticket, ticket=ticket, conversation=conversation
        )

    async def list_agents(self) -> list[Agent]:
        """Every teammate with status and away reason. Called by the agent-status flow. Collecting."""
        return await self._hub.collect(hookspecs.helpdesk_list_agents)

    async def set_agent_away(self, ref: Ref, away: bool, reason: str | None) -> Agent:
        """Turn away mode on or off with a reason label. First-result."""
        return await self._hub.route(
            hookspecs.helpdesk_set_agent_away, ref, ref=ref, away=away, reason=reason
        )


class Commerce(_Capability):
    """The commerce hooks (``commerce_*``), one typed method each."""

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer]:
        """Find customers by email or E.164 phone in every configured store."""
        return await self._hub.collect(hookspecs.commerce_find_customers, email=email, phone=phone)

    def list_orders(self, customer: Ref) -> Pages:
        """Yield pages of a customer's orders, newest first, with line items, refunds and shipping."""
        return self._hub.routed_pages(hookspecs.commerce_list_orders, customer, customer=customer)

    async def get_order(self, ref: Ref) -> Order:
        """One order by id (or order number), with its refunds. First-result."""
        return await self._hub.route(hookspecs.commerce_get_order, ref, ref=ref)

    async def refund_order(self, request: RefundRequest) -> Refund:
        """Refund an order in full or in part, with reason; returns the refund."""
        return await self._hub.route(hookspecs.commerce_refund_order, request.order, request=request)

    async def list_subscriptions(self, customer: Ref) -> list[Subscription]:
        """A customer's subscriptions with status. First-result."""
        return await self._hub.route(hookspecs.commerce_list_subscriptions, customer, customer=customer)

    async def cancel_subscription(self, ref: Ref, reason: str, idempotency_key: str) -> Subscription:
        """Cancel a subscription / stop its rebills; cancelling a cancelled one returns it as is."""
        return await self._hub.route(
            hookspecs.commerce_cancel_subscription,
            ref,
            ref=ref,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    async def change_shipping_address(self, ref: Ref, address: Address) -> Order:
        """Change the shipping address of an unshipped order; refuses (``FatalError``) once shipped."""
        return await self._hub.route(
            hookspecs.commerce_change_shipping_address, ref, ref=ref, address=address
        )

    async def create_replacement_order(self, request: ReplacementRequest) -> Order:
        """Create a zero-charge replacement for items of an order; returns the new order."""
        return await self._hub.route(
            hookspecs.commerce_create_replacement_order, request.order, request=request
        )

    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        """Create a checkout link (draft order / cart) the customer can pay through. First-result."""
        return await self._hub.route(hookspecs.commerce_create_checkout_link, request, request=request)

    async def update_consent(self, customer: Ref, consent: Consent) -> Customer:
        """Set marketing consent on one channel; returns the customer with its consents."""
        return await self._hub.route(
            hookspecs.commerce_update_consent, customer, customer=customer, consent=consent
        )


class Telephony(_Capability):
    """The telephony hooks (``telephony_*``), one typed method each."""

    def list_calls(self, since: datetime | None) -> Pages:
        """Yield pages of calls started at or after ``since``, oldest first."""
        return self._hub.pages(hookspecs.telephony_list_calls, since=since)

    async def comment_call(self, ref: Ref, body: str) -> None:
        """Add a comment to a call. First-result."""
        return await self._hub.route(hookspecs.telephony_comment_call, ref, ref=ref, body=body)

    async def list_agents(self) -> list[Agent]:
        """Every telephony user with availability. Called by the agent-status flow. Collecting."""
        return await self._hub.collect(hookspecs.telephony_list_agents)

    async def set_availability(self, ref: Ref, status: AgentStatus, reason: str | None) -> Agent:
        """Set a user's availability (available / unavailable, with a substatus). First-result."""
        return await self._hub.route(
            hookspecs.telephony_set_availability, ref, ref=ref, status=status, reason=reason
        )


class Admin(_Capability):
    """The hub's own hooks about the plugins themselves (``hub doctor``), one typed method each."""

    async def check(self) -> list[Check]:
        """Check every enabled plugin against its live platform: credentials, permissions, clock."""
        return await self._hub.collect(hookspecs.hub_check)


class Serving(_Capability):
    """The real-time hooks ``hub serve`` calls, routed to the platform named in the URL."""

    async def webhook(self, platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify one webhook delivery and read it (``WebhookRefused`` 401/400 when not)."""
        return await self._hub.route(
            hookspecs.hub_webhook, platform, platform=platform, headers=headers, body=body
        )

    async def app_request(self, platform: str, headers: Mapping[str, str], body: bytes) -> AppRequest:
        """Verify and read a request of the platform's side-panel app."""
        return await self._hub.route(
            hookspecs.hub_app_request, platform, platform=platform, headers=headers, body=body
        )

    async def app_response(self, platform: str, panel: Panel) -> dict[str, Any]:
        """The panel rendered in the platform's app format, as a JSON body."""
        return await self._hub.route(hookspecs.hub_app_response, platform, platform=platform, panel=panel)
