"""Exactly-once actions: record the intent, act, record the outcome.

``perform`` is the one way anything writes to a platform. The entry says who holds it: a live
holder renews its claim while the platform call lasts, so a second request for the same action
waits for it (or hears "in progress") instead of sending it again; an entry whose holder died
(a crash) is recovered: the platform is asked (``recover``) whether the action happened before
it is done again. Under a ``Fence`` every ledger write commits only while the run's fencing
token is current, and the fence is checked right before the platform call, so a run that
stalled past its lease stops without acting or recording over a newer run's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hub.core.crashpoints import crash_point
from hub.core.errors import FatalError, MappingError
from hub.core.http import before_send
from hub.core.store import DEFAULT_HOLD, Fence, LedgerEntry, Status, Store

log = logging.getLogger("hub.ledger")

Outcome = dict[str, Any]
Lookup = Callable[[], Awaitable[Outcome | None]]

PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
"""This process, as ledger holders and lease owners name it."""
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome | None = None
    error: str | None = None
    duplicate: bool = False
    """The ledger already held the outcome: nothing was sent this time."""
    recovered: bool = False
    """An earlier run did it (found on the platform) but crashed before recording it."""
    in_progress: bool = False
    """Another live holder is doing it right now and did not finish within the wait."""

    @property
    def ok(self) -> bool:
        return self.error is None


def new_holder(label: str = "") -> str:
    """A holder id for one run or one request: unique even inside one process."""
    return f"{PROCESS}:{label}:{uuid.uuid4().hex[:6]}" if label else f"{PROCESS}:{uuid.uuid4().hex[:6]}"


async def perform(
    store: Store,
    key: str,
    *,
    flow: str,
    platform: str,
    action: str,
    intent: dict[str, Any],
    do: Callable[[], Awaitable[Outcome]],
    recover: Lookup | None = None,
    find_existing: Lookup | None = None,
    fence: Fence | None = None,
    holder: str | None = None,
    wait: float | None = None,
    hold: timedelta = DEFAULT_HOLD,
) -> ActionResult:
    """Do ``action`` once for ``key`` whatever crashes, re-runs or concurrent requests happen.

    ``recover`` looks the action up on the platform after an interrupted attempt;
    ``find_existing`` (a marker the hub writes into its notes) is asked even before a first
    attempt, so a new or restored state database never repeats what the platform shows done.
    An entry in flight elsewhere is waited on for up to ``wait`` seconds (default: one hold).
    A ``FatalError`` from the platform is recorded as the outcome (the same request would be
    refused again); a retriable error leaves the entry pending for the next run to recover.
    Raises ``FencedOut`` when ``fence`` is no longer current.
    """
    holder = holder or new_holder(flow)
    crash_point(f"ledger.before_begin.{action}")
    entry = await _claim(store, key, flow, platform, action, intent, holder, hold, fence, wait)
    if entry is None:
        return ActionResult(error=f"{action} is in progress elsewhere; try again shortly", in_progress=True)
    crash_point(f"ledger.after_begin.{action}")
    if entry.status is Status.DONE:
        return ActionResult(outcome=entry.outcome, duplicate=True)
    if entry.status is Status.FAILED:
        return ActionResult(error=entry.error, duplicate=True)
    try:
        return await _act(
            store, key, platform, action, entry, do, recover, find_existing, fence, holder, hold
        )
    except BaseException:
        # The call failed, or its outcome is unknown: nobody is at work on it any more, so the
        # next run recovers it (asks the platform) at once instead of waiting out the hold.
        with contextlib.suppress(Exception):
            store.ledger_release(holder, key)
        raise


async def _act(
    store: Store,
    key: str,
    platform: str,
    action: str,
    entry: LedgerEntry,
    do: Callable[[], Awaitable[Outcome]],
    recover: Lookup | None,
    find_existing: Lookup | None,
    fence: Fence | None,
    holder: str,
    hold: timedelta,
) -> ActionResult:
    """Look the action up on the platform when that is due, then do it and record the outcome."""
    lookup = find_existing if entry.fresh else (recover or find_existing)
    if lookup is not None:
        found = await lookup()
        if found is not None:
            log.info("ledger %s: found done on %s (an interrupted run or another hub did it)", key, platform)
            store.ledger_done(key, found, holder=holder, fence=fence)
            return ActionResult(outcome=found, recovered=True)
    store.check_fence(fence)
    # ...and again right before each request the action sends, after any wait inside it.
    guard = before_send.set(functools.partial(store.check_fence, fence) if fence else None)
    try:
        async with _holding(store, key, holder, hold):
            outcome = await do()
    except (FatalError, MappingError) as exc:
        store.ledger_failed(key, str(exc), holder=holder, fence=fence)
        return ActionResult(error=str(exc))
    finally:
        before_send.reset(guard)
    crash_point(f"ledger.after_do.{action}")  # done on the platform, not yet in the ledger
    store.ledger_done(key, outcome, holder=holder, fence=fence)
    crash_point(f"ledger.after_done.{action}")
    return ActionResult(outcome=outcome)


async def _claim(
    store: Store,
    key: str,
    flow: str,
    platform: str,
    action: str,
    intent: dict[str, Any],
    holder: str,
    hold: timedelta,
    fence: Fence | None,
    wait: float | None,
) -> LedgerEntry | None:
    """The entry, once no other live holder has it; None if it is still held after ``wait``."""
    deadline = time.monotonic() + (hold.total_seconds() if wait is None else wait)
    while True:
        entry = store.ledger_begin(
            key,
            flow=flow,
            platform=platform,
            action=action,
            intent=intent,
            holder=holder,
            hold=hold,
            fence=fence,
        )
        if not entry.in_flight:
            return entry
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(POLL_SECONDS)


@contextlib.asynccontextmanager
async def _holding(store: Store, key: str, holder: str, hold: timedelta) -> AsyncIterator[None]:
    """Renew the claim on ``key`` while the platform call lasts (a slow platform is not a crash)."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(hold.total_seconds() / 3)
            await asyncio.to_thread(store.ledger_hold, key, holder, hold)

    renewer = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await renewer
