"""The emulator's routes: every operation of Intercom's 2.14 description under the tags the hub uses.

Admins, Away Status Reasons, Contacts (with their notes, tags, companies, segments and
subscriptions), Conversations, Data Attributes, Notes, Tags, Ticket States, Ticket Types and
Tickets, plus the job status a queued ticket points at and the tracker-ticket link that arrived
after 2.14. ``tests/plugins/intercom/test_contract.py`` walks the description and fails on any
operation of those tags with no route here.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.sandbox.emulator import FaultMiddleware, Faults
from plugins.intercom.emulator import admins, catalog, contact_links, contacts, conversations, tickets
from plugins.intercom.emulator.errors import ApiError, error_response, fault_body
from plugins.intercom.emulator.gate import Gate
from plugins.intercom.emulator.setup_api import setup_routes
from plugins.intercom.emulator.workspace import Workspace


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.field)


async def route_not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    if status == 405:
        return error_response(405, "method_not_allowed", "Method Not Allowed")
    return error_response(404, "not_found", "Resource Not Found")


def _get(path: str, endpoint: object) -> Route:
    return Route(path, endpoint, methods=["GET"])  # type: ignore[arg-type]


def _post(path: str, endpoint: object) -> Route:
    return Route(path, endpoint, methods=["POST"])  # type: ignore[arg-type]


def _put(path: str, endpoint: object) -> Route:
    return Route(path, endpoint, methods=["PUT"])  # type: ignore[arg-type]


def _delete(path: str, endpoint: object) -> Route:
    return Route(path, endpoint, methods=["DELETE"])  # type: ignore[arg-type]


ADMIN_ROUTES = [
    Route("/me", admins.me),
    _get("/admins", admins.list_admins),
    _get("/admins/activity_logs", admins.list_activity_logs),  # before /admins/{admin_id}
    _get("/admins/{admin_id}", admins.get_admin),
    _put("/admins/{admin_id}/away", admins.set_away),
    _get("/away_status_reasons", admins.list_away_reasons),
]
CONTACT_ROUTES = [
    _get("/contacts", contacts.list_contacts),
    _post("/contacts", contacts.create_contact),
    _post("/contacts/search", contacts.search_contacts),
    _post("/contacts/merge", contacts.merge_contacts),
    _get("/contacts/find_by_external_id/{external_id}", contacts.find_by_external_id),
    _get("/contacts/{contact_id}", contacts.get_contact),
    _put("/contacts/{contact_id}", contacts.update_contact),
    _delete("/contacts/{contact_id}", contacts.delete_contact),
    _post("/contacts/{contact_id}/archive", contacts.archive_contact),
    _post("/contacts/{contact_id}/unarchive", contacts.unarchive_contact),
    _post("/contacts/{contact_id}/block", contacts.block_contact),
    _get("/contacts/{contact_id}/notes", contact_links.list_notes),
    _post("/contacts/{contact_id}/notes", contact_links.create_note),
    _get("/notes/{note_id}", contact_links.get_note),
    _get("/contacts/{contact_id}/tags", contact_links.list_contact_tags),
    _post("/contacts/{contact_id}/tags", contact_links.tag_contact),
    _delete("/contacts/{contact_id}/tags/{tag_id}", contact_links.untag_contact),
    _get("/contacts/{contact_id}/companies", contact_links.list_contact_companies),
    _post("/contacts/{contact_id}/companies", contact_links.attach_company),
    _delete("/contacts/{contact_id}/companies/{company_id}", contact_links.detach_company),
    _get("/companies/{company_id}/contacts", contact_links.list_company_contacts),
    _get("/contacts/{contact_id}/segments", contact_links.list_contact_segments),
    _get("/contacts/{contact_id}/subscriptions", contact_links.list_contact_subscriptions),
    _post("/contacts/{contact_id}/subscriptions", contact_links.attach_subscription),
    _delete("/contacts/{contact_id}/subscriptions/{subscription_id}", contact_links.detach_subscription),
]
CONVERSATION_ROUTES = [
    _get("/conversations", conversations.list_conversations),
    _post("/conversations", conversations.create_conversation),
    _post("/conversations/search", conversations.search_conversations),
    _post("/conversations/redact", conversations.redact),
    _get("/conversations/{conversation_id}", conversations.get_conversation),
    _put("/conversations/{conversation_id}", conversations.update_conversation),
    _delete("/conversations/{conversation_id}", conversations.delete_conversation),
    _post("/conversations/{conversation_id}/reply", conversations.reply_conversation),
    _post("/conversations/{conversation_id}/parts", conversations.manage_conversation),
    _post("/conversations/{conversation_id}/customers", conversations.attach_customer),
    _delete("/conversations/{conversation_id}/customers/{contact_id}", conversations.detach_customer),
    _post("/conversations/{conversation_id}/convert", conversations.convert_to_ticket),
    _post("/conversations/{conversation_id}/tags", catalog.attach_tag),
    _delete("/conversations/{conversation_id}/tags/{tag_id}", catalog.detach_tag),
]
CATALOG_ROUTES = [
    _get("/tags", catalog.list_tags),
    _post("/tags", catalog.create_tag),
    _get("/tags/{tag_id}", catalog.get_tag),
    _delete("/tags/{tag_id}", catalog.delete_tag),
    _get("/data_attributes", catalog.list_data_attributes),
    _post("/data_attributes", catalog.create_data_attribute),
    _put("/data_attributes/{data_attribute_id}", catalog.update_data_attribute),
    _get("/ticket_types", catalog.list_ticket_types),
    _post("/ticket_types", catalog.create_ticket_type),
    _get("/ticket_types/{ticket_type_id}", catalog.get_ticket_type),
    _put("/ticket_types/{ticket_type_id}", catalog.update_ticket_type),
    _get("/ticket_states", catalog.list_ticket_states),
]
TICKET_ROUTES = [
    _post("/tickets", tickets.create_ticket),
    _post("/tickets/enqueue", tickets.enqueue_ticket),
    _post("/tickets/search", tickets.search_tickets),
    _get("/tickets/{ticket_id}", tickets.get_ticket),
    _put("/tickets/{ticket_id}", tickets.update_ticket),
    _delete("/tickets/{ticket_id}", tickets.delete_ticket),
    _post("/tickets/{ticket_id}/reply", tickets.reply_ticket),
    _post("/tickets/{ticket_id}/tags", catalog.attach_tag),
    _delete("/tickets/{ticket_id}/tags/{tag_id}", catalog.detach_tag),
    _post("/tickets/{ticket_id}/linked_conversations", tickets.link_conversation),
    _get("/jobs/status/{job_id}", tickets.job_status),
]
ROUTES = [*ADMIN_ROUTES, *CONTACT_ROUTES, *CONVERSATION_ROUTES, *CATALOG_ROUTES, *TICKET_ROUTES]


def create_app(workspace: Workspace | None = None, faults: Faults | None = None) -> Starlette:
    """The emulator app; ``app.state.emulator`` is the ``Workspace`` (state and knobs)."""
    ws = workspace if workspace is not None else Workspace()
    app = Starlette(
        routes=[*setup_routes(), *ROUTES],  # hub setup's endpoints first: they answer in full
        exception_handlers={ApiError: api_error, 404: route_not_found, 405: route_not_found},
    )
    app.state.emulator = ws
    app.state.faults = faults or Faults()
    app.add_middleware(Gate, workspace=ws)
    app.add_middleware(FaultMiddleware, faults=app.state.faults, error_body=fault_body)
    return app
