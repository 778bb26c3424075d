"""Figure 3: peak RSS of every read path over 10,000 and over 100,000 records (goal: ratio <= 1.3 each).

Each (path, size) runs in a fresh subprocess that reads ``ru_maxrss`` at the end; its page
server is a forked child (its memory is not the measured process's) rendering pages on demand.
Each read goes through the hub as the flows read, the records dropped once counted, as a flow
that handled them would:

- **contacts**: ``hub.helpdesk.find_contacts`` (Intercom contact search, 150 a page), every
  contact sharing the email asked for, as ``call_log`` counts a shared number;
- **conversations**: ``cs_assist``'s cursor read, ``RunContext.new_records(hub.helpdesk.
  list_conversations)``, cursor saved per page in SQLite (Intercom, one search over the
  window, sorted by the plugin as tickets are);
- **tickets**: ``back_office``'s cursor read of Refund tickets (Intercom, one search over the
  window, which does not come in ``updated_at`` order: the plugin sorts it);
- **calls**: ``call_log``'s cursor read, ``hub.telephony.list_calls`` (Aircall, 50 a page, the
  10,000-record cap split by time range);
- **orders**: the CS Assist summary's fold of one customer's orders,
  ``summary.tally_orders`` over ``hub.commerce.list_orders`` (UltraCart, 200 a page, sorted
  newest first by the plugin).

    python bench/memory.py [--quick] [--paths contacts,orders]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _pages
from _common import NoLimits, Served, figure, heading, peak_rss_mib, verdict, write_figures

GOAL = 1.3
SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000, 20_000)


def _hub(plugin: str, section: dict[str, Any], database: Path) -> tuple[Any, Any, Any]:
    """A hub with one plugin (limits off: this figure is memory, not pacing) and a state store."""
    from hub.core.config import config_from_mapping
    from hub.core.manager import Hub, get_plugin_manager, settings_models
    from hub.store import Store

    pm = get_plugin_manager([plugin])
    raw = {
        "hub": {"database_url": f"sqlite:///{database}"},
        "plugins": {plugin: {"enabled": True, **section}},
    }
    config = config_from_mapping(raw, source="bench", models=settings_models(pm))
    store = Store(config.hub.database_url)
    store.migrate()
    return Hub(pm, config, limiters=NoLimits()), store, config


def _intercom(url: str) -> dict[str, Any]:
    return {"access_token": "bench", "admin_id": "1", "base_url": url}


async def _cursor_read(hub: Any, store: Any, config: Any, read: Callable[[Any], Any], **kwargs: Any) -> int:
    """A flow's cursor read (``RunContext.new_records``), each page counted and dropped."""
    from hub.flows.base import RunContext

    count = 0
    async with hub:
        ctx = RunContext(hub=hub, store=store, config=config, flow="bench_memory")
        async for page in ctx.new_records(read(hub), **kwargs):
            count += len(page)
    store.dispose()
    return count


async def contacts(url: str, database: Path) -> int:
    hub, store, _ = _hub("intercom", _intercom(url), database)
    count = 0
    async with hub:
        async for page in hub.helpdesk.find_contacts(email=_pages.SHARED_EMAIL, phone=None):
            count += len(page)
    store.dispose()
    return count


async def conversations(url: str, database: Path) -> int:
    hub, store, config = _hub("intercom", _intercom(url), database)
    return await _cursor_read(hub, store, config, lambda h: h.helpdesk.list_conversations, stamp=_updated)


async def tickets(url: str, database: Path) -> int:
    from hub.core.models import TicketType

    hub, store, config = _hub("intercom", _intercom(url), database)
    return await _cursor_read(
        hub, store, config, lambda h: h.helpdesk.list_tickets, stamp=_updated, types=[TicketType.REFUND]
    )


async def calls(url: str, database: Path) -> int:
    section = {"api_id": "bench", "api_token": "bench", "base_url": f"{url}/v1"}
    hub, store, config = _hub("aircall", section, database)
    return await _cursor_read(
        hub, store, config, lambda h: h.telephony.list_calls, stamp=lambda c: c.started_at
    )


async def orders(url: str, database: Path) -> int:
    from hub.core.models import Customer
    from hub.flows.summary import tally_orders

    store_settings = {"brand": "PaleoHacks", "merchant_id": "PHACK", "base_url": f"{url}/rest/v2"}
    hub, store, _ = _hub(
        "ultracart", {"stores": {"paleohacks": {**store_settings, "simple_key": "k"}}}, database
    )
    customer = Customer(platform="ultracart", id=str(_pages.ORDER_CUSTOMER), store="paleohacks")
    async with hub:
        tally = await tally_orders(hub, [customer], 0)
    store.dispose()
    return tally.matched[0].count + len(tally.errors)


def _updated(record: Any) -> Any:
    return record.updated_at


Reader = Callable[[str, Path], Awaitable[int]]
PATHS: dict[str, tuple[Callable[[int], Any], Reader]] = {
    "contacts": (_pages.on_demand_contacts, contacts),
    "conversations": (_pages.on_demand_conversations, conversations),
    "tickets": (_pages.on_demand_tickets, tickets),
    "calls": (_pages.on_demand_calls, calls),
    "orders": (_pages.on_demand_orders, orders),
}


def child(path: str, total: int) -> None:
    """One path at one size, in this fresh process: serve, read, print the figures as JSON."""
    server, read = PATHS[path]
    with Served(lambda: server(total)) as served, tempfile.TemporaryDirectory() as tmp:
        baseline = peak_rss_mib()
        count = asyncio.run(read(served.url, Path(tmp) / "hub.db"))
    print(json.dumps({"records": count, "peak_mib": peak_rss_mib(), "baseline_mib": baseline}))


def measure(path: str, total: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", path, str(total)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"{path} at {total:,} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(paths: list[str], sizes: tuple[int, int]) -> dict[str, dict[str, Any]]:
    small, large = sizes
    heading(f"Peak RSS of every read path at {small:,} and {large:,} records, fresh process per size")
    results = {}
    for path in paths:
        figures = {total: measure(path, total) for total in sizes}
        for total, f in figures.items():
            if f["records"] != total:
                raise SystemExit(f"{path}: read {f['records']:,} records of {total:,}")
        ratio = figures[large]["peak_mib"] / figures[small]["peak_mib"]
        growth = (figures[large]["peak_mib"] - figures[small]["peak_mib"]) / (large - small) * 1024 * 1024
        print(
            f"  {path:<13} {figures[small]['peak_mib']:6.1f} MiB -> {figures[large]['peak_mib']:6.1f} MiB"
            f" (start {figures[small]['baseline_mib']:.0f} MiB); {growth:5.0f} B per extra record;"
            f" ratio {verdict(ratio, GOAL, at_least=False)}",
            flush=True,
        )
        results[path] = {"ratio": ratio, "small": figures[small], "large": figures[large]}
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 records")
    parser.add_argument("--paths", default=",".join(PATHS), help="which read paths")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else SIZES
    results = run(args.paths.split(","), sizes)
    label = "peak RSS at 10x the records / at 1x"  # 100k / 10k (--quick: 20k / 2k)
    write_figures(
        args.json,
        [
            figure(f"memory, {path}: {label}", result["ratio"], GOAL, at_least=False)
            for path, result in results.items()
        ],
    )


if __name__ == "__main__":
    main()
