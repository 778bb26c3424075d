"""Conversations: list, create, read, update, delete, search, reply, manage, participants, redact, convert."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from plugins.intercom.emulator.common import (
    an_id,
    body_of,
    optional_text,
    required,
    search_body,
    version_of,
    workspace_of,
)
from plugins.intercom.emulator.errors import ApiError, invalid, not_found
from plugins.intercom.emulator.paging import paginate, per_page
from plugins.intercom.emulator.render import as_plaintext, render_conversation, render_ticket
from plugins.intercom.emulator.search import Search, conversation_fields
from plugins.intercom.emulator.workspace import Workspace

REDACTED_BODY = "<p><i>This message was deleted</i></p>"
ADMIN_MESSAGE_TYPES = ("comment", "note", "quick_reply")
USER_MESSAGE_TYPES = ("comment", "quick_reply")


def _list(ws: Workspace, found: list[dict[str, Any]], size: int, cursor: str | None) -> JSONResponse:
    page, pages = paginate(found, size, cursor)
    return JSONResponse(
        {
            "type": "conversation.list",
            "conversations": [render_conversation(ws, c, with_parts=False) for c in page],
            "total_count": len(found),
            "pages": pages,
        }
    )


def _answer(ws: Workspace, conversation: dict[str, Any], request: Request | None = None) -> JSONResponse:
    """The conversation with its parts; bodies in plain text when ``display_as=plaintext`` is asked."""
    rendered = render_conversation(ws, conversation, with_parts=True)
    if request is not None and request.query_params.get("display_as") == "plaintext":
        rendered = as_plaintext(rendered)
    return JSONResponse(rendered)


async def list_conversations(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    size = per_page(request.query_params.get("per_page"), 20)
    # Newest-updated first (reference §9.3, unconfirmed).
    ordered = sorted(ws.conversations.values(), key=lambda c: (c["updated_at"], int(c["id"])), reverse=True)
    return _list(ws, ordered, size, request.query_params.get("starting_after"))


async def search_conversations(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    query, size, cursor = search_body(await body_of(request), 20)
    search = Search(conversation_fields(ws), ws.tz())
    typed = search.validate(query)
    found = sorted(
        (c for c in ws.conversations.values() if search.matches(c, typed)),
        key=lambda c: (c["created_at"], int(c["id"])),
    )
    return _list(ws, found, size, cursor)


async def get_conversation(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return _answer(ws, ws.conversation(request.path_params["conversation_id"]), request)


async def create_conversation(request: Request) -> JSONResponse:
    """``POST /conversations`` from a contact: answers with the message, not the conversation."""
    ws = workspace_of(request)
    body = await body_of(request)
    sender = required(body, "from")
    message_body = required(body, "body")
    if not isinstance(sender, dict) or sender.get("type") not in ("user", "lead", "contact"):
        raise invalid("from.type must be user, lead or contact", field="from.type")
    contact = ws.contact(sender.get("id"))
    conversation = ws.add_conversation(contact["id"], message_body, created_at=body.get("created_at"))
    subject = optional_text(body, "subject")
    if subject:
        conversation["source"].update(subject=subject, delivered_as="customer_initiated")
    return JSONResponse(
        {
            "type": "user_message",
            "id": conversation["source"]["id"],
            "created_at": conversation["created_at"],
            "body": message_body,
            "message_type": "inapp",
            "conversation_id": conversation["id"],
        }
    )


async def update_conversation(request: Request) -> JSONResponse:
    """``PUT /conversations/{id}``: ``read``, ``title``, ``custom_attributes``, ``company_id``."""
    ws = workspace_of(request)
    conversation = ws.conversation(request.path_params["conversation_id"])
    body = await body_of(request)
    if "read" in body:
        if not isinstance(body["read"], bool):
            raise invalid("read must be a boolean", field="read")
        conversation["read"] = body["read"]
    if "title" in body:
        conversation["title"] = optional_text(body, "title")
    custom = body.get("custom_attributes") or {}
    if not isinstance(custom, dict):
        raise invalid("custom_attributes must be an object", field="custom_attributes")
    for name, value in custom.items():
        if f"conversation:{name}" in ws.reference_attributes:
            ws.check_reference("conversation", name, value)
        else:
            _check_conversation_attribute(name, value)
    conversation["custom_attributes"].update(custom)
    if body.get("company_id") is not None:
        conversation["company_id"] = ws.company(body["company_id"])["id"]
    conversation["updated_at"] = ws.now()
    return _answer(ws, conversation, request)


def _check_conversation_attribute(name: str, value: Any) -> None:
    """Conversation attributes hold text, whole numbers, booleans or object references (a list)."""
    if value is None or isinstance(value, str | bool | int | list):
        return
    raise invalid(
        f"Conversation attribute '{name}' has a value of the wrong type", field=f"custom_attributes.{name}"
    )


async def delete_conversation(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    conversation = ws.conversation(request.path_params["conversation_id"])
    del ws.conversations[conversation["id"]]
    for ticket in ws.tickets.values():
        ticket["links"] = [link for link in ticket["links"] if link[1] != conversation["id"]]
    return JSONResponse({"id": conversation["id"], "object": "conversation", "deleted": True})


# ---- replies


async def reply_conversation(request: Request) -> JSONResponse:
    """``POST /conversations/{id|last}/reply`` as an admin (comment, note, quick reply) or a contact."""
    ws = workspace_of(request)
    body = await body_of(request)
    target = request.path_params["conversation_id"]
    if body.get("type") == "user":
        contact = _replying_contact(ws, body)
        conversation = _last_of(ws, contact) if target == "last" else ws.conversation(target)
        _user_reply(ws, conversation, contact, body)
        return _answer(ws, conversation)
    conversation = ws.conversation(target)
    message_type, text, author = admin_reply_part(ws, body)
    reopens = message_type == "comment" and conversation["state"] != "open"
    if reopens:
        conversation.update(open=True, state="open", snoozed_until=None)
    part = ws.add_part(conversation, message_type, text, author, state=conversation["state"])
    _quick_reply_options(part, body)
    return _answer(ws, conversation)


def admin_reply_part(ws: Workspace, body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """``(message_type, body, author)`` of an admin reply; 400/404 as Intercom refuses one."""
    message_type = required(body, "message_type")
    if body.get("type") != "admin":
        raise invalid("type must be admin or user", field="type")
    if message_type not in ADMIN_MESSAGE_TYPES:
        raise invalid(f"message_type {message_type!r} is not valid", field="message_type")
    author = ws.admin_author(an_id(required(body, "admin_id"), "admin_id"))
    if message_type in ("comment", "note") and not body.get("body"):
        raise invalid("body is required for comment and note", field="body", code="parameter_not_found")
    if message_type == "quick_reply" and not body.get("reply_options"):
        raise invalid(
            "reply_options are required for a quick reply", field="reply_options", code="parameter_not_found"
        )
    return message_type, body.get("body") or "", author


def _quick_reply_options(part: dict[str, Any], body: dict[str, Any]) -> None:
    options = body.get("reply_options")
    if part["part_type"] == "quick_reply" and isinstance(options, list):
        part["metadata"] = {"quick_reply_options": options}


def _replying_contact(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """The contact a user reply is from: ``intercom_user_id``, ``user_id`` or ``email``."""
    keys = ("intercom_user_id", "user_id", "email")
    if all(body.get(key) in (None, "") for key in keys):
        raise invalid("intercom_user_id, user_id or email is required", code="parameter_not_found")
    return ws.find_contact(**{key: body.get(key) for key in keys})


def _last_of(ws: Workspace, contact: dict[str, Any]) -> dict[str, Any]:
    """The contact's most recently updated conversation (``/conversations/last/reply``)."""
    mine = [c for c in ws.conversations.values() if contact["id"] in c["contact_ids"]]
    if not mine:
        raise not_found("not_found", "Resource Not Found")
    return max(mine, key=lambda c: (c["updated_at"], int(c["id"])))


