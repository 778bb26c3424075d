"""Contacts (users and leads): list, create, read, update, delete, search, merge, archive, block."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from plugins.intercom.emulator.common import an_id, body_of, required, search_body, workspace_of
from plugins.intercom.emulator.errors import invalid, not_found
from plugins.intercom.emulator.paging import paginate, per_page
from plugins.intercom.emulator.render import render_contact, render_contact_reference
from plugins.intercom.emulator.search import Search, contact_fields
from plugins.intercom.emulator.setup_api import as_stored
from plugins.intercom.emulator.workspace import Workspace

ROLES = ("user", "lead")
# Request fields of create_contact_request / update_contact_request and the JSON types they take.
_TEXT_FIELDS = ("email", "phone", "name", "avatar")
_TIME_FIELDS = ("signed_up_at", "last_seen_at")


def _listable(ws: Workspace) -> list[dict[str, Any]]:
    """Contacts a list or search returns: not archived, oldest first (merged ones are gone)."""
    return sorted(
        (c for c in ws.contacts.values() if not c.get("archived")), key=lambda c: (c["created_at"], c["id"])
    )


def _contact_list(ws: Workspace, found: list[dict[str, Any]], size: int, cursor: str | None) -> JSONResponse:
    page, pages = paginate(found, size, cursor)
    return JSONResponse(
        {
            "type": "list",
            "data": [render_contact(ws, c) for c in page],
            "total_count": len(found),
            "pages": pages,
        }
    )


async def list_contacts(request: Request) -> JSONResponse:
    """``GET /contacts?per_page=&starting_after=`` (50 a page by default)."""
    ws = workspace_of(request)
    params = request.query_params
    return _contact_list(
        ws, _listable(ws), per_page(params.get("per_page"), 50), params.get("starting_after")
    )


async def search_contacts(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    query, size, cursor = search_body(await body_of(request), 50)
    search = Search(contact_fields(ws), ws.tz())
    typed = search.validate(query)
    return _contact_list(ws, [c for c in _listable(ws) if search.matches(c, typed)], size, cursor)


async def get_contact(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return JSONResponse(render_contact(ws, ws.contact(request.path_params["contact_id"])))


async def find_by_external_id(request: Request) -> JSONResponse:
    """``GET /contacts/find_by_external_id/{external_id}``: the user with that external id."""
    ws = workspace_of(request)
    wanted = request.path_params["external_id"]
    contact = next((c for c in ws.contacts.values() if c.get("external_id") == wanted), None)
    if contact is None:
        raise not_found("not_found", "User Not Found")
    return JSONResponse(render_contact(ws, contact))


def _checked_fields(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """The contact fields of a create or update body, type-checked; custom attributes must exist."""
    fields = _typed_fields(body)
    if fields.get("owner_id") is not None and str(fields["owner_id"]) not in ws.admins:
        raise invalid("owner_id is not an admin of this workspace", field="owner_id")
    if "role" in fields and fields["role"] not in ROLES:
        raise invalid("role must be user or lead", field="role")
    if body.get("external_id") is not None:
        fields["external_id"] = an_id(body["external_id"], "external_id")
    custom = body.get("custom_attributes") or {}
    if not isinstance(custom, dict):
        raise invalid("custom_attributes must be an object", field="custom_attributes")
    for name, value in custom.items():
        ws.check_custom_attribute("contact", name, value)
    fields["custom_attributes"] = custom
    return fields


def _typed_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Text, timestamp, owner, role and opt-out fields present in ``body``, each of its JSON type."""
    fields: dict[str, Any] = {}
    for names, wanted, kind in (
        ((*_TEXT_FIELDS, "role"), str, "a string"),
        ((*_TIME_FIELDS, "owner_id"), int, "an integer"),
        (("unsubscribed_from_emails",), bool, "a boolean"),
    ):
        for name in names:
            if name not in body:
                continue
            value = body[name]
            wrong_kind = isinstance(value, bool) != (wanted is bool) or not isinstance(value, wanted)
            if value is not None and wrong_kind:
                raise invalid(f"{name} must be {kind}", field=name)
            if value is not None or wanted is not bool:
                fields[name] = value
    return fields


