"""What every handler needs from a request: the workspace, the version, the JSON body."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from plugins.intercom.emulator.errors import invalid
from plugins.intercom.emulator.paging import per_page
from plugins.intercom.emulator.workspace import Workspace, version_tuple


def workspace_of(request: Request) -> Workspace:
    return request.app.state.emulator


def version_of(request: Request) -> str:
    return getattr(request.state, "version", workspace_of(request).default_version)


def at_least(request: Request, version: tuple[int, int]) -> bool:
    """Whether the request's ``Intercom-Version`` is ``version`` or later."""
    return version_tuple(version_of(request)) >= version


async def body_of(request: Request) -> dict[str, Any]:
    """The JSON object sent (``{}`` when none); 400 when it is not JSON or not an object."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("Request body must be an object")
    return body


def required(body: dict[str, Any], name: str) -> Any:
    """``body[name]``; 400 ``parameter_not_found`` when it is missing or empty."""
    if body.get(name) in (None, ""):
        raise invalid(f"{name} is required", field=name, code="parameter_not_found")
    return body[name]


def search_body(body: dict[str, Any], default_per_page: int) -> tuple[dict[str, Any], int, str | None]:
    """``query``, page size and cursor of a search body (``pagination`` is optional, may be null)."""
    query = required(body, "query")
    pagination = body.get("pagination") or {}
    if not isinstance(pagination, dict):
        raise invalid("pagination must be an object", field="pagination")
    return query, per_page(pagination.get("per_page"), default_per_page), pagination.get("starting_after")


def optional_text(body: dict[str, Any], name: str) -> str | None:
    """A string field that may be absent or null; 400 when it is some other type."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid(f"{name} must be a string", field=name)
    return value


def an_id(value: Any, name: str) -> str:
    """An id sent as a string or a number (Intercom's own examples send both); 400 otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise invalid(f"{name} is required", field=name, code="parameter_not_found")
    return str(value)
