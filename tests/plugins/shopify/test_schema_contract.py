"""The plugin and the emulator against Shopify's own Admin schema (the pinned version, vendored).

- every GraphQL document the plugin sends validates against Shopify's schema;
- every type, field, argument, input field and enum value of the emulator's schema is Shopify's,
  with the same type and nullability;
- every field of a modelled type that a client may ask for is in the emulator (the rule and the
  few deliberate absences are below), and a query asking for all of them answers without error.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)

import plugins.shopify
from plugins.shopify.emulator import create_app
from plugins.shopify.emulator.schema import build
from plugins.shopify.settings import DEFAULT_API_VERSION
from tests.contracts.shopify import API_VERSION, document_errors, shopify_schema

from .conftest import World, build_world

ROOTS = ("QueryRoot", "Mutation")

# Fields of modelled types a client may ask for that the emulator deliberately lacks, with why.
# Keep it short: anything else Shopify has on these types the emulator answers. (Fields leading to
# record kinds the emulator does not keep at all, metafields, staff, locations, events, fulfillment
# orders, returns..., are out by rule: see ``_modellable``.)
ABSENT: dict[tuple[str, str], str] = {}
ABSENT_AT_MOST = 10


@pytest.fixture(scope="module")
def shopify() -> GraphQLSchema:
    return shopify_schema()


@pytest.fixture(scope="module")
def emulator() -> GraphQLSchema:
    return build(True)


def _user_types(schema: GraphQLSchema) -> Iterator[GraphQLNamedType]:
    return (t for name, t in schema.type_map.items() if not name.startswith("__"))


def _modellable(emulator: GraphQLSchema, field: Any) -> bool:
    """A field a client may ask the emulator for: its type and its arguments' types are scalars,
    enums or types the emulator models. One that leads to a kind of record the emulator does not
    keep (``Order.metafields``, ``Customer.events``, ``LineItem.taxLines``) would need that whole
    kind modelled first."""
    types = [field.type, *(arg.type for arg in getattr(field, "args", {}).values())]
    return all(is_leaf_type(get_named_type(t)) or get_named_type(t).name in emulator.type_map for t in types)


def _plugin_documents() -> dict[str, str]:
    """Every GraphQL operation the plugin holds as a module-level string (not the emulator's)."""
    found = {}
    for module_info in pkgutil.walk_packages(plugins.shopify.__path__, "plugins.shopify."):
        if ".emulator" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, str) and value.lstrip().startswith(("query ", "mutation ")):
                found[f"{module_info.name}.{name}"] = value
    return found


# --------------------------------------------------------------------------- the pinned version


def test_the_vendored_schema_is_the_pinned_version() -> None:
    assert DEFAULT_API_VERSION == API_VERSION, "vendor Shopify's schema for the newly pinned version"


def test_every_document_the_plugin_sends_validates_against_shopify() -> None:
    documents = _plugin_documents()
    assert len(documents) >= 18  # the walk found the plugin's documents
    refused = {name: errors for name, query in documents.items() if (errors := document_errors(query))}
    assert refused == {}


# --------------------------------------------------------------------------- emulator ⊆ Shopify


def _field_differences(name: str, ours: Any, theirs: Any) -> list[str]:
    problems = []
    for field_name, field in ours.fields.items():
        their_field = theirs.fields.get(field_name)
        if their_field is None:
            problems.append(f"{name}.{field_name}: not in Shopify's schema")
            continue
        if str(field.type) != str(their_field.type):
            problems.append(f"{name}.{field_name}: {field.type}, Shopify has {their_field.type}")
        if isinstance(field, GraphQLField):
            problems += _argument_differences(f"{name}.{field_name}", field, their_field)
    return problems


def _argument_differences(where: str, ours: GraphQLField, theirs: GraphQLField) -> list[str]:
    problems = []
    for arg_name, arg in ours.args.items():
        their_arg = theirs.args.get(arg_name)
        if their_arg is None:
            problems.append(f"{where}({arg_name}): not an argument on Shopify")
        elif str(arg.type) != str(their_arg.type):
            problems.append(f"{where}({arg_name}): {arg.type}, Shopify has {their_arg.type}")
    # A client may pass any argument Shopify takes: the emulator must accept them all.
    problems += [
        f"{where}({arg}): Shopify's argument is missing" for arg in theirs.args if arg not in ours.args
    ]
    return problems


