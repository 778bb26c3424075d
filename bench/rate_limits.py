"""Figure 1: rate-limit efficiency. Achieved request rate / the platform's ceiling, zero 429s.

Each emulator enforces its platform's published limit server-side (Intercom: fixed 10-second
windows; Shopify: a cost bucket with a restore rate; Aircall: fixed per-minute windows) and
runs in its own process on loopback. The plugin's own client, with its own client-side limiter,
is driven by several concurrent workers (a large sync's fan-out) for a measured window. Every
answer is counted at the client's transport (429s included) and the emulator reports the
requests it refused.

    python bench/rate_limits.py [--quick] [--seconds 60] [--only intercom,shopify,aircall]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _common import CountingTransport, Served, heading, verdict

from hub.core.http import SlidingWindowLimiter, TokenBucketLimiter
from hub.sandbox.world import BRANDS, build_world, store_key

TARGET = 0.95
WORKERS = 16


async def drive(
    seconds: float, workers: int, one_request: Callable[[int], Awaitable[Any]], transport: CountingTransport
) -> tuple[int, float]:
    """Run ``workers`` loops of ``one_request`` until the deadline; requests sent inside it."""
    started = time.monotonic()
    deadline = started + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        while time.monotonic() < deadline:
            await one_request(next(counter))

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    sent = sum(1 for stamp in transport.stamps if started <= stamp < deadline)
    return sent, started


# --------------------------------------------------------------------------- Intercom


def intercom(seconds: float, per_window: int, window: float) -> dict[str, Any]:
    from plugins.intercom.client import IntercomClient
    from plugins.intercom.emulator import Workspace, create_app
    from plugins.intercom.settings import IntercomSettings

    def app() -> Any:
        ws = Workspace(token="bench", per_window=per_window, window_seconds=window)
        for n in range(500):
            ws.add_contact(email=f"person{n}@example.com", name=f"Person {n}")
        return create_app(ws)

    def stats(app: Any) -> dict[str, Any]:
        ws = app.state.emulator
        return {"refused": ws.app_window.refused, "peak": ws.app_window.peak, "ids": list(ws.contacts)}

    with Served(app, stats) as served:
        ids = served.stats()["ids"]

        async def run() -> tuple[int, CountingTransport]:
            transport = CountingTransport()
            settings = IntercomSettings(
                enabled=True, access_token="bench", admin_id="1", base_url=served.url, window_seconds=window
            )
            client = IntercomClient(
                settings, transport=transport, limiter=SlidingWindowLimiter(per_window, window)
            )
            async with client:
                sent, _ = await drive(
                    seconds, WORKERS, lambda n: client.get_contact(ids[n % len(ids)]), transport
                )
            return sent, transport

        sent, transport = asyncio.run(run())
        server = served.stats()
    ceiling = per_window * seconds / window
    return report(
        "Intercom", f"{per_window} per {window:g} s window", sent, ceiling, seconds, transport, server
    )


# --------------------------------------------------------------------------- Shopify


def shopify(seconds: float, bucket: float, restore: float) -> dict[str, Any]:
    """Points spent per second once the first bucketful is gone / the restore rate.

    The judged ratio is the sustained rate, measured after a warm-up of a quarter of the window:
    the opening bucketful is a one-off burst, and Shopify refuses a query unless its whole
    *requested* cost is available, so the last ``requested`` points of the bucket can never be
    spent by that query (a 5-order page asks 803 points and spends about 20).
    """
    from plugins.shopify.client import ShopifyClient
    from plugins.shopify.emulator import CostBucket, create_app
    from plugins.shopify.emulator.seed import seed_from_world, seed_token
    from plugins.shopify.operations import ShopifyStore

    world = build_world(["shopify"], per_brand=60)
    brand = BRANDS[4]
    key = store_key(brand)
    emails = [p.email for p in world.people if p.brand == brand]
    warmup = seconds / 4

    def app() -> Any:
        state = seed_from_world(world)
        state.bucket_size, state.restore_rate = bucket, restore
        spent = {"points": 0.0}
        for shop in state.shops.values():
            shop.bucket = CostBucket(bucket, restore, state.clock)
            _count_spending(shop.bucket, spent)
        created = create_app(state)
        created.state.spent = spent
        return created

    def stats(app: Any) -> dict[str, Any]:
        return {"spent": app.state.spent["points"], "throttled": app.state.emulator.throttled}

    with Served(app, stats) as served:

        async def run() -> tuple[int, CountingTransport, float]:
            transport = CountingTransport()
            client = ShopifyClient(
                base_url=served.url,
                api_version="2026-01",
                access_token=seed_token(key),
                limiter=TokenBucketLimiter(bucket, restore),
                transport=transport,
            )
            store = ShopifyStore(key, brand, client, idempotent_refunds=True)

            async def lookup(n: int) -> None:
                for customer in await store.find_customers(emails[n % len(emails)], None):
                    async for _ in store.list_orders(customer.id):  # pages: each one read
                        pass

            async def after_warmup() -> float:
                await asyncio.sleep(warmup)
                return float((await asyncio.to_thread(served.stats))["spent"])

            async with client:
                sampler = asyncio.create_task(after_warmup())
                sent, _ = await drive(seconds, WORKERS, lookup, transport)
            return sent, transport, await sampler

        sent, transport, at_warmup = asyncio.run(run())
        server = served.stats()
    spent = server["spent"]
    whole = bucket + restore * seconds
    sustained = server["spent"] - at_warmup
    print(
        f"  points spent {spent:.0f} in {seconds:g} s ({sent} requests), {spent / whole:.3f} of one bucket"
        f" + {restore:g}/s x {seconds:g} s; after the {warmup:g} s warm-up {sustained:.0f} points in"
        f" {seconds - warmup:g} s = {sustained / (seconds - warmup):.1f} points/s;"
        f" THROTTLED answers {server['throttled']}"
    )
    return report(
        "Shopify",
        f"bucket {bucket:g} pts, restore {restore:g} pts/s, sustained",
        sustained,
        restore * (seconds - warmup),
        seconds - warmup,
        transport,
        {"refused": server["throttled"]},
        unit="points",
    )


def _count_spending(bucket: Any, spent: dict[str, float]) -> None:
    """Wrap the emulator's bucket so it adds up what it charged minus what it refunded."""
    charge, refund = bucket.try_charge, bucket.refund

    def try_charge(points: float) -> bool:
        ok = charge(points)
        if ok:
            spent["points"] += points
        return ok

    def give_back(points: float) -> None:
        spent["points"] -= max(0.0, points)
        refund(points)

    bucket.try_charge, bucket.refund = try_charge, give_back


