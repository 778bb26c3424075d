"""Tickets: create (now or queued), read, update, delete, reply, search, link; the queued jobs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from plugins.intercom.emulator.common import (
    an_id,
    at_least,
    body_of,
    required,
    search_body,
    version_of,
    workspace_of,
)
from plugins.intercom.emulator.conversations import admin_reply_part
from plugins.intercom.emulator.errors import ApiError, invalid, not_found
from plugins.intercom.emulator.paging import paginate
from plugins.intercom.emulator.render import render_conversation, render_ticket, render_ticket_reply
from plugins.intercom.emulator.search import Search, ticket_fields
from plugins.intercom.emulator.workspace import BOT, STATE_CATEGORIES, Workspace, version_tuple

LINK_LIMIT = 2_500  # conversations one tracker ticket may link


def _answer(request: Request, ticket: dict[str, Any]) -> JSONResponse:
    return JSONResponse(render_ticket(workspace_of(request), ticket, version_of(request)))


def _new_ticket(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """The ticket a ``create_ticket_request`` describes, created (shared by create and enqueue)."""
    ws = workspace_of(request)
    type_id = an_id(required(body, "ticket_type_id"), "ticket_type_id")
    contacts = required(body, "contacts")
    if not isinstance(contacts, list) or len(contacts) != 1 or not isinstance(contacts[0], dict):
        raise invalid("contacts must hold exactly one contact", field="contacts")
    contact = _find_ticket_contact(ws, contacts[0])
    attributes = body.get("ticket_attributes") or {}
    if not isinstance(attributes, dict):
        raise invalid("ticket_attributes must be an object", field="ticket_attributes")
    link_to = body.get("conversation_to_link_id") if at_least(request, (2, 14)) else None
    assignment = _assignment(ws, body.get("assignment"))
    company_id = ws.company(body["company_id"])["id"] if body.get("company_id") is not None else None
    ticket = ws.add_ticket(
        type_id,
        contact["id"],
        attributes,
        conversation_id=str(link_to) if link_to is not None else None,
        created_at=body.get("created_at"),
    )
    ticket.update(assignment, company_id=company_id)
    return ticket


def _assignment(ws: Workspace, assignment: Any) -> dict[str, Any]:
    """``{"admin_assignee_id", "team_assignee_id"}`` of a new ticket; the admin must exist."""
    if assignment is None:
        return {}
    if not isinstance(assignment, dict):
        raise invalid("assignment must be an object", field="assignment")
    chosen: dict[str, Any] = {}
    if assignment.get("admin_assignee_id") not in (None, "", "0", 0):
        chosen["admin_assignee_id"] = ws.admin(assignment["admin_assignee_id"], "Assignee not found")["id"]
    if assignment.get("team_assignee_id") not in (None, "", "0", 0):
        chosen["team_assignee_id"] = an_id(assignment["team_assignee_id"], "team_assignee_id")
    return chosen


def _find_ticket_contact(ws: Workspace, reference: dict[str, Any]) -> dict[str, Any]:
    if reference.get("id"):
        return ws.contact(reference["id"])
    for key in ("external_id", "email"):
        if reference.get(key):
            for contact in ws.contacts.values():
                if contact.get(key) == reference[key]:
                    return contact
            if key == "email":  # Intercom creates a lead for an unknown email
                return ws.add_contact(email=reference["email"], role="lead")
    raise not_found("not_found", "User Not Found")


async def create_ticket(request: Request) -> JSONResponse:
    return _answer(request, _new_ticket(request, await body_of(request)))


async def enqueue_ticket(request: Request) -> JSONResponse:
    """``POST /tickets/enqueue``: a job; the emulator creates the ticket at once, the job says pending."""
    ws = workspace_of(request)
    ticket = _new_ticket(request, await body_of(request))
    job_id = str(ws.next_number("job", 1))
    base = str(request.base_url).rstrip("/")
    ws.jobs[job_id] = {"id": job_id, "ticket_id": ticket["id"], "base": base}
    return JSONResponse(
        {
            "type": "job",
            "id": job_id,
            "status": "pending",
            "url": f"{base}/jobs/status/{job_id}",
            "resource_type": "ticket",
            "resource_id": None,
            "resource_url": None,
        }
    )


async def job_status(request: Request) -> JSONResponse:
    """``GET /jobs/status/{id}``: a queued ticket's job, done."""
    ws = workspace_of(request)
    job = ws.jobs.get(request.path_params["job_id"])
    if job is None:
        raise not_found("not_found", "Resource Not Found")
    return JSONResponse(
        {
            "type": "job",
            "id": job["id"],
            "status": "success",
            "resource_type": "ticket",
            "resource_id": job["ticket_id"],
            "resource_url": f"{job['base']}/tickets/{job['ticket_id']}",
        }
    )


