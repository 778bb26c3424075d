"""``hub demo`` wall time: the whole command as a user runs it, in a fresh directory each time.

Each run is a new process (``python -m hub demo``: imports, seeding the sandbox, both passes,
the tables) in an empty temporary directory, so every run starts from a new database. One
untimed run first writes the bytecode caches (as ``pip install .`` does at install). The
figure is the median wall time (goal <= 8 s); user+system CPU is printed beside it, because on
a shared machine the wall time also counts other processes' turns on the cores. Each run's
output is checked: two passes, every flow ok, and pass 2 finding nothing new.

``--checkout DIR`` also times another checkout's ``hub`` (e.g. a worktree of main), alternating
run by run with this one, for a before/after in one command.

    .venv/bin/python bench/demo.py [--quick] [--runs 3] [--checkout DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, child_env, figure, heading, write_figures

FIGURE = "hub demo wall time"
GOAL = 8.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_demo(checkout: Path) -> tuple[float, float, str]:
    """(wall s, CPU s, what is wrong with the output or "") of one ``hub demo`` of ``checkout``."""
    env = child_env(PYTHONPATH=str(checkout), COLUMNS="100")  # with bytecode caches, as installed
    with tempfile.TemporaryDirectory() as tmp:
        cpu, started = children_cpu(), time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "hub", "demo"], cwd=tmp, env=env, capture_output=True, text=True
        )
        wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    out = done.stdout
    problems = []
    if done.returncode:
        problems.append(f"exit {done.returncode}: {(done.stderr or out).strip().splitlines()[-1:]}")
    if "Pass 1" not in out or "Pass 2" not in out:
        problems.append("not two passes")
    if "nothing new" not in out:
        problems.append("pass 2 did something new")
    if " failed " in out:
        problems.append("a flow failed")
    return wall, cpu, "; ".join(problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run")
    parser.add_argument("--runs", type=int, default=None, help="runs of each checkout (default 3)")
    parser.add_argument("--checkout", type=Path, help="also time this checkout's hub, alternately")
    parser.add_argument("--json", type=Path, help="write the figure for bench/run_all.py")
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    checkouts = {"this checkout": ROOT}
    if args.checkout:
        checkouts[str(args.checkout)] = args.checkout.resolve()

    heading(f"hub demo, {runs} run(s) each, whole process, fresh directory")
    for path in checkouts.values():
        one_demo(path)  # untimed: writes the bytecode caches, as installing the package does
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    wrong = False
    for number in range(runs):
        for name, path in checkouts.items():
            wall, cpu, problem = one_demo(path)
            times[name].append((wall, cpu))
            print(f"  run {number + 1} {name}: wall {wall:.2f} s, CPU {cpu:.2f} s {problem}", flush=True)
            wrong = wrong or bool(problem)
    for name, measured in times.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        verdict = "PASS" if wall <= GOAL else "MISS"
        print(f"{name}: median wall {wall:.2f} s (goal <= {GOAL:g} s: {verdict}), median CPU {cpu:.2f} s")
    ours = statistics.median(w for w, _ in times["this checkout"])
    write_figures(
        args.json, [figure(FIGURE, None if wrong else round(ours, 2), GOAL, at_least=False, unit="s")]
    )
    if wrong:
        raise SystemExit("the demo's output was not as expected")


if __name__ == "__main__":
    main()