def _type_differences(ours: GraphQLNamedType, theirs: GraphQLNamedType | None) -> list[str]:
    if theirs is None:
        return [f"{ours.name}: Shopify has no such type"]
    if type(ours) is not type(theirs):
        return [f"{ours.name}: a {type(ours).__name__} here, a {type(theirs).__name__} on Shopify"]
    if isinstance(ours, GraphQLEnumType):
        assert isinstance(theirs, GraphQLEnumType)
        if set(ours.values) != set(theirs.values):
            extra, missing = set(ours.values) - set(theirs.values), set(theirs.values) - set(ours.values)
            return [f"{ours.name}: values not Shopify's {sorted(extra)}, Shopify's missing {sorted(missing)}"]
        return []
    problems = []
    if isinstance(ours, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        problems += _field_differences(ours.name, ours, theirs)
    if isinstance(ours, GraphQLObjectType):
        theirs_interfaces = {i.name for i in theirs.interfaces}  # type: ignore[union-attr]
        problems += [
            f"{ours.name}: implements {i.name}, Shopify's does not"
            for i in ours.interfaces
            if i.name not in theirs_interfaces
        ]
    if isinstance(ours, GraphQLInputObjectType):
        assert isinstance(theirs, GraphQLInputObjectType)
        problems += [
            f"{ours.name}.{name}: required on Shopify, missing here"
            for name, field in theirs.fields.items()
            if isinstance(field.type, GraphQLNonNull) and name not in ours.fields
        ]
    return problems


@pytest.mark.parametrize("with_idempotent", [True, False], ids=["2026-01+", "before 2026-01"])
def test_every_emulator_type_field_and_value_is_shopifys(
    shopify: GraphQLSchema, with_idempotent: bool
) -> None:
    emulator = build(with_idempotent)
    problems = [p for t in _user_types(emulator) for p in _type_differences(t, shopify.type_map.get(t.name))]
    assert problems == []
    scalars = [t.name for t in _user_types(emulator) if isinstance(t, GraphQLScalarType)]
    assert all(isinstance(shopify.type_map.get(name), GraphQLScalarType) for name in scalars)
    if with_idempotent:
        ours, theirs = emulator.get_directive("idempotent"), shopify.get_directive("idempotent")
        assert ours is not None and theirs is not None
        assert {n: str(a.type) for n, a in ours.args.items()} == {
            n: str(a.type) for n, a in theirs.args.items()
        }


def test_the_drift_the_issue_names_is_gone(shopify: GraphQLSchema, emulator: GraphQLSchema) -> None:
    line_item = emulator.get_type("LineItem")
    assert isinstance(line_item, GraphQLObjectType)
    assert str(line_item.fields["originalTotalSet"].type) == "MoneyBag!"
    assert str(line_item.fields["discountedTotalSet"].type) == "MoneyBag!"
    draft = emulator.get_type("DraftOrder")
    assert isinstance(draft, GraphQLObjectType)
    assert "note" not in draft.fields and "note2" in draft.fields
    discount = emulator.get_type("DraftOrderAppliedDiscount")
    assert isinstance(discount, GraphQLObjectType)
    assert str(discount.fields["description"].type) == "String!"
    cancel = emulator.mutation_type.fields["subscriptionContractCancel"]  # type: ignore[union-attr]
    assert str(cancel.type) == "SubscriptionContractCancelPayload"


# --------------------------------------------------------------------------- Shopify ⊆ emulator


def test_every_field_a_client_may_ask_for_is_there(shopify: GraphQLSchema, emulator: GraphQLSchema) -> None:
    missing = []
    for ours in _user_types(emulator):
        theirs = shopify.type_map.get(ours.name)
        if ours.name in ROOTS or not isinstance(theirs, GraphQLObjectType | GraphQLInputObjectType):
            continue  # the root types list operations: the emulator has those the hub uses
        for name, field in theirs.fields.items():
            if name not in ours.fields and _modellable(emulator, field) and (ours.name, name) not in ABSENT:
                missing.append(f"{ours.name}.{name}: {field.type}")
    assert missing == []
    assert len(ABSENT) <= ABSENT_AT_MOST, "the deliberate absences must stay few"
    for type_name, field_name in ABSENT:
        type_ = emulator.type_map[type_name]
        assert isinstance(type_, GraphQLObjectType | GraphQLInputObjectType)
        assert field_name not in type_.fields, f"{type_name}.{field_name} is there now: drop it from ABSENT"


# --------------------------------------------------------------------------- asking for everything


def _selection(emulator: GraphQLSchema, type_: GraphQLNamedType, depth: int) -> str:
    """Every field of ``type_`` (objects ``depth`` levels down), with the arguments Shopify needs."""
    if isinstance(type_, GraphQLInterfaceType):
        return "id __typename"
    assert isinstance(type_, GraphQLObjectType)
    parts = []
    for name, field in type_.fields.items():
        target = get_named_type(field.type)
        arguments = _arguments(field)
        if is_leaf_type(target):
            parts.append(f"{name}{arguments}")
        elif depth > 0:
            parts.append(f"{name}{arguments} {{ {_selection(emulator, target, depth - 1)} }}")
    return " ".join(parts) or "__typename"


def _arguments(field: GraphQLField) -> str:
    given = {}
    if "first" in field.args:
        given["first"] = "2"
    for name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull):
            given[name] = '"gid://shopify/Collection/1"'
    return "(" + ", ".join(f"{k}: {v}" for k, v in given.items()) + ")" if given else ""


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await client.post(
        f"/admin/api/{API_VERSION}/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": "tok-paleo"},
    )
    return response.json()


