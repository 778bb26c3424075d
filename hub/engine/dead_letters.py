"""Retrying a dead letter: hand the parked record back to the flow that parked it.

One function for every caller (the web console; ``hub dead-letters retry`` can share it), so a
retry means the same thing everywhere: the letter is dropped when its flow handles it this
time, and kept with the *new* reason when it fails again (the reason of this attempt, not the
one it was parked with).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from hub.core.errors import ConfigError
from hub.core.manager import Hub
from hub.core.redact import redact
from hub.engine.runtime import Runtime
from hub.flows.base import RunContext
from hub.store import DeadLetter

log = logging.getLogger("hub.dead_letters")


@dataclass(frozen=True)
class Retried:
    """What one retry did: ``done`` (went through, the letter dropped) or the reason it failed."""

    letter: DeadLetter
    done: bool
    reason: str | None = None
    """Why it failed this time (None when done)."""

    @property
    def message(self) -> str:
        """One line for people: ``"7 went through and was dropped"`` / ``"7 failed again: ..."``."""
        if self.done:
            return f"{self.letter.id} went through and was dropped"
        return f"{self.letter.id} failed again: {self.reason}"


@dataclass
class _RetryContext(RunContext):
    """A run context that remembers why the flow parked something during the retry."""

    parked: list[str] = field(default_factory=list)

    def dead_letter(self, record: str, payload: Any, reason: str) -> None:
        self.parked.append(reason)
        super().dead_letter(record, payload, reason)


def find_letter(runtime: Runtime, letter_id: int) -> DeadLetter | None:
    """The dead letter with this id, or None."""
    return next((d for d in runtime.store.dead_letters.entries() if d.id == letter_id), None)


async def retry_dead_letter(runtime: Runtime, hub: Hub, letter: DeadLetter) -> Retried:
    """Hand ``letter`` back to its flow (``Flow.retry_dead_letter``) with the started ``hub``.

    Never raises for what the retry meets: an unknown flow, a platform refusal or a bug in the
    flow's retry all come back as ``Retried(done=False, reason=...)``, the letter kept with that
    reason (its ``retries`` counted up).
    """
    store = runtime.store
    try:
        flow = runtime.flow(letter.flow)
    except ConfigError as exc:
        return _failed(
            runtime, letter, f"{letter.flow} is not a flow that retries its records ({exc.reason})"
        )
    ctx = _RetryContext(hub=hub, store=store, config=runtime.config, flow=letter.flow)
    try:
        went_through = await flow.retry_dead_letter(ctx, letter.payload)
    except Exception as exc:  # whatever the record or platform makes the flow raise: keep the letter
        log.warning("dead letter %s: retry failed", letter.id, exc_info=True)
        return _failed(runtime, letter, redact(f"{type(exc).__name__}: {exc}"))
    if went_through:
        store.dead_letters.drop(letter.id)
        return Retried(letter, done=True)
    if ctx.parked:  # the flow parked it again (the same record's letter now holds that reason)
        return Retried(letter, done=False, reason=ctx.parked[-1])
    return _failed(runtime, letter, letter.reason)


def _failed(runtime: Runtime, letter: DeadLetter, reason: str) -> Retried:
    """Keep the letter with ``reason``, one more retry counted."""
    runtime.store.dead_letters.add(letter.flow, letter.record, letter.payload, reason)
    return Retried(letter, done=False, reason=redact(reason))
