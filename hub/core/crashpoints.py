"""Named crash points for the crash-safety tests: a no-op unless the environment asks.

The reliability tests kill a hub process at chosen moments (after the ledger recorded an
intent, after the platform answered a write, before a cursor is saved...) and check that the
next run leaves every platform as one uninterrupted run would. A site is one call to
``crash_point("name")`` in the code; the environment picks where to die:

``HUB_CRASH_AT="ledger.after_do.refund:2"``
    SIGKILL this process at the 2nd time that site is reached (no clean-up, no flush: the
    same as a power cut or an OOM kill).
``HUB_CRASH_AT="*:40"``
    SIGKILL at the 40th crash point reached, whatever its name.
``HUB_CRASH_LOG=path``
    Append every site reached, one per line, so a test can list the points a run passes.
``HUB_CRASH_SIGNAL=SIGSTOP``
    Stop there instead of dying (a process paused, swapped out or partitioned): the fencing
    tests let its lease run out, finish a newer run, then send SIGCONT.

With neither variable set, ``crash_point`` returns at once; nothing is counted.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_AT = "HUB_CRASH_AT"
CRASH_LOG = "HUB_CRASH_LOG"
CRASH_SIGNAL = "HUB_CRASH_SIGNAL"

_hits: Counter[str] = Counter()
_owner_pid = 0


def crash_point(site: str) -> None:
    """Die here if ``HUB_CRASH_AT`` names this site and hit; log the hit for ``HUB_CRASH_LOG``."""
    target = os.environ.get(CRASH_AT)
    log_path = os.environ.get(CRASH_LOG)
    if not target and not log_path:
        return
    counts = {site: _count(site), "*": _count("*")}
    if log_path:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(site + "\n")
    if target:
        wanted, nth = parse_target(target)
        if counts.get(wanted) == nth:
            how = os.environ.get(CRASH_SIGNAL, "SIGKILL")
            os.kill(os.getpid(), signal.SIGSTOP if how == "SIGSTOP" else signal.SIGKILL)


def parse_target(target: str) -> tuple[str, int]:
    """``"site:n"`` -> ``("site", n)`` (``n`` defaults to 1)."""
    site, _, nth = target.rpartition(":")
    if not site or not nth.isdigit():
        return target, 1
    return site, int(nth)


def _count(site: str) -> int:
    """Hits of ``site`` in this process (a forked child starts again from zero)."""
    global _owner_pid
    if _owner_pid != os.getpid():
        _hits.clear()
        _owner_pid = os.getpid()
    _hits[site] += 1
    return _hits[site]
