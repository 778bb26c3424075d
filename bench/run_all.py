"""Every figure of issue 18 with its goal and PASS/MISS, in one command.

Runs each bench as its own process with ``--json FILE`` (and ``--quick`` when asked) and prints
what it reported. A bench speaks the contract when its source declares ``--json`` and, given
it, writes ``{"figures": [{"name", "value", "goal", "at_least", "unit"}, ...]}``
(``_common.figure``). A figure whose bench is missing, does not speak the contract yet, failed
or ran out of time is printed as MISS with the reason: nothing is left out of the table.

    python bench/run_all.py [--quick] [--only read_path,memory]

``--quick`` runs the smaller sizes (every figure in under three minutes on the 2-core machine);
without it, the sizes the figures in ``bench/README.md`` were measured at.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BUDGET = 180.0
"""Seconds ``--quick`` has for everything (the issue's goal)."""


@dataclass(frozen=True)
class Bench:
    script: str
    expected: list[tuple[str, float, bool, str]]
    """The figures it owes: (name, goal, at_least, unit), printed as MISS when it reports none."""
    timeout: float = 600.0
    quick_timeout: float = 90.0
    args: list[str] = field(default_factory=list)


BENCHES = [
    Bench(
        "read_path.py",
        [
            ("read path: speed of the read, CPU (bare / hub, cold process)", 0.8, True, ""),
            ("read path: speed of the read, wall (bare / hub, cold process)", 0.8, True, ""),
            ("read path: whole process with start-up, CPU (bare / hub)", 0.8, True, ""),
            ("read path: whole process with start-up, wall (bare / hub)", 0.8, True, ""),
        ],
        quick_timeout=60,
    ),
    Bench(
        "memory.py",
        [
            (f"memory, {path}: peak RSS at 10x the records / at 1x", 1.3, False, "")
            for path in ("contacts", "conversations", "tickets", "calls", "orders")
        ],
        quick_timeout=110,
    ),
    Bench(
        "incremental.py",
        [
            ("incremental, cs_assist: requests / true minimum", 1.1, False, ""),
            ("incremental, cs_assist unchanged: requests / one cursor query", 1.1, False, ""),
            ("incremental, call_log: requests / true minimum", 1.1, False, ""),
            ("incremental, call_log unchanged: requests / one cursor query", 1.1, False, ""),
        ],
        quick_timeout=40,
    ),
    Bench(
        "back_office.py",
        [("back_office: requests per ticket / the minimum (list, action, note, state)", 1.0, False, "")],
        quick_timeout=40,
    ),
    Bench(
        "webhook_load.py",
        [
            ("webhooks: acks/s, 50 concurrent senders (closed loop)", 1500, True, "acks/s"),
            ("webhooks: p99 ack at 500 deliveries/s for 30 s (open loop)", 50, False, "ms"),
        ],
        quick_timeout=60,
    ),
    Bench("demo.py", [("hub demo wall time", 8, False, "s")], quick_timeout=40),
]


def speaks_the_contract(script: Path) -> bool:
    return script.exists() and '"--json"' in script.read_text(encoding="utf-8")


def run_bench(bench: Bench, quick: bool) -> tuple[list[dict[str, Any]], str | None, float]:
    """(figures reported, why there are none, seconds taken)."""
    script = HERE / bench.script
    if not script.exists():
        return [], f"not measured yet: bench/{bench.script} does not exist", 0.0
    if not speaks_the_contract(script):
        return [], f"not measured yet: bench/{bench.script} does not write --json figures", 0.0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        command = [
            sys.executable,
            str(script),
            *(["--quick"] if quick else []),
            "--json",
            str(out),
            *bench.args,
        ]
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=bench.quick_timeout if quick else bench.timeout,
            )
        except subprocess.TimeoutExpired:
            return [], f"ran out of time (bench/{bench.script})", time.perf_counter() - started
        took = time.perf_counter() - started
        if done.returncode or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return [], f"failed (bench/{bench.script}: {tail[0][:120]})", took
        return json.loads(out.read_text())["figures"], None, took


def verdict(value: float | None, goal: float, at_least: bool) -> str:
    if value is None:
        return "MISS"
    return "PASS" if (value >= goal if at_least else value <= goal) else "MISS"


def line(name: str, value: float | None, goal: float, at_least: bool, unit: str, note: str = "") -> str:
    sign = ">=" if at_least else "<="
    shown = "-" if value is None else f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    unit = f" {unit}" if unit else ""
    return (
        f"  {verdict(value, goal, at_least):<4}  {shown:>9}{unit:<7} goal {sign} {goal:g}{unit}  {name}{note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, all under three minutes")
    parser.add_argument("--only", help="comma-separated bench names (read_path, memory, ...)")
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    started = time.perf_counter()
    rows: list[str] = []
    for bench in BENCHES:
        if wanted is not None and bench.script.removesuffix(".py") not in wanted:
            continue
        print(f"running bench/{bench.script} ...", flush=True)
        figures, problem, took = run_bench(bench, args.quick)
        reported = {f["name"]: f for f in figures}
        for name, goal, at_least, unit in bench.expected:
            figure = reported.pop(name, None)
            if figure is None:
                rows.append(line(name, None, goal, at_least, unit, f"  [{problem or 'not reported'}]"))
            else:
                rows.append(
                    line(name, figure["value"], figure["goal"], figure["at_least"], figure.get("unit", ""))
                )
        for figure in reported.values():  # a figure a bench added beyond the ones expected
            rows.append(
                line(
                    figure["name"],
                    figure["value"],
                    figure["goal"],
                    figure["at_least"],
                    figure.get("unit", ""),
                )
            )
        if took:
            rows.append(f"        ({bench.script}: {took:.0f} s)")
    elapsed = time.perf_counter() - started
    print("\nIssue 18 figures" + (" (--quick sizes)" if args.quick else ""))
    print("\n".join(rows))
    passed = sum(row.startswith("  PASS") for row in rows)
    counted = sum(row.startswith(("  PASS", "  MISS")) for row in rows)
    budget = f" (budget {BUDGET:.0f} s: {'met' if elapsed <= BUDGET else 'MISSED'})" if args.quick else ""
    print(f"\n{passed} of {counted} figures PASS; all benches took {elapsed:.0f} s{budget}")


if __name__ == "__main__":
    main()
