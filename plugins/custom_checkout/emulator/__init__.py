"""A stand-in for a team's checkout endpoint (the contract in ``plugins.custom_checkout.client``).

It checks the signature and its age, knows a catalogue per store, answers one link per
``Idempotency-Key``, and refuses an unknown SKU with 422 ``{"error": ...}``. ``state.links``
keeps every link made, ``state.requests`` every body received.
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from plugins.custom_checkout.client import signature

MAX_AGE_SECONDS = 300


@dataclass
class Shop:
    """One brand's cart: its catalogue (SKU -> price) and where its cart pages live."""

    brand: str
    secret: str
    cart_url: str
    catalogue: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class EndpointState:
    shops: dict[str, Shop] = field(default_factory=dict)
    """The last segment of the path posted to (``/.../<store>``) -> shop."""
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Idempotency-Key -> the answer given."""
    requests: list[dict[str, Any]] = field(default_factory=list)


def create_app(state: EndpointState) -> Starlette:
    async def make_link(request: Request) -> JSONResponse:
        shop = state.shops.get(request.path_params["path"].rstrip("/").rsplit("/", 1)[-1])
        if shop is None:
            return JSONResponse({"error": "no such store"}, status_code=404)
        body = await request.body()
        stamp = request.headers.get("x-hub-timestamp", "")
        given = request.headers.get("x-hub-signature", "")
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= MAX_AGE_SECONDS
        if not fresh or not hmac.compare_digest(given, signature(shop.secret, stamp, body)):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        key = request.headers.get("idempotency-key", "")
        if key in state.links:
            return JSONResponse(state.links[key])
        asked = json.loads(body)
        state.requests.append(asked)
        unknown = [p["sku"] for p in asked.get("products", []) if p.get("sku") not in shop.catalogue]
        if unknown:
            return JSONResponse({"error": f"unknown SKU {', '.join(unknown)}", "field": "products.sku"}, 422)
        total = sum((shop.catalogue[p["sku"]] * int(p["quantity"]) for p in asked["products"]), Decimal(0))
        cart_id = f"C{len(state.links) + 1:05d}"
        query = {"cart": cart_id, "email": asked["email"], "rep": asked.get("sales_rep") or ""}
        answer = {
            "url": f"{shop.cart_url}?{urlencode(query)}",
            "id": cart_id,
            "total": {"amount": f"{total:.2f}", "currency": "USD"},
        }
        if key:
            state.links[key] = answer
        return JSONResponse(answer, status_code=201)

    app = Starlette(routes=[Route("/{path:path}", make_link, methods=["POST"])])
    app.state.endpoint = state
    return app
