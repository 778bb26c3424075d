"""What ``hub setup`` needs of the emulator beyond the catalog routes, and a workspace as a new one is.

* ``setup_routes()``: ``POST /ticket_types/{id}/attributes`` and ``PUT
  /ticket_types/{id}/attributes/{attribute_id}`` (Intercom 2.14:
  ``create_ticket_type_attribute_request``), mounted by ``create_app`` (data attributes and ticket
  types themselves are ``catalog.py``'s);
* ``without_catalog(ws)``: the workspace with none of the hub's data attributes or ticket types
  (and so no tickets), as a real workspace is before ``hub setup`` (``hub sandbox --empty``);
* ``as_stored(value)``: a string custom attribute as Intercom keeps it, cut to 255 characters.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from plugins.intercom.emulator.common import body_of, required, workspace_of
from plugins.intercom.emulator.errors import ApiError, not_found
from plugins.intercom.emulator.render import render_ticket_type

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
        # Data attributes and ticket types themselves: the contract-checked routes in catalog.py.
        Route("/ticket_types/{ticket_type_id}/attributes", create_ticket_type_attribute, methods=["POST"]),
        Route(
            "/ticket_types/{ticket_type_id}/attributes/{attribute_id}",
            update_ticket_type_attribute,
            methods=["PUT"],
        ),
    ]


def _invalid(message: str, field: str) -> Exception:

    return ApiError(400, "parameter_invalid", message, field=field)


def _ticket_type(ws: Any, type_id: str) -> dict[str, Any]:

    ticket_type = ws.ticket_types.get(type_id)
    if ticket_type is None:
        raise not_found("not_found", "Ticket type not found")
    return ticket_type


async def create_ticket_type_attribute(request: Request) -> JSONResponse:
    """``POST /ticket_types/{id}/attributes``: name, description and data_type are required."""

    ws = workspace_of(request)
    ticket_type = _ticket_type(ws, request.path_params["ticket_type_id"])
    body = await body_of(request)
    name, description, data_type = (required(body, key) for key in ("name", "description", "data_type"))
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

    ws = workspace_of(request)
    ticket_type = _ticket_type(ws, request.path_params["ticket_type_id"])
    wanted = request.path_params["attribute_id"]
    attribute = next((a for a in ticket_type["attributes"] if str(a["id"]) == wanted), None)
    if attribute is None:
        raise not_found("not_found", "Ticket type attribute not found")
    body = await body_of(request)
    for key in ("name", "description"):
        if key in body:
            attribute[key] = str(body[key] or "")
    for flag in ("required_to_create", "archived"):
        if flag in body:
            attribute[flag] = bool(body[flag])
    return JSONResponse(_rendered_attribute(ws, ticket_type, attribute))


def _rendered_attribute(ws: Any, ticket_type: dict[str, Any], attribute: dict[str, Any]) -> dict[str, Any]:

    listed = render_ticket_type(ws, ticket_type)["ticket_type_attributes"]["data"]
    rendered = next(a for a in listed if a["id"] == attribute["id"])
    return {**rendered, "input_options": rendered.get("input_options") or {}}  # an object, never null
