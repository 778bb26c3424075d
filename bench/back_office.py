"""back_office's requests per ticket, against the minimum a run cannot do without.

One run of ``back_office`` over the seeded sandbox (every ticket type, the seven brands on four
store platforms), in process, limits off; every request is counted at its platform's transport.
The minimum for a run is one read of the ticket list (one search page per 150 tickets, whatever
the number of stores) and, for each submitted ticket, its action when it asks for one, one note
and one state change. A ticket's action is its write on the store; a duplicate's is its note on
the first ticket, which stands in for a link between the two (Intercom links a back-office
ticket to nothing after its creation: ``BackOffice.mark_duplicate``), told from the ticket's own
note by its words (``back_office.ASKED_AGAIN``). The figure is the ticket requests made (list
pages, ticket reads, notes, state changes, actions) per ticket over that minimum. A read of a
ticket before writing a note (the marker check that keeps a new state database from repeating
a note, when the ticket list did not bring the ticket's notes) counts as made, not as minimum.
Reads of the requester's contact and of the order are printed apart: they are the ownership
and balance checks every money action makes (``hub/flows/ownership.py``).

    .venv/bin/python bench/back_office.py [--quick] [--json FILE] [--per-brand 40]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import tempfile
from collections import Counter
from pathlib import Path

import httpx
from _common import CountingTransport, NoLimits, figure, heading, write_figures

from hub.core.manager import Hub, get_plugin_manager
from hub.engine import Runtime, run_flow
from hub.flows.back_office import ASKED_AGAIN
from hub.sandbox import Sandbox

FIGURE = "back_office: requests per ticket / the minimum (list, action, note, state)"
GOAL = 1.0
PAGE = 150
"""Tickets per search page (the Intercom plugin's page size)."""
ID_SEGMENT = re.compile(r"/[^/]*\d[^/]*")
DUPLICATE_NOTE = "action: duplicate's note"
"""A duplicate's note on the first ticket: the duplicate's action."""


def kind(platform: str, request: httpx.Request) -> str:
    """What a counted request is for: a part of the minimum, a ticket read, or a check."""
    method, path = request.method, request.url.path
    if platform == "intercom":
        if path == "/tickets/search":
            return "list"
        if re.fullmatch(r"/tickets/[^/]+/reply", path):
            return DUPLICATE_NOTE if ASKED_AGAIN.encode() in request.content else "note"
        if method == "PUT" and re.fullmatch(r"/tickets/[^/]+", path):
            return "state"
        if re.fullmatch(r"/tickets/[^/]+/linked_conversations", path):
            return "action"
        if method == "GET" and re.fullmatch(r"/tickets/[^/]+", path):
            return "ticket read"
        if path.startswith("/contacts/"):
            return "ownership: contact"
        return f"other: intercom {method} {ID_SEGMENT.sub('/{id}', path)}"
    if platform == "shopify":
        writes = b"mutation" in request.content[:200]
    else:
        reads = ("query", "find", "view", "refundable")
        writes = method != "GET" and not any(word in path for word in reads)
    return "action" if writes else "ownership/balance: order"


async def one_run(per_brand: int, database: Path) -> tuple[Counter[str], dict[str, int]]:
    pm = get_plugin_manager()
    sandbox = Sandbox(pm, per_brand=per_brand)
    sandbox.build()
    counters = {name: CountingTransport(t) for name, t in sandbox.transports().items()}
    config = sandbox.config(database_url=f"sqlite:///{database}")
    runtime = Runtime.from_config(pm, config, transports=dict(counters))
    hub = Hub(pm, config, transports=dict(counters), limiters=NoLimits())
    await hub.start()
    try:
        report = await run_flow(runtime, "back_office", hub=hub)
    finally:
        await hub.stop()
        runtime.store.dispose()
    assert report.status == "ok", report.error
    made = Counter(kind(name, request) for name, counter in counters.items() for request in counter.requests)
    return made, report.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller sandbox")
    parser.add_argument("--per-brand", type=int, default=None, help="customers per brand (default 40)")
    parser.add_argument("--json", type=Path, help="write the figure for bench/run_all.py")
    args = parser.parse_args()
    per_brand = args.per_brand or (10 if args.quick else 40)

    heading(f"back_office: one run on the sandbox (per_brand={per_brand}), requests counted")
    with tempfile.TemporaryDirectory() as tmp:
        by_kind, counts = asyncio.run(one_run(per_brand, Path(tmp) / "hub.db"))
    tickets = counts.get("tickets", 0)
    duplicates = counts.get("duplicate_tickets", 0)
    refused = counts.get("waiting", 0)
    # The store writes the tickets asked for: each once, as the ledger's tests check, so what
    # was made is the minimum (a quality record or a saved subscription asks for none, a ticket
    # sent to waiting for a missing field asks for none). Each duplicate asks for one note on
    # its first ticket.
    list_floor = max(1, math.ceil(tickets / PAGE))
    minimum = {
        "list": list_floor,
        "action": by_kind["action"],
        DUPLICATE_NOTE: duplicates,
        "note": tickets,
        "state": tickets,
    }
    counted = ("list", "ticket read", "note", "state", "action", DUPLICATE_NOTE)
    made_total = sum(by_kind[k] for k in counted)
    floor_total = sum(minimum.values())
    ratio = made_total / floor_total if floor_total else float("nan")

    print(f"tickets handled: {tickets} ({duplicates} duplicates, {refused} sent to waiting)")
    print(f"{'request':<34}{'made':>7}{'minimum':>9}")
    for name in counted:
        print(f"{name:<34}{by_kind[name]:>7}{minimum.get(name, 0):>9}")
    print(f"{'ticket requests':<34}{made_total:>7}{floor_total:>9}")
    for name, n in sorted(by_kind.items()):
        if name not in counted:
            print(f"{name:<34}{n:>7}{'':>9}  (not in the minimum)")
    per_ticket = made_total / tickets if tickets else float("nan")
    floor_per_ticket = floor_total / tickets if tickets else float("nan")
    verdict = "PASS" if ratio <= GOAL else "MISS"
    print(
        f"\n{FIGURE}: {per_ticket:.2f} / {floor_per_ticket:.2f} = {ratio:.3f} (goal <= {GOAL:g}: {verdict})"
    )
    print(f"ticket list searches per run: {by_kind['list']} (goal: 1 whatever the number of stores)")
    print(
        f"ticket reads (GET /tickets/{{id}}): {by_kind['ticket read']} "
        "(marker checks the ticket list did not answer)"
    )
    write_figures(args.json, [figure(FIGURE, round(ratio, 3), GOAL, at_least=False)])


if __name__ == "__main__":
    main()
