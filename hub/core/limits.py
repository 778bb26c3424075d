"""The limits of what a platform keeps, and the one rule that shortens a value to fit.

A plugin declares what its platform keeps of what the hub writes (``Plugin.limits``, shown in
``PluginInfo.limits``), by kind of value: ``CONTACT_TEXT`` is the most characters one text value
of a contact field may hold. A flow shortens what it computes with ``fit_text`` *before* it
compares it with what the platform shows: a platform that cuts (or refuses) a longer value would
otherwise never show the computed one, and the record would be written again on every run.

The rule (the same everywhere, so the same input always gives the same output):

* a value that fits is left as it is;
* a list (items joined by ``", "`` or ``"; "``) keeps as many whole items from the start as fit
  and ends with `` (+N more)``, N being the items left out;
* any other text is cut and ends with ``…``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONTACT_TEXT = "contact_text"
"""Characters of one text value of a contact field (custom attribute)."""
TICKET_TEXT = "ticket_text"
"""Characters of one text value of a ticket field."""

LIST_SEPARATORS = ("; ", ", ")
ELLIPSIS = "…"


def fit_text(value: str, limit: int | None) -> str:
    """``value`` shortened to at most ``limit`` characters by the rule above (None: no limit)."""
    if limit is None or len(value) <= limit:
        return value
    for separator in LIST_SEPARATORS:
        items = value.split(separator)
        if len(items) > 1:
            return _fit_list(items, separator, limit)
    return value[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def _fit_list(items: list[str], separator: str, limit: int) -> str:
    for kept in range(len(items) - 1, 0, -1):
        text = f"{separator.join(items[:kept])} (+{len(items) - kept} more)"
        if len(text) <= limit:
            return text
    first = f" (+{len(items) - 1} more)"  # not even one whole item fits: cut the first
    return items[0][: max(0, limit - len(first) - len(ELLIPSIS))] + ELLIPSIS + first


def fit_values(values: Mapping[str, Any], limit: int | None) -> dict[str, Any]:
    """Every text value of ``values`` shortened by ``fit_text``; other values as they are."""
    return {key: fit_text(value, limit) if isinstance(value, str) else value for key, value in values.items()}