def _user_reply(
    ws: Workspace, conversation: dict[str, Any], contact: dict[str, Any], body: dict[str, Any]
) -> None:
    """A contact's comment: it reopens a closed or snoozed conversation (the part is then ``open``)."""
    message_type = required(body, "message_type")
    if message_type not in USER_MESSAGE_TYPES:
        raise invalid(f"message_type {message_type!r} is not valid", field="message_type")
    if message_type == "comment" and not body.get("body"):
        raise invalid("body is required", field="body", code="parameter_not_found")
    text = body.get("body") or ""
    reopens = conversation["state"] != "open"
    part_type = "open" if reopens else message_type
    conversation.update(open=True, state="open", snoozed_until=None, read=False)
    if conversation["waiting_since"] is None:
        conversation["waiting_since"] = ws.now()
    html = text if not text or text.lstrip().startswith("<") else f"<p>{text}</p>"
    ws.add_part(conversation, part_type, html, ws.contact_author(contact), state="open")


# ---- managing: close, snooze, open, assign


async def manage_conversation(request: Request) -> JSONResponse:
    """``POST /conversations/{id}/parts``: ``close``, ``snoozed``, ``open`` or ``assignment``."""
    ws = workspace_of(request)
    conversation = ws.conversation(request.path_params["conversation_id"])
    body = await body_of(request)
    message_type = required(body, "message_type")
    author = ws.admin_author(an_id(required(body, "admin_id"), "admin_id"))
    actions = {"close": _close, "snoozed": _snooze, "open": _open, "assignment": _assign}
    action = actions.get(message_type)
    if action is None:
        raise invalid("message_type must be close, snoozed, open or assignment", field="message_type")
    action(ws, conversation, body, author)
    return _answer(ws, conversation)


