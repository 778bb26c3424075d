"""Shopify's own Admin GraphQL schema, for checking what the hub sends and what the emulator serves.

The schema is Shopify's introspection of the pinned Admin API version (``API_VERSION``),
vendored as ``tests/fixtures/specs/shopify-admin-2026-01.json.gz`` from the npm package
``@shopify/dev-mcp`` 1.16.0 (ISC licence, ``SHOPIFY-DEV-MCP-LICENSE.txt`` beside it). When the
plugin pins another version, the fixture changes with it (``test_schema_contract`` fails until
it does).

``watch_shopify_requests`` is the test-time hook on the hub's Shopify client: every GraphQL
document the client sends during a test is validated against the schema, and what Shopify
would refuse is collected for the test to fail on. Test tooling only; nothing at run time
imports it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from graphql import GraphQLError, GraphQLSchema, build_client_schema, parse, validate

API_VERSION = "2026-01"
SPEC = Path(__file__).parents[1] / "fixtures" / "specs" / f"shopify-admin-{API_VERSION}.json.gz"
GRAPHQL_PATH = re.compile(r"/admin/api/(?P<version>[^/]+)/graphql\.json$")


@lru_cache(maxsize=1)
def shopify_schema() -> GraphQLSchema:
    """Shopify's Admin schema for ``API_VERSION`` (built once per test process, about a second)."""
    with gzip.open(SPEC, "rt", encoding="utf-8") as handle:
        schema = build_client_schema(json.load(handle)["data"])
    # graphql-core's check of the schema itself refuses Shopify's (a deprecated argument on a
    # required input is against its rules); the schema is Shopify's own, so skip that check.
    schema._validation_errors = []  # type: ignore[attr-defined]
    return schema


@lru_cache(maxsize=512)
def document_errors(query: str) -> tuple[str, ...]:
    """Why Shopify would refuse ``query`` (syntax or validation), or ``()`` when it would not."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return (exc.message,)
    return tuple(error.message for error in validate(shopify_schema(), document))


def request_errors(request: httpx.Request) -> list[str]:
    """What Shopify would refuse in one request of a client (empty for non-GraphQL requests)."""
    match = GRAPHQL_PATH.search(request.url.path)
    if request.method != "POST" or match is None:
        return []
    try:
        body = json.loads(request.content or b"{}")
        query = body["query"]
    except (ValueError, KeyError, TypeError):
        return [f"{request.url.path}: the body is not a GraphQL request"]
    operation = body.get("operationName") or _operation_name(query)
    return [f"{operation} (API {match['version']}): {message}" for message in document_errors(query)]


def _operation_name(query: str) -> str:
    found = re.search(r"\b(query|mutation)\s+(\w+)", query)
    return found.group(2) if found else "anonymous operation"


def watch_shopify_requests(violations: list[str]) -> Callable[[], None]:
    """Validate every request a ``ShopifyClient`` made from now on sends; returns the undo.

    The check is an httpx request event hook on each new client's ``httpx.AsyncClient``, so it
    sees what goes on the wire whatever the transport (the emulator, respx, a fault injector).
    """
    from plugins.shopify.client import ShopifyClient

    original = ShopifyClient.__init__

    async def check(request: httpx.Request) -> None:
        violations.extend(request_errors(request))

    def init(self: ShopifyClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.http.event_hooks["request"].append(check)

    ShopifyClient.__init__ = init  # type: ignore[method-assign]

    def undo() -> None:
        ShopifyClient.__init__ = original  # type: ignore[method-assign]

    return undo
