"""The console on PostgreSQL: the queue's health and workers on the overview, the ledger search."""

from __future__ import annotations

from hub.engine import run_flow
from tests.serve.conftest import serving
from tests.serve.console.conftest import ADMIN_PASSWORD, Console, configure_console


async def test_on_postgresql_the_overview_shows_the_queue_and_the_ledger_finds_a_refund(
    pg_url, monkeypatch, password_hashes
) -> None:
    configure_console(monkeypatch, password_hashes)
    async with serving(monkeypatch, pg_url) as served:
        async with served.runtime.session() as hub:
            await run_flow(served.runtime, "back_office", hub=hub)
        console = Console(served)
        await console.login(ADMIN_PASSWORD)
        overview = (await console.client.get("/console/")).text
        assert '<td>queue</td><td class="ok">ok</td>' in overview
        assert "<th>queued</th><th>failed jobs</th>" in overview
        assert "Workers (procrastinate)" in overview and "No worker is running" in overview
        refund = next(e for e in served.runtime.store.ledger.entries() if e.action == "refund")
        for field, text in (("order", refund.intent["order"].lower()), ("any", refund.key.upper())):
            page = (await console.client.get("/console/ledger", params={"field": field, "q": text})).text
            assert refund.key in page, field
