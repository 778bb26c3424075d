"""Figure 5: seven brands' stores in one run overlap their waits (target: <= 1.5x the slowest alone).

The sandbox puts all seven brands on Shopify (one store each, each with its own cost bucket);
every store answers after its own injected latency (40 ms for the first, +20 ms per store, so
160 ms for the slowest). ``cs_assist`` runs over every active contact (limiters on, as
configured) once with all seven stores and once with only the slowest store configured; each
run gets a fresh sandbox and database.

    python bench/concurrency.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import _sandbox
import httpx
from _common import heading, verdict

from hub.core.config import config_from_mapping
from hub.core.manager import settings_models
from hub.engine import Runtime, run_flow
from hub.sandbox import SANDBOX_CONFIG
from hub.sandbox.world import BRANDS, store_key

LATENCY = {store_key(brand): 0.040 + 0.020 * n for n, brand in enumerate(BRANDS)}


class LatencyTransport(httpx.AsyncBaseTransport):
    """Delays each store's answers by that store's latency (stores told apart by their token)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        from plugins.shopify.emulator.seed import seed_token

        self.inner = inner
        self.delay = {seed_token(key): seconds for key, seconds in LATENCY.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.delay.get(request.headers.get("x-shopify-access-token", ""), 0.0))
        return await self.inner.handle_async_request(request)


def one_run(per_brand: int, stores: list[str]) -> tuple[float, dict[str, int]]:
    sandbox = _sandbox.build(per_brand, only=["intercom", "shopify"])
    transports = sandbox.transports()
    transports["shopify"] = LatencyTransport(transports["shopify"])
    with tempfile.TemporaryDirectory() as tmp:
        raw = sandbox.raw_config(
            _sandbox.ROOT / SANDBOX_CONFIG, database_url=f"sqlite:///{Path(tmp) / 'hub.db'}"
        )
        raw["plugins"] = {name: raw["plugins"][name] for name in ("intercom", "shopify")}
        shopify = raw["plugins"]["shopify"]
        shopify["stores"] = {key: value for key, value in shopify["stores"].items() if key in stores}
        config = config_from_mapping(raw, source="bench", models=settings_models(sandbox.pm))
        runtime = Runtime.from_config(sandbox.pm, config, transports=transports)

        async def go() -> dict[str, int]:
            report = await run_flow(runtime, "cs_assist")
            assert report.status == "ok", report.error
            return report.counts

        started = time.perf_counter()
        counts = asyncio.run(go())
        elapsed = time.perf_counter() - started
        runtime.store.dispose()
    return elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer customers per brand")
    args = parser.parse_args()
    per_brand = 8 if args.quick else 30
    slowest = max(LATENCY, key=LATENCY.__getitem__)
    heading(f"cs_assist over {per_brand} customers per brand; store latencies 40..160 ms")
    together, counts = one_run(per_brand, list(LATENCY))
    print(
        f"  7 stores in one run: {together:.2f} s ({counts.get('contacts', 0)} contacts,"
        f" {counts.get('contacts_updated', 0)} updated)"
    )
    alone, counts = one_run(per_brand, [slowest])
    print(
        f"  {slowest} alone (160 ms): {alone:.2f} s ({counts.get('contacts', 0)} contacts,"
        f" {counts.get('contacts_updated', 0)} updated)"
    )
    print(f"  7 stores / slowest alone = {verdict(together / alone, 1.5, at_least=False)}")
    print(
        f"  (one after another the 7 stores would wait {sum(LATENCY.values()) / LATENCY[slowest]:.1f}x"
        " the slowest store's latency per look-up)"
    )


if __name__ == "__main__":
    main()
