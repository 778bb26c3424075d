"""Figure 4: incremental cost. After a full sync, change 1% of the records and run again.

Requests are counted at each emulator's transport (in-process sandbox, limits off). The run is
judged against the **true minimum**: what any client would have to ask the platforms for that
change, worked out from the sandbox's own data, not from what the hub did in its full run:

- the cursor read: one search page per 150 changed conversations (Intercom's largest page), one
  calls page per 50 new calls (Aircall's);
- ``cs_assist``, per changed contact: read the contact (its email is not in the conversation);
  look the email up once in every store (the hub cannot know which holds the person; by phone
  too, in every store, when no store knows the email); for each store that does hold the
  person, the resources its summary is made of, each read once at the platform's largest page
  (``CUSTOMER_READS``); one write when the summary changed (counted from the writes the hub
  made: it writes only then);
- ``call_log``, per new call from a known customer: find the contact by phone, find its open
  conversation, write the note.

The ratio is requests made / that minimum (goal <= 1.1). A last run with nothing changed is
judged the same way: its minimum is one cursor query.

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

from _common import CountingTransport, NoLimits, figure, heading, verdict, write_figures

from hub.core.manager import Hub, implemented_hooks
from hub.engine import Runtime, run_flow
from hub.sandbox import Sandbox

GOAL = 1.1
CURSOR = {"cs_assist": ("POST /conversations/search", 150), "call_log": ("GET /v1/calls", 50)}
ORDER_PAGE = {"shopify": 250, "konnektive": 200, "ultracart": 200, "stickyio": 10_000}
"""The largest page of a customer's orders each API serves (Shopify's ``first`` is at most 250;
Konnektive's ``resultsPerPage`` 200; UltraCart's ``_limit`` 200; Sticky.io's order_find answers
every id in one call)."""
CUSTOMER_READS = {
    "shopify": ("subscription contracts",),
    "konnektive": ("refund transactions", "purchases (subscriptions)"),
    "stickyio": ("order_view of the ids order_find gave (subscriptions are among those orders)",),
    "ultracart": ("auto orders (subscriptions)", "email-list membership (consents)"),
}
"""Per store holding the person, the resources read besides the order pages: each is a request
no client can skip on that platform's API."""
CALL_FLOOR = 3
"""A new call from a known customer: find the contact by phone, its open conversation, the note."""


def change_conversations(sandbox: Sandbox, share: float) -> list[str]:
    """Touch ``share`` of the conversations (new activity), newest stamp last; their ids."""
    ws = sandbox.apps["intercom"].state
    ids = sorted(ws.conversations)[:: max(1, round(1 / share))]
    for n, conversation_id in enumerate(ids):
        ws.conversations[conversation_id]["updated_at"] = ws.now() + 60 + n
    return ids


def add_calls(sandbox: Sandbox, share: float) -> list[str]:
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
    return [str(n) for n in range(count)]


def cs_assist_minimum(
    sandbox: Sandbox, runtime: Runtime, conversations: list[str], writes: int
) -> dict[str, Any]:
    """The true minimum of a cs_assist run over these changed conversations (see the module doc)."""
    from hub.sandbox.world import store_key

    assert sandbox.world is not None
    ws = sandbox.apps["intercom"].state
    # The stores a look-up must ask: those of the plugins that look customers up (a plugin that
    # only makes checkout links has stores too, and is never asked).
    stores = sum(
        len(getattr(settings, "stores", None) or {})
        for name, settings in runtime.config.plugins.items()
        if settings.enabled and "commerce_find_customers" in implemented_hooks(runtime.pm, name)
    )
    contacts = {
        cid for conversation in conversations for cid in ws.conversations[conversation]["contact_ids"]
    }
    reads = 0
    for contact_id in contacts:
        email = (ws.contacts[contact_id].get("email") or "").casefold()
        holders = [p for p in sandbox.world.people if p.email.casefold() == email and p.platform]
        reads += 1 + stores + (stores if not holders and ws.contacts[contact_id].get("phone") else 0)
        for person in holders:
            orders = sum(
                1
                for o in sandbox.world.orders
                if (o.platform, o.store) == (person.platform, store_key(person.brand))
                and (o.email or "").casefold() == email
            )
            reads += max(1, math.ceil(orders / ORDER_PAGE[person.platform]))
            reads += len(CUSTOMER_READS[person.platform])
    cursor = math.ceil(len(conversations) / CURSOR["cs_assist"][1])
    return {"cursor": cursor, "reads": reads, "writes": writes, "total": cursor + reads + writes}


