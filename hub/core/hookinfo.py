"""What the hookspecs declare, read back: every hook by name, its kind, whether it is paged.

Runtime code (the docs generator, the scaffold) and the test kit share these; they live in the
core so that nothing at run time imports the test kit.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from hub.core import hookspecs
from hub.core.models import Call, Contact, Conversation, Order, Ticket
from hub.core.plugin import Kind

PAGE_ITEMS: dict[str, type] = {
    "helpdesk_find_contacts": Contact,
    "helpdesk_list_conversations": Conversation,
    "helpdesk_list_tickets": Ticket,
    "telephony_list_calls": Call,
    "commerce_list_orders": Order,
}
"""What the pages of each paged hook hold (the hookspecs only say ``list[Any]``)."""


def spec_functions() -> dict[str, Callable[..., Any]]:
    """Every hookspec by name, in the order ``hookspecs.py`` declares them."""
    return {
        name: func
        for name, func in vars(hookspecs).items()
        if inspect.isfunction(func) and name.split("_", 1)[0] in ("hub", *[k.value for k in Kind])
    }


def hooks_of_kind(kind: Kind | str) -> list[str]:
    """The hooks a plugin of ``kind`` may implement (``commerce_*`` for commerce...)."""
    return [name for name in spec_functions() if name.startswith(f"{Kind(kind).value}_")]


def is_first_result(hook: str) -> bool:
    """True for action hooks (``firstresult``): one owning plugin answers."""
    opts = getattr(spec_functions()[hook], f"{hookspecs.PROJECT}_spec", {})
    return bool(opts.get("firstresult"))


def is_paged(hook: str) -> bool:
    """True for hooks answering with an async iterator of pages."""
    return hook in PAGE_ITEMS
