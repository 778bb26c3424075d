"""A real workspace, as a new user meets it: the measured cases of issue 15 on the emulators.

* a workspace without the hub's fields and ticket types: ``hub doctor`` says what is missing,
  ``hub setup`` creates it, a second setup changes nothing, and every flow then runs;
* a wrong token or a skewed clock is named by the doctor, with the fix;
* a missing contact attribute: CS Assist's refused writes are parked, the run ends ``partial``,
  and each goes through once setup created the attribute;
* the 262-character tracking list: shortened by the stated rule, so an unchanged contact is
  not written again;
* a conversation and a refund ticket the search index shows after the cursor passed them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from hub.core.doctor import CheckStatus
from hub.core.limits import fit_text
from hub.core.manager import get_plugin_manager
from hub.core.models import TicketType
from hub.core.setup import SetupAction
from hub.engine import Runtime, run_flow
from hub.engine.readiness import doctor, needs_of, setup
from hub.flows import order
from hub.flows.summary import summarise, summary_attributes
from hub.sandbox import Sandbox
from tests.flows.conftest import World
from tests.flows.test_back_office import paid, refund_attributes, ultracart_order


@pytest.fixture
async def empty(tmp_path) -> AsyncIterator[World]:
    """A sandbox whose helpdesk is a new workspace: none of the hub's fields or ticket types."""
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=4, empty=True)
    built.build()
    config = built.config(database_url=f"sqlite:///{tmp_path / 'hub.db'}")
    runtime = Runtime.from_config(pm, config, transports=built.transports())
    async with runtime.session() as hub:
        yield World(built, runtime, hub)
    runtime.store.dispose()


def rows(checks: list[Any], plugin: str, check: str) -> list[Any]:
    return [row for row in checks if row.plugin == plugin and row.check == check]


async def test_on_a_new_workspace_doctor_names_what_is_missing_and_setup_creates_it_once(
    empty: World,
) -> None:
    ws = empty.state("intercom")
    assert ws.data_attributes == {} and ws.ticket_types == {}

    before = await doctor(empty.runtime, empty.hub)
    assert all(row.status is CheckStatus.OK for row in rows(before, "intercom", "credentials"))
    (missing,) = rows(before, "intercom", "setup")
    assert missing.status is CheckStatus.FAIL and "hub setup" in missing.fix
    assert "14 contact fields, 5 ticket types" in missing.detail

    planned = await setup(empty.runtime, empty.hub, apply=False)
    assert {item.action for item in planned} == {SetupAction.CREATE} and not any(i.done for i in planned)
    assert ws.data_attributes == {}  # a dry run changes nothing

    created = await setup(empty.runtime, empty.hub, apply=True)
    assert len(created) == len(planned) and all(item.done for item in created)
    assert {t["name"] for t in ws.ticket_types.values()} == {
        "Refund",
        "Subscription Cancel",
        "Fulfillment",
        "Quality",
        "Tracker",
    }
    refund = next(t for t in ws.ticket_types.values() if t["name"] == "Refund")
    assert {"Order ID", "Amount", "Refund Reason", "Admin Reason", "Disposition"} <= {
        a["name"] for a in refund["attributes"]
    }
    assert ws.data_attributes["contact:cs_tracking_numbers"]["description"]

    again = await setup(empty.runtime, empty.hub, apply=True)
    assert {item.action for item in again} == {SetupAction.EXISTS} and not any(i.done for i in again)

    after = await doctor(empty.runtime, empty.hub)
    assert [row.status for row in rows(after, "intercom", "setup")] == [CheckStatus.OK]
    for name in order():
        report = await run_flow(empty.runtime, name, hub=empty.hub)
        assert report.status == "ok", (name, report.error, report.counts)
    summarised = [c for c in ws.contacts.values() if c["custom_attributes"].get("cs_order_count") is not None]
    assert summarised, "CS Assist wrote the summaries once the attributes existed"


