"""The side panel an agent sees in the helpdesk (the CS Assist inbox app), platform-neutral.

``hub serve`` builds a ``Panel`` of these components for each app request and asks the
helpdesk plugin to render it in its platform's format (a JSON body in the app framework
the helpdesk hosts); the plugin reads the platform's request into an
``AppRequest`` the same way. A button submits the panel: its ``id`` comes back as
``AppRequest.action`` with every input's value in ``AppRequest.values``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AppRequest:
    """One request from the helpdesk's app: who the agent is looking at and what was clicked.

    ``action`` is the clicked button's id ("" when the panel is first shown); ``values`` maps
    each input's id to its text (a list of ids for checkboxes); ``stored`` is what the panel
    that was submitted carried (``Panel.stored``).
    """

    contact_id: str
    conversation_id: str | None = None
    action: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, Any] = field(default_factory=dict)
    admin_id: str | None = None
    """The agent using the app (their helpdesk id), when the platform says."""


@dataclass(frozen=True)
class Text:
    value: str
    style: str = "paragraph"
    """``header``, ``paragraph``, ``muted`` or ``error``."""
    id: str | None = None


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    """Submits the panel with ``id`` as the action; with ``url``, opens that page instead."""

    id: str
    label: str
    style: str = "secondary"
    """``primary``, ``secondary`` or ``link``."""
    url: str | None = None


@dataclass(frozen=True)
class Input:
    id: str
    label: str
    placeholder: str = ""
    value: str | None = None


@dataclass(frozen=True)
class Textarea:
    """Several lines of text (a note)."""

    id: str
    label: str
    placeholder: str = ""
    value: str | None = None


@dataclass(frozen=True)
class Dropdown:
    """One of ``choices`` (``(id, label)`` pairs); the first is chosen unless ``value`` says."""

    id: str
    label: str
    choices: list[tuple[str, str]]
    value: str | None = None


@dataclass(frozen=True)
class Checkboxes:
    """Any of ``choices`` (``(id, label)``), ``checked`` the ids ticked now."""

    id: str
    label: str
    choices: list[tuple[str, str]]
    checked: list[str]


@dataclass(frozen=True)
class Fields:
    """Label and value rows (an empty value shows as "-")."""

    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Items:
    """A list of ``(id, title, subtitle)`` entries; ``clickable``: each submits its id as the action."""

    items: list[tuple[str, str, str]]
    clickable: bool = False


Component = Text | Divider | Button | Input | Textarea | Dropdown | Checkboxes | Fields | Items


@dataclass(frozen=True)
class Panel:
    """What the app shows, top to bottom; ``stored`` comes back with the next submit."""

    components: list[Component]
    stored: dict[str, Any] = field(default_factory=dict)
