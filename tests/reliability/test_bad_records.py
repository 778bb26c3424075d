"""Malformed platform records: a mapping either maps them or raises ``MappingError`` naming the field.

Hypothesis takes a valid record of each platform (the same samples the plugins' own mapping
tests use) and breaks one field: removes it, or puts in the wrong type, an unknown enum value,
a huge string, invalid unicode (a lone surrogate), negative, non-numeric or non-finite money.
Any exception other than ``MappingError`` (a ``KeyError``, ``TypeError``, pydantic's
``ValidationError``...) would crash a flow instead of parking the record, and fails the test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.errors import MappingError
from hub.core.models import TicketType
from plugins.aircall.mapping import call_from_aircall
from plugins.intercom import mapping as intercom
from plugins.intercom.settings import DEFAULT_TICKET_ATTRIBUTES
from plugins.shopify import mapping as shopify
from plugins.stickyio import mapping as stickyio
from plugins.ultracart import mapping as ultracart
from tests.plugins.aircall.test_mapping import raw_call
from tests.plugins.stickyio.test_mapping import STORE as STICKY_STORE
from tests.plugins.stickyio.test_mapping import order_body
from tests.plugins.ultracart.test_mapping import full_order

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "examples"

BAD_VALUES = [
    None,
    12345,
    -1,
    True,
    [],
    {},
    "",
    "not a number",
    "-12.50",
    "NaN",
    "Infinity",
    "1e999",
    "x" * 100_000,
    "\ud800 lone surrogate",
    "UNKNOWN_ENUM_VALUE",
    "2026-13-45T99:99:99Z",
    -1e308,
]


def example(platform: str, name: str) -> Any:
    return json.loads((EXAMPLES / platform / name).read_text(), parse_float=Decimal)


def intercom_conversation() -> dict[str, Any]:
    return example("intercom", "conversations_list_200.json")["conversations"][0]


def intercom_ticket() -> dict[str, Any]:
    return example("intercom", "ticket_create_200.json")


MAPPERS: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], Any]]] = {
    "aircall call": (raw_call, call_from_aircall),
    "intercom conversation": (intercom_conversation, intercom.conversation_from),
    "intercom ticket": (
        intercom_ticket,
        lambda raw: intercom.ticket_from(raw, {"36": TicketType.REFUND}, DEFAULT_TICKET_ATTRIBUTES),
    ),
    "shopify order": (
        lambda: example("shopify", "order.json")["order"],
        lambda raw: shopify.order_from_rest(raw, store="paleohacks", brand="PaleoHacks"),
    ),
    "stickyio order": (order_body, lambda raw: stickyio.order(raw, STICKY_STORE)),
    "ultracart order": (
        full_order,
        lambda raw: ultracart.order_from_json(raw, store="mesa_cookware", brand="Mesa Cookware"),
    ),
}


def paths(record: Any, prefix: tuple[Any, ...] = (), depth: int = 2) -> list[tuple[Any, ...]]:
    """Every field of the record down to ``depth`` levels (list items by index)."""
    found = []
    items = (
        record.items() if isinstance(record, dict) else enumerate(record) if isinstance(record, list) else []
    )
    for key, value in items:
        found.append((*prefix, key))
        if depth > 1 and isinstance(value, dict | list):
            found += paths(value, (*prefix, key), depth - 1)
    return found


def broken(record: dict[str, Any], path: tuple[Any, ...], value: Any, remove: bool) -> dict[str, Any]:
    copied = copy.deepcopy(record)
    parent: Any = copied
    for key in path[:-1]:
        parent = parent[key]
    if remove and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copied


KINDS = sorted(MAPPERS)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_broken_field_maps_or_raises_a_mapping_error_naming_it(kind: str, data: st.DataObject) -> None:
    sample, mapper = MAPPERS[kind]
    record = sample()
    path = data.draw(st.sampled_from(paths(record)), label="field")
    value = data.draw(st.sampled_from(BAD_VALUES), label="value")
    remove = data.draw(st.booleans(), label="remove")
    try:
        mapper(broken(record, path, value, remove))
    except MappingError as exc:
        assert exc.field, f"{kind}: MappingError without a field: {exc}"


@pytest.mark.parametrize("kind", sorted(MAPPERS))
def test_the_samples_themselves_map(kind: str) -> None:
    sample, mapper = MAPPERS[kind]
    assert mapper(sample()) is not None
