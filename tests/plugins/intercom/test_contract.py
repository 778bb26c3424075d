"""The emulator answers every operation of Intercom's 2.14 description as the description says.

The test walks ``tests/fixtures/specs/intercom-openapi-2.14.yaml``. For every operation tagged with
one of the areas the hub or an agent's routine touches (``TAGS``) it:

- finds the emulator's route for it: the operations with none are listed by name, and the list
  must be empty;
- sends each request example the description documents for it (or, when it has none, the
  request its parameters describe), with the example's ids swapped for ids of a seeded workspace,
  except the one an error example is about (``contact_not_found`` keeps its unknown contact);
- expects the status the description pairs with that example (the response example of the same
  name), validates the answer against the operation's response schema, checks that an error
  carries the documented ``code``, and that an answer carries every field the description's own
  example of it carries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import pytest
import yaml
from starlette.routing import Match

from hub.testing.openapi import response_problems
from plugins.intercom.emulator import Workspace, build_seed, create_app
from tests.plugins.intercom.conftest import BASE_URL, SPEC_PATH, TOKEN

TAGS = frozenset(
    {
        "Admins",
        "Away Status Reasons",
        "Contacts",
        "Conversations",
        "Data Attributes",
        "Notes",
        "Tags",
        "Ticket States",
        "Ticket Types",
        "Tickets",
    }
)
METHODS = ("get", "post", "put", "delete", "patch")
UNKNOWN = "0"  # no record of any kind has this id

# Fields of the description's response examples the emulator leaves out, and why.
NOT_SENT = {
    # Intercom sends these as null; the description's schema (a $ref beside nullable) refuses null.
    "ai_agent",
    "assigned_to",
    "email_message_metadata",
    "event_details",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    spec: dict[str, Any] = field(hash=False, compare=False)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


@dataclass(frozen=True)
class Case:
    """One request the description documents, and the status it pairs with it."""

    operation: Operation
    example: str  # the request example's name ("documented" when the operation has none)
    body: Any
    status: int
    response_example: Any = field(default=None, hash=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.operation.operation_id}:{self.example}"

    @property
    def missing(self) -> str:
        """What an error example is about: ``contact`` for ``contact_not_found``, else ''."""
        match = re.fullmatch(r"(\w*?)_?not_found", self.example)
        return match.group(1) if match and self.status == 404 else ""


@cache
def description() -> dict[str, Any]:
    with SPEC_PATH.open() as file:
        return yaml.load(file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def operations() -> list[Operation]:
    """Every operation of the description tagged with one of ``TAGS``."""
    found = []
    for path, item in description()["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation and TAGS & set(operation.get("tags", ())):
                found.append(Operation(method.upper(), path, operation["operationId"], operation))
    return found


def _name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _response_examples(operation: Operation) -> dict[str, tuple[int, Any]]:
    """Response examples by normalised name: ``{"contact_not_found": (404, body)}``."""
    found: dict[str, tuple[int, Any]] = {}
    for code, response in operation.spec["responses"].items():
        for media in (response.get("content") or {}).values():
            for name, example in (media.get("examples") or {}).items():
                found.setdefault(_name(name), (int(code), example.get("value")))
    return found


def _success_status(operation: Operation) -> int:
    return min(int(code) for code in operation.spec["responses"] if code.startswith("2"))


def _generated_body(operation: Operation) -> Any:
    """A body from the schema's own ``example`` values, for an operation documenting no example."""
    content = (operation.spec.get("requestBody") or {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content.get("schema", {})
    return {
        name: prop.get("example") for name, prop in schema.get("properties", {}).items() if "example" in prop
    }


def cases() -> list[Case]:
    """Every documented request example of every operation (one generated request when none)."""
    found = []
    for operation in operations():
        responses = _response_examples(operation)
        success = _success_status(operation)
        content = (operation.spec.get("requestBody") or {}).get("content", {}).get("application/json", {})
        examples = content.get("examples") or {}
        if not examples:
            body = _generated_body(operation)
            example = next((v for s, v in responses.values() if s == success), None)
            found.append(Case(operation, "documented", body, success, example))
        for name, example in examples.items():
            # An example no response names is one of the successful variants (admin_note_reply...).
            status, answer = responses.get(_name(name), (success, None))
            found.append(Case(operation, _name(name), example.get("value"), status, answer))
    return found


# --------------------------------------------------------------------------- the seeded workspace


@dataclass
class World:
    """A seeded workspace and the records each request example is pointed at."""

    ws: Workspace
    ids: dict[str, str]


def build_world() -> World:
    ws = build_seed(seed=5, contacts_per_brand=1, workspace=Workspace(token=TOKEN))
    admin, other_admin = list(ws.admins.values())[:2]
    contact, guest, outsider = list(ws.contacts.values())[:3]
    contact["external_id"] = "cdd29344-5e0c-4ef0-ac56-f9ba2979bc27"
    lead = ws.add_contact(email="lead@example.com", role="lead")
    lone = ws.add_contact(email="lone@example.com")
    tag = ws.add_tag("contract")
    conversation = ws.add_conversation(contact["id"], "<p>Where is my order?</p>")
    conversation["contact_ids"].append(guest["id"])
    part = ws.add_part(conversation, "comment", "<p>Looking</p>", ws.admin_author(admin["id"]))
    lone_conversation = ws.add_conversation(lone["id"], "<p>Alone</p>")
    refund = ws.ticket_type_by_name("Refund")
    ticket = ws.add_ticket(refund["id"], contact["id"], {"_default_title_": "Refund"})
    for record in (contact, conversation, ticket):
        ws.apply_tag(record, tag, admin)
    company = ws.companies[contact["company_ids"][0]]
    subscription = next(iter(ws.subscription_types.values()))
    contact["subscriptions"][subscription["id"]] = subscription["consent_type"]
    note = ws.add_note(contact, "Called about a refund", admin)
    ws.add_data_attribute("The One Ring", "string", "company")  # "already exists" examples
    # Instance attributes are text in the schema (its example writes 99.99; the schema refuses it).
    order = ws.add_object_instance("Order", "123", {"order_number": "ORDER-12345", "total_amount": "99.99"})
    ids = {
        "admin": admin["id"],
        "other_admin": other_admin["id"],
        "contact": contact["id"],
        "guest": guest["id"],
        "outsider": outsider["id"],
        "lead": lead["id"],
        "lone": lone["id"],
        "conversation": conversation["id"],
        "lone_conversation": lone_conversation["id"],
        "part": part["id"],
        "ticket": ticket["id"],
        "ticket_type": refund["id"],
        "customer_type": ws.ticket_type_by_name("Product Question")["id"],
        "ticket_state": ws.state_of_type(refund["id"], "resolved")["id"],
        "tag": tag["id"],
        "company": company["id"],
        "company_ref": company["company_id"],
        "note": note["id"],
        "subscription": subscription["id"],
        "data_attribute": str(ws.data_attributes["contact:cs_order_count"]["id"]),
        "dependent_attribute": str(ws.data_attributes["contact:brand"]["id"]),
        "reason": ws.reason_by_label("Coaching")["id"],
        "external_id": contact["external_id"],
        "order": order["id"],
    }
    return World(ws, ids)


# Which record a path parameter names, unless the operation or example says otherwise.
PATH_ROLES = {
    "admin_id": "admin",
    "contact_id": "contact",
    "conversation_id": "conversation",
    "ticket_id": "ticket",
    "tag_id": "tag",
    "company_id": "company",
    "note_id": "note",
    "subscription_id": "subscription",
    "data_attribute_id": "data_attribute",
    "ticket_type_id": "ticket_type",
    "external_id": "external_id",
}
# Which record a body field names.
BODY_ROLES = {
    "admin_id": "admin",
    "assignee_id": "other_admin",
    "contact_id": "contact",
    "intercom_user_id": "contact",
    "conversation_id": "conversation",
    "conversation_part_id": "part",
    "ticket_type_id": "ticket_type",
    "ticket_state_id": "ticket_state",
    "away_status_reason_id": "reason",
    "from": "lead",
    "into": "contact",
    "company_id": "company_ref",
    "order": "order",  # custom_attributes.order: ids of Order instances
}
# What a body's ``id`` names, per operation.
ID_ROLES = {
    "attachContactToACompany": "company",
    "attachSubscriptionTypeToContact": "subscription",
    "attachTagToContact": "tag",
    "attachTagToConversation": "tag",
    "attachTagToTicket": "tag",
    "createConversation": "contact",
    "createTicket": "contact",
    "enqueueCreateTicket": "contact",
    "createTag": "contact",
}
# Per operation (or operation:example): roles that differ from the defaults above.
OVERRIDES: dict[str, dict[str, str]] = {
    "attachContactToConversation": {"intercom_user_id": "outsider"},
    "detachContactFromConversation": {"intercom_user_id": "guest", "path:contact_id": "guest"},
    "detachContactFromConversation:last_customer": {
        "path:conversation_id": "lone_conversation",
        "path:contact_id": "lone",
        "intercom_user_id": "lone",
    },
    "convertConversationToTicket": {"ticket_type_id": "customer_type"},
    "convertConversationToTicket:bad_request": {"ticket_type_id": "ticket_type"},
    "updateDataAttribute:has_dependant_object": {"path:data_attribute_id": "dependent_attribute"},
}
# Fields an error example means as sent (``"ticket_state_id": 0`` is the invalid state).
KEEP = {
    "updateTicket:ticket_state_id_is_not_valid_or_is_not_associated_with_the_ticket_type": {"ticket_state_id"}
}
# The records an ``<x>_not_found`` example leaves unknown: path parameters and body fields.
MISSING = {
    "admin": {"admin_id"},
    "assignee": {"assignee_id"},
    "contact": {"contact_id", "intercom_user_id", "from.id"},
    "user": {"contact_id", "users.id"},
    "tag": {"tag_id", "id"},
    "company": {"company_id", "id"},
    "conversation": {"conversation_id"},
    "ticket": {"ticket_id"},
    "attribute": {"data_attribute_id"},
    "resource": {"id"},
}


def roles_for(case: Case) -> dict[str, str]:
    roles = {**OVERRIDES.get(case.operation.operation_id, {}), **OVERRIDES.get(case.id, {})}
    if case.operation.operation_id in ID_ROLES:
        roles.setdefault("id", ID_ROLES[case.operation.operation_id])
    return roles


def left_unknown(case: Case) -> set[str]:
    """The path parameters and body fields an error example must keep unknown."""
    if case.status != 404:
        return set()
    if case.missing in MISSING:
        return MISSING[case.missing]
    params = case.operation.path_params
    # A bare "not_found" is about the record the path names, or the body's when there is none.
    return {params[0]} if params else {"conversation_id", "conversation_part_id"}


def request_for(case: Case, world: World) -> httpx.Request:
    roles, unknown = roles_for(case), left_unknown(case)
    path = case.operation.path
    for param in case.operation.path_params:
        role = roles.get(f"path:{param}", PATH_ROLES.get(param))
        value = UNKNOWN if param in unknown or role is None else world.ids[role]
        path = path.replace(f"{{{param}}}", value)
    body = _fill(case.body, world, roles, unknown | KEEP.get(case.id, set()), prefix="")
    headers = {
        "Authorization": f"Bearer {'wrong' if case.status == 401 else TOKEN}",
        "Intercom-Version": "2.14",
    }
    content = json.dumps(body).encode() if body is not None else None
    if content is not None:
        headers["Content-Type"] = "application/json"
    return httpx.Request(
        case.operation.method,
        BASE_URL + path,
        params=_query(case.operation),
        headers=headers,
        content=content,
    )


def _fill(value: Any, world: World, roles: dict[str, str], unknown: set[str], prefix: str) -> Any:
    """The example with each id it names replaced by the seeded record's (same JSON type)."""
    if isinstance(value, list):
        return [_fill(item, world, roles, unknown, prefix) for item in value]
    if not isinstance(value, dict):
        return value
    filled = {}
    for key, item in value.items():
        path, role = f"{prefix}{key}", _role(key, prefix, roles)
        if isinstance(item, list) and role is not None and all(isinstance(i, str | int) for i in item):
            filled[key] = [_same_type(i, world.ids[role]) for i in item]
        elif isinstance(item, dict | list) or role is None or path in unknown or key in unknown:
            filled[key] = _fill(item, world, roles, unknown, f"{path}.")
        else:
            filled[key] = _same_type(item, world.ids[role])
    return filled


def _role(key: str, prefix: str, roles: dict[str, str]) -> str | None:
    """The record a body field names; an ``id`` only at the top or inside ``from``/``contacts``/``users``."""
    if key == "id":
        return roles.get("id") if prefix in ("", "from.", "contacts.", "users.") else None
    return roles.get(key, BODY_ROLES.get(key))


def _same_type(example: Any, seeded: str) -> Any:
    return (
        int(seeded)
        if isinstance(example, int) and not isinstance(example, bool) and seeded.isdigit()
        else seeded
    )


def _query(operation: Operation) -> dict[str, str]:
    """The documented example of each query parameter (``True`` sent as ``true``)."""
    params = {}
    for param in operation.spec.get("parameters", []):
        if param.get("in") == "query" and "example" in param:
            example = param["example"]
            params[param["name"]] = str(example).lower() if isinstance(example, bool) else str(example)
    return params


# --------------------------------------------------------------------------- checks


def missing_fields(documented: Any, answered: Any, where: str = "") -> list[str]:
    """Fields the description's example answer carries that ours lacks (lists: first items)."""
    if isinstance(documented, dict) and isinstance(answered, dict):
        problems = []
        for key, value in documented.items():
            if key in NOT_SENT:
                continue
            if key not in answered:
                problems.append(f"{where}{key}")
            else:
                problems.extend(missing_fields(value, answered[key], f"{where}{key}."))
        return problems
    if isinstance(documented, list) and isinstance(answered, list) and documented and answered:
        return missing_fields(documented[0], answered[0], f"{where}0.")
    return []


def _error_code(body: Any) -> str | None:
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors[0].get("code") if errors else None


CASES = cases()


def test_every_operation_of_the_hub_s_tags_is_implemented() -> None:
    app = create_app(Workspace())
    unimplemented = []
    for operation in operations():
        path = re.sub(r"{\w+}", "1", operation.path)
        scope = {"type": "http", "method": operation.method, "path": path, "root_path": ""}
        if not any(route.matches(scope)[0] is Match.FULL for route in app.routes):
            unimplemented.append(operation.operation_id)
    assert len(operations()) >= 60
    assert unimplemented == []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_the_documented_request_gets_the_documented_answer(case: Case, openapi: Any) -> None:
    world = build_world()
    request = request_for(case, world)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(world.ws))) as client:
        response = await client.send(request)
    assert response.status_code == case.status, response.text
    assert (
        response_problems(
            openapi, request, response.status_code, response.headers, response.content, BASE_URL
        )
        == []
    )
    answer = response.json() if response.content else None
    if case.status >= 400 and case.response_example is not None:
        assert _error_code(answer) == _error_code(case.response_example)
    if case.status < 400 and case.response_example is not None:
        assert missing_fields(case.response_example, answer) == []
