"""The hub's hook specifications.

Hooks are grouped by capability and named after it: ``helpdesk_*`` (the support inbox),
``commerce_*`` (stores), ``telephony_*`` (the phone system) and ``hub_*`` (plugin lifecycle).

Two kinds of hook:

* **Action hooks** act on one record and are ``firstresult``. The facade (``hub.core.facade``)
  routes each call to the one plugin that owns the record (``ref.platform`` is its name) and
  asks no other, so an implementation is one ``async def`` that never sees another
  platform's record. ``CapabilityMissing`` when the platform is not an enabled plugin or does
  not implement the hook.
* **Collecting hooks** gather from every enabled plugin (look-ups across platforms);
  ``Hub.collect`` awaits all results concurrently and flattens them. An implementation of a
  disabled plugin returns ``None``.
* **Paged hooks** (``hookinfo.PAGE_ITEMS``: the ``*_list_*`` reads and the contact look-up)
  answer with an async iterator of pages, each sent for only when the consumer asks, so a read
  holds one page whatever the number of records; ``Hub.pages`` chains every plugin's pages, and
  ``Hub.routed_pages`` reads a first-result one (``commerce_list_orders``) from its owner.

Implementations are ``async def`` methods (or, for paged hooks, functions returning an async
iterator of pages).

Records that cannot be mapped. Every mapper raises ``MappingError`` (platform, record kind,
record id, field, reason; ``hub.core.mapping``). Hooks reading lists of records from a platform
(the ``*_list_*`` pages, ``commerce_find_customers``, ``commerce_list_orders``,
``commerce_list_subscriptions``, ``*_list_agents``) put a ``MappingError`` in place of a record
they cannot map (``hub.core.mapping.map_records``), never fail the whole list for it: a flow
parks the entry in the dead-letter table with its reason and goes on with the rest
(``split_unreadable`` separates them). In a page the entry keeps its place in the page order
and carries it (``MappingError.at``) so the flow's cursor moves past it once parked. Look-ups
that decide who a record belongs to (``helpdesk_find_contacts``, ``helpdesk_find_conversations``)
raise instead: a guess from the readable part could pick the wrong person, so the flow parks the
record it was handling.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy

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
    import typer

    from hub.core.doctor import Check
    from hub.core.panel import AppRequest, Panel
    from hub.core.plugin import HubContext, Kind, PluginInfo
    from hub.core.setup import HelpdeskNeeds, SetupItem
    from hub.core.webhooks import WebhookEvent
    from hub.sandbox.world import SandboxApp, SandboxWorld

PROJECT = "hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Pages = AsyncIterator[list[Any]]


# --------------------------------------------------------------------------- lifecycle


@hookspec
def hub_plugin_info() -> PluginInfo:
    """Describe the plugin: name, platform, kinds and the capabilities it supports.

    Called by the plugin manager at load time and by ``hub plugins``. Collecting.
    """


@hookspec
def hub_settings_model() -> tuple[str, type] | None:
    """Return ``(plugin name, settings model)`` used to validate ``[plugins.<name>]``.

    Called by the config loader before anything starts. Collecting. The model must subclass
    ``hub.core.plugin.PluginSettings`` (``enabled`` plus the plugin's keys; unknown keys refused).
    """


@hookspec
def hub_startup(context: HubContext) -> Awaitable[None] | None:
    """Open HTTP clients and read this plugin's validated settings from ``context``.

    Called once by ``Hub.start`` for every registered plugin; a disabled plugin returns ``None``.
    Collecting.
    """


@hookspec
def hub_shutdown() -> Awaitable[None] | None:
    """Close what ``hub_startup`` opened. Called by ``Hub.stop``. Collecting."""


@hookspec
def hub_sandbox(world: SandboxWorld, kind: Kind) -> SandboxApp | None:
    """Build this plugin's emulator seeded from the shared sandbox ``world``.

    Called by the sandbox once per kind, stores first (they add their orders and subscriptions
    to ``world``), then helpdesks, then telephony; a plugin answers only for its own kind.
    Collecting.
    """


@hookspec
def hub_cli_commands(app: typer.Typer) -> None:
    """Add commands to the ``hub`` command line (typer): ``app.command()(function)`` or
    ``app.add_typer(group, name="...")``.

    Called once by ``hub.cli.build_app`` with every installed plugin, enabled or not: the
    config file that enables plugins is a command's own option (``HUB_LOAD_PLUGINS`` applies).
    The hub's own commands are added first, through this hook too; a plugin's command whose name
    is taken is left out with a warning on stderr. Import what a command needs inside the
    command, so that ``hub --help`` stays quick. Collecting.
    """


@hookspec
def hub_check() -> Awaitable[list[Check]] | None:
    """Check this plugin against its live platform: one row per account (or store) and check.

    Called by ``hub doctor`` (and ``hub config check --live``). Collecting: every enabled
    plugin answers for itself, a disabled one with ``None``. For each account: one cheap
    authenticated call (``credentials``: what the answer shows, or what is wrong and how to fix
    it), the permissions the hub's flows need where the platform reports them
    (``permissions``), and the clock skew from the answer's ``Date`` header (``clock``); see
    ``hub.core.doctor.probe``. Never raises for a platform's refusal: it is a row.
    """


# --------------------------------------------------------------------------- helpdesk


@hookspec
def helpdesk_setup(needs: HelpdeskNeeds, apply: bool) -> Awaitable[list[SetupItem]] | None:
    """Compare what the helpdesk holds with what the hub's flows need; create what is missing.

    Called by ``hub setup`` (``apply`` False for ``--dry-run``) and ``hub doctor`` (False) with
    the needs of the enabled flows (``hub.core.setup``: contact fields, ticket types and their
    fields, by the hub's keys). Collecting: each enabled helpdesk answers one ``SetupItem`` per
    field and type under the names its settings map the keys to: ``exists``, ``create``,
    ``update`` (there but archived) or ``differs`` (another type: not changed, ``fix`` says what
    to do). A description worded otherwise on the workspace is kept. With ``apply`` it creates
    and updates, and marks those items ``done``; a second call then answers ``exists`` for all.
    """


@hookspec
def helpdesk_find_contacts(email: str | None, phone: str | None) -> Pages | None:
    """Yield pages of the helpdesk contacts with this email or E.164 phone (whichever is given).

    Called by the call-log flow and ``hub serve``. Collecting: an async iterator of pages of
    ``Contact`` per helpdesk. Only exact matches (email any case, phone as E.164:
    ``hub.core.lookup``); loose search hits are dropped. Paged, because an address or a number
    can be shared by thousands of contacts (an office mailbox, a placeholder number).
    """


@hookspec(firstresult=True)
def helpdesk_get_contact(ref: Ref) -> Awaitable[Contact] | None:
    """Fetch one contact by reference. Called by flows that start from a contact id.
    Routed to the owning plugin."""


@hookspec(firstresult=True)
def helpdesk_update_contact(ref: Ref, attributes: dict[str, Any]) -> Awaitable[Contact] | None:
    """Set custom attributes (the CS Assist fields) on a contact; returns the updated contact.

    Called by the CS Assist flow. Routed to the owning plugin.
    """


@hookspec
def helpdesk_list_conversations(since: datetime | None) -> Pages | None:
    """Yield pages of conversations updated at or after ``since``, oldest first.

    Called by the CS Assist flow with its cursor. Collecting: returns an async iterator of
    pages (lists of ``Conversation``) per helpdesk.
    """


@hookspec(firstresult=True)
def helpdesk_get_ticket(ref: Ref) -> Awaitable[Ticket] | None:
    """One ticket by id, as it is now (state and attributes). First-result.

    Called before acting on a ticket known from a snapshot (a webhook's body, a dead letter's
    payload): the agent may have closed or changed it since. Raises ``NotFoundError`` when the
    helpdesk has no such ticket. ``Ticket.notes``: as for ``helpdesk_list_tickets``.
    """


@hookspec(firstresult=True)
def helpdesk_get_conversation(ref: Ref) -> Awaitable[Conversation] | None:
    """One conversation by id, with its contacts, and its notes when the answer holds them all
    (``Conversation.notes``; None otherwise). Called by the tracker report, and by the call log
    to read the conversation a contact's call notes last went on: one read says whether it is
    still open and theirs, and shows the notes its marker check looks through. First-result."""


@hookspec(firstresult=True)
def helpdesk_find_conversations(contact: Ref, open_only: bool) -> Awaitable[list[Conversation]] | None:
    """Conversations of one contact, most recently updated first.

    Called by the call-log flow to find the conversation a call note belongs to. First-result:
    the plugin owning ``contact`` answers.
    """


@hookspec(firstresult=True)
def helpdesk_create_conversation(contact: Ref, body: str) -> Awaitable[Conversation] | None:
    """Open a conversation for a contact (when a call has none to attach to). First-result."""


@hookspec(firstresult=True)
def helpdesk_add_note(target: Ref, body: str) -> Awaitable[Note] | None:
    """Add an internal note to a conversation or ticket (``target.id``) as the hub's admin.

    Called by the call-log and back-office flows; the flow records it in the ledger first.
    First-result: the owning plugin answers with the created ``Note``.
    """


@hookspec(firstresult=True)
def helpdesk_list_notes(target: Ref) -> Awaitable[list[Note]] | None:
    """Internal notes already on a conversation or ticket, oldest first.

    Called by flows before writing a note, to see whether it was written already (a ledger
    entry left pending by a crash, a new state database), when the record as read did not
    bring its notes (``Ticket.notes`` None). First-result.
    """


@hookspec(firstresult=True)
def helpdesk_add_tags(target: Ref, tags: list[str]) -> Awaitable[None] | None:
    """Tag a conversation (tags created by name when missing). First-result."""


@hookspec
def helpdesk_list_tickets(types: list[TicketType], since: datetime | None) -> Pages | None:
    """Yield pages of tickets of the given types updated at or after ``since``, oldest first.

    Called by the back-office and tracker flows. Collecting: an async iterator of pages of
    ``Ticket`` per helpdesk. Set ``Ticket.notes`` when the platform's answer held every note of
    the ticket (the back office then looks for its notes there, not with
    ``helpdesk_list_notes``); leave it None when it may not.
    """


@hookspec(firstresult=True)
def helpdesk_create_ticket(draft: TicketDraft) -> Awaitable[Ticket] | None:
    """Open a ticket (``draft.platform`` routes it); links it to ``draft.conversation_id``.

    First-result.
    """


@hookspec(firstresult=True)
def helpdesk_update_ticket(
    ref: Ref, state: TicketState | None, attributes: dict[str, Any] | None
) -> Awaitable[Ticket] | None:
    """Move a ticket to ``state`` and/or set attributes; returns the updated ticket.

    Called by the back-office and tracker flows. First-result.
    """


@hookspec(firstresult=True)
def helpdesk_link_ticket(ticket: Ref, conversation: Ref) -> Awaitable[None] | None:
    """Link a ticket to a conversation (a duplicate ticket to the first one's conversation).

    First-result.
    """


@hookspec
def helpdesk_list_agents() -> Awaitable[list[Agent]] | None:
    """Every teammate with status and away reason. Called by the agent-status flow. Collecting."""


@hookspec(firstresult=True)
def helpdesk_set_agent_away(ref: Ref, away: bool, reason: str | None) -> Awaitable[Agent] | None:
    """Turn away mode on or off with a reason label. First-result."""


# --------------------------------------------------------------------------- commerce


@hookspec
def commerce_find_customers(email: str | None, phone: str | None) -> Awaitable[list[Customer]]:
    """Find customers by email or E.164 phone in every configured store.

    Called by the CS Assist flow and ``hub lookup``. Collecting: each store plugin answers with
    its matches (carrying their store and brand). Only exact matches (email any case, phone as
    E.164: ``hub.core.lookup``); loose search hits are dropped.
    """


@hookspec(firstresult=True)
def commerce_list_orders(customer: Ref) -> Pages | None:
    """Yield pages of a customer's orders, newest first, with line items, refunds and shipping.

    Called by the CS Assist summary, which folds them page by page: a customer's orders grow
    with every rebill of every subscription. First-result: the plugin owning ``customer``
    answers with an async iterator of pages of ``Order``.
    """


@hookspec(firstresult=True)
def commerce_get_order(ref: Ref) -> Awaitable[Order] | None:
    """One order by id (or order number), with its refunds. First-result.

    The order whose id or number is exactly the one asked (case and a leading ``#`` aside),
    never a near match. Raises ``NotFoundError`` when the store has no such order and
    ``AmbiguousMatch`` (a ``FatalError``) when two orders carry that number.
    """


@hookspec(firstresult=True)
def commerce_refund_order(request: RefundRequest) -> Awaitable[Refund] | None:
    """Refund an order in full or in part, with reason; returns the refund.

    Called by the back-office flow after recording the intent in the ledger. The plugin first
    reads the order's refunds: one already made under ``request.idempotency_key`` is returned
    instead of paying twice; an amount above the refundable balance is refused. First-result.
    """


@hookspec(firstresult=True)
def commerce_list_subscriptions(customer: Ref) -> Awaitable[list[Subscription]] | None:
    """A customer's subscriptions with status. First-result."""


@hookspec(firstresult=True)
def commerce_cancel_subscription(
    ref: Ref, reason: str, idempotency_key: str
) -> Awaitable[Subscription] | None:
    """Cancel a subscription / stop its rebills; cancelling a cancelled one returns it as is.

    First-result.
    """


@hookspec(firstresult=True)
def commerce_change_shipping_address(ref: Ref, address: Address) -> Awaitable[Order] | None:
    """Change the shipping address of an unshipped order; refuses (``FatalError``) once shipped.

    First-result.
    """


@hookspec(firstresult=True)
def commerce_create_replacement_order(request: ReplacementRequest) -> Awaitable[Order] | None:
    """Create a zero-charge replacement for items of an order; returns the new order.

    First-result.
    """


@hookspec(firstresult=True)
def commerce_create_checkout_link(request: CheckoutLinkRequest) -> Awaitable[CheckoutLink] | None:
    """Create a checkout link (draft order / cart) the customer can pay through. First-result."""


@hookspec(firstresult=True)
def commerce_update_consent(customer: Ref, consent: Consent) -> Awaitable[Customer] | None:
    """Set marketing consent on one channel; returns the customer with its consents.

    Consents are read from ``Customer.consents``. First-result.
    """


# --------------------------------------------------------------------------- telephony


@hookspec
def telephony_list_calls(since: datetime | None) -> Pages | None:
    """Yield pages of calls started at or after ``since``, oldest first.

    Called by the call-log flow. Collecting: an async iterator of pages of ``Call``.
    """


@hookspec(firstresult=True)
def telephony_comment_call(ref: Ref, body: str) -> Awaitable[None] | None:
    """Add a comment to a call. First-result."""


@hookspec
def telephony_list_agents() -> Awaitable[list[Agent]] | None:
    """Every telephony user with availability. Called by the agent-status flow. Collecting."""


@hookspec(firstresult=True)
def telephony_set_availability(ref: Ref, status: AgentStatus, reason: str | None) -> Awaitable[Agent] | None:
    """Set a user's availability (available / unavailable, with a substatus). First-result."""


# --------------------------------------------------------------------------- real time (hub serve)


@hookspec(firstresult=True)
def hub_webhook(platform: str, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
    """Verify one webhook delivery addressed to ``platform`` and read it into a ``WebhookEvent``.

    Called by ``hub serve`` for ``POST /webhooks/<platform>`` with the raw body and lower-cased
    headers, before anything is stored. The plugin named ``platform`` answers: it checks the
    platform's signature on the raw bytes (constant-time) before parsing, and raises
    ``hub.core.webhooks.WebhookRefused`` (401 unverified, 400 unreadable). Parse with
    ``read_json_object`` (strict, depth-limited) and take ``occurred_at`` (the replay window)
    and the delivery id from signed data only. Any other exception is answered 400 (the input
    caused it; a 5xx would be retried for days). Routed to the plugin named ``platform``.
    """


@hookspec(firstresult=True)
def hub_app_request(platform: str, headers: Mapping[str, str], body: bytes) -> AppRequest | None:
    """Verify a request from an app the platform hosts (the CS Assist inbox app) and read it.

    Called by ``hub serve`` for ``POST /inbox-app/<platform>/...``, routed to the plugin named
    ``platform``. Raises ``WebhookRefused`` when the signature does not match (401) or the
    request is not of the app's shape (400). Answers the platform-neutral ``AppRequest``.
    """


@hookspec(firstresult=True)
def hub_app_response(platform: str, panel: Panel) -> dict[str, Any] | None:
    """Render the side panel in the platform's app format (a JSON body).

    Called by ``hub serve`` with the ``Panel`` the inbox app built for an ``hub_app_request``;
    routed to the plugin named ``platform``.
    """