def _close(ws: Workspace, conversation: dict[str, Any], body: dict[str, Any], author: dict[str, Any]) -> None:
    if body.get("type") != "admin":
        raise invalid("type must be admin", field="type", code="parameter_not_found")
    conversation.update(open=False, state="closed", waiting_since=None, snoozed_until=None)
    ws.add_part(conversation, "close", optional_text(body, "body"), author, state="closed")


def _snooze(
    ws: Workspace, conversation: dict[str, Any], body: dict[str, Any], author: dict[str, Any]
) -> None:
    until = required(body, "snoozed_until")
    if isinstance(until, bool) or not isinstance(until, int):
        raise invalid("snoozed_until must be a UNIX timestamp", field="snoozed_until")
    conversation.update(open=True, state="snoozed", snoozed_until=until)
    ws.add_part(conversation, "snoozed", None, author, state="snoozed")


def _open(ws: Workspace, conversation: dict[str, Any], body: dict[str, Any], author: dict[str, Any]) -> None:
    conversation.update(open=True, state="open", snoozed_until=None)
    ws.add_part(conversation, "open", None, author, state="open")


def _assign(
    ws: Workspace, conversation: dict[str, Any], body: dict[str, Any], author: dict[str, Any]
) -> None:
    """To an admin (who must exist) or a team; ``"0"`` unassigns. A closed conversation reopens."""
    kind = body.get("type")
    if kind not in ("admin", "team"):
        raise invalid("type must be admin or team", field="type")
    assignee = an_id(required(body, "assignee_id"), "assignee_id")
    if not assignee.isdigit():
        raise invalid("assignee_id must be numeric", field="assignee_id")
    if kind == "admin" and assignee != "0":
        ws.admin(assignee, "Assignee not found")
    key = "admin_assignee_id" if kind == "admin" else "team_assignee_id"
    conversation[key] = None if assignee == "0" else int(assignee)
    part_type = "assignment" if conversation["state"] == "open" else "assign_and_reopen"
    conversation.update(open=True, state="open", snoozed_until=None)
    ws.add_part(
        conversation,
        part_type,
        optional_text(body, "body"),
        author,
        state="open",
        assigned_to={"type": kind, "id": assignee},
    )


# ---- participants


