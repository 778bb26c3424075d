"""Intercom's cursor pagination: opaque ``starting_after`` cursors, ``per_page`` clamped to 150."""

from __future__ import annotations

import base64
from typing import Any

from plugins.intercom.emulator.errors import invalid

MAX_PER_PAGE = 150


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, offset = text.partition(":")
        if kind != "o":
            raise ValueError(cursor)
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise invalid("starting_after is not a valid cursor", field="starting_after") from None


def per_page(value: Any, default: int) -> int:
    """The page size asked for (a number or a string of digits), clamped to 150; 400 otherwise."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid("per_page must be an integer", field="per_page") from None
    if number < 1:
        raise invalid("per_page must be positive", field="per_page")
    return min(number, MAX_PER_PAGE)  # clamped (safer than refusing; reference §9.3)


def paginate(
    items: list[Any], size: int, starting_after: str | None, *, null_next: bool = False
) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``items`` and its ``pages`` object.

    ``next`` is there only when more follow, or null on the last page where Intercom writes it so
    (``null_next``: notes and activity logs; lists and searches leave it out).
    """
    offset = _decode_cursor(starting_after) if starting_after else 0
    page_items = items[offset : offset + size]
    total_pages = max(1, -(-len(items) // size))
    pages: dict[str, Any] = {
        "type": "pages",
        "page": offset // size + 1,
        "per_page": size,
        "total_pages": total_pages,
    }
    if offset + size < len(items):
        pages["next"] = {"per_page": size, "starting_after": _encode_cursor(offset + size)}
    elif null_next:
        pages["next"] = None
    return page_items, pages
