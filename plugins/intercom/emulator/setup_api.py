"""What ``hub setup`` and ``hub doctor`` call on the emulator, and a workspace as a new one is.

Kept apart from the rest of the emulator so it merges as one piece:

* ``setup_routes()``: ``POST /data_attributes`` (keeping ``description``), ``PUT
  /data_attributes/{id}``, ``POST /ticket_types``, ``GET /ticket_types/{id}``, ``POST
  /ticket_types/{id}/attributes`` and ``PUT /ticket_types/{id}/attributes/{attribute_id}``
  (Intercom 2.14: ``create_data_attribute_request``, ``create_ticket_type_request``,
  ``create_ticket_type_attribute_request``), mounted ahead of the other routes by ``create_app``;
* ``without_catalog(ws)``: the workspace with none of the hub's data attributes or ticket types
  (and so no tickets), as a real workspace is before ``hub setup`` (``hub sandbox --empty``);
* ``as_stored(value)``: a string custom attribute as Intercom keeps it, cut to 255 characters.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

STRING_LIMIT = 255
"""Characters Intercom keeps of a string custom attribute."""
TICKET_DATA_TYPES = ("string", "list", "integer", "decimal", "boolean", "datetime", "files")
CONTACT_DATA_TYPES = ("string", "integer", "float", "boolean", "datetime", "date")
CATEGORIES = ("Customer", "Back-office", "Tracker")


def as_stored(value: Any) -> Any:
    """What Intercom keeps of a custom attribute value: strings cut to 255 characters."""
    return value[:STRING_LIMIT] if isinstance(value, str) else value


def without_catalog(ws: Any) -> Any:
    """``ws`` as a new workspace: no custom data attributes, no ticket types, states or tickets,
    no custom attribute values on contacts, no ticket links on conversations."""
    ws.data_attributes.clear()
    ws.ticket_types.clear()
    ws.ticket_states.clear()
    ws.tickets.clear()
    for contact in ws.contacts.values():
        contact["custom_attributes"] = {}
    for conversation in ws.conversations.values():
        conversation["links"] = [link for link in conversation["links"] if link[0] != "ticket"]
    ws.events[:] = [event for event in ws.events if not str(event.get("topic", "")).startswith("ticket")]
    return ws


def setup_routes() -> list[Route]:
    return [
        Route("/data_attributes", create_data_attribute, methods=["POST"]),
        Route("/data_attributes/{attribute_id}", update_data_attribute, methods=["PUT"]),
        Route("/ticket_types", create_ticket_type, methods=["POST"]),
        Route("/ticket_types/{ticket_type_id}", get_ticket_type, methods=["GET"]),
        Route("/ticket_types/{ticket_type_id}/attributes", create_ticket_type_attribute, methods=["POST"]),
        Route(
            "/ticket_types/{ticket_type_id}/attributes/{attribute_id}",
            update_ticket_type_attribute,
            methods=["PUT"],
        ),
    ]


def _invalid(message: str, field: str) -> Exception:
    from plugins.intercom.emulator import ApiError

    return ApiError(400, "parameter_invalid", message, field=field)


async def create_data_attribute(request: Request) -> JSONResponse:
    """``POST /data_attributes``: a custom contact (or company) attribute with its description."""
    from plugins.intercom.emulator import _body, _required, _ws

    ws = _ws(request)
    body = await _body(request)
    name, model, data_type = (_required(body, key) for key in ("name", "model", "data_type"))
    if model not in ("contact", "company"):
        raise _invalid("The Data Attribute model field must be either contact or company", "model")
    if data_type not in CONTACT_DATA_TYPES:
        raise _invalid("Data Type isn't an option", "data_type")
    if f"{model}:{name}" in ws.data_attributes or not re.fullmatch(r"[A-Za-z0-9_ -]+", str(name)):
        raise _invalid(f"You already have '{name}' in your {model} data. Use a different name.", "name")
    attribute = ws.add_data_attribute(name, "date" if data_type == "datetime" else data_type, model)
    attribute["description"] = str(body.get("description") or "")
    return JSONResponse(attribute)


async def update_data_attribute(request: Request) -> JSONResponse:
    """``PUT /data_attributes/{id}``: ``archived`` and ``description``."""
    from plugins.intercom.emulator import ApiError, _body, _ws

    ws = _ws(request)
    wanted = request.path_params["attribute_id"]
    attribute = next((a for a in ws.data_attributes.values() if str(a["id"]) == wanted), None)
    if attribute is None:
        raise ApiError(404, "field_not_found", "We couldn't find that data attribute to update")
    body = await _body(request)
    if "archived" in body:
        attribute["archived"] = bool(body["archived"])
    if "description" in body:
        attribute["description"] = str(body["description"] or "")
    attribute["updated_at"] = ws.now()
    return JSONResponse(attribute)


async def create_ticket_type(request: Request) -> JSONResponse:
    """``POST /ticket_types``: a unique name, a category (Customer by default), four states."""
    from plugins.intercom.emulator import _body, _required, _ws, render_ticket_type

    ws = _ws(request)
    body = await _body(request)
    name = _required(body, "name")
    if any(t["name"] == name for t in ws.ticket_types.values()):
        raise _invalid(f"A ticket type named '{name}' already exists", "name")
    category = body.get("category") or "Customer"
    if category not in CATEGORIES:
        raise _invalid("category must be Customer, Back-office or Tracker", "category")
    ticket_type = ws.add_ticket_type(name, [], category=category)
    ticket_type["description"] = str(body.get("description") or "")
    ticket_type["icon"] = str(body.get("icon") or ticket_type["icon"])
    ticket_type["is_internal"] = bool(body.get("is_internal", False))
    return JSONResponse(render_ticket_type(ws, ticket_type))


def _ticket_type(ws: Any, type_id: str) -> dict[str, Any]:
    from plugins.intercom.emulator import not_found

    ticket_type = ws.ticket_types.get(type_id)
    if ticket_type is None:
        raise not_found("not_found", "Ticket type not found")
    return ticket_type


async def get_ticket_type(request: Request) -> JSONResponse:
    from plugins.intercom.emulator import _ws, render_ticket_type

    ws = _ws(request)
    return JSONResponse(render_ticket_type(ws, _ticket_type(ws, request.path_params["ticket_type_id"])))


async def create_ticket_type_attribute(request: Request) -> JSONResponse:
    """``POST /ticket_types/{id}/attributes``: name, description and data_type are required."""
    from plugins.intercom.emulator import _body, _required, _ws

    ws = _ws(request)
    ticket_type = _ticket_type(ws, request.path_params["ticket_type_id"])
    body = await _body(request)
    name, description, data_type = (_required(body, key) for key in ("name", "description", "data_type"))
    if data_type not in TICKET_DATA_TYPES:
        raise _invalid("Data Type isn't an option", "data_type")
    if any(a["name"] == name for a in ticket_type["attributes"]):
        raise _invalid(f"An attribute named '{name}' already exists on this ticket type", "name")
    attribute = {
        "id": str(ws.next_number("ticket_type_attribute", 1)),
        "name": name,
        "description": str(description),
        "data_type": data_type,
        "required_to_create": bool(body.get("required_to_create", False)),
        "order": len(ticket_type["attributes"]),
        "default": False,
    }
    ticket_type["attributes"].append(attribute)
    ticket_type["updated_at"] = ws.now()
    return JSONResponse(_rendered_attribute(ws, ticket_type, attribute))


async def update_ticket_type_attribute(request: Request) -> JSONResponse:
    """``PUT /ticket_types/{id}/attributes/{attribute_id}``: description, required, archived."""
    from plugins.intercom.emulator import _body, _ws, not_found

    ws = _ws(request)
    ticket_type = _ticket_type(ws, request.path_params["ticket_type_id"])
    wanted = request.path_params["attribute_id"]
    attribute = next((a for a in ticket_type["attributes"] if str(a["id"]) == wanted), None)
    if attribute is None:
        raise not_found("not_found", "Ticket type attribute not found")
    body = await _body(request)
    for key in ("name", "description"):
        if key in body:
            attribute[key] = str(body[key] or "")
    for flag in ("required_to_create", "archived"):
        if flag in body:
            attribute[flag] = bool(body[flag])
    return JSONResponse(_rendered_attribute(ws, ticket_type, attribute))


def _rendered_attribute(ws: Any, ticket_type: dict[str, Any], attribute: dict[str, Any]) -> dict[str, Any]:
    from plugins.intercom.emulator import render_ticket_type

    listed = render_ticket_type(ws, ticket_type)["ticket_type_attributes"]["data"]
    rendered = next(a for a in listed if a["id"] == attribute["id"])
    return {**rendered, "input_options": rendered.get("input_options") or {}}  # an object, never null
