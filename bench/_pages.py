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
import time
from collections.abc import Callable
from datetime import UTC, datetime
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


def on_demand_contacts(total: int) -> Asgi:
    """``POST /contacts/search``: ``total`` contacts rendered page by page as they are asked for."""
    template = contact_template()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = json.loads(await read_body(receive))
        index = int((request.get("pagination") or {}).get("starting_after") or 0)
        start = index * CONTACT_PAGE
        data = [contact_record(template, n) for n in range(start, min(total, start + CONTACT_PAGE))]
        body: dict[str, Any] = {"type": "list", "data": data, "total_count": total}
        body["pages"] = {"type": "pages", "page": index + 1, "per_page": CONTACT_PAGE}
        if start + CONTACT_PAGE < total:
            body["pages"]["next"] = {"per_page": CONTACT_PAGE, "starting_after": str(index + 1)}
        await send_json(send, json.dumps(body).encode())

    return app


# --------------------------------------------------------------------------- Intercom conversations

NOW = int(time.time()) // 86_400 * 86_400 - 3_600  # records end an hour before today began
DAYS = 20


def stamp(n: int) -> int:
    """When record ``n`` was last updated: spread over 20 days, not in creation order."""
    return NOW - (n * 7919) % (DAYS * 86_400)


def conversation_template() -> dict[str, Any]:
    from plugins.intercom.emulator import Workspace, render_conversation

    ws = Workspace(token="bench")
    contact = ws.add_contact(email="x@example.com", name="X Y")
    return render_conversation(ws, ws.add_conversation(contact["id"], "Where is my order?"), with_parts=False)


def on_demand_conversations(total: int) -> Asgi:
    """``POST /conversations/search``: ``total`` conversations, one search, ``starting_after`` a page.

    The plugin searches the whole window at once (``updated_at >`` the cursor, less two days;
    every record here is inside the first sync's window): the answer comes in creation order,
    not by updated_at, so the plugin sorts it (on disk past a few thousand).
    """
    template = conversation_template()

    def page(index: int) -> bytes:
        start = index * CONTACT_PAGE
        items = [
            dict(template, id=str(10_000_000 + n), created_at=stamp(n) - 60, updated_at=stamp(n))
            for n in range(start, min(total, start + CONTACT_PAGE))
        ]
        body: dict[str, Any] = {"type": "conversation.list", "conversations": items, "total_count": total}
        body["pages"] = {"type": "pages", "page": index + 1, "per_page": CONTACT_PAGE}
        if start + CONTACT_PAGE < total:
            body["pages"]["next"] = {"per_page": CONTACT_PAGE, "starting_after": str(index + 1)}
        return json.dumps(body).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = json.loads(await read_body(receive))
        cursor = (request.get("pagination") or {}).get("starting_after")
        await send_json(send, page(int(cursor or 0)))

    return app


# --------------------------------------------------------------------------- Intercom tickets


def on_demand_tickets(total: int) -> Asgi:
    """``GET /ticket_types`` and ``POST /tickets/search``: ``total`` Refund tickets, one search.

    The plugin searches the whole window at once (``updated_at >`` the cursor, less two days):
    the answer comes in creation order, not by updated_at, so the plugin sorts it (on disk past a
    few thousand).
    """
    from plugins.intercom.emulator import build_seed, render_ticket, render_ticket_type

    ws = build_seed(seed=3, contacts_per_brand=1)
    refund = ws.ticket_type_by_name("Refund")
    template = render_ticket(ws, next(t for t in ws.tickets.values() if t["type_id"] == refund["id"]), "2.14")
    types = json.dumps(
        {"type": "list", "data": [render_ticket_type(ws, t) for t in ws.ticket_types.values()]}
    )

    def page(index: int) -> bytes:
        start = index * CONTACT_PAGE
        items = [
            dict(
                template,
                id=str(20_000_000 + n),
                ticket_id=str(n + 1),
                created_at=stamp(n) - 60,
                updated_at=stamp(n),
            )
            for n in range(start, min(total, start + CONTACT_PAGE))
        ]
        body: dict[str, Any] = {"type": "ticket.list", "tickets": items, "total_count": total}
        body["pages"] = {"type": "pages", "page": index + 1, "per_page": CONTACT_PAGE}
        if start + CONTACT_PAGE < total:
            body["pages"]["next"] = {"per_page": CONTACT_PAGE, "starting_after": str(index + 1)}
        return json.dumps(body).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await read_body(receive)
        if scope["method"] == "GET":
            await send_json(send, types.encode())
            return
        cursor = (json.loads(body).get("pagination") or {}).get("starting_after")
        await send_json(send, page(int(cursor or 0)))

    return app