async def _refund_and_draft(client: httpx.AsyncClient, world: World) -> None:
    """A refund (with its line and payment) and a completed discounted draft order to read back."""
    order = world.unshipped
    refund = {
        "orderId": order["id"],
        "note": "damaged",
        "refundLineItems": [{"lineItemId": order["_lines"][0]["id"], "quantity": 1, "restockType": "RETURN"}],
        "transactions": [
            {
                "orderId": order["id"],
                "parentId": order["_transactions"][0]["id"],
                "amount": "14.99",
                "gateway": "shopify_payments",
                "kind": "REFUND",
            }
        ],
    }
    mutation = "mutation R($input: RefundInput!) { refundCreate(input: $input) { userErrors { message } } }"
    assert (await _post(client, mutation, {"input": refund}))["data"]["refundCreate"]["userErrors"] == []
    variant = world.paleo.variant_by_sku("PH-CEREAL")["id"]
    draft = {
        "lineItems": [{"variantId": variant, "quantity": 2}],
        "appliedDiscount": {"value": 10.0, "valueType": "PERCENTAGE", "title": "Sorry"},
        "purchasingEntity": {"customerId": world.jane["id"]},
        "note": "replacement",
    }
    create = "mutation C($input: DraftOrderInput!) { draftOrderCreate(input: $input) { draftOrder { id } } }"
    draft_id = (await _post(client, create, {"input": draft}))["data"]["draftOrderCreate"]["draftOrder"]["id"]
    complete = "mutation D($id: ID!) { draftOrderComplete(id: $id) { userErrors { message } } }"
    assert (await _post(client, complete, {"id": draft_id}))["data"]["draftOrderComplete"]["userErrors"] == []


ENTRY_POINTS = {
    "shop": "shop {{ {} }}",
    "orders": "orders(first: 5) {{ nodes {{ {} }} }}",
    "customers": "customers(first: 5) {{ nodes {{ {} }} }}",
    "draftOrders": "draftOrders(first: 5) {{ nodes {{ {} }} }}",
    "productVariants": "productVariants(first: 5) {{ nodes {{ {} }} }}",
    "subscriptionContracts": "subscriptionContracts(first: 5) {{ nodes {{ {} }} }}",
}


async def test_a_query_for_every_field_answers_without_error(
    shopify: GraphQLSchema, emulator: GraphQLSchema
) -> None:
    world = build_world(max_query_cost=10**9, bucket_size=10.0**12)
    app = create_app(world.state)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://emulator.test"
    ) as client:
        await _refund_and_draft(client, world)
        for root, template in ENTRY_POINTS.items():
            field = emulator.query_type.fields[root]  # type: ignore[union-attr]
            target = get_named_type(field.type)
            if target.name.endswith("Connection"):
                target = get_named_type(target.fields["nodes"].type)  # type: ignore[union-attr]
            query = "{ " + template.format(_selection(emulator, target, depth=3)) + " }"
            assert validate(shopify, parse(query)) == [], root  # a query Shopify would run too
            body = await _post(client, query)
            assert body.get("errors") is None, (root, body.get("errors"))
            assert body["data"][root]


async def test_the_named_fields_answer_with_shopifys_values() -> None:
    world = build_world()
    app = create_app(world.state)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://emulator.test"
    ) as client:
        await _refund_and_draft(client, world)
        query = """query Named($id: ID!) {
          order(id: $id) { lineItems(first: 5) { nodes {
            quantity originalTotalSet { shopMoney { amount currencyCode } }
            discountedTotalSet { shopMoney { amount } }
          } } }
          draftOrders(first: 1) { nodes {
            note2 appliedDiscount { description amountSet { shopMoney { amount } } }
          } }
        }"""
        data = (await _post(client, query, {"id": world.unshipped["id"]}))["data"]
        lines = data["order"]["lineItems"]["nodes"]
        assert [line["originalTotalSet"]["shopMoney"] for line in lines] == [
            {"amount": "29.98", "currencyCode": "USD"},
            {"amount": "29.99", "currencyCode": "USD"},
        ]
        assert [line["discountedTotalSet"]["shopMoney"]["amount"] for line in lines] == ["29.98", "29.99"]
        draft = data["draftOrders"]["nodes"][0]
        assert draft["note2"] == "replacement"
        assert draft["appliedDiscount"] == {"description": "", "amountSet": {"shopMoney": {"amount": "3.00"}}}
        cancel = """mutation Cancel($id: ID!) { subscriptionContractCancel(subscriptionContractId: $id) {
          __typename contract { status } userErrors { code } } }"""
        payload = (await _post(client, cancel, {"id": world.contract["id"]}))["data"][
            "subscriptionContractCancel"
        ]
        assert payload == {
            "__typename": "SubscriptionContractCancelPayload",
            "contract": {"status": "CANCELLED"},
            "userErrors": [],
        }
