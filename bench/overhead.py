"""Figure 2b: the flows' overhead against a bare httpx replay of the same requests, in the same run.

``cs_assist`` and ``call_log`` with limits off against the sandbox emulators (each in its own
process); bare = the hub's recorded requests replayed by httpx against fresh copies of the same
emulators, with the flow's concurrency (8 for cs_assist, 1 for call_log). The read path (figure
2a, cold processes side by side with a bare loop) is ``bench/read_path.py``.

    python bench/overhead.py [--quick] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import _sandbox
import httpx
from _common import cpu_seconds, heading, verdict

from hub.engine import run_flow

PAGE = 150


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
    parser.add_argument("--only", default="cs_assist,call_log")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    ratios = {}
    if "cs_assist" in wanted:
        ratios["cs_assist"] = flow("cs_assist", 10 if args.quick else 40, 0, 8, args.profile)
    if "call_log" in wanted:
        ratios["call_log"] = flow(
            "call_log", 10 if args.quick else 40, 100 if args.quick else 300, 1, args.profile
        )
    heading("Summary")
    for name, ratio in ratios.items():
        print(f"  {name:<10} {verdict(ratio, 0.5)}")


if __name__ == "__main__":
    main()