# --------------------------------------------------------------------------- Aircall


def aircall(seconds: float, limit: int, window: float) -> dict[str, Any]:
    from plugins.aircall.client import AircallClient
    from plugins.aircall.emulator import DEMO_API_ID, DEMO_API_TOKEN, build_seed, create_app
    from plugins.aircall.settings import AircallSettings

    def app() -> Any:
        return create_app(build_seed(7, calls=300), rate_limit=limit, rate_window=window)

    def stats(app: Any) -> dict[str, Any]:
        return {"refused": app.state.emulator.refused}

    with Served(app, stats) as served:

        async def run() -> tuple[int, CountingTransport]:
            transport = CountingTransport()
            settings = AircallSettings(
                enabled=True,
                api_id=DEMO_API_ID,
                api_token=DEMO_API_TOKEN,
                base_url=f"{served.url}/v1",
                requests_per_window=limit,
                window_seconds=window,
            )
            client = AircallClient(settings, transport=transport)

            async def page(n: int) -> None:
                await client.get_json("calls", {"per_page": 50, "page": 1 + n % 6, "order": "asc"})

            async with client:
                sent, _ = await drive(seconds, 4, page, transport)
            return sent, transport

        sent, transport = asyncio.run(run())
        server = served.stats()
    ceiling = limit * seconds / window
    return report("Aircall", f"{limit} per {window:g} s window", sent, ceiling, seconds, transport, server)


# --------------------------------------------------------------------------- report


def report(
    name: str,
    limit: str,
    achieved: float,
    ceiling: float,
    seconds: float,
    transport: CountingTransport,
    server: dict[str, Any],
    unit: str = "requests",
) -> dict[str, Any]:
    refused_client = transport.statuses.get(429, 0)
    ratio = achieved / ceiling
    print(
        f"  {name} ({limit}), {seconds:g} s: {achieved:.0f} {unit} / ceiling {ceiling:.0f}"
        f" = {verdict(ratio, TARGET)}; 429s seen by the client {refused_client},"
        f" refused by the emulator {server.get('refused', 0)}; statuses {dict(transport.statuses)}",
        flush=True,
    )
    # The same refusal is seen at both ends: count the larger of the two views.
    return {"ratio": ratio, "refused": max(refused_client, int(server.get("refused", 0)))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20-second windows, scaled limits")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window per platform")
    parser.add_argument("--only", default="intercom,shopify,aircall")
    parser.add_argument("--intercom-per-window", type=int, default=1666, help="10,000/min = 1,666 per 10 s")
    parser.add_argument("--aircall-window", type=float, default=60.0, help="seconds per 60 requests")
    args = parser.parse_args()
    seconds = 20.0 if args.quick else args.seconds
    aircall_window = 5.0 if args.quick else args.aircall_window
    wanted = set(args.only.split(","))
    results = {}
    if "intercom" in wanted:
        heading("Intercom: fixed 10-second windows")
        results["intercom"] = intercom(seconds, args.intercom_per_window, 10.0)
    if "shopify" in wanted:
        heading("Shopify: cost bucket, Standard plan (1,000 points, 100 points/s restore)")
        results["shopify"] = shopify(seconds, 1000.0, 100.0)
    if "aircall" in wanted:
        heading(f"Aircall: 60 requests per {aircall_window:g}-second window")
        windows = max(1, math.floor(seconds / aircall_window))
        results["aircall"] = aircall(windows * aircall_window, 60, aircall_window)
    heading("Summary")
    for name, result in results.items():
        print(f"  {name:<9} ratio {verdict(result['ratio'], TARGET)}; refused {result['refused']}")


if __name__ == "__main__":
    main()