async def get_ticket(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return _answer(request, ws.ticket(request.path_params["ticket_id"]))


async def update_ticket(request: Request) -> JSONResponse:
    """``PUT /tickets/{id}``: attributes, state (by id from 2.12), open, snooze, share, assignee."""
    ws = workspace_of(request)
    ticket = ws.ticket(request.path_params["ticket_id"])
    body = await body_of(request)
    ticket_type = ws.ticket_types[ticket["type_id"]]
    attributes = body.get("ticket_attributes") or {}
    if not isinstance(attributes, dict):
        raise invalid("ticket_attributes must be an object", field="ticket_attributes")
    ws.check_ticket_attributes(ticket_type, attributes, creating=False)
    new_state = _requested_state(ws, ticket, body, version_of(request))
    changes = _other_changes(ws, body)
    ticket["attributes"].update(attributes)
    ticket.update(changes)
    if "open" in body:
        ticket["open"] = bool(body["open"])
    if new_state is not None and new_state["id"] != ticket["state_id"]:
        previous = ws.ticket_states[ticket["state_id"]]["category"]
        ticket["state_id"] = new_state["id"]
        ticket["open"] = new_state["category"] != "resolved"
        ws.add_part(
            ticket,
            "ticket_state_updated_by_admin",
            None,
            dict(BOT),
            type="ticket_part",
            ticket_state=new_state["category"],
            previous_ticket_state=previous,
        )
    ticket["updated_at"] = ws.now()
    return _answer(request, ticket)


def _other_changes(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """``snoozed_until``, ``is_shared``, ``company_id`` and the assignee (checked, not applied yet)."""
    changes: dict[str, Any] = {}
    if body.get("snoozed_until") is not None:
        if isinstance(body["snoozed_until"], bool) or not isinstance(body["snoozed_until"], int):
            raise invalid("snoozed_until must be a UNIX timestamp", field="snoozed_until")
        changes["snoozed_until"] = body["snoozed_until"]
    if "is_shared" in body:
        if not isinstance(body["is_shared"], bool):
            raise invalid("is_shared must be a boolean", field="is_shared")
        changes["is_shared"] = body["is_shared"]
    if body.get("company_id") is not None:
        changes["company_id"] = ws.company(body["company_id"])["id"]
    if body.get("admin_id") is not None and an_id(body["admin_id"], "admin_id") not in ws.admins:
        raise not_found("assignee_not_found", "Assignee not found")  # so Intercom words it
    if body.get("assignee_id") is not None:
        assignee = an_id(body["assignee_id"], "assignee_id")
        if assignee != "0" and assignee not in ws.admins:
            raise not_found("assignee_not_found", "Assignee not found")
        changes["admin_assignee_id"] = None if assignee == "0" else assignee
    return changes


def _requested_state(
    ws: Workspace, ticket: dict[str, Any], body: dict[str, Any], version: str
) -> dict[str, Any] | None:
    """``ticket_state_id`` from 2.12, the bare ``state`` category before (reference §6)."""
    if version_tuple(version) >= (2, 12):
        state_id = body.get("ticket_state_id")
        if state_id is None:
            return None
        state = ws.ticket_states.get(str(state_id))
        if state is None or state["ticket_type_id"] != ticket["type_id"]:
            raise invalid(
                "Ticket state id is not valid or is not associated with the ticket type",
                field="ticket_state_id",
                code="ticket_state_id_invalid",
            )
        return state
    category = body.get("state")
    if category is None:
        return None
    if category not in STATE_CATEGORIES[1:]:
        raise invalid(f"state {category!r} is not valid", field="state")
    return ws.state_of_type(ticket["type_id"], category)


async def delete_ticket(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    ticket = ws.ticket(request.path_params["ticket_id"])
    del ws.tickets[ticket["id"]]
    for conversation in ws.conversations.values():
        conversation["links"] = [link for link in conversation["links"] if link[1] != ticket["id"]]
    return JSONResponse({"id": ticket["id"], "object": "ticket", "deleted": True})


async def reply_ticket(request: Request) -> JSONResponse:
    """``POST /tickets/{id}/reply``: an admin's part, or a contact's comment on a Customer ticket."""
    ws = workspace_of(request)
    ticket = ws.tickets.get(request.path_params["ticket_id"])
    if ticket is None:  # this endpoint's 404 is the generic one, unlike the others on tickets
        raise not_found("not_found", "Resource Not Found")
    body = await body_of(request)
    if body.get("type") == "user":
        return JSONResponse(render_ticket_reply(_user_reply(ws, ticket, body)))
    message_type, text, author = admin_reply_part(ws, body)
    part = ws.add_part(ticket, message_type, text or None, author, type="ticket_part")
    if message_type == "note" and body.get("cross_post"):
        for kind, conversation_id, *_ in ticket["links"]:
            if kind == "conversation" and conversation_id in ws.conversations:
                ws.add_part(ws.conversations[conversation_id], "note", text, author)
    return JSONResponse(render_ticket_reply(part))


def _user_reply(ws: Workspace, ticket: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    if ws.ticket_types[ticket["type_id"]]["category"] != "Customer":
        raise invalid("User replies are not allowed on Backoffice tickets", code="parameter_mismatch")
    contact = ws.find_contact(
        intercom_user_id=body.get("intercom_user_id"), user_id=body.get("user_id"), email=body.get("email")
    )
    if required(body, "message_type") != "comment":
        raise invalid("message_type must be comment", field="message_type")
    text = required(body, "body")
    return ws.add_part(ticket, "comment", text, ws.contact_author(contact), type="ticket_part")


async def search_tickets(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    query, size, cursor = search_body(await body_of(request), 20)
    # The tickets search documentation allows <= and >= on created_at.
    search = Search(ticket_fields(ws), ws.tz(), extra_date_operators={"created_at": {"<=", ">="}})
    typed = search.validate(query)
    found = sorted(
        (t for t in ws.tickets.values() if search.matches(t, typed)),
        key=lambda t: (t["created_at"], int(t["id"])),
    )
    page, pages = paginate(found, size, cursor)
    version = version_of(request)
    return JSONResponse(
        {
            "type": "ticket.list",
            "tickets": [render_ticket(ws, t, version) for t in page],
            "total_count": len(found),
            "pages": pages,
        }
    )


async def link_conversation(request: Request) -> JSONResponse:
    """``POST /tickets/{id}/linked_conversations``: tracker tickets only (after 2.14; unconfirmed codes)."""
    ws = workspace_of(request)
    if not at_least(request, (2, 15)):
        raise not_found("not_found", "Resource Not Found")
    ticket = ws.ticket(request.path_params["ticket_id"])
    body = await body_of(request)
    conversation = ws.conversations.get(str(required(body, "conversation_id")))
    if conversation is None:
        raise not_found("conversation_not_found", "Conversation not found")
    if ws.ticket_types[ticket["type_id"]]["category"] != "Tracker":
        raise ApiError(400, "invalid_ticket_type", "Conversations can only be linked to tracker tickets")
    if ("conversation", conversation["id"]) not in ticket["links"] and len(ticket["links"]) >= LINK_LIMIT:
        raise ApiError(400, "linked_conversation_limit_exceeded", "Linked conversation limit exceeded")
    ws.link(ticket, conversation)
    ticket["updated_at"] = ws.now()
    return JSONResponse(render_conversation(ws, conversation, with_parts=True))
