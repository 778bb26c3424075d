"""Page servers for the read-path benchmarks: platform pages on loopback, in their own process.

Each server is a raw ASGI app (no framework cost on the serving side): it answers a page from
the request alone, so a page is either pre-serialised (``PreservedPages``, for the speed figure:
the server costs the same whatever the client) or rendered on demand (``on_demand``, for the
memory figures: 100,000 records are never all held by the server either). Records are built
from each platform emulator's own renderer, so their shape is the platform's documented JSON.

This module imports no hub code at the top: a bench child that only runs the bare loop must
not pay for the hub's imports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

CONTACT_PAGE = 150
SHARED_EMAIL = "family@example.com"
"""Every benchmark contact shares this email, so the look-up keeps every one it reads (a family
or office mailbox: Intercom keeps one contact per person, several may give one address)."""

Asgi = Callable[..., Any]


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def send_json(send: Any, payload: bytes, status: int = 200) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


# --------------------------------------------------------------------------- Intercom contacts


def phone_of(n: int) -> str:
    """A distinct phone for contact ``n``, written as people write them.

    Nine in ten are already E.164 (what Intercom's Messenger and most imports store); the rest
    are US national formats and other countries' numbers with spaces, as agents type them.
    """
    digits = f"{2_000_000 + n:07d}"  # 415-200-0000 and on: distinct for any n below 8 million
    if n % 20 == 7:
        return f"(415) {digits[:3]}-{digits[3:]}"
    if n % 20 == 13:
        london = f"{n:07d}"
        return f"+44 20 7{london[:3]} {london[3:]}"
    return f"+1415{digits}"


def contact_template() -> dict[str, Any]:
    """One contact as Intercom 2.14 renders it (from the emulator's renderer)."""
    from plugins.intercom.emulator import Workspace, render_contact

    ws = Workspace(token="bench")
    return render_contact(ws, ws.add_contact(email=SHARED_EMAIL, phone="+14155550100", name="X Y"))


CS_ASSIST_SAMPLE = {
    "brand": "PaleoHacks",
    "cs_lifetime_revenue": "412.50 USD",
    "cs_order_count": 7,
    "cs_last_purchase_date": "2026-10-02",
    "cs_latest_order_number": "#10412",
    "cs_latest_order_status": "2026-10-04",
    "cs_consent_email": True,
}
"""What CS Assist leaves on a contact it summarised (every other contact carries only its brand)."""


def contact_record(template: dict[str, Any], n: int) -> dict[str, Any]:
    contact = dict(template, id=f"{n:024x}", name=f"Person {n}", phone=phone_of(n))
    contact["created_at"] = contact["updated_at"] = 1_700_000_000 + n
    contact["custom_attributes"] = dict(CS_ASSIST_SAMPLE) if n % 2 else {"brand": "PaleoHacks"}
    return contact


def contact_pages(total: int) -> list[bytes]:
    """``POST /contacts/search`` answers, 150 contacts a page, each page naming the next."""
    template = contact_template()
    pages = []
    for start in range(0, total, CONTACT_PAGE):
        data = [contact_record(template, n) for n in range(start, min(total, start + CONTACT_PAGE))]
        body: dict[str, Any] = {"type": "list", "data": data, "total_count": total}
        body["pages"] = {"type": "pages", "page": len(pages) + 1, "per_page": CONTACT_PAGE}
        if start + CONTACT_PAGE < total:
            body["pages"]["next"] = {"per_page": CONTACT_PAGE, "starting_after": str(len(pages) + 1)}
        pages.append(json.dumps(body).encode())
    return pages


def preserved_search_pages(pages: list[bytes]) -> Asgi:
    """``POST .../search`` answered with page ``starting_after`` (an index), pre-serialised."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = json.loads(await read_body(receive))
        cursor = (request.get("pagination") or {}).get("starting_after")
        await send_json(send, pages[int(cursor or 0)])

    return app
