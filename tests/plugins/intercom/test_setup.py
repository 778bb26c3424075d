"""``hub setup`` and ``hub doctor`` on Intercom: the plan, the differences it cannot mend, the calls."""

from __future__ import annotations

from typing import Any

import httpx

from hub.core.doctor import CheckStatus
from hub.core.models import TicketType
from hub.core.setup import FieldSpec, FieldType, HelpdeskNeeds, SetupAction, TicketTypeSpec
from hub.flows.needs import BACK_OFFICE, CS_ASSIST, TRACKER
from plugins.intercom import setup
from plugins.intercom.emulator import Workspace, create_app
from plugins.intercom.emulator.setup_api import without_catalog
from plugins.intercom.settings import DEFAULT_CS_ASSIST_ATTRIBUTES, DEFAULT_TICKET_ATTRIBUTES
from tests.plugins.intercom.conftest import Recorder, running_hub
from tests.plugins.intercom.test_openapi import validate

NEEDS = CS_ASSIST.merged(BACK_OFFICE).merged(TRACKER)
COUNT = FieldSpec(key="order_count", type=FieldType.INTEGER, description="Orders (hub)")


def test_an_attribute_of_another_type_differs_with_the_fix() -> None:
    existing = [{"id": 7, "name": "cs_order_count", "model": "contact", "data_type": "string"}]
    (step,) = setup.contact_steps((COUNT,), existing, DEFAULT_CS_ASSIST_ATTRIBUTES)
    assert step.item.action is SetupAction.DIFFERS and step.method == ""
    assert "is string" in step.item.detail and "cs_assist_attributes" in step.item.fix


def test_an_archived_attribute_is_unarchived_and_a_reworded_one_kept() -> None:
    archived = [{"id": 7, "name": "cs_order_count", "data_type": "integer", "archived": True}]
    (step,) = setup.contact_steps((COUNT,), archived, DEFAULT_CS_ASSIST_ATTRIBUTES)
    assert (step.item.action, step.method, step.path, step.body) == (
        SetupAction.UPDATE,
        "PUT",
        "/data_attributes/7",
        {"archived": False},
    )
    reworded = [{"id": 7, "name": "cs_order_count", "data_type": "integer", "description": "Ours"}]
    (step,) = setup.contact_steps((COUNT,), reworded, DEFAULT_CS_ASSIST_ATTRIBUTES)
    assert step.item.action is SetupAction.EXISTS and "kept" in step.item.detail


def test_a_ticket_type_of_another_category_differs() -> None:
    spec = TicketTypeSpec(type=TicketType.REFUND, description="Refund an order")
    step = setup.ticket_type_step(spec, "Refund", {"id": "1", "name": "Refund", "category": "Customer"})
    assert step.item.action is SetupAction.DIFFERS and "Back-office" in step.item.fix
    created = setup.ticket_type_step(spec, "Refund", None)
    assert created.body["category"] == "Back-office" and created.body["is_internal"] is True
    tracker = TicketTypeSpec(type=TicketType.TRACKER, description="t")
    assert setup.ticket_type_step(tracker, "Tracker", None).body["category"] == "Tracker"


def test_ticket_fields_map_the_hubs_keys_and_types() -> None:
    spec = next(t for t in BACK_OFFICE.ticket_types if t.type is TicketType.REFUND)
    existing = [{"name": "Amount", "data_type": "string"}]
    steps = setup.ticket_attribute_steps(spec, "Refund", "12", existing, DEFAULT_TICKET_ATTRIBUTES)
    by_name = {step.item.name: step for step in steps}
    assert by_name["Refund / Amount"].item.action is SetupAction.DIFFERS  # the hub reads a decimal
    order = by_name["Refund / Order ID"]
    assert (order.method, order.path) == ("POST", "/ticket_types/12/attributes")
    assert order.body == {
        "name": "Order ID",
        "description": "The order's id or number on its store",
        "data_type": "string",
    }


async def test_setup_on_a_new_workspace_speaks_intercoms_api(openapi: Any, workspace: Workspace) -> None:
    without_catalog(workspace)
    recorder = Recorder(httpx.ASGITransport(app=create_app(workspace)))
    async with running_hub(recorder) as hub:
        planned = await hub.helpdesk.setup(needs=NEEDS, apply=False)
        created = await hub.helpdesk.setup(needs=NEEDS, apply=True)
        again = await hub.helpdesk.setup(needs=NEEDS, apply=False)
        checks = await hub.admin.check()
    assert {i.action for i in planned} == {SetupAction.CREATE}
    assert all(i.done for i in created) and {i.action for i in again} == {SetupAction.EXISTS}
    assert [(c.check, c.status) for c in checks] == [
        (check, CheckStatus.OK) for check in ("credentials", "clock", "admin", "permissions")
    ]
    assert validate(openapi, recorder.exchanges) == []


async def test_a_refused_token_is_a_row_not_an_error(workspace: Workspace) -> None:
    workspace.token = "another"
    async with running_hub(httpx.ASGITransport(app=create_app(workspace))) as hub:
        (row,) = await hub.admin.check()
    assert row.status is CheckStatus.FAIL and "Access Token Invalid" in row.detail
    assert "HUB_INTERCOM__ACCESS_TOKEN" in row.fix


async def test_the_admin_the_notes_are_written_as_must_exist(workspace: Workspace) -> None:
    async with running_hub(httpx.ASGITransport(app=create_app(workspace)), admin_id="404") as hub:
        checks = {c.check: c for c in await hub.admin.check()}
    assert checks["admin"].status is CheckStatus.FAIL and "admin_id" in checks["admin"].fix


def test_the_needs_are_what_the_emulators_seeded_workspace_holds() -> None:
    from plugins.intercom.emulator import CS_ASSIST_DATA_ATTRIBUTES, TICKET_TYPE_ATTRIBUTES

    names = {DEFAULT_CS_ASSIST_ATTRIBUTES[f.key] for f in NEEDS.contact_fields}
    assert names <= {name for name, _ in CS_ASSIST_DATA_ATTRIBUTES}
    for spec in NEEDS.ticket_types:
        seeded = {name for name, _, _ in TICKET_TYPE_ATTRIBUTES[setup_name(spec.type)]}
        assert {DEFAULT_TICKET_ATTRIBUTES[a.key] for a in spec.attributes} == seeded, spec.type
    assert isinstance(HelpdeskNeeds(), HelpdeskNeeds)


def setup_name(ticket_type: TicketType) -> str:
    from plugins.intercom.settings import DEFAULT_TICKET_TYPES

    return DEFAULT_TICKET_TYPES[ticket_type]
