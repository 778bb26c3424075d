"""Figure 3: peak RSS of a sync over 10,000 and over 100,000 records (target: ratio <= 1.3).

Each size runs in a fresh subprocess that reads ``ru_maxrss`` at the end. The sync is the
cursor read of the ``cs_assist`` flow: ``RunContext.new_records("helpdesk_list_conversations")``
through the Intercom plugin (pages mapped into ``Conversation`` models, the cursor saved per
page in a SQLite store), against a loopback server in its own process that renders
conversation search pages (150 a page) on demand. Records are dropped once counted, as a
flow that handled them would.

    python bench/memory.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import NoLimits, Served, heading, peak_rss_mib, verdict

PAGE = 150
NOW = int(time.time()) // 86_400 * 86_400 - 3_600  # records end an hour before today began


def conversation_template() -> dict[str, Any]:
    from plugins.intercom.emulator import Workspace, render_conversation

    ws = Workspace(token="bench")
    contact = ws.add_contact(email="x@example.com", name="X Y")
    return render_conversation(ws, ws.add_conversation(contact["id"], "Where is my order?"), with_parts=False)


def page_server(total: int) -> Any:
    """``POST /conversations/search``: one day's conversations, ``starting_after`` a page of them.

    The plugin asks day by day (``updated_at = <noon of the day>``), as Intercom matches dates by
    whole day; within a day the records come newest-created first, not by updated_at, so the
    plugin still sorts. Records are rendered on demand, updated_at spread over 20 days.
    """
    template = conversation_template()
    days: dict[int, list[int]] = {}
    for n in range(total):
        days.setdefault(_stamp(n) // 86_400, []).append(n)

    def page(day: int, index: int) -> bytes:
        members = days.get(day, [])
        items = [
            dict(template, id=str(10_000_000 + n), created_at=_stamp(n) - 60, updated_at=_stamp(n))
            for n in members[index * PAGE : (index + 1) * PAGE]
        ]
        body: dict[str, Any] = {
            "type": "conversation.list",
            "conversations": items,
            "total_count": len(members),
        }
        body["pages"] = {"type": "pages", "page": index + 1, "per_page": PAGE}
        if (index + 1) * PAGE < len(members):
            body["pages"]["next"] = {"per_page": PAGE, "starting_after": str(index + 1)}
        return json.dumps(body).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(body)
        cursor = (request.get("pagination") or {}).get("starting_after")
        payload = page(int(request["query"]["value"]) // 86_400, int(cursor or 0))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def _stamp(n: int) -> int:
    return NOW - (n * 7919) % (20 * 86_400)


async def sync(url: str, database: Path) -> int:
    """The flow's cursor read over every record; returns how many were read."""
    from hub.core.config import config_from_mapping
    from hub.core.manager import Hub, get_plugin_manager, settings_models
    from hub.flows.base import RunContext
    from hub.store import Store

    pm = get_plugin_manager(["intercom"])
    section = {"enabled": True, "access_token": "bench", "admin_id": "1", "base_url": url}
    raw = {"hub": {"database_url": f"sqlite:///{database}"}, "plugins": {"intercom": section}}
    config = config_from_mapping(raw, source="bench", models=settings_models(pm))
    store = Store(config.hub.database_url)
    store.migrate()
    read = 0
    async with Hub(pm, config, limiters=NoLimits()) as hub:
        ctx = RunContext(hub=hub, store=store, config=config, flow="bench_memory")
        async for page in ctx.new_records("helpdesk_list_conversations", lambda c: c.updated_at):
            read += len(page)
    store.dispose()
    return read


def child(total: int) -> None:
    """One size, in this fresh process: serve, sync, print the figures as JSON."""
    with Served(lambda: page_server(total)) as server, tempfile.TemporaryDirectory() as tmp:
        baseline = peak_rss_mib()
        read = asyncio.run(sync(server.url, Path(tmp) / "hub.db"))
    print(json.dumps({"records": read, "peak_mib": peak_rss_mib(), "baseline_mib": baseline}))


def measure(total: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(total)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 records")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    small, large = (2_000, 20_000) if args.quick else (10_000, 100_000)
    heading("Peak RSS of the cs_assist cursor read (Intercom conversations), fresh process per size")
    figures = {}
    for total in (small, large):
        figures[total] = measure(total)
        f = figures[total]
        print(
            f"  {f['records']:>7,} records: peak RSS {f['peak_mib']:.1f} MiB"
            f" (imports and server start {f['baseline_mib']:.1f} MiB)",
            flush=True,
        )
    ratio = figures[large]["peak_mib"] / figures[small]["peak_mib"]
    growth = (figures[large]["peak_mib"] - figures[small]["peak_mib"]) / (large - small) * 1024
    print(
        f"  peak({large:,}) / peak({small:,}) = {verdict(ratio, 1.3, at_least=False)};"
        f" {growth:.2f} KiB per extra record"
    )


if __name__ == "__main__":
    main()