# --------------------------------------------------------------------------- Aircall calls

CALL_PAGE = 50
CALLS_START = NOW - DAYS * 86_400


def call_template() -> dict[str, Any]:
    from plugins.aircall.emulator import build_seed, create_app, render_call

    app = create_app(build_seed(calls=20))
    state = app.state.emulator
    company = state.company()
    answered = next(c for c in company.calls.values() if c["answered_at"] and c["raw_digits"])
    return render_call(state, company, answered, "https://api.aircall.example/v1", short_urls=False)


def on_demand_calls(total: int) -> Asgi:
    """``GET /v1/calls``: ``total`` calls, one a second, ``from``/``to``/``page`` honoured.

    Aircall serves at most 10,000 records of one listing, so the plugin splits the time range
    in halves until each fits; ``meta.next_page_link`` is an absolute URL on this host.
    """
    from urllib.parse import parse_qs, urlencode

    template = call_template()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await read_body(receive)
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        low = max(0, int(query.get("from", CALLS_START)) - CALLS_START)
        high = min(total - 1, int(query.get("to", CALLS_START + total)) - CALLS_START)
        matching = max(0, high - low + 1)
        per_page, number = int(query.get("per_page", CALL_PAGE)), int(query.get("page", 1))
        first = low + (number - 1) * per_page
        last = min(low + matching, first + per_page, low + 10_000)
        calls = [
            dict(
                template,
                id=30_000_000 + n,
                started_at=CALLS_START + n,
                answered_at=CALLS_START + n + 5,
                ended_at=CALLS_START + n + 65,
            )
            for n in range(first, last)
        ]
        more = last < min(low + matching, low + 10_000)
        host = dict(scope["headers"]).get(b"host", b"").decode()
        link = f"http://{host}{scope['path']}?{urlencode({**query, 'page': number + 1})}" if more else None
        meta = {"count": len(calls), "total": matching, "current_page": number, "per_page": per_page}
        await send_json(send, json.dumps({"calls": calls, "meta": {**meta, "next_page_link": link}}).encode())

    return app


# --------------------------------------------------------------------------- UltraCart orders

ORDER_PAGE = 200
ORDER_CUSTOMER = 7


def order_template() -> dict[str, Any]:
    """One UltraCart order as the REST API sends it, expanded as the plugin asks."""
    from plugins.ultracart.emulator import (
        EmulatorState,
        _render_order,
        _wire,
        add_customer,
        add_item,
        add_merchant,
        add_order,
    )
    from plugins.ultracart.operations import ORDER_EXPAND

    state = EmulatorState()
    add_merchant(state, "PHACK", "key-phack", brand="PaleoHacks")
    add_item(state, "PHACK", "PH-BARS", "Bars", "29.99")
    oid = add_customer(state, "PHACK", "dana@example.com", oid=ORDER_CUSTOMER)
    order = state.orders[
        add_order(state, "PHACK", oid, [("PH-BARS", 2)], created="2026-01-01T00:00:00+00:00")
    ]
    expand = {part.strip().split(".")[0] for part in ORDER_EXPAND.split(",")}
    return _wire(_render_order(state, order, expand))


def on_demand_orders(total: int) -> Asgi:
    """``POST /rest/v2/order/orders/query``: one customer's ``total`` orders, 200 a page (offsets)."""
    from urllib.parse import parse_qs

    template = order_template()

    def order(n: int) -> dict[str, Any]:
        created = datetime.fromtimestamp(stamp(n), UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        return dict(template, order_id=f"PHACK-{n:010d}", creation_dts=created)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await read_body(receive)
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        limit, offset = int(query.get("_limit", ORDER_PAGE)), int(query.get("_offset", 0))
        orders = [order(n) for n in range(offset, min(total, offset + limit))]
        more = offset + limit < total
        result_set = {
            "count": len(orders),
            "limit": limit,
            "offset": offset,
            "more": more,
            "next_offset": offset + limit if more else None,
            "total_records": total,
        }
        body = {
            "success": True,
            "orders": orders,
            "metadata": {"result_set": result_set, "payload_name": "orders"},
        }
        await send_json(send, json.dumps(body).encode())

    return app
