"""The workspace's vocabulary: tags, data attributes, ticket types and ticket states."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plugins.intercom.emulator.common import an_id, at_least, body_of, optional_text, required, workspace_of
from plugins.intercom.emulator.errors import ApiError, invalid, not_found
from plugins.intercom.emulator.render import render_state, render_tag, render_ticket_type
from plugins.intercom.emulator.workspace import TICKET_CATEGORIES, Workspace

DATA_TYPES = ("string", "integer", "float", "boolean", "datetime", "date")
DATA_MODELS = ("contact", "company")
# Letters, digits, spaces, underscores, hyphens and currency symbols (the description's rule).
ATTRIBUTE_NAME = re.compile(r"[\w \-$€£¥]+")

# ---- tags


async def list_tags(request: Request) -> JSONResponse:
    return JSONResponse(
        {"type": "list", "data": [render_tag(t) for t in workspace_of(request).tags.values()]}
    )


async def get_tag(request: Request) -> JSONResponse:
    tag = workspace_of(request).tags.get(request.path_params["tag_id"])
    if tag is None:
        raise not_found("not_found", "Resource Not Found")
    return JSONResponse(render_tag(tag))


async def delete_tag(request: Request) -> Response:
    """``DELETE /tags/{id}``: 200 with no body; the tag leaves every record that carried it."""
    ws = workspace_of(request)
    tag_id = request.path_params["tag_id"]
    if tag_id not in ws.tags:
        raise not_found("not_found", "Resource Not Found")
    ws.delete_tag(tag_id)
    return Response(status_code=200)


async def create_tag(request: Request) -> JSONResponse:
    """``POST /tags``: create (or rename by ``id``) a tag, then tag or untag the companies or users named."""
    ws = workspace_of(request)
    body = await body_of(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("invalid tag parameters", field="name")
    if body.get("id"):
        tag = ws.tags.get(str(body["id"]))
        if tag is None:
            raise not_found("tag_not_found", "Tag not found")
        tag["name"] = name
    else:
        tag = ws.add_tag(name)
    admin = ws.token_admin()
    for company in _listed(body, "companies"):
        _tag_company(ws, tag, company)
    users = [
        ws.find_contact(intercom_user_id=u.get("id"), email=u.get("email")) for u in _listed(body, "users")
    ]
    for contact in users:
        ws.apply_tag(contact, tag, admin)
    return JSONResponse(render_tag(tag))


def _listed(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise invalid("invalid tag parameters", field=key)
    return items


def _tag_company(ws: Workspace, tag: dict[str, Any], reference: dict[str, Any]) -> None:
    """Tag (or with ``untag: true`` untag) a company named by Intercom ``id`` or your ``company_id``."""
    company = ws.companies.get(str(reference.get("id")))
    if company is None and reference.get("company_id") is not None:
        company = next(
            (c for c in ws.companies.values() if c["company_id"] == str(reference["company_id"])), None
        )
    if company is None:
        raise not_found("company_not_found", "Company Not Found")
    if reference.get("untag"):
        if tag["id"] in company["tag_ids"]:
            company["tag_ids"].remove(tag["id"])
    elif tag["id"] not in company["tag_ids"]:
        company["tag_ids"].append(tag["id"])


def _tag_target(ws: Workspace, request: Request) -> dict[str, Any]:
    if "conversation_id" in request.path_params:
        return ws.conversation(request.path_params["conversation_id"])
    return ws.ticket(request.path_params["ticket_id"])


async def attach_tag(request: Request) -> JSONResponse:
    """``POST /{conversations,tickets}/{id}/tags`` with ``{"id": tag, "admin_id": admin}``."""
    ws = workspace_of(request)
    target = _tag_target(ws, request)
    body = await body_of(request)
    tag_id = an_id(required(body, "id"), "id")
    admin = ws.admin_author(an_id(required(body, "admin_id"), "admin_id"))
    tag = ws.tag(tag_id)
    applied = ws.apply_tag(target, tag, admin)
    return JSONResponse(render_tag(tag, applied))


async def detach_tag(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    target = _tag_target(ws, request)
    body = await body_of(request)
    admin = ws.admin_author(an_id(required(body, "admin_id"), "admin_id"))
    tag_id = request.path_params["tag_id"]
    ws.remove_tag(target, tag_id)
    return JSONResponse(
        render_tag(
            ws.tags[tag_id], {"applied_at": ws.now(), "applied_by": {"type": "admin", "id": admin["id"]}}
        )
    )


# ---- data attributes


async def list_data_attributes(request: Request) -> JSONResponse:
    """``GET /data_attributes?model=&include_archived=``: archived ones only when asked for."""
    ws = workspace_of(request)
    model = request.query_params.get("model")
    archived_too = request.query_params.get("include_archived", "false").lower() == "true"
    data = [
        a
        for a in ws.data_attributes.values()
        if (model is None or a["model"] == model) and (archived_too or not a["archived"])
    ]
    return JSONResponse({"type": "list", "data": data})


async def create_data_attribute(request: Request) -> JSONResponse:
    """``POST /data_attributes``: a custom contact or company attribute; a list one needs 2+ options."""
    ws = workspace_of(request)
    body = await body_of(request)
    if body.get("model") not in DATA_MODELS:  # checked first, missing or not (the description's example)
        raise invalid("The Data Attribute model field must be either contact or company", field="model")
    name, model, data_type = (required(body, key) for key in ("name", "model", "data_type"))
    if data_type not in (*DATA_TYPES, "options"):
        raise invalid("Data Type isn't an option", field="data_type")
    if not isinstance(name, str) or not ATTRIBUTE_NAME.fullmatch(name):
        raise invalid(
            "Your name for this attribute must only contain alphanumeric characters, currency symbols, "
            "and hyphens",
            field="name",
        )
    if any(a["name"] == name and a["model"] in DATA_MODELS for a in ws.data_attributes.values()):
        raise invalid(f"You already have '{name}' in your {model} data. Use a different name.", field="name")
    options = _options(body.get("options"), needed=data_type == "options")
    attribute = ws.add_data_attribute(
        name,
        "date" if data_type == "datetime" else "string" if data_type == "options" else data_type,
        model,
        description=optional_text(body, "description") or "",
        options=options,
        messenger_writable=bool(body.get("messenger_writable")),
        admin_id=ws.token_admin()["id"],
    )
    return JSONResponse(attribute)


def _options(options: Any, *, needed: bool) -> list[str] | None:
    """A list attribute's options: ``[{"value": ...}, ...]`` with at least two entries."""
    if options is None and not needed:
        return None
    if not isinstance(options, list):
        raise invalid("Options isn't an array", field="options")
    values = [o.get("value") for o in options if isinstance(o, dict)]
    if len(values) != len(options) or not all(isinstance(v, str) and v for v in values):
        raise invalid("Each option needs a value", field="options")
    if len(values) < 2:
        raise invalid("A list attribute needs at least two options", field="options")
    return values


