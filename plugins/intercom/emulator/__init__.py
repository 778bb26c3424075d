"""A faithful in-memory Intercom REST API (Starlette), for tests and the sandbox.

It answers every operation of Intercom's OpenAPI 2.14 description under the tags the hub or an
agent's routine touches: Admins, Away Status Reasons, Contacts, Conversations, Data Attributes,
Notes, Tags, Ticket States, Ticket Types, Tickets (``tests/plugins/intercom/test_contract.py``
walks the description and holds every answer to it; ``docs/emulators.md`` says what is left out).

What it reproduces (shared/reference/intercom.md §9): Bearer auth with the 401 ``error.list``
body and no rate-limit headers; ``Intercom-Version`` (absent -> the workspace default, unknown ->
400); a per-app fixed 10-second window plus a per-workspace minute window with
``X-RateLimit-Limit/Remaining/Reset`` on every authenticated answer and a 429
``rate_limit_exceeded`` body; opaque cursor pagination (``per_page`` clamped to 150); the search
query language with operator/type rules, whole-day date comparisons in the workspace timezone,
at most 2 nesting levels and 15 filters per group, dates and integers sent as numbers or as
strings of digits; contacts whose custom attributes must exist as data attributes of the right
type, with notes, tags, companies, segments and subscriptions; conversations with parts, tags,
participants, assignment, snoozing and redaction; ticket types with their attributes and states,
tickets whose state moves by category; admins with away mode, away status reasons and an
activity log; every error in the ``error.list`` envelope with a ``request_id``.

The package: ``workspace`` (state and rules), ``render`` (Intercom's JSON), ``search``,
``paging``, ``gate`` (auth, version, limits), one module of handlers per area (``admins``,
``contacts``, ``contact_links``, ``conversations``, ``tickets``, ``catalog``), ``app`` (routes)
and ``seed``. Run standalone: ``python -m plugins.intercom.emulator --port 8010 [--token T]``.
"""

from __future__ import annotations

from plugins.intercom.emulator.app import ROUTES, create_app
from plugins.intercom.emulator.errors import ApiError, error_response, fault_body, not_found
from plugins.intercom.emulator.render import (
    render_admin,
    render_contact,
    render_conversation,
    render_state,
    render_ticket,
    render_ticket_type,
)
from plugins.intercom.emulator.search import OPERATORS, FieldSpec, Search
from plugins.intercom.emulator.seed import (
    CS_ASSIST_DATA_ATTRIBUTES,
    SANDBOX_TOKEN,
    TICKET_TYPE_ATTRIBUTES,
    build_seed,
    seed_catalog,
    seed_companies,
    seed_from_world,
)
from plugins.intercom.emulator.workspace import VERSIONS, Workspace, sign_webhook, version_tuple

__all__ = [
    "CS_ASSIST_DATA_ATTRIBUTES",
    "OPERATORS",
    "ROUTES",
    "SANDBOX_TOKEN",
    "TICKET_TYPE_ATTRIBUTES",
    "VERSIONS",
    "ApiError",
    "FieldSpec",
    "Search",
    "Workspace",
    "build_seed",
    "create_app",
    "error_response",
    "fault_body",
    "not_found",
    "render_admin",
    "render_contact",
    "render_conversation",
    "render_state",
    "render_ticket",
    "render_ticket_type",
    "seed_catalog",
    "seed_companies",
    "seed_from_world",
    "sign_webhook",
    "version_tuple",
]
