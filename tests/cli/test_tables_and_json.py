"""Every table of the command line fits 80 columns without cutting a value; every ``--json`` is
one document of its documented shape (``docs/cli-json.md``) and nothing else on stdout."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.cli.dead_letters import letters_table
from hub.cli.engine import units_table
from hub.cli.history import group_runs
from hub.cli.lookup import summary_table
from hub.cli.plugins import plugins_table
from hub.cli.runs import runs_table
from hub.cli.runs import units_table as run_units_table
from hub.cli.sandbox import print_pass
from hub.core.manager import get_plugin_manager, plugin_infos
from hub.core.models import Address, CustomerSummary, Money, OrderSummary, Unreadable
from hub.demo import DemoPass
from hub.engine import RunReport
from hub.store import DeadLetter, RunRecord
from tests.cli.conftest import WIDTH, Hub, column, narrow_consoles, rendered_width

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
LONG = "a_flow_whose_name_goes_on_and_on_for_a_while"
COUNTS = {f"count_of_something_{n}": 1000 * n for n in range(12)}
ERROR = "intercom 503 [service_unavailable]: GET /conversations/search: " + "the platform said no " * 10


def runs() -> list[RunRecord]:
    """Long names, many counts, a long error, one run over many scopes."""
    rows = [
        RunRecord(
            n,
            LONG,
            f"store_of_the_brand_number_{n}",
            "failed" if n == 3 else "ok",
            T0 + timedelta(seconds=n),
            T0 + timedelta(seconds=n + 0.5),
            COUNTS,
            ERROR if n == 3 else None,
            [f"line {n}"],
        )
        for n in range(1, 9)
    ]
    return [*rows, RunRecord(9, "call_log", "", "running", T0 + timedelta(seconds=20), None, {}, None)]


def summary() -> CustomerSummary:
    money = Money(amount=Decimal("12345.67"), currency="USD")
    order = OrderSummary(
        platform="shopify",
        store="ava_janes_kitchen",
        number="#1001-AJK-" + "9" * 30,
        ship_status="Not Shipped",
        tracking_numbers=("1Z999AA10123456784", "1Z999AA10123456785"),
        total=money,
        created_at=T0,
    )
    return CustomerSummary(
        email="a.very.long.email.address.for.a.customer@some-long-domain.example.com",
        name="Ann " + "Long-Surname " * 6,
        brands=("Ava Jane's Kitchen", "Bright Naturals", "Earth Echo", "Mesa Cookware", "PaleoHacks"),
        lifetime_revenue={"USD": money, "EUR": Money(amount=Decimal("10.00"), currency="EUR")},
        order_count=42,
        recent_orders=(order, order),
        shipping_address=Address(
            line1="1234 A Very Long Street Name Boulevard", city="Springfield", country="US"
        ),
        unreadable=(
            Unreadable(platform="konnektive", record="order", record_id="77", field="x", reason=ERROR),
        ),
    )


TABLES: dict[str, Any] = {
    "runs": lambda: runs_table(group_runs(runs())),
    "runs --wide": lambda: runs_table(group_runs(runs()), wide=True),
    "runs show (units)": lambda: run_units_table(tuple(runs()[:8])),
    "dead-letters": lambda: letters_table(
        [
            DeadLetter(n, LONG, f"contact:intercom:{'6650a1b2c3d4e5f6' * 3}{n}", {}, ERROR, n, T0)
            for n in range(3)
        ]
    ),
    "plugins": lambda: plugins_table(plugin_infos(get_plugin_manager()), {"intercom"}),
    "status": lambda: units_table(
        [
            {
                "unit": f"{LONG}[store_{n}]",
                "flow": LONG,
                "scope": f"store_of_the_brand_number_{n}",
                "due": True,
                "running": False,
                "queued": 12345,
                "failed_jobs": 678,
                "last_run": {"status": "abandoned", "started_at": T0},
            }
            for n in range(3)
        ],
        "Units",
    ),
    "lookup": lambda: summary_table(summary()),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_fits_80_columns_and_cuts_nothing(name: str) -> None:
    lines = rendered_width(TABLES[name]())
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert not too_wide, f"{name}: {len(too_wide[0])} columns:\n" + "\n".join(lines)
    assert not any("…" in line for line in lines), f"{name} cut a value:\n" + "\n".join(lines)


def test_the_rendering_check_fails_on_a_table_too_wide_for_80_columns() -> None:
    """The check above sees a table that does not fit: rich cuts its cells to 80 columns with
    ``…`` rather than print past them."""
    from rich.table import Table

    table = Table()
    for n in range(6):
        table.add_column(f"column {n}", no_wrap=True)
    table.add_row(*(["x" * 14] * 6))
    assert any("…" in line for line in rendered_width(table))


def test_plugins_name_every_capability_whole_at_80_columns() -> None:
    infos = plugin_infos(get_plugin_manager())
    lines = rendered_width(plugins_table(infos, set()))
    names = {cell.strip() for line in lines if line.startswith("│") for cell in [line.split("│")[4]]}
    for info in infos:
        assert set(info.capabilities) <= names, info.name


def test_the_demo_pass_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    report = RunReport(
        LONG, "ok", {"read": 10**9, "actions": 10**9, "duplicates": 10**9, "dead_letters": 10**9}
    )
    with narrow_consoles():
        print_pass(1, DemoPass(reports=[report], skipped={"tracker_report": ["helpdesk_list_tickets"]}))
    assert max(map(len, capsys.readouterr().out.splitlines())) <= WIDTH


# --------------------------------------------------------------------------- --json


def document(result: Any, schema: str) -> dict[str, Any]:
    """The one JSON document a command printed (nothing else on stdout), checked for ``schema``."""
    parsed = json.loads(result.stdout)
    assert parsed["schema"] == schema
    return parsed


def test_plugins_json_and_the_config_around_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "hub.toml"
    config.write_text('[plugins.intercom]\nenabled = true\naccess_token = "tok-1234567890"\nadmin_id = "1"\n')
    for args in (
        ["plugins", "--json", "--config", str(config)],
        ["--config", str(config), "plugins", "--json"],
    ):
        found = document(CliRunner().invoke(app, args), "hub.plugins/1")
        by_name = {p["name"]: p for p in found["plugins"]}
        assert by_name["intercom"]["enabled"] is True and by_name["shopify"]["enabled"] is False
        assert "helpdesk_add_note" in by_name["intercom"]["capabilities"]
        # Konnektive makes checkout links through the brand's funnel (issue 16); consent it cannot.
        assert by_name["konnektive"]["unsupported"]["commerce_update_consent"]
        assert "commerce_create_checkout_link" in by_name["konnektive"]["capabilities"]
    assert "tok-1234567890" not in CliRunner().invoke(app, ["plugins", "--json", "-c", str(config)]).stdout


def test_config_check_without_a_file_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    missing = CliRunner().invoke(app, ["config", "check"])
    assert missing.exit_code == 2 and missing.stdout == ""
    (line,) = missing.stderr.strip().splitlines()
    assert (
        line.startswith("config error: config/hub.toml: (file): no configuration file here")
        and "--config" in line
    )
    as_json = CliRunner().invoke(app, ["config", "check", "--json"])
    assert as_json.exit_code == 2
    failed = document(as_json, "hub.config-check/1")
    assert failed["ok"] is False and failed["error"]["setting"] == "(file)"
    assert not (tmp_path / "var").exists()  # nothing was created on the way

    on_defaults = CliRunner().invoke(app, ["config", "check", "--config", "/dev/null"])
    assert on_defaults.exit_code == 0 and "ok /dev/null" in on_defaults.stdout
    for command in (
        ["runs"],
        ["status"],
        ["dead-letters"],
        ["run", "cs_assist"],
        ["lookup", "a@example.com"],
    ):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2 and "no configuration file here" in result.stderr, command


def test_config_check_json_says_what_each_flow_lacks(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        f'[hub]\ndatabase_url = "sqlite:///{tmp_path / "hub.db"}"\n'
        '[plugins.intercom]\nenabled = true\naccess_token = "tok-1234567890"\nadmin_id = "1"\n'
        '[flows.cs_assist]\nenabled = true\nevery = "5m"\n[flows.agent_status]\nenabled = false\n'
    )
    result = CliRunner().invoke(app, ["config", "check", "--json", "--config", str(config)])
    assert result.exit_code == 2  # cs_assist needs a store: what it lacks is listed
    checked = document(result, "hub.config-check/1")
    assert checked["ok"] is False and checked["error"] is None and checked["source"] == str(config)
    flows = {f["name"]: f for f in checked["flows"]}
    assert flows["cs_assist"]["missing"] == ["commerce_find_customers"]
    assert flows["agent_status"] == {"name": "agent_status", "enabled": False, "missing": []}
    assert checked["plugins"] == [{"name": "intercom", "enabled": True}]


def test_lookup_json_and_what_it_refuses(hub_cli: Hub) -> None:
    person = hub_cli.sandbox.world.people[0]
    found = hub_cli.invoke("lookup", person.email, "--json", "--sandbox")
    assert found.exit_code == 0, found.output
    customer = document(found, "hub.lookup/1")
    assert customer["found"] is True and customer["query"] == {"email": person.email, "phone": None}
    summary = customer["customer"]
    assert summary["email"] == person.email and summary["order_count"] >= 1
    for money in summary["lifetime_revenue"]:
        assert re.fullmatch(r"-?\d+(\.\d+)?", money["amount"]) and len(money["currency"]) == 3
    assert all(order["created_at"].endswith("Z") for order in summary["recent_orders"])

    by_phone = hub_cli.invoke("lookup", person.phone, "--json", "--sandbox")  # a phone needs no --phone
    assert document(by_phone, "hub.lookup/1")["query"] == {"email": None, "phone": person.phone}

    nobody = hub_cli.invoke("lookup", "nobody@example.com", "--json", "--sandbox")
    assert nobody.exit_code == 1
    assert document(nobody, "hub.lookup/1") == {
        "schema": "hub.lookup/1",
        "query": {"email": "nobody@example.com", "phone": None},
        "found": False,
        "customer": None,
    }
    for bad, says in (
        (["not-an-email"], "error: not an email address or phone number: 'not-an-email' (ann@example.com"),
        (["x@y", "--phone"], "error: not a phone number: 'x@y' (with its country code: +1 512 555 0142)"),
    ):
        refused = hub_cli.invoke("lookup", *bad, "--sandbox", "--json")
        assert refused.exit_code == 2 and refused.stdout == ""
        (line,) = refused.stderr.strip().splitlines()
        assert line.startswith(says), line


def test_checkout_link_names_the_platforms_and_brands_there_are(hub_cli: Hub) -> None:
    person = hub_cli.sandbox.world.people[0]
    base = ["checkout-link", "--email", person.email, "--product", "SKU-1:2", "--sandbox"]
    platform = hub_cli.invoke(*base, "--platform", "nosuch", "--brand", "x")
    assert platform.exit_code == 2
    assert platform.stderr.strip() == (
        "error: --platform 'nosuch' makes no checkout links here "
        "(choose from: custom_checkout, konnektive, shopify, stickyio, ultracart)"
    )
    stores = hub_cli.runtime().config.plugins["shopify"].stores
    brand = hub_cli.invoke(*base, "--platform", "shopify", "--brand", "nosuch")
    assert brand.exit_code == 2
    (line,) = brand.stderr.strip().splitlines()
    assert line.startswith("error: --brand 'nosuch' has no shopify store (choose from: ")
    assert all(f"{store.brand} ({key})" in line for key, store in stores.items())

    order = next(o for o in hub_cli.sandbox.world.orders if o.platform == "shopify" and o.line_items[0].sku)
    key, store = order.store, stores[order.store]
    made = hub_cli.invoke(
        "checkout-link", "--email", person.email, "--product", f"{order.line_items[0].sku}:1", "--sandbox",
        "--platform", "shopify", "--brand", store.brand.upper(), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    link = document(made, "hub.checkout-link/1")
    assert link["url"].startswith("http") and link["platform"] == "shopify" and link["store"] == key


def test_status_json_and_its_table_at_80_columns(hub_cli: Hub, units_per_store: None) -> None:
    assert hub_cli.invoke("run", "back_office").exit_code == 0
    result = hub_cli.invoke("status", "--json")
    assert result.exit_code == 0, result.output
    status = document(result, "hub.status/1")
    assert status["engine"] == "embedded" and status["workers"] is None
    back_office = [u for u in status["units"] if u["flow"] == "back_office"]
    assert back_office and all(u["last_run"]["status"] == "ok" and u["queued"] is None for u in back_office)
    assert {u["unit"] for u in back_office} == {f"back_office[{u['scope']}]" for u in back_office}
    table = hub_cli.invoke("status")
    assert table.exit_code == 0 and max(map(len, table.stdout.splitlines())) <= WIDTH
    units = column(table.stdout, 0)
    assert all(u["scope"] in units for u in back_office)  # every scope named whole


def _a_sku(hub_cli: Hub, platform: str, store: str) -> str:
    """A SKU the sandbox's store sells (its catalogue, as the plugin is configured)."""
    settings = hub_cli.runtime().config.plugins[platform].stores[store]
    catalogue = getattr(settings, "sku_product_ids", None) or getattr(settings, "catalogue", None)
    if catalogue:
        return sorted(catalogue)[0]
    if platform == "custom_checkout":  # the endpoint's own catalogue
        shop = next(iter(hub_cli.state(platform).shops.values()))
        return sorted(shop.catalogue)[0]
    order = next(o for o in hub_cli.sandbox.world.orders if o.platform == platform and o.store == store)
    return str(order.line_items[0].sku)