async def update_data_attribute(request: Request) -> JSONResponse:
    """``PUT /data_attributes/{id}``: ``archived``, ``description``, ``messenger_writable``, ``options``."""
    ws = workspace_of(request)
    wanted = request.path_params["data_attribute_id"]
    attribute = next((a for a in ws.data_attributes.values() if str(a["id"]) == wanted), None)
    if attribute is None or not attribute["custom"]:
        raise ApiError(404, "field_not_found", "We couldn't find that data attribute to update")
    body = await body_of(request)
    changes = {flag: body[flag] for flag in ("archived", "messenger_writable") if flag in body}
    for flag, value in changes.items():
        if not isinstance(value, bool):
            raise invalid(f"{flag} must be a boolean", field=flag)
    if "description" in body:
        changes["description"] = optional_text(body, "description") or ""
    if "options" in body:
        changes["options"] = _options(body["options"], needed=True)
    if changes.get("archived") and ws.has_dependants(attribute):
        raise ApiError(
            422, "data_invalid", "The Data Attribute you are trying to archive has a dependant object"
        )
    attribute.update(changes)
    attribute["updated_at"] = ws.now()
    return JSONResponse(attribute)


# ---- ticket types and states


async def list_ticket_types(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return JSONResponse(
        {"type": "list", "data": [render_ticket_type(ws, t) for t in ws.ticket_types.values()]}
    )


async def get_ticket_type(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return JSONResponse(render_ticket_type(ws, ws.ticket_type(request.path_params["ticket_type_id"])))


def _category(body: dict[str, Any], default: str | None) -> str | None:
    category = body.get("category", default)
    if category is not None and category not in TICKET_CATEGORIES:
        raise invalid("category must be Customer, Back-office or Tracker", field="category")
    return category


async def create_ticket_type(request: Request) -> JSONResponse:
    """``POST /ticket_types``: a name (unique), a category (Customer by default), an icon."""
    ws = workspace_of(request)
    body = await body_of(request)
    name = required(body, "name")
    if not isinstance(name, str):
        raise invalid("name must be a string", field="name")
    if any(t["name"] == name for t in ws.ticket_types.values()):
        raise invalid(f"A ticket type named '{name}' already exists", field="name")
    ticket_type = ws.add_ticket_type(
        name,
        [],
        category=_category(body, "Customer") or "Customer",
        description=optional_text(body, "description") or "",
        icon=optional_text(body, "icon") or "🎟️",
        is_internal=bool(body.get("is_internal", False)),
    )
    return JSONResponse(render_ticket_type(ws, ticket_type))


async def update_ticket_type(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    ticket_type = ws.ticket_type(request.path_params["ticket_type_id"])
    body = await body_of(request)
    for key in ("name", "description", "icon"):
        if body.get(key) is not None:
            ticket_type[key] = optional_text(body, key)
    category = _category(body, None)
    if category is not None:
        ticket_type["category"] = category
    for flag in ("archived", "is_internal"):
        if flag in body:
            if not isinstance(body[flag], bool):
                raise invalid(f"{flag} must be a boolean", field=flag)
            ticket_type[flag] = body[flag]
    ticket_type["updated_at"] = ws.now()
    return JSONResponse(render_ticket_type(ws, ticket_type))


async def list_ticket_states(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    if not at_least(request, (2, 12)):
        raise not_found("not_found", "Resource Not Found")
    data = []
    for state in ws.ticket_states.values():
        ticket_type = ws.ticket_types[state["ticket_type_id"]]
        data.append(
            {
                **render_state(state),
                "archived": state["archived"],
                "ticket_types": {
                    "type": "list",
                    "data": [
                        {k: v for k, v in render_ticket_type(ws, ticket_type).items() if k != "ticket_states"}
                    ],
                },
            }
        )
    return JSONResponse({"type": "list", "data": data})
