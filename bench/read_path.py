"""Read path: the hub reading contacts against a bare httpx loop, each a cold process, side by side.

30,000 Intercom contacts (150 a page, every phone distinct, one in ten not yet in E.164) are
served pre-serialised by a raw ASGI server in its own process. Each run is a fresh Python
process (cold imports, cold caches), alternating bare and hub:

- **bare**: httpx posts the contact search page after page and decodes each answer
  (``response.json()``); it keeps nothing, maps nothing.
- **hub**: the hub as a flow uses it: the plugin manager and config, ``Hub`` started, and
  ``hub.helpdesk.find_contacts(email=..., phone=None)`` through the facade, every contact
  mapped into a validated ``Contact`` (phone in E.164) and handed on page by page; the
  consumer counts and drops them. The Intercom plugin paces with its own limiter, as deployed.

Figures: whole-process CPU (user + system, start-up included) and wall (spawn to exit),
medians over the runs; the ratios are bare / hub (speed of the hub as a share of the bare
loop's; goal >= 0.8 for both). The in-loop figures (start-up excluded) are printed too.

    python bench/read_path.py [--records 30000] [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOAL = 0.8


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- the two children


async def bare_loop(url: str, email: str, page_size: int, ready: Any) -> int:
    """Fetch and decode every page; nothing else."""
    import httpx

    query = {"field": "email", "operator": "=", "value": email}
    pagination: dict[str, Any] = {"per_page": page_size}
    records = 0
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer bench"}) as client:
        ready()  # as the hub's: start-up ends with the client open (its TLS context built)
        while True:
            response = await client.post("/contacts/search", json={"query": query, "pagination": pagination})
            page = response.json()
            records += len(page["data"])
            cursor = (page["pages"].get("next") or {}).get("starting_after")
            if not cursor:
                return records
            pagination = {"per_page": page_size, "starting_after": cursor}


async def hub_read(url: str, email: str, page_size: int, ready: Any) -> int:
    """The facade's contact look-up through the Intercom plugin, counted page by page."""
    from hub.core.config import config_from_mapping
    from hub.core.manager import Hub, get_plugin_manager, settings_models

    pm = get_plugin_manager(["intercom"])
    section = {"enabled": True, "access_token": "bench", "admin_id": "1", "base_url": url}
    section["page_size"] = page_size
    config = config_from_mapping(
        {"plugins": {"intercom": section}}, source="bench", models=settings_models(pm)
    )
    records = 0
    async with Hub(pm, config) as hub:
        ready()
        answer: Any = hub.helpdesk.find_contacts(email=email, phone=None)
        if hasattr(answer, "__aiter__"):
            async for page in answer:
                records += len(page)  # a consumer that handles a page and lets it go
        else:  # the hook as it was before it streamed: one list
            records = len(await answer)
    return records


def child(side: str, url: str, email: str, page_size: int) -> None:
    """One cold run: print its figures as JSON on the last line.

    ``start_cpu`` is the CPU spent before the first request (interpreter, imports, the hub
    started); the loop is everything after it.
    """
    marks: dict[str, float] = {}

    def ready() -> None:
        marks.update(start_cpu=_cpu(), loop_started=time.perf_counter())

    work = bare_loop if side == "bare" else hub_read
    records = asyncio.run(work(url, email, page_size, ready))
    loop_wall = time.perf_counter() - marks["loop_started"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"records": records, "cpu": _cpu(), "start_cpu": marks["start_cpu"], "loop_wall": loop_wall}
    print(json.dumps({**figures, "rss": rss}), flush=True)


# --------------------------------------------------------------------------- the parent