async def create_contact(request: Request) -> JSONResponse:
    """``POST /contacts``: needs an email, an external id or a role; a user's email is unique (409)."""
    ws = workspace_of(request)
    body = await body_of(request)
    if all(body.get(key) in (None, "") for key in ("email", "external_id", "role")):
        raise invalid("Either email, external_id or role must be specified", code="parameter_not_found")
    fields = _checked_fields(ws, body)
    role = fields.get("role", "user")
    if role == "user":
        ws.contact_conflict(email=fields.get("email"), external_id=fields.get("external_id"))
    contact = ws.add_contact(
        email=fields.get("email"),
        phone=fields.get("phone"),
        name=fields.get("name"),
        role=role,
        external_id=fields.get("external_id"),
        custom_attributes=fields["custom_attributes"],
    )
    _apply(ws, contact, fields)
    return JSONResponse(render_contact(ws, contact))


async def update_contact(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    fields = _checked_fields(ws, await body_of(request))
    if fields.get("role", contact["role"]) == "user":
        ws.contact_conflict(
            email=fields.get("email"), external_id=fields.get("external_id"), but=contact["id"]
        )
    _apply(ws, contact, fields)
    return JSONResponse(render_contact(ws, contact))


def _apply(ws: Workspace, contact: dict[str, Any], fields: dict[str, Any]) -> None:
    custom = fields.pop("custom_attributes", {})
    contact.update(fields)
    contact["custom_attributes"].update({name: as_stored(value) for name, value in custom.items()})
    contact["updated_at"] = ws.now()


async def delete_contact(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    ws.delete_contact(contact)
    return JSONResponse({**render_contact_reference(contact), "deleted": True})


async def merge_contacts(request: Request) -> JSONResponse:
    """``POST /contacts/merge``: a lead (``from``) into a user (``into``); the lead is gone after."""
    ws = workspace_of(request)
    body = await body_of(request)
    source = ws.contact(an_id(required(body, "from"), "from"))
    target = ws.contact(an_id(required(body, "into"), "into"))
    if source["role"] != "lead" or target["role"] != "user" or source is target:
        raise invalid("Only a lead can be merged, and only into a user", field="from")
    _move_records(ws, source, target)
    for key in ("email", "phone", "name", "external_id", "avatar"):
        if not target.get(key) and source.get(key):
            target[key] = source[key]
    target["custom_attributes"] = {**source["custom_attributes"], **target["custom_attributes"]}
    ws.delete_contact(source)
    target["updated_at"] = ws.now()
    return JSONResponse(render_contact(ws, target))


def _move_records(ws: Workspace, source: dict[str, Any], target: dict[str, Any]) -> None:
    """The lead's conversations, tickets, notes, tags, companies and subscriptions become the user's."""
    for record in [*ws.conversations.values(), *ws.tickets.values()]:
        if source["id"] in record["contact_ids"]:
            record["contact_ids"] = [c for c in record["contact_ids"] if c != source["id"]]
            if target["id"] not in record["contact_ids"]:
                record["contact_ids"].append(target["id"])
    for note in ws.notes.values():
        if note["contact_id"] == source["id"]:
            note["contact_id"] = target["id"]
    for tag_id in source["tag_ids"]:
        if tag_id not in target["tag_ids"]:
            target["tag_ids"].append(tag_id)
            target["tag_applied"][tag_id] = source["tag_applied"].get(tag_id, {})
    for company_id in source["company_ids"]:
        ws.attach_company(target, ws.companies[company_id])
    target["subscriptions"] = {**source["subscriptions"], **target["subscriptions"]}


async def archive_contact(request: Request) -> JSONResponse:
    return await _set_flag(request, "archived", True)


async def unarchive_contact(request: Request) -> JSONResponse:
    return await _set_flag(request, "archived", False)


async def block_contact(request: Request) -> JSONResponse:
    """``POST /contacts/{id}/block``: blocked, and its conversations are closed (archived) with it."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    for conversation in ws.conversations.values():
        if contact["id"] in conversation["contact_ids"]:
            conversation.update(open=False, state="closed", waiting_since=None, snoozed_until=None)
    return await _set_flag(request, "blocked", True)


async def _set_flag(request: Request, flag: str, value: bool) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    contact[flag] = value
    contact["updated_at"] = ws.now()
    return JSONResponse({**render_contact_reference(contact), flag: value})
