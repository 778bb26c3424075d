"""Exactly-once actions: record the intent, act, record the outcome.

``perform`` is the one way a flow writes to a platform. A crash between the intent and the
outcome leaves the entry pending; the next run asks the platform (``recover``) whether the
action happened before doing it again, so nothing is paid, noted or filed twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hub.core.crashpoints import crash_point
from hub.core.errors import FatalError, MappingError
from hub.core.store import Status, Store

log = logging.getLogger("hub.ledger")

Outcome = dict[str, Any]


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome | None = None
    error: str | None = None
    duplicate: bool = False
    """The ledger already held the outcome: nothing was sent this time."""
    recovered: bool = False
    """An earlier run did it (found on the platform) but crashed before recording it."""

    @property
    def ok(self) -> bool:
        return self.error is None


async def perform(
    store: Store,
    key: str,
    *,
    flow: str,
    platform: str,
    action: str,
    intent: dict[str, Any],
    do: Callable[[], Awaitable[Outcome]],
    recover: Callable[[], Awaitable[Outcome | None]] | None = None,
) -> ActionResult:
    """Do ``action`` once for ``key`` whatever crashes or re-runs happen around it.

    A ``FatalError`` from the platform is recorded as the outcome (the same request would be
    refused again); a retriable error leaves the entry pending for the next run to recover.
    """
    crash_point(f"ledger.before_begin.{action}")
    entry = store.ledger_begin(key, flow=flow, platform=platform, action=action, intent=intent)
    crash_point(f"ledger.after_begin.{action}")
    if entry.status is Status.DONE:
        return ActionResult(outcome=entry.outcome, duplicate=True)
    if entry.status is Status.FAILED:
        return ActionResult(error=entry.error, duplicate=True)
    if not entry.fresh and recover is not None:
        found = await recover()
        if found is not None:
            log.info("ledger %s: found done on %s after an interrupted run", key, platform)
            store.ledger_done(key, found)
            return ActionResult(outcome=found, recovered=True)
    try:
        outcome = await do()
    except (FatalError, MappingError) as exc:
        store.ledger_failed(key, str(exc))
        return ActionResult(error=str(exc))
    crash_point(f"ledger.after_do.{action}")  # done on the platform, not yet in the ledger
    store.ledger_done(key, outcome)
    crash_point(f"ledger.after_done.{action}")
    return ActionResult(outcome=outcome)
