"""Figure 4: incremental cost. After a full sync, change 1% of the records and run again.

Requests are counted at each emulator's transport (in-process sandbox, limits off). The
minimum a run needs is its cursor queries (one page per 150 changed conversations, one per 50
new calls) plus, for each changed record, what one record cost in the full run; the ratio is
requests made / that minimum (target <= 1.1). A last run with nothing changed should make only
its cursor queries.

    python bench/incremental.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from _common import CountingTransport, NoLimits, heading, verdict

from hub.core.manager import Hub
from hub.engine import Runtime, run_flow
from hub.sandbox import Sandbox

CURSOR = {"cs_assist": ("POST /conversations/search", 150), "call_log": ("GET /v1/calls", 50)}
FLOOR = {"call_log": 3}
"""Requests a new call from a known customer cannot do without: find the contact by phone, find
its open conversation, write the note (unknown callers in the full run cost one, which pulls the
full run's average below this)."""


def change_conversations(sandbox: Sandbox, share: float) -> int:
    """Touch ``share`` of the conversations (new activity), newest stamp last."""
    ws = sandbox.apps["intercom"].state
    ids = sorted(ws.conversations)[:: max(1, round(1 / share))]
    for n, conversation_id in enumerate(ids):
        ws.conversations[conversation_id]["updated_at"] = ws.now() + 60 + n
    return len(ids)


def add_calls(sandbox: Sandbox, share: float) -> int:
    """New calls from known customers: ``share`` of the calls there are."""
    state = sandbox.apps["aircall"].state
    company = next(iter(state.companies.values()))
    assert sandbox.world is not None
    people = sandbox.world.people
    count = max(1, round(len(company.calls) * share))
    for n in range(count):
        state.add_call(
            company,
            direction="inbound",
            started_at=state.now() + 60 + n,
            customer=people[n * 7 % len(people)].phone,
            number_id=201,
            user_id=101,
            talk_seconds=120,
        )
    return count


async def run(
    runtime: Runtime, hub: Hub, flow: str, counters: dict[str, CountingTransport]
) -> tuple[int, Counter[str]]:
    before = Counter({f"{p} {k}": v for p, c in counters.items() for k, v in c.paths.items()})
    report = await run_flow(runtime, flow, hub=hub)
    assert report.status == "ok", report.error
    after = Counter({f"{p} {k}": v for p, c in counters.items() for k, v in c.paths.items()})
    records = report.counts.get("contacts" if flow == "cs_assist" else "read", 0)
    return records, after - before


def bench(flow: str, per_brand: int, calls: int, share: float) -> float:
    import _sandbox

    heading(f"{flow}: sandbox per_brand={per_brand}, change {share:.0%}")
    sandbox = _sandbox.build(per_brand, calls)
    counters = {name: CountingTransport(transport) for name, transport in sandbox.transports().items()}
    cursor_path, page = CURSOR[flow]
    with tempfile.TemporaryDirectory() as tmp:
        config = sandbox.config(
            _sandbox.ROOT / "config/sandbox.toml", database_url=f"sqlite:///{Path(tmp) / 'hub.db'}"
        )
        runtime = Runtime.from_config(sandbox.pm, config, transports=dict(counters))

        async def scenario() -> dict[str, Any]:
            async with Hub(
                runtime.pm, runtime.config, transports=runtime.transports, limiters=NoLimits()
            ) as hub:
                full = await run(runtime, hub, flow, counters)
                changed = (
                    change_conversations(sandbox, share) if flow == "cs_assist" else add_calls(sandbox, share)
                )
                incremental = await run(runtime, hub, flow, counters)
                idle = await run(runtime, hub, flow, counters)
            return {"full": full, "changed": changed, "incremental": incremental, "idle": idle}

        result = asyncio.run(scenario())
        runtime.store.dispose()
    (full_records, full_requests), changed = result["full"], result["changed"]
    (inc_records, inc_requests), (_, idle_requests) = result["incremental"], result["idle"]
    cursor_key = next((k for k in full_requests if k.endswith(cursor_path)), cursor_path)
    per_record = (sum(full_requests.values()) - full_requests[cursor_key]) / max(1, full_records)
    minimum = math.ceil(changed / page) + changed * max(per_record, FLOOR.get(flow, 0))
    made = sum(inc_requests.values())
    print(
        f"  full run: {full_records} records, {sum(full_requests.values())} requests"
        f" ({full_requests[cursor_key]} cursor pages, {per_record:.2f} requests per record;"
        f" floor per changed record {max(per_record, FLOOR.get(flow, 0)):.2f})"
    )
    print(
        f"  changed {changed} records; the run read {inc_records} and made {made} requests"
        f" ({inc_requests[cursor_key]} cursor pages); minimum {minimum:.1f}"
    )
    print(f"    by endpoint: {dict(inc_requests.most_common(8))}")
    ratio = made / minimum
    print(f"  requests made / minimum needed = {verdict(ratio, 1.1, at_least=False)}")
    idle_total = sum(idle_requests.values())
    only_cursor = idle_total == idle_requests[cursor_key]
    print(
        f"  unchanged run: {idle_total} requests, {idle_requests[cursor_key]} of them cursor pages"
        f" ({'only cursor queries' if only_cursor else 'MORE than the cursor queries'}):"
        f" {dict(idle_requests)}"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller sandbox")
    args = parser.parse_args()
    per_brand, calls = (15, 400) if args.quick else (40, 1_000)
    ratios = {flow: bench(flow, per_brand, calls, 0.01) for flow in ("cs_assist", "call_log")}
    heading("Summary")
    for flow, ratio in ratios.items():
        print(f"  {flow:<10} {verdict(ratio, 1.1, at_least=False)}")


if __name__ == "__main__":
    main()
