"""The console over plain HTTP: login, sessions, roles, cross-site forms, pages, and no secret shown."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from hub.core import redact
from hub.core.config import config_from_mapping
from hub.core.errors import ConfigError
from hub.engine import run_flow
from hub.serve.console.auth import Throttle
from hub.serve.console.passwords import hash_password, parse_hash, verify_password
from hub.store.dead_letters import dead_letters as dead_letters_table
from hub.store.runs import runs as runs_table
from tests.serve.conftest import serving
from tests.serve.console.conftest import (
    ADMIN_PASSWORD,
    ORIGIN,
    READ_ONLY_PASSWORD,
    SESSION_SECRET,
    Console,
    a_ticket,
    configure_console,
    csrf_of,
    park,
)

PAGES = ("/console/", "/console/runs", "/console/dead-letters", "/console/ledger", "/console/lookup")


# ---- without a session


async def test_every_page_without_a_session_goes_to_the_login(console: Console) -> None:
    for path in PAGES:
        answer = await console.client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == "/console/login"
    assert (await console.client.get("/console")).status_code in (303, 307)  # to /console/


async def test_a_form_without_a_session_is_refused_and_changes_nothing(console: Console) -> None:
    letter = park(console.served.runtime, await a_ticket(console.served.runtime))
    login = await console.client.get("/console/login")  # a token, but nobody logged in
    for action in ("retry", "drop"):
        answer = await console.client.post(
            f"/console/dead-letters/{letter}/{action}",
            data={"csrf": csrf_of(login.text)},
            headers={"Origin": ORIGIN},
        )
        assert answer.status_code == 403
    assert [d.id for d in console.served.runtime.store.dead_letters.entries()] == [letter]


async def test_a_forged_session_cookie_is_not_a_login(console: Console) -> None:
    console.client.cookies.set("hub_console", "eyJyb2xlIjogImFkbWluIn0=.forged.signature", path="/console")
    assert (await console.client.get("/console/")).status_code == 303


# ---- logging in


async def test_a_wrong_password_is_refused(console: Console) -> None:
    answer = await console.login("not the password")
    assert answer.status_code == 401
    assert "Wrong password." in answer.text
    assert (await console.client.get("/console/")).status_code == 303


async def test_wrong_passwords_are_throttled_per_client(console: Console) -> None:
    for _ in range(5):
        assert (await console.login("guess")).status_code == 401
    blocked = await console.login(ADMIN_PASSWORD)  # even the right one, until the minute is up
    assert blocked.status_code == 429
    assert "Too many wrong passwords" in blocked.text


async def test_the_admin_password_logs_in_and_log_out_ends_the_session(console: Console) -> None:
    answer = await console.login(ADMIN_PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert "path=/console" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    page = await console.client.get("/console/")
    assert page.status_code == 200
    assert "admin" in page.text
    assert (await console.post("/console/logout")).status_code == 303
    assert (await console.client.get("/console/")).status_code == 303


async def test_a_login_form_from_another_site_is_refused(console: Console) -> None:
    page = await console.client.get("/console/login")
    answer = await console.client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "password": ADMIN_PASSWORD},
        headers={"Origin": "http://evil.test"},
    )
    assert answer.status_code == 403
    assert (await console.client.get("/console/")).status_code == 303


async def test_changing_the_password_ends_the_sessions_made_with_the_old_one(
    tmp_path, monkeypatch, password_hashes
) -> None:
    configure_console(monkeypatch, password_hashes)
    async with serving(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}") as served:
        await Console(served).login(ADMIN_PASSWORD)
        cookies = dict(served.client.cookies)
    new_hash = hash_password("a brand new admin password", n=2**10)
    configure_console(monkeypatch, (new_hash, password_hashes[1]))
    async with serving(monkeypatch, f"sqlite:///{tmp_path / 'hub2.db'}") as served:
        for name, value in cookies.items():
            served.client.cookies.set(name, value, path="/console")
        assert (await served.client.get("/console/")).status_code == 303


# ---- cross-site forms


async def test_forged_cross_site_forms_are_refused_403(console: Console) -> None:
    await console.login(ADMIN_PASSWORD)
    letter = park(console.served.runtime, await a_ticket(console.served.runtime))
    token = await console.token()
    path = f"/console/dead-letters/{letter}/retry"
    forged = [
        ({"csrf": token}, {"Origin": "http://evil.test"}),  # the right token from a foreign origin
        ({"csrf": token}, {"Origin": "null"}),
        ({"csrf": token}, {"Referer": "http://evil.test/page"}),
        ({"csrf": token}, {}),  # no Origin, no Referer
        ({}, {"Origin": ORIGIN}),  # no token
        ({"csrf": "x" * 43}, {"Origin": ORIGIN}),  # a wrong token
    ]
    for form, headers in forged:
        answer = await console.client.post(path, data=form, headers=headers)
        assert answer.status_code == 403, (form, headers)
    (still,) = console.served.runtime.store.dead_letters.entries()
    assert (still.id, still.retries) == (letter, 0)


async def test_a_form_with_a_referer_of_the_console_is_accepted(console: Console) -> None:
    await console.login(ADMIN_PASSWORD)
    letter = park(console.served.runtime, await a_ticket(console.served.runtime))
    token = await console.token()
    answer = await console.client.post(
        f"/console/dead-letters/{letter}/drop",
        data={"csrf": token},
        headers={"Referer": f"{ORIGIN}/console/dead-letters"},
    )
    assert answer.status_code == 303
    assert console.served.runtime.store.dead_letters.entries() == []


# ---- roles


async def test_the_read_only_role_views_but_cannot_retry_or_drop(console: Console) -> None:
    assert (await console.login(READ_ONLY_PASSWORD)).status_code == 303
    letter = park(console.served.runtime, await a_ticket(console.served.runtime))
    page = await console.client.get("/console/dead-letters")
    assert page.status_code == 200
    assert "ticket:intercom:" in page.text
    assert "Retry</button>" not in page.text and "read-only" in page.text
    for action in ("retry", "drop"):
        answer = await console.post(f"/console/dead-letters/{letter}/{action}")
        assert answer.status_code == 403
        assert "read-only" in answer.text
    (still,) = console.served.runtime.store.dead_letters.entries()
    assert (still.id, still.retries) == (letter, 0)
    for path in PAGES:
        assert (await console.client.get(path)).status_code == 200, path


async def test_a_trusted_proxy_header_logs_in_with_the_role_its_user_has(
    tmp_path, monkeypatch, password_hashes
) -> None:
    configure_console(
        monkeypatch, password_hashes, proxy_user_header="X-Forwarded-User", proxy_admins='["ops-lead"]'
    )
    async with serving(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}") as served:
        console = Console(served)
        letter = park(served.runtime, await a_ticket(served.runtime))
        viewer = {"X-Forwarded-User": "agent-7"}
        page = await served.client.get("/console/dead-letters", headers=viewer)
        assert page.status_code == 200 and "agent-7" in page.text
        refused = await console.post(f"/console/dead-letters/{letter}/drop", headers=viewer)
        assert refused.status_code == 403
        lead = {"X-Forwarded-User": "ops-lead"}
        dropped = await console.post(f"/console/dead-letters/{letter}/drop", headers=lead)
        assert dropped.status_code == 303
        assert served.runtime.store.dead_letters.entries() == []


async def test_a_proxy_header_from_an_untrusted_peer_is_ignored(
    tmp_path, monkeypatch, password_hashes
) -> None:
    configure_console(monkeypatch, password_hashes, proxy_user_header="X-Forwarded-User")
    async with serving(monkeypatch, f"sqlite:///{tmp_path / 'hub.db'}") as served:
        app = served.client._transport.app  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 4000))
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as outsider:
            answer = await outsider.get("/console/", headers={"X-Forwarded-User": "ops-lead"})
        assert answer.status_code == 303


async def test_without_a_way_to_log_in_the_console_is_off(served) -> None:
    answer = await served.client.get("/console/")
    assert answer.status_code == 404
    assert "hub console hash-password" in answer.text


# ---- the pages


async def test_the_overview_shows_units_last_and_next_runs_and_health(
    console: Console, units_per_store: None
) -> None:
    served = console.served
    async with served.runtime.session() as hub:
        await run_flow(served.runtime, "agent_status", hub=hub)
    await console.login(ADMIN_PASSWORD)
    page = (await console.client.get("/console/")).text
    assert re.search(r"<td>agent_status</td>\s*<td>every 1m</td>\s*<td>\d{4}-\d\d-\d\d", page)
    assert re.search(r"<td>agent_status</td>(.|\n)*?UTC</td>", page)  # the next run: a time
    assert "<td>back_office[mesa_cookware]</td>" in page
    assert "<td>tracker_report</td>" in page and "cron 0 * * * *" in page
    for part in ("database", "plugin:intercom", "plugin:shopify", "plugin:ultracart"):
        assert f'<td>{part}</td><td class="ok">ok</td>' in page


async def test_runs_show_counts_errors_and_report_lines(console: Console) -> None:
    store = console.served.runtime.store
    failed = store.runs.started("call_log")
    store.runs.finished(failed, "failed", {"read": 3}, error="aircall: 500 Internal Server Error")
    fine = store.runs.started("back_office", "paleohacks")
    store.runs.finished(fine, "ok", {"actions": 4, "read": 9}, report=["quality X: 2 ticket(s) this run"])
    await console.login(ADMIN_PASSWORD)
    page = (await console.client.get("/console/runs")).text
    assert "back_office[paleohacks]" in page and "actions 4" in page
    assert "quality X: 2 ticket(s) this run" in page
    assert "aircall: 500 Internal Server Error" in page
    only = (await console.client.get("/console/runs?flow=call_log")).text
    assert "back_office[paleohacks]" not in only and "call_log" in only


async def test_retry_hands_the_letter_to_its_flow_and_drops_it_when_it_goes_through(console: Console) -> None:
    await console.login(ADMIN_PASSWORD)
    letter = park(console.served.runtime, await a_ticket(console.served.runtime))
    row = await console.post(f"/console/dead-letters/{letter}/retry", headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert "done: " in row.text and "went through and was dropped" in row.text
    assert console.served.runtime.store.dead_letters.entries() == []
    refunds = [e for e in console.served.runtime.store.ledger.entries() if e.action == "refund"]
    assert refunds and all(e.status.value == "done" for e in refunds)


async def test_a_webhook_letter_naming_no_delivery_is_refused_and_kept(console: Console) -> None:
    await console.login(ADMIN_PASSWORD)
    store = console.served.runtime.store
    letter = store.dead_letters.add("webhooks", "webhook:aircall:d-1", {"reason": "bad"}, "old reason")
    answer = await console.post(f"/console/dead-letters/{letter}/retry")
    assert answer.status_code == 303  # no JavaScript: back to the list, with what happened
    page = (await console.client.get("/console/dead-letters")).text
    # A webhook letter goes back through the processor; this one names no stored delivery.
    assert f"{letter} cannot be retried: " in page
    (kept,) = store.dead_letters.entries()
    assert (kept.id, kept.reason) == (letter, "old reason")


async def test_drop_forgets_the_letter(console: Console) -> None:
    await console.login(ADMIN_PASSWORD)
    letter = park(console.served.runtime, await a_ticket(console.served.runtime))
    row = await console.post(f"/console/dead-letters/{letter}/drop", headers={"HX-Request": "true"})
    assert f"dropped: {letter} dropped" in row.text
    assert console.served.runtime.store.dead_letters.entries() == []
    again = await console.post(f"/console/dead-letters/{letter}/drop", headers={"HX-Request": "true"})
    assert "no such dead letter" in again.text


async def test_the_ledger_finds_a_refund_by_order_ticket_and_conversation(console: Console) -> None:
    served = console.served
    async with served.runtime.session() as hub:
        await run_flow(served.runtime, "back_office", hub=hub)
    refund = next(e for e in served.runtime.store.ledger.entries() if e.action == "refund")
    await console.login(ADMIN_PASSWORD)
    searches = {
        "order": refund.intent["order"],
        "ticket": f"#{refund.intent['ticket_number']}",
        "conversation": refund.intent["conversations"][0],
        "any": refund.key,
    }
    for field, text in searches.items():
        page = (await console.client.get("/console/ledger", params={"field": field, "q": text})).text
        assert refund.key in page, field
        assert '<span class="action">refund</span>' in page
    other = (
        await console.client.get("/console/ledger", params={"field": "order", "q": "NO-SUCH-ORDER"})
    ).text
    assert "Nothing in the ledger names NO-SUCH-ORDER" in other


async def test_the_lookup_shows_the_cs_assist_summary(console: Console) -> None:
    order = next(o for o in console.served.sandbox.world.orders if o.email)
    await console.login(ADMIN_PASSWORD)
    page = await console.post("/console/lookup", {"email": order.email.upper(), "phone": ""})
    assert page.status_code == 200
    assert "Lifetime revenue" in page.text and order.number in page.text
    bad = await console.post("/console/lookup", {"email": "not-an-email", "phone": ""})
    assert bad.status_code == 400
    assert "is not an email address" in bad.text
    nobody = await console.post("/console/lookup", {"email": "nobody@nowhere.example", "phone": ""})
    assert "No store knows nobody@nowhere.example." in nobody.text


async def test_pages_forbid_framing_and_foreign_scripts(console: Console) -> None:
    await console.login(ADMIN_PASSWORD)
    for path in PAGES:
        headers = (await console.client.get(path)).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    script = await console.client.get("/console/static/htmx.min.js")
    assert script.status_code == 200 and "htmx" in script.text


# ---- secrets


async def test_no_page_shows_a_secret(console: Console) -> None:
    served = console.served
    secrets = [*served.runtime.config.secrets(), SESSION_SECRET, ADMIN_PASSWORD, READ_ONLY_PASSWORD]
    assert SESSION_SECRET in secrets and len(secrets) > 5  # the plugins' secrets and the console's
    leak = served.runtime.config.secrets()[0]
    # Rows written past the store's own redaction (an older hub, a hand edit): the console
    # must still not show what they hold.
    now = datetime.now(UTC)
    with served.runtime.store.transaction() as c:
        c.execute(
            insert(dead_letters_table).values(
                flow="back_office",
                record="ticket:intercom:1",
                payload={"note": f"token {leak}", "password": "hunter2-hunter2"},
                reason=f"refused with Bearer {leak}",
                retries=0,
                created_at=now,
                updated_at=now,
            )
        )
        c.execute(
            insert(runs_table).values(
                flow="call_log",
                scope="",
                status="failed",
                started_at=now,
                ended_at=now,
                counts={},
                error=f"GET /calls?api_key={leak} failed",
                report=[f"saw {leak}"],
            )
        )
    async with served.runtime.session() as hub:
        await run_flow(served.runtime, "back_office", hub=hub)
    await console.login(ADMIN_PASSWORD)
    order = next(o for o in served.sandbox.world.orders if o.email)
    pages = [(await console.client.get(path)).text for path in PAGES]
    pages.append((await console.client.get("/console/ledger", params={"q": leak})).text)
    pages.append((await console.post("/console/lookup", {"email": order.email, "phone": ""})).text)
    pages.append((await console.client.get("/console/login")).text)
    assert "refused with Bearer ***" in pages[2]
    for page in pages:
        for secret in secrets:
            for form in redact.encodings(secret):
                assert form not in page


# ---- the configuration and the hash command


def test_hash_password_prints_a_hash_that_verifies() -> None:
    from hub.cli import build_app

    runner = CliRunner()
    result = runner.invoke(
        build_app(), ["console", "hash-password", "--stdin"], input="a long console password\n"
    )
    assert result.exit_code == 0, result.output
    stored = result.output.strip()
    assert stored.startswith("scrypt$131072$8$1$") and "a long console password" not in stored
    assert verify_password("a long console password", parse_hash(stored))
    assert not verify_password("a long console passwore", parse_hash(stored))
    short = runner.invoke(build_app(), ["console", "hash-password", "--stdin"], input="short\n")
    assert short.exit_code == 2 and "at least 12 characters" in short.output


def test_two_hashes_of_one_password_differ() -> None:
    assert hash_password("same password", n=2**10) != hash_password("same password", n=2**10)


@pytest.mark.parametrize(
    ("section", "key", "reason"),
    [
        ({"password_hash": "hunter2"}, "console.password_hash", "not a password hash"),
        ({"pasword_hash": "x"}, "console.pasword_hash", "unknown key"),
        ({"session_minutes": 0}, "console.session_minutes", "greater than 0"),
    ],
)
def test_a_bad_console_section_names_its_key(section, key, reason) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping({"console": section}, source="hub.toml", models={})
    assert caught.value.key == key and reason in caught.value.reason


def test_a_misspelt_console_variable_is_an_error(monkeypatch) -> None:
    monkeypatch.setenv("HUB_CONSOLE__PASWORD_HASH", "x")
    with pytest.raises(ConfigError) as caught:
        config_from_mapping({}, source="hub.toml", models={})
    assert caught.value.key == "HUB_CONSOLE__PASWORD_HASH" and "password_hash" in caught.value.reason


def test_the_session_secret_is_registered_with_the_redactor(monkeypatch) -> None:
    monkeypatch.setenv("HUB_CONSOLE__SESSION_SECRET", "a-console-signing-key-0042")
    config = config_from_mapping({}, source="hub.toml", models={})
    assert config.secrets() == ["a-console-signing-key-0042"]
    assert "a-console-signing-key-0042" not in redact.redact("key a-console-signing-key-0042")


async def test_an_oversized_form_is_refused_before_it_is_read(console: Console) -> None:
    page = await console.client.get("/console/login")
    answer = await console.client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "password": "x" * 20_000},
        headers={"Origin": ORIGIN},
    )
    assert answer.status_code == 413


def test_the_throttle_forgets_a_client_after_its_window() -> None:
    throttle = Throttle(limit=2, window=0.05)
    throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.blocked("10.0.0.1") and not throttle.blocked("10.0.0.2")
    time.sleep(0.06)
    assert not throttle.blocked("10.0.0.1")
    assert throttle._failures == {}


async def test_a_retry_the_platform_refuses_shows_the_platform_s_reason(console: Console) -> None:
    store = console.served.runtime.store
    letter = store.dead_letters.add(
        "cs_assist",
        "contact:intercom:no-such-contact",
        {"platform": "intercom", "contact": "no-such-contact", "conversation": "no-such-conversation"},
        "parked long ago",
    )
    await console.login(ADMIN_PASSWORD)
    row = await console.post(f"/console/dead-letters/{letter}/retry", headers={"HX-Request": "true"})
    assert f"failed: {letter} failed again: " in row.text and "parked long ago" not in row.text
    assert "Retry</button>" in row.text  # it can be tried again
    (kept,) = store.dead_letters.entries()
    assert kept.retries == 1 and kept.reason != "parked long ago"


async def test_a_letter_its_flow_cannot_take_back_keeps_its_reason(console: Console) -> None:
    store = console.served.runtime.store
    letter = store.dead_letters.add(
        "back_office", "ticket:intercom:9", {"raw": "unmappable"}, "type: missing"
    )
    await console.login(ADMIN_PASSWORD)
    row = await console.post(f"/console/dead-letters/{letter}/retry", headers={"HX-Request": "true"})
    assert f"failed: {letter} cannot be retried: " in row.text
    (kept,) = store.dead_letters.entries()
    assert (kept.id, kept.reason) == (letter, "type: missing")


def find_letter_of(store, letter_id):
    return next(d for d in store.dead_letters.entries() if d.id == letter_id)
