"""Shopify's calculated query cost, shared by the client (estimate before sending) and the emulator.

The reference (§2) gives the rules: scalars and enums cost 0, an object 1, a connection 2 plus
``first`` (or ``last``) times the cost of one node; a mutation costs 10 (Shopify's published
figure; its payload selection is not added). A plain list capped by ``first`` (``fulfillments``,
``refunds``) costs ``first`` objects. The *actual* cost walks the returned data instead, counting
the nodes that came back, which is what Shopify refunds the difference from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

MUTATION_COST = 10
CONNECTION_COST = 2

Fragments = Mapping[str, FragmentDefinitionNode]


@lru_cache(maxsize=256)
def parse_cached(query: str) -> DocumentNode:
    """Parse a query once; the client sends the same few documents over and over."""
    return parse(query)


def operation_of(document: DocumentNode, operation_name: str | None = None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if operation_name is None or (operation.name and operation.name.value == operation_name):
            return operation
    raise ValueError(f"no operation named {operation_name!r} in the document")


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _fields(selection_set: SelectionSetNode | None, fragments: Fragments) -> Iterator[FieldNode]:
    """The fields of a selection set with fragments spread in place."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            value = value_from_ast_untyped(argument.value, variables)
            return int(value) if isinstance(value, int) else 0
    return None


def _child(field: FieldNode, name: str, fragments: Fragments) -> FieldNode | None:
    return next((f for f in _fields(field.selection_set, fragments) if f.name.value == name), None)


def _node_selection(field: FieldNode, fragments: Fragments) -> tuple[str, SelectionSetNode | None] | None:
    """How a connection's nodes are selected: ``nodes {..}`` or ``edges { node {..} }``."""
    nodes = _child(field, "nodes", fragments)
    if nodes is not None:
        return "nodes", nodes.selection_set
    edges = _child(field, "edges", fragments)
    if edges is not None:
        node = _child(edges, "node", fragments)
        return "edges", node.selection_set if node else None
    return None


def _is_connection(field: FieldNode, fragments: Fragments) -> bool:
    return any(_child(field, name, fragments) for name in ("nodes", "edges", "pageInfo"))


# --------------------------------------------------------------------------- requested cost


def requested_cost(
    document: DocumentNode, variables: Mapping[str, Any] | None = None, operation_name: str | None = None
) -> int:
    """The cost Shopify charges up front for this operation."""
    operation = operation_of(document, operation_name)
    fragments = _fragments(document)
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * sum(1 for _ in _fields(operation.selection_set, fragments))
    return _selection_cost(operation.selection_set, fragments, variables or {})


def _selection_cost(
    selection_set: SelectionSetNode | None, fragments: Fragments, variables: Mapping[str, Any]
) -> int:
    total = 0
    for field in _fields(selection_set, fragments):
        if field.selection_set is None:
            continue  # scalars and enums are free
        size = _page_size(field, variables)
        if size is None:
            total += 1 + _selection_cost(field.selection_set, fragments, variables)
        elif _is_connection(field, fragments):
            shape = _node_selection(field, fragments)
            node_cost = 1 + _selection_cost(shape[1], fragments, variables) if shape else 0
            total += CONNECTION_COST + size * node_cost
        else:
            total += size * (1 + _selection_cost(field.selection_set, fragments, variables))
    return total


# --------------------------------------------------------------------------- actual cost


def actual_cost(
    document: DocumentNode, data: Mapping[str, Any] | None, operation_name: str | None = None
) -> int:
    """The cost of what was actually returned (``data`` as executed)."""
    if data is None:
        return 0
    operation = operation_of(document, operation_name)
    fragments = _fragments(document)
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * sum(1 for _ in _fields(operation.selection_set, fragments))
    return _data_cost(operation.selection_set, fragments, data)


def _data_cost(selection_set: SelectionSetNode | None, fragments: Fragments, value: Any) -> int:
    if not isinstance(value, Mapping):
        return 0
    total = 0
    for field in _fields(selection_set, fragments):
        if field.selection_set is None:
            continue
        result = value.get(field.alias.value if field.alias else field.name.value)
        if result is None:
            continue
        if isinstance(result, Mapping) and _is_connection(field, fragments):
            total += CONNECTION_COST + _connection_nodes_cost(field, fragments, result)
        elif isinstance(result, list):
            total += sum(1 + _data_cost(field.selection_set, fragments, item) for item in result)
        else:
            total += 1 + _data_cost(field.selection_set, fragments, result)
    return total


def _connection_nodes_cost(field: FieldNode, fragments: Fragments, result: Mapping[str, Any]) -> int:
    shape = _node_selection(field, fragments)
    if shape is None:
        return 0
    kind, selection = shape
    items = (
        result.get("nodes") or []
        if kind == "nodes"
        else [edge.get("node") for edge in result.get("edges") or [] if isinstance(edge, Mapping)]
    )
    return sum(1 + _data_cost(selection, fragments, item) for item in items)
