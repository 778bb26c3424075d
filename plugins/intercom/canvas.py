"""The hub's side panel in Intercom's Canvas Kit format, and Canvas Kit requests read back.

Shapes follow Intercom's Canvas Kit reference (reference §8): each component is an object with
``type`` and its own keys; a button with ``{"type": "submit"}`` sends the submit request with
its id as ``component_id`` and every input's value in ``input_values``; ``stored_data`` rides
on the canvas and comes back in ``current_canvas``.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from hub.core.panel import (
    AppRequest,
    Button,
    Checkboxes,
    Component,
    Divider,
    Dropdown,
    Fields,
    Input,
    Items,
    Panel,
    Text,
    Textarea,
)

Json = dict[str, Any]


def render(panel: Panel) -> Json:
    """The response body of an initialize or submit request."""
    body: Json = {"canvas": {"content": {"components": [component(c) for c in panel.components]}}}
    if panel.stored:
        body["canvas"]["stored_data"] = panel.stored
    return body


def app_request(payload: Json) -> AppRequest:
    """A Canvas Kit initialize/submit request (already checked by ``webhooks.canvas_request``)."""
    conversation = (payload.get("conversation") or {}).get("id")
    admin = (payload.get("admin") or {}).get("id")
    return AppRequest(
        contact_id=str(payload["contact"]["id"]),
        conversation_id=str(conversation) if conversation is not None else None,
        action=str(payload.get("component_id") or ""),
        values=dict(payload.get("input_values") or {}),
        stored=dict((payload.get("current_canvas") or {}).get("stored_data") or {}),
        admin_id=str(admin) if admin is not None else None,
    )


@singledispatch
def component(item: Component) -> Json:
    raise TypeError(f"no Canvas Kit component for {type(item).__name__}")


@component.register
def _(item: Text) -> Json:
    out: Json = {"type": "text", "text": item.value, "style": item.style}
    if item.id:
        out["id"] = item.id
    return out


@component.register
def _(item: Divider) -> Json:
    return {"type": "divider"}


@component.register
def _(item: Button) -> Json:
    # A URL action opens the page in a new tab (Inbox and Messenger); submit posts the canvas.
    action: Json = {"type": "url", "url": item.url} if item.url else {"type": "submit"}
    return {"type": "button", "id": item.id, "label": item.label, "style": item.style, "action": action}


@component.register
def _(item: Input) -> Json:
    out: Json = {"type": "input", "id": item.id, "label": item.label, "placeholder": item.placeholder}
    if item.value is not None:
        out["value"] = item.value
    return out


@component.register
def _(item: Textarea) -> Json:
    out: Json = {"type": "textarea", "id": item.id, "label": item.label, "placeholder": item.placeholder}
    if item.value is not None:
        out["value"] = item.value
    return out


@component.register
def _(item: Dropdown) -> Json:
    out: Json = {"type": "dropdown", "id": item.id, "label": item.label, "options": _options(item.choices)}
    if item.value is not None or item.choices:
        out["value"] = item.value if item.value is not None else item.choices[0][0]
    return out


@component.register
def _(item: Checkboxes) -> Json:
    return {
        "type": "checkbox",
        "id": item.id,
        "label": item.label,
        "options": _options(item.choices),
        "value": item.checked,
    }


@component.register
def _(item: Fields) -> Json:
    rows = [{"type": "field-value", "field": label, "value": value or "-"} for label, value in item.rows]
    return {"type": "data-table", "items": rows}


@component.register
def _(item: Items) -> Json:
    entries: list[Json] = [
        {"type": "item", "id": i, "title": title, "subtitle": subtitle} for i, title, subtitle in item.items
    ]
    if item.clickable:  # a list item with a submit action sends its id as component_id
        entries = [{**entry, "action": {"type": "submit"}} for entry in entries]
    return {"type": "list", "items": entries}


def _options(choices: list[tuple[str, str]]) -> list[Json]:
    return [{"type": "option", "id": option_id, "text": label} for option_id, label in choices]