@pytest.mark.parametrize("platform", ["shopify", "stickyio", "ultracart", "konnektive", "custom_checkout"])
def test_checkout_link_takes_every_field_on_every_platform(hub_cli: Hub, platform: str) -> None:
    stores = hub_cli.runtime().config.plugins[platform].stores
    key = sorted(stores)[-1] if platform != "custom_checkout" else "paleohacks"  # the signed endpoint
    made = hub_cli.invoke(
        "checkout-link", "--platform", platform, "--brand", stores[key].brand,
        "--email", "nia.cole@example.com", "--name", "Nia Cole", "--phone", "+1 512 555 0199",
        "--address", "1 Lake St, Miami, FL, 33130, US", "--product", f"{_a_sku(hub_cli, platform, key)}:2",
        "--sales-rep", "rep-9", "--notes", "Call after 5pm", "--sandbox", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    link = document(made, "hub.checkout-link/1")
    assert link["url"].startswith("http") and link["platform"] == platform and link["store"] == key
    assert _carried(hub_cli, platform, link) == ("Nia", "Cole", "rep-9", "Call after 5pm")
    unknown = hub_cli.invoke(
        "checkout-link", "--platform", platform, "--brand", stores[key].brand,
        "--email", "nia.cole@example.com", "--product", "NO-SUCH-SKU:1", "--sandbox",
    )  # fmt: skip
    assert unknown.exit_code != 0 and "NO-SUCH-SKU" in unknown.output


def _carried(hub_cli: Hub, platform: str, link: dict) -> tuple[str | None, ...]:
    """``(first name, last name, sales rep, notes)`` as the platform holds them for ``link``."""
    state = hub_cli.state(platform)
    if platform == "shopify":
        draft = next(
            d for shop in state.shops.values() for d in shop.draft_orders.values() if d["id"] == link["id"]
        )
        customer = next(
            s.customers[draft["_customer"]] for s in state.shops.values() if draft["_customer"] in s.customers
        )
        rep = next(a["value"] for a in draft["customAttributes"] if a["key"] == "sales_rep")
        return customer["firstName"], customer["lastName"], rep, draft["note"].splitlines()[-1]
    if platform == "stickyio":
        prospect = next(
            p for i in state.instances.values() for pid, p in i.prospects.items() if pid == link["id"]
        )
        return (
            prospect["first_name"],
            prospect["last_name"],
            prospect["affiliate"],
            prospect["notes"].split("notes: ")[-1],
        )
    if platform == "ultracart":
        cart = state.carts[link["id"]]
        return (
            cart["billing"]["first_name"],
            cart["billing"]["last_name"],
            cart["checkout"]["custom_field1"],
            cart["checkout"]["comments"],
        )
    if platform == "konnektive":
        customer = state.customers[state.orders[link["id"]]["customerId"]]
        notes = [h["message"] for h in state.history if h["customerId"] == customer["customerId"]]
        return customer["firstName"], customer["lastName"], customer["affId"], notes[-1].split(": ", 1)[-1]
    body = state.requests[-1]
    return body["first_name"], body["last_name"], body["sales_rep"], body["notes"]


def test_checkout_link_refuses_a_phone_that_is_no_number(hub_cli: Hub) -> None:
    made = hub_cli.invoke(
        "checkout-link", "--platform", "shopify", "--brand", "x", "--email", "a@example.com",
        "--product", "SKU:1", "--phone", "call me", "--sandbox",
    )  # fmt: skip
    assert made.exit_code == 2 and made.stderr.strip().startswith("error: --phone: not a phone number")


def test_a_name_is_split_into_first_and_last() -> None:
    from hub.cli.lookup import split_name

    assert split_name("Ann Lee Park") == ("Ann", "Lee Park")
    assert split_name(" Cher ") == ("Cher", None) and split_name("") == (None, None)
