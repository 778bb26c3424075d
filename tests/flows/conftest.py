"""A small sandbox per test: every emulator seeded from one world, the hub wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.core.manager import Hub, get_plugin_manager
from hub.engine import RunReport, Runtime, run_flow
from hub.flows.base import RunContext
from hub.sandbox import Sandbox
from hub.sandbox.world import SandboxWorld
from tests.plugins.intercom.conftest import intercom_checked

TICKET_TYPES = {
    "refund": "Refund",
    "cancel": "Subscription Cancel",
    "fulfillment": "Fulfillment",
    "quality": "Quality",
    "tracker": "Tracker",
}


@dataclass
class World:
    """The sandbox under test: emulator states, the runtime and a running hub."""

    sandbox: Sandbox
    runtime: Runtime
    hub: Hub

    @property
    def world(self) -> SandboxWorld:
        assert self.sandbox.world is not None
        return self.sandbox.world

    def state(self, platform: str) -> Any:
        return self.sandbox.apps[platform].state

    async def run(self, flow: str) -> RunReport:
        report = await run_flow(self.runtime, flow, hub=self.hub)
        assert report.status == "ok", report.error
        return report

    async def run_on_a_new_database(self, flow: str, database: Path) -> RunReport:
        """``flow`` run by a hub whose state database starts empty (wiped, or restored from nothing)."""
        config = self.sandbox.config(database_url=f"sqlite:///{database}")
        transports = self.sandbox.transports()
        intercom = transports["intercom"] = intercom_checked(transports["intercom"])
        runtime = Runtime.from_config(self.sandbox.pm, config, transports=transports)
        try:
            async with runtime.session() as hub:
                report = await run_flow(runtime, flow, hub=hub)
        finally:
            runtime.store.dispose()
        assert intercom.problems == [], (
            "the Intercom client sent requests the 2.14 description does not allow"
        )
        return report

    def context(self, flow: str) -> RunContext:
        return RunContext(hub=self.hub, store=self.runtime.store, config=self.runtime.config, flow=flow)

    # ---- the helpdesk emulator

    def contact_of(self, email: str) -> dict[str, Any]:
        ws = self.state("intercom")
        return next(c for c in ws.contacts.values() if c["email"] == email)

    def file_ticket(self, kind: str, email: str, attributes: dict[str, Any]) -> dict[str, Any]:
        ws = self.state("intercom")
        type_id = next(t["id"] for t in ws.ticket_types.values() if t["name"] == TICKET_TYPES[kind])
        contact = self.contact_of(email)
        now = ws.now() + 60  # after every seeded ticket, so the cursor has not passed it
        return ws.add_ticket(
            type_id,
            contact["id"],
            {"_default_title_": f"{kind} test", **attributes},
            created_at=now,
            updated_at=now,
            check_required=False,
        )

    def ticket_state(self, ticket: dict[str, Any]) -> str:
        ws = self.state("intercom")
        return ws.ticket_states[ws.tickets[ticket["id"]]["state_id"]]["category"]

    def notes(self, record: dict[str, Any]) -> list[str]:
        return [p["body"] or "" for p in record["parts"] if p["part_type"] == "note"]

    def tag_names(self, conversation: dict[str, Any]) -> set[str]:
        ws = self.state("intercom")
        return {ws.tags[tag_id]["name"] for tag_id in conversation["tag_ids"]}


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[World]:
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=6)
    built.build()
    config = built.config(database_url=f"sqlite:///{tmp_path / 'hub.db'}")
    transports = built.transports()
    intercom = transports["intercom"] = intercom_checked(transports["intercom"])
    runtime = Runtime.from_config(pm, config, transports=transports)
    async with runtime.session() as hub:
        yield World(built, runtime, hub)
    runtime.store.dispose()
    assert intercom.problems == [], "the Intercom client sent requests the 2.14 description does not allow"