def call_log_minimum(calls: list[str]) -> dict[str, Any]:
    cursor = math.ceil(len(calls) / CURSOR["call_log"][1])
    return {
        "cursor": cursor,
        "reads": 2 * len(calls),
        "writes": len(calls),
        "total": cursor + CALL_FLOOR * len(calls),
    }


async def run(
    runtime: Runtime, hub: Hub, flow: str, counters: dict[str, CountingTransport]
) -> tuple[int, Counter[str]]:
    before = Counter({f"{p} {k}": v for p, c in counters.items() for k, v in c.paths.items()})
    report = await run_flow(runtime, flow, hub=hub)
    assert report.status == "ok", report.error
    after = Counter({f"{p} {k}": v for p, c in counters.items() for k, v in c.paths.items()})
    records = report.counts.get("contacts" if flow == "cs_assist" else "read", 0)
    return records, after - before


def bench(flow: str, per_brand: int, calls: int, share: float) -> dict[str, float]:
    import _sandbox

    heading(f"{flow}: sandbox per_brand={per_brand}, change {share:.0%}, against the true minimum")
    sandbox = _sandbox.build(per_brand, calls)
    counters = {name: CountingTransport(transport) for name, transport in sandbox.transports().items()}
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
    if flow == "cs_assist":
        writes = sum(v for k, v in inc_requests.items() if k.startswith("intercom PUT /contacts/"))
        minimum = cs_assist_minimum(sandbox, runtime, changed, writes)
    else:
        minimum = call_log_minimum(changed)
    made = sum(inc_requests.values())
    print(f"  full run: {full_records} records, {sum(full_requests.values())} requests")
    print(
        f"  changed {len(changed)} records; the run read {inc_records} and made {made} requests;"
        f" true minimum {minimum['total']} ({minimum['cursor']} cursor, {minimum['reads']} reads,"
        f" {minimum['writes']} writes)"
    )
    print(f"    made, by endpoint: {dict(inc_requests.most_common(10))}")
    ratio = made / minimum["total"]
    print(f"  requests made / true minimum = {verdict(ratio, GOAL, at_least=False)}")
    idle_total = sum(idle_requests.values())
    idle_ratio = idle_total / 1
    print(
        f"  unchanged run: {idle_total} requests, minimum 1 (one cursor query):"
        f" {verdict(idle_ratio, GOAL, at_least=False)} {dict(idle_requests)}"
    )
    return {"ratio": ratio, "idle_ratio": idle_ratio, "made": made, "minimum": minimum["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller sandbox")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    args = parser.parse_args()
    per_brand, calls = (15, 400) if args.quick else (40, 1_000)
    results = {flow: bench(flow, per_brand, calls, 0.01) for flow in ("cs_assist", "call_log")}
    heading("Summary")
    for flow, figures in results.items():
        print(
            f"  {flow:<10} changed: {verdict(figures['ratio'], GOAL, at_least=False)};"
            f" unchanged: {verdict(figures['idle_ratio'], GOAL, at_least=False)}"
        )
    reported = []
    for flow, figures in results.items():
        reported.append(
            figure(f"incremental, {flow}: requests / true minimum", figures["ratio"], GOAL, at_least=False)
        )
        reported.append(
            figure(
                f"incremental, {flow} unchanged: requests / one cursor query",
                figures["idle_ratio"],
                GOAL,
                at_least=False,
            )
        )
    write_figures(args.json, reported)


if __name__ == "__main__":
    main()