async def test_a_wrong_token_is_named_by_the_doctor_with_the_fix(empty: World) -> None:
    empty.state("intercom").token = "a-token-of-another-workspace"
    checks = await doctor(empty.runtime, empty.hub)
    (credentials,) = rows(checks, "intercom", "credentials")
    assert credentials.status is CheckStatus.FAIL
    assert "401" in credentials.detail and "access_token" in credentials.fix
    assert rows(checks, "intercom", "setup") == []  # not read with a refused token
    assert all(r.status is CheckStatus.OK for r in rows(checks, "aircall", "credentials"))


async def test_a_skewed_clock_is_reported(empty: World) -> None:
    empty.sandbox.apps["intercom"].app.state.faults.clock_skew = 600.0
    (clock,) = rows(await doctor(empty.runtime, empty.hub), "intercom", "clock")
    assert clock.status is CheckStatus.FAIL and "+6" in clock.detail and "NTP" in clock.fix


async def test_every_store_answers_the_doctor(sandbox: World) -> None:
    checks = await doctor(sandbox.runtime, sandbox.hub)
    stores = {(row.plugin, row.target) for row in checks if row.target}
    configured = {
        (name, key)
        for name, settings in sandbox.runtime.config.plugins.items()
        for key in getattr(settings, "stores", {})
    }
    assert stores == configured
    assert [row for row in checks if row.status is CheckStatus.FAIL] == []


async def test_a_missing_attribute_parks_the_contacts_and_they_go_through_once_it_exists(
    sandbox: World,
) -> None:
    ws = sandbox.state("intercom")
    del ws.data_attributes["contact:brand"]  # measured: "Custom attribute 'brand' does not exist"

    report = await run_flow(sandbox.runtime, "cs_assist", hub=sandbox.hub)
    assert report.status == "partial"
    assert report.counts["refusals_parked"] == report.counts["contacts"] > 0
    assert "contacts_updated" not in report.counts
    letters = sandbox.runtime.store.dead_letters.entries("cs_assist")
    assert len(letters) == report.counts["contacts"]
    assert all("Custom attribute 'brand' does not exist" in letter.reason for letter in letters)

    created = await setup(sandbox.runtime, sandbox.hub, apply=True)
    assert [i.name for i in created if i.done] == ["brand"]
    flow = sandbox.runtime.flow("cs_assist")
    for letter in letters:
        assert await flow.retry_dead_letter(sandbox.context("cs_assist"), letter.payload)
        contact = ws.contacts[letter.payload["contact"]]
        assert contact["custom_attributes"].get("brand"), letter.record


async def test_the_262_character_tracking_list_is_written_once(sandbox: World) -> None:
    person = sandbox.world.people_on("shopify")[0]
    shop = next(s for s in sandbox.state("shopify").shops.values() if s.brand == person.brand)
    customer = next(c for c in shop.customers.values() if c["email"] == person.email)
    latest = max(shop.customer_orders(customer["id"]), key=lambda o: o["createdAt"])
    numbers = [f"9400111899223{n:07d}" for n in range(12)]  # 12 x 20 characters
    latest["_fulfillments"] = []  # four parcels of three (the hub reads 5 fulfillments x 3 numbers)
    for parcel in range(4):
        fulfillment = shop.fulfill(latest, numbers[parcel * 3])
        fulfillment["trackingInfo"] += [
            {**fulfillment["trackingInfo"][0], "number": number}
            for number in numbers[parcel * 3 + 1 : parcel * 3 + 3]
        ]
    assert len(", ".join(numbers)) == 262

    await run_flow(sandbox.runtime, "cs_assist", hub=sandbox.hub)
    contact = sandbox.contact_of(person.email)
    stored = contact["custom_attributes"]["cs_tracking_numbers"]
    assert stored == fit_text(", ".join(numbers), 255) == ", ".join(numbers[:11]) + " (+1 more)"

    ws = sandbox.state("intercom")
    ws.add_conversation(contact["id"], "<p>Where is my order?</p>")  # the contact is active again
    ws.requests.clear()
    again = await run_flow(sandbox.runtime, "cs_assist", hub=sandbox.hub)
    assert again.counts["contacts"] == 1 and again.counts["unchanged"] == 1
    assert not [r for r in ws.requests if r[0] == "PUT" and r[1].startswith("/contacts/")]