def run_child(
    side: str, url: str, email: str, page_size: int, checkout: Path | None = None
) -> dict[str, float]:
    from _common import child_env

    # with bytecode caches, as installed; on the hub side maybe another checkout (a before/after)
    env = child_env(**({"PYTHONPATH": str(checkout)} if side == "hub" and checkout else {}))
    wall = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", side, url, email, str(page_size)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    wall = time.perf_counter() - wall
    if out.returncode:
        raise SystemExit(f"{side} run failed:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["wall"] = wall
    figures["loop_cpu"] = figures["cpu"] - figures["start_cpu"]
    return figures


def measure(records: int, runs: int, checkout: Path | None = None) -> dict[str, Any]:
    """Serve the pages, alternate cold runs, return the medians and ratios."""
    import _pages
    from _common import Served, heading

    heading(
        f"Read path: {records:,} Intercom contacts, {_pages.CONTACT_PAGE} a page, distinct phones;"
        f" {runs} cold runs a side, alternated"
    )
    pages = _pages.contact_pages(records)
    results: dict[str, list[dict[str, float]]] = {"bare": [], "hub": []}
    with Served(lambda: _pages.preserved_search_pages(pages)) as server:
        for side in ("bare", "hub"):  # untimed: writes the bytecode caches, as installing does
            run_child(side, server.url, _pages.SHARED_EMAIL, _pages.CONTACT_PAGE, checkout)
        for index in range(runs):
            order = ("bare", "hub") if index % 2 == 0 else ("hub", "bare")
            for side in order:
                figures = run_child(side, server.url, _pages.SHARED_EMAIL, _pages.CONTACT_PAGE, checkout)
                if figures["records"] != records:
                    raise SystemExit(f"{side} read {figures['records']} records, expected {records}")
                results[side].append(figures)
                print(
                    f"  run {index + 1} {side:<4} CPU {figures['cpu']:.2f} s"
                    f" (start-up {figures['start_cpu']:.2f}), wall {figures['wall']:.2f} s,"
                    f" peak RSS {figures['rss']:.0f} MiB",
                    flush=True,
                )
    medians = {
        side: {key: statistics.median(run[key] for run in runs_) for key in runs_[0]}
        for side, runs_ in results.items()
    }
    return {"records": records, "runs": runs, "medians": medians, "ratios": ratios(medians)}


def ratios(medians: dict[str, dict[str, float]]) -> dict[str, float]:
    bare, hub = medians["bare"], medians["hub"]
    return {
        "cpu": bare["cpu"] / hub["cpu"],
        "wall": bare["wall"] / hub["wall"],
        "loop_cpu": bare["loop_cpu"] / hub["loop_cpu"],
        "loop_wall": bare["loop_wall"] / hub["loop_wall"],
    }


def report(result: dict[str, Any]) -> None:
    from _common import verdict

    records = result["records"]
    for side, m in result["medians"].items():
        print(
            f"  {side:<4} median: CPU {m['cpu']:.2f} s (start-up {m['start_cpu']:.2f} s,"
            f" loop {m['loop_cpu']:.2f} s = {m['loop_cpu'] / records * 1e6:.1f} us a record),"
            f" wall {m['wall']:.2f} s (loop {m['loop_wall']:.2f} s), peak RSS {m['rss']:.0f} MiB"
        )
    r = result["ratios"]
    print(f"  bare / hub, CPU (whole process):  {verdict(r['cpu'], GOAL)}")
    print(f"  bare / hub, wall (whole process): {verdict(r['wall'], GOAL)}")
    print(f"  in the loop only (start-up left out): CPU {r['loop_cpu']:.3f}, wall {r['loop_wall']:.3f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _, _, side, url, email, page_size = sys.argv
        child(side, url, email, int(page_size))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=5, help="cold runs a side (odd: a true median)")
    parser.add_argument("--quick", action="store_true", help="3 runs a side")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--hub-checkout", type=Path, help="measure the hub of another checkout (before/after)"
    )
    args = parser.parse_args()
    result = measure(args.records, 3 if args.quick else args.runs, args.hub_checkout)
    report(result)
    from _common import figure, write_figures

    r = result["ratios"]
    write_figures(
        args.json,
        [
            figure("read path: speed of the read, CPU (bare / hub, cold process)", r["loop_cpu"], GOAL),
            figure("read path: speed of the read, wall (bare / hub, cold process)", r["loop_wall"], GOAL),
            figure("read path: whole process with start-up, CPU (bare / hub)", r["cpu"], GOAL),
            figure("read path: whole process with start-up, wall (bare / hub)", r["wall"], GOAL),
        ],
    )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