async def attach_customer(request: Request) -> JSONResponse:
    """``POST /conversations/{id}/customers``: add a contact as a participant."""
    ws = workspace_of(request)
    conversation = ws.conversation(request.path_params["conversation_id"])
    body = await body_of(request)
    author = ws.admin_author(an_id(required(body, "admin_id"), "admin_id"))
    customer = required(body, "customer")
    if not isinstance(customer, dict):
        raise invalid("customer must be an object", field="customer")
    contact = ws.find_contact(
        intercom_user_id=customer.get("intercom_user_id"),
        user_id=customer.get("user_id"),
        email=customer.get("email"),
    )
    if contact["id"] not in conversation["contact_ids"]:
        conversation["contact_ids"].append(contact["id"])
        ws.add_part(conversation, "participant_added", None, author, state=conversation["state"])
    return JSONResponse({"customers": _customers(ws, conversation)})


async def detach_customer(request: Request) -> JSONResponse:
    """``DELETE /conversations/{id}/customers/{contact_id}``: never the last one (422)."""
    ws = workspace_of(request)
    conversation = ws.conversation(request.path_params["conversation_id"])
    body = await body_of(request)
    author = ws.admin_author(an_id(required(body, "admin_id"), "admin_id"))
    contact = ws.contact(request.path_params["contact_id"])
    if contact["id"] not in conversation["contact_ids"]:
        raise not_found("not_found", "User Not Found")
    if len(conversation["contact_ids"]) == 1:
        raise ApiError(422, "parameter_invalid", "Removing the last customer is not allowed")
    conversation["contact_ids"].remove(contact["id"])
    ws.add_part(conversation, "participant_removed", None, author, state=conversation["state"])
    return JSONResponse({"customers": _customers(ws, conversation)})


def _customers(ws: Workspace, conversation: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"type": ws.contacts[cid]["role"], "id": cid}
        for cid in conversation["contact_ids"]
        if cid in ws.contacts
    ]


# ---- redaction and conversion


async def redact(request: Request) -> JSONResponse:
    """``POST /conversations/redact``: a part (``conversation_part``) or the first message (``source``)."""
    ws = workspace_of(request)
    body = await body_of(request)
    kind = required(body, "type")
    missing = not_found("conversation_part_or_message_not_found", "Conversation part or message not found")
    conversation = ws.conversations.get(str(required(body, "conversation_id")))
    if conversation is None:
        raise missing
    if kind == "source":
        if str(required(body, "source_id")) != conversation["source"]["id"]:
            raise missing
        conversation["source"].update(body=REDACTED_BODY, redacted=True)
    elif kind == "conversation_part":
        part_id = str(required(body, "conversation_part_id"))
        part = next((p for p in conversation["parts"] if p["id"] == part_id), None)
        if part is None:
            raise missing
        part.update(body=REDACTED_BODY, redacted=True, updated_at=ws.now())
    else:
        raise invalid("type must be conversation_part or source", field="type")
    return _answer(ws, conversation)


async def convert_to_ticket(request: Request) -> JSONResponse:
    """``POST /conversations/{id}/convert``: into a ticket of a Customer type, keeping the id."""
    ws = workspace_of(request)
    conversation = ws.conversation(request.path_params["conversation_id"])
    body = await body_of(request)
    ticket_type = ws.ticket_types.get(an_id(required(body, "ticket_type_id"), "ticket_type_id"))
    if ticket_type is None or ticket_type["archived"]:
        raise invalid("Ticket type not found", field="ticket_type_id")
    if ticket_type["category"] != "Customer":
        raise invalid("Ticket type is not a customer ticket type", field="ticket_type_id")
    if conversation["id"] in ws.tickets:
        raise invalid("Conversation is already a ticket", field="conversation_id")
    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise invalid("attributes must be an object", field="attributes")
    attributes = {
        "_default_title_": conversation["title"] or f"Conversation {conversation['id']}",
        **attributes,
    }
    contact_id = next((c for c in conversation["contact_ids"] if c in ws.contacts), None)
    if contact_id is None:
        raise not_found("not_found", "User Not Found")
    ticket = ws.add_ticket(
        ticket_type["id"], contact_id, attributes, check_required=False, ticket_id=conversation["id"]
    )
    ticket["contact_ids"] = [c for c in conversation["contact_ids"] if c in ws.contacts]
    return JSONResponse(render_ticket(ws, ticket, version_of(request)))