async def test_a_conversation_indexed_after_the_cursor_passed_it_is_read(sandbox: World) -> None:
    await run_flow(sandbox.runtime, "cs_assist", hub=sandbox.hub)
    cursor = sandbox.runtime.store.cursors.get("cs_assist")
    assert cursor is not None
    ws = sandbox.state("intercom")
    person = sandbox.world.people[5]
    contact = sandbox.contact_of(person.email)
    contact["custom_attributes"].pop("cs_order_count", None)  # so the late read has work to do
    stamp = int((cursor.position - timedelta(seconds=30)).timestamp())
    late = ws.add_conversation(contact["id"], "<p>late</p>", created_at=stamp, updated_at=stamp)

    report = await run_flow(sandbox.runtime, "cs_assist", hub=sandbox.hub)
    assert report.counts["read"] == 1 and report.counts["contacts_updated"] == 1
    assert contact["custom_attributes"].get("cs_order_count") is not None
    assert sandbox.runtime.store.cursors.get("cs_assist").recent[late["id"]].timestamp() == stamp
    assert (await run_flow(sandbox.runtime, "cs_assist", hub=sandbox.hub)).counts.get("read", 0) == 0


async def test_a_refund_ticket_indexed_after_the_cursor_passed_it_is_paid(sandbox: World) -> None:
    await run_flow(sandbox.runtime, "back_office", hub=sandbox.hub)
    order_ = ultracart_order(sandbox)
    cursor = sandbox.runtime.store.cursors.get("back_office", "")  # one unit reads every store
    assert cursor is not None
    before = paid(sandbox, order_)
    ws = sandbox.state("intercom")
    type_id = next(t["id"] for t in ws.ticket_types.values() if t["name"] == "Refund")
    stamp = int((cursor.position - timedelta(seconds=30)).timestamp())
    ticket = ws.add_ticket(
        type_id,
        sandbox.contact_of(order_.email)["id"],
        {"_default_title_": "late refund", **refund_attributes(order_, "7.00")},
        created_at=stamp,
        updated_at=stamp,
        check_required=False,
    )

    await run_flow(sandbox.runtime, "back_office", hub=sandbox.hub)
    assert paid(sandbox, order_) == [*before, Decimal("7.00")]
    assert sandbox.ticket_state(ticket) == "resolved"
    await run_flow(sandbox.runtime, "back_office", hub=sandbox.hub)
    assert paid(sandbox, order_) == [*before, Decimal("7.00")]  # once


def test_the_flows_need_a_field_for_each_summary_attribute_cs_assist_writes(sandbox: World) -> None:
    needs, flows = needs_of(sandbox.runtime)
    assert flows == ["back_office", "cs_assist", "tracker_report"]  # the others need nothing there
    written = summary_attributes(summarise([], [], []))
    # The consents are written only where a store records them (the summary above has none).
    assert [spec.key for spec in needs.contact_fields] == [
        *written,
        "consent_email",
        "consent_sms",
        "consent_phone",
    ]
    assert {t.type for t in needs.ticket_types} == set(TicketType)


def test_the_commands_print_the_table_and_say_it_with_their_exit_code(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from hub.cli import build_app

    monkeypatch.chdir(tmp_path)  # the sandbox's state database goes to var/ here
    app, runner = build_app(), CliRunner()
    doctor_run = runner.invoke(app, ["doctor", "--sandbox"])
    assert doctor_run.exit_code == 0, doctor_run.output
    assert "all checks passed" in doctor_run.output and "credentials" in doctor_run.output
    setup_run = runner.invoke(app, ["setup", "--dry-run", "--sandbox"])
    assert setup_run.exit_code == 0, setup_run.output
    assert "nothing to change: 50 in place" in setup_run.output
