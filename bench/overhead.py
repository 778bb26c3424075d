"""Figure 2: hub overhead against a bare httpx loop making the same requests, in the same run.

(a) read path: 30,000 Intercom contacts paged through contact search (150 a page) by the
    Intercom plugin into domain ``Contact`` models, from a loopback server (own process) that
    serves pre-serialised pages; bare = httpx posting the same bodies and ``response.json()``.
(b) flows: ``cs_assist`` and ``call_log`` with limits off against the sandbox emulators (each
    in its own process); bare = the hub's recorded requests replayed by httpx against fresh
    copies of the same emulators, with the flow's concurrency (8 for cs_assist, 1 for call_log).

    python bench/overhead.py [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import _sandbox
import httpx
from _common import NoLimits, Served, cpu_seconds, heading, verdict

from hub.core.config import config_from_mapping
from hub.core.plugin import HubContext
from hub.engine import run_flow

PAGE = 150


# --------------------------------------------------------------------------- (a) read path


def contact_pages(total: int) -> list[bytes]:
    """Contact search pages as Intercom 2.14 renders them (from the emulator's renderer)."""
    from plugins.intercom.emulator import Workspace, render_contact

    ws = Workspace(token="bench")
    template = render_contact(ws, ws.add_contact(email="x@example.com", phone="+14155550100", name="X Y"))
    pages = []
    for start in range(0, total, PAGE):
        data = []
        for n in range(start, min(total, start + PAGE)):
            contact = dict(template, id=f"{n:024x}", email=f"person{n}@example.com", name=f"Person {n}")
            contact["phone"] = f"+1415555{n % 10000:04d}"
            contact["created_at"] = contact["updated_at"] = 1_700_000_000 + n
            data.append(contact)
        body: dict[str, Any] = {"type": "list", "data": data, "total_count": total}
        body["pages"] = {"type": "pages", "page": len(pages) + 1, "per_page": PAGE}
        if start + PAGE < total:
            body["pages"]["next"] = {"per_page": PAGE, "starting_after": str(len(pages) + 1)}
        pages.append(json.dumps(body).encode())
    return pages


def page_server(pages: list[bytes]) -> Any:
    """A raw ASGI app answering ``POST /contacts/search`` with page ``starting_after``."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        cursor = (json.loads(body).get("pagination") or {}).get("starting_after")
        page = pages[int(cursor or 0)]
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(page)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": page})

    return app


async def hub_read(url: str) -> int:
    from plugins.intercom.plugin import IntercomPlugin
    from plugins.intercom.settings import IntercomSettings

    plugin = IntercomPlugin()
    section = {"enabled": True, "access_token": "bench", "admin_id": "1", "base_url": url}
    config = config_from_mapping(
        {"plugins": {"intercom": section}}, source="bench", models={"intercom": IntercomSettings}
    )
    context = HubContext(config=config, limiters=NoLimits())
    await plugin.hub_startup(context=context)
    try:
        contacts = await plugin.helpdesk_find_contacts(email="@example.com", phone=None)
    finally:
        await plugin.hub_shutdown()
    return len(contacts)


async def bare_read(url: str) -> int:
    query = {"field": "email", "operator": "=", "value": "@example.com"}
    pagination: dict[str, Any] = {"per_page": PAGE}
    records = 0
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer bench"}) as client:
        while True:
            response = await client.post("/contacts/search", json={"query": query, "pagination": pagination})
            page = response.json()
            records += len(page["data"])
            cursor = (page["pages"].get("next") or {}).get("starting_after")
            if not cursor:
                return records
            pagination = {"per_page": PAGE, "starting_after": cursor}


def timed(
    work: Callable[[], Awaitable[int]], profile: cProfile.Profile | None = None
) -> tuple[int, float, float]:
    """(records, wall seconds, CPU seconds) of one run."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    if profile:
        profile.enable()
    records = asyncio.run(work())
    if profile:
        profile.disable()
    return records, time.perf_counter() - wall, cpu_seconds() - cpu


def read_path(total: int, rounds: int, profile: bool) -> float:
    heading(f"(a) read path: {total:,} Intercom contacts, {PAGE} a page, pre-serialised")
    pages = contact_pages(total)
    best: dict[str, tuple[int, float, float]] = {}
    with Served(lambda: page_server(pages)) as server:
        for _ in range(rounds):  # alternate, keep each side's best: noise hurts both alike
            for name, work in (("bare", bare_read), ("hub", hub_read)):
                result = timed(lambda work=work: work(server.url))
                if name not in best or result[1] < best[name][1]:
                    best[name] = result
        profiler = cProfile.Profile() if profile else None
        if profiler:
            timed(lambda: hub_read(server.url), profiler)
    for name, (records, wall, cpu) in best.items():
        print(
            f"  {name:<5} {records:,} records in {wall:.2f} s = {records / wall:,.0f} records/s;"
            f" {cpu / records * 1000:.3f} CPU s per 1,000 records"
        )
    ratio = best["bare"][1] / best["hub"][1]
    print(f"  hub records/s / bare records/s = {verdict(ratio, 0.8)}")
    if profiler:
        show_profile(profiler)
    return ratio


# --------------------------------------------------------------------------- (b) flows


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the network and keeps what was sent, for the bare replay."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, str, list[tuple[bytes, bytes]], bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.sent.append((request.method, str(request.url), list(request.headers.raw), body))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def replay(sent: list[tuple[str, str, list[tuple[bytes, bytes]], bytes]], workers: int) -> int:
    """The recorded requests, sent again by bare httpx clients (one per platform), answers decoded."""
    queue = iter(sent)
    clients: dict[str, httpx.AsyncClient] = {}

    async def worker() -> None:
        for method, url, headers, body in queue:
            host = url.split("/", 3)[2]
            if host not in clients:  # one pool per emulator, like the hub's one client per platform
                clients[host] = httpx.AsyncClient()
            client = clients[host]
            response = await client.request(method, url, headers=headers, content=body)
            if response.content:
                response.json()

    await asyncio.gather(*(worker() for _ in range(workers)))
    for client in clients.values():
        await client.aclose()
    return len(sent)


def flow(name: str, per_brand: int, calls: int, workers: int, profile: bool) -> float:
    heading(f"(b) {name}: limits off, sandbox per_brand={per_brand}" + (f", {calls} calls" if calls else ""))
    sandbox = _sandbox.build(per_brand, calls)
    with tempfile.TemporaryDirectory() as tmp:
        with _sandbox.served(sandbox) as servers:
            recorders = {platform: RecordingTransport() for platform in servers}
            run = _sandbox.runtime(sandbox, servers, Path(tmp) / "hub.db", dict(recorders))
            profiler = cProfile.Profile() if profile else None

            async def hub_run() -> int:
                async with _sandbox.hub(run) as hub:
                    report = await run_flow(run, name, hub=hub)
                assert report.status == "ok", report.error
                return report.counts.get("contacts" if name == "cs_assist" else "read", 0)

            records, wall, cpu = timed(hub_run, profiler)
            run.store.dispose()
        sent = [request for recorder in recorders.values() for request in recorder.sent]
        with _sandbox.served(sandbox) as fresh:
            urls = {servers[p].url: fresh[p].url for p in servers}
            rebased = [(m, _rebase(u, urls), h, b) for m, u, h, b in sent]
            _, bare_wall, bare_cpu = timed(lambda: replay(rebased, workers))
    requests = len(sent)
    print(
        f"  hub   {records} records ({requests} requests) in {wall:.2f} s = {records / wall:.1f} records/s,"
        f" {requests / wall:.0f} requests/s; {cpu / max(records, 1) * 1000:.2f} CPU s per 1,000 records"
    )
    print(
        f"  bare  {requests} requests in {bare_wall:.2f} s = {records / bare_wall:.1f} records/s,"
        f" {requests / bare_wall:.0f} requests/s;"
        f" {bare_cpu / max(records, 1) * 1000:.2f} CPU s per 1,000 records"
    )
    ratio = bare_wall / wall
    print(f"  hub records/s / bare records/s = {verdict(ratio, 0.5)}")
    if profiler:
        show_profile(profiler)
    return ratio


def _rebase(url: str, urls: dict[str, str]) -> str:
    for old, new in urls.items():
        if url.startswith(old):
            return new + url[len(old) :]
    return url


def show_profile(profiler: cProfile.Profile, lines: int = 14) -> None:
    print("  profile of the hub side (own time, top functions):")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:lines]  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.stats.values()) or 1  # type: ignore[attr-defined]
    for (file, line, func), (_, calls, own, cumulative, _) in rows:
        where = file.replace(str(Path.cwd()), ".").split("site-packages/")[-1]
        print(f"    {own / total:6.1%} own {cumulative:6.2f} s cum {calls:>8} calls  {func} ({where}:{line})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one round")
    parser.add_argument("--profile", action="store_true", help="cProfile the hub side and print the top")
    parser.add_argument("--only", default="read,cs_assist,call_log")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    ratios = {}
    if "read" in wanted:
        ratios["read path"] = read_path(6_000 if args.quick else 30_000, 1 if args.quick else 3, args.profile)
    if "cs_assist" in wanted:
        ratios["cs_assist"] = flow("cs_assist", 10 if args.quick else 40, 0, 8, args.profile)
    if "call_log" in wanted:
        ratios["call_log"] = flow(
            "call_log", 10 if args.quick else 40, 100 if args.quick else 300, 1, args.profile
        )
    heading("Summary")
    for name, ratio in ratios.items():
        print(f"  {name:<10} {verdict(ratio, 0.8 if name == 'read path' else 0.5)}")


if __name__ == "__main__":
    main()
