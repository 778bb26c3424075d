"""The console in a real browser: Playwright driving Debian's Chromium against ``hub serve``.

Logs in, reads the overview and the runs, finds a refund in the ledger (the back-office flow
ran first), retries a dead letter and sees it done in place (htmx), looks a customer up.
A screenshot of each page goes to ``var/screenshots/console/`` (the test's artefacts); with
``UPDATE_CONSOLE_SCREENSHOTS=1`` they are copied into ``docs/console/`` for the documentation.
Skipped, saying why, where Chromium or Playwright is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from hub.core.manager import get_plugin_manager
from hub.engine import Runtime, run_flow
from hub.sandbox import Sandbox
from hub.serve.app import ServeOptions, create_app
from tests.serve.conftest import set_secrets
from tests.serve.console.conftest import ADMIN_PASSWORD, a_ticket, configure_console, park

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run does)"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (the test extra)")

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "var" / "screenshots" / "console"
DOCS = ROOT / "docs" / "console"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(runtime: Runtime) -> Iterator[str]:
    """``hub serve``'s app under uvicorn on a loopback port, in a thread; its base URL."""
    app = create_app(runtime, ServeOptions(worker=False))
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def sandbox_runtime(tmp_path, monkeypatch, password_hashes) -> Iterator[tuple[Runtime, Sandbox]]:
    """The sandbox's hub with the console on, its state in a fresh SQLite file."""
    configure_console(monkeypatch, password_hashes)
    pm = get_plugin_manager()
    built = Sandbox(pm, per_brand=6)
    built.build()
    set_secrets(monkeypatch, [store["brand"] for store in built.apps["shopify"].settings["stores"].values()])
    runtime = Runtime.from_config(
        pm, built.config(database_url=f"sqlite:///{tmp_path / 'hub.db'}"), transports=built.transports()
    )
    yield runtime, built
    runtime.store.dispose()


async def prepare(runtime: Runtime, built: Sandbox) -> dict[str, Any]:
    """Run the back-office flow (refunds in the ledger), then park two letters: a refund ticket
    its flow will take again, and a webhook delivery no flow retries."""
    async with runtime.session() as hub:
        await run_flow(runtime, "back_office", hub=hub)
    good = park(runtime, await a_ticket(runtime), "intercom: 503 Service Unavailable after 5 attempts")
    stuck = runtime.store.dead_letters.add(
        "webhooks", "webhook:aircall:d-41", {"reason": "unsigned"}, "unreadable delivery"
    )
    refund = next(e for e in runtime.store.ledger.entries() if e.action == "refund")
    order = next(o for o in built.world.orders if o.email)  # type: ignore[union-attr]
    return {"good": good, "stuck": stuck, "refund": refund, "email": order.email, "order": order.number}


def test_the_console_in_chromium(sandbox_runtime, tmp_path, units_per_store) -> None:
    runtime, built = sandbox_runtime
    started = time.monotonic()
    world = asyncio.run(prepare(runtime, built))
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    with live_server(runtime) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        expect = sync_api.expect

        def shot(name: str) -> None:
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

        # Not logged in: the login page. A wrong password first, then the right one.
        page.goto(f"{url}/console/runs")
        expect(page).to_have_url(re.compile(r"/console/login$"))
        page.fill("#password", "not the password")
        page.click("button[type=submit]")
        expect(page.locator(".error")).to_have_text("Wrong password.")
        shot("login")
        errors.clear()  # the browser logs the refusal (401) as an error: it was meant to happen
        page.fill("#password", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Overview")
        expect(page.locator("table.units")).to_contain_text("back_office[mesa_cookware]")
        expect(page.locator("table.health")).to_contain_text("plugin:ultracart")
        shot("overview")

        page.click("nav >> text=Runs")
        expect(page.locator("table.runs")).to_contain_text("back_office[mesa_cookware]")
        shot("runs")

        # The refund, found by its order.
        refund = world["refund"]
        page.click("nav >> text=Ledger")
        page.select_option("#field", "order")
        page.fill("#q", refund.intent["order"])
        page.click("button:has-text('Search')")
        found = page.locator("tr.entry", has_text=refund.key)
        expect(found).to_have_count(1)
        expect(found).to_contain_text("refund")
        expect(found.locator(".status")).to_have_text("done")
        shot("ledger")

        # Retry: the row turns to done in place; the letter is gone after a reload.
        page.click("nav >> text=Dead letters")
        row = page.locator(f"#letter-{world['good']}")
        expect(row).to_contain_text("503 Service Unavailable")
        row.get_by_role("button", name="Retry").click()
        expect(row.locator(".outcome")).to_contain_text(f"done: {world['good']} went through and was dropped")
        expect(page).to_have_url(re.compile(r"/console/dead-letters$"))  # htmx: no page change
        shot("dead_letters")
        page.reload()
        expect(page.locator(f"#letter-{world['good']}")).to_have_count(0)
        expect(page.locator(f"#letter-{world['stuck']}")).to_have_count(1)

        page.click("nav >> text=CS Assist look-up")
        page.fill("#email", world["email"])
        page.click("button:has-text('Look up')")
        expect(page.locator("table.summary")).to_contain_text("Lifetime revenue")
        expect(page.locator("table.orders")).to_contain_text(world["order"])
        shot("lookup")
        browser.close()

    assert runtime.store.dead_letters.entries()[0].id == world["stuck"]
    assert errors == [], f"the browser reported errors: {errors}"
    assert time.monotonic() - started < 30, "the browser test must stay under 30 s"
    if os.environ.get("UPDATE_CONSOLE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for image in SHOTS.glob("*.png"):
            shutil.copy(image, DOCS / image.name)
