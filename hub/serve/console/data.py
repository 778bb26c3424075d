"""What the console's pages show, read from the server's state (no HTML here).

Every function takes the ``ServerState`` of ``hub serve`` and returns plain values for the
templates; store reads run in worker threads (the event loop keeps serving webhooks meanwhile).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from hub.core.lookup import email_key, order_number_key, phone_key
from hub.engine import Unit, flow_counts_line, trigger_for, units
from hub.serve.app import ServerState, health_checks
from hub.store import LedgerEntry, RunRecord

log = logging.getLogger("hub.serve.console")

LEDGER_FIELDS: dict[str, tuple[str, ...]] = {
    "order": ("order",),
    "ticket": ("ticket", "ticket_number"),
    "conversation": ("conversation", "conversations"),
    "customer": ("contact", "customer", "email", "phone"),
}
"""The intent and outcome keys each search field of the ledger page looks in (flows' intents:
``hub/flows/*.py``, the ``intent=`` of each ``ctx.perform``)."""


@dataclass(frozen=True)
class UnitView:
    """One unit of work on the overview."""

    unit: Unit
    schedule: str
    last: RunRecord | None
    next_run: str
    running: bool
    queued: int | None
    failed_jobs: int | None


@dataclass(frozen=True)
class Overview:
    units: list[UnitView]
    health: dict[str, str]
    queue: dict[str, Any] | None
    """None on an embedded (SQLite) hub; else ``workers`` and ``error`` (when unreachable)."""
    dead_letters: int


async def overview(state: ServerState) -> Overview:
    """Units with their last and next run, health of every part, the queue on PostgreSQL."""
    runtime = state.runtime
    health = await health_checks(state)
    queue = await _queue(state)
    last, held, letters = await run_in_threadpool(
        lambda: (
            runtime.store.runs.latest(),
            {name for name, _, _ in runtime.store.leases.held()},
            len(runtime.store.dead_letters.entries()),
        )
    )
    now = datetime.now(UTC)
    views = []
    for unit in units(runtime):
        jobs = (queue or {}).get("units", {}).get(unit.lease, {})
        views.append(
            UnitView(
                unit=unit,
                schedule=_schedule(state, unit),
                last=last.get((unit.flow, unit.scope)),
                next_run=_next_run(state, unit, last.get((unit.flow, unit.scope)), now),
                running=unit.lease in held,
                queued=jobs.get("todo", 0) if queue is not None else None,
                failed_jobs=jobs.get("failed", 0) if queue is not None else None,
            )
        )
    if queue is not None:
        health["queue"] = queue.get("error") or "ok"
    return Overview(views, health, queue, letters)


async def _queue(state: ServerState) -> dict[str, Any] | None:
    """The procrastinate queue's jobs per unit and its workers; None on SQLite."""
    if not state.runtime.config.hub.database_url.startswith("postgresql"):
        return None
    from hub.engine.queue import queue_status

    try:
        return await run_in_threadpool(queue_status, state.runtime)
    except Exception as exc:  # the overview still shows the rest; the queue's line says why
        log.warning("console: queue status unavailable: %s", exc)
        return {"units": {}, "workers": [], "error": f"unreachable: {type(exc).__name__}"}


def _schedule(state: ServerState, unit: Unit) -> str:
    settings = state.runtime.config.flow(unit.flow)
    if settings.cron:
        return f"cron {settings.cron}"
    return f"every {settings.every}" if settings.every else "on demand"


def _next_run(state: ServerState, unit: Unit, last: RunRecord | None, now: datetime) -> str:
    """When the unit runs next: the scheduler's own answer when it runs in this process, else
    its schedule after the last run (``due now`` when that is past, as a scheduler would)."""
    job = state.scheduler.scheduler.get_job(str(unit)) if state.scheduler is not None else None
    if job is not None and job.next_run_time is not None:
        return _when(job.next_run_time)
    trigger = trigger_for(state.runtime.config.flow(unit.flow))
    if trigger is None:
        return "on demand"
    if last is None:
        return "due now"
    fire = trigger.get_next_fire_time(None, last.started_at)
    if fire is None:
        return "never"
    return "due now" if fire <= now else _when(fire)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class RunView:
    run: RunRecord
    seconds: str
    counts: str


async def runs(state: ServerState, flow: str | None, limit: int) -> list[RunView]:
    """The newest ``limit`` runs (of one flow), with their duration and counts in one line."""
    records = await run_in_threadpool(state.runtime.store.runs.recent, limit, flow or None)
    return [
        RunView(
            run=r,
            seconds=f"{(r.ended_at - r.started_at).total_seconds():.1f}" if r.ended_at else "-",
            counts=flow_counts_line(r.counts),
        )
        for r in records
    ]


async def ledger(state: ServerState, field: str, text: str, limit: int = 200) -> list[LedgerEntry]:
    """Ledger entries, newest first: those naming ``text`` as the ``field`` (an order, ticket,
    conversation or customer) of their intent or outcome, or anywhere when ``field`` is
    ``any``; the newest ``limit`` when ``text`` is blank."""
    text = text.strip()
    coarse = text.removeprefix("#").strip() if field in ("order", "ticket") else text
    found = await run_in_threadpool(lambda: state.runtime.store.ledger.search(coarse, limit=limit))
    if not text or field not in LEDGER_FIELDS:
        return found
    return [entry for entry in found if _names(entry, field, text)]


def _names(entry: LedgerEntry, field: str, text: str) -> bool:
    wanted = _key(field, text)
    for source in (entry.intent, entry.outcome or {}):
        for name in LEDGER_FIELDS[field]:
            value = source.get(name)
            values = value if isinstance(value, list) else [value]
            if any(item is not None and _key(field, str(item)) == wanted for item in values):
                return True
    return False


def _key(field: str, value: str) -> str | None:
    """How a value of ``field`` is compared: order and ticket numbers without a leading ``#``,
    emails case folded, phones in E.164, anything else case folded."""
    if field in ("order", "ticket"):
        return order_number_key(value)
    if "@" in value:
        return email_key(value)
    return phone_key(value) if value.lstrip().startswith("+") else value.strip().casefold()


def pretty(value: Any) -> str:
    """A JSON value for people (indented; the template escapes and redacts it)."""
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def check_lookup(email: str, phone: str) -> tuple[str | None, str | None, str | None]:
    """The normalised email and phone of the look-up form, and the one-line error if neither
    is usable (``(email, phone, error)``)."""
    email, phone = email.strip(), phone.strip()
    if not email and not phone:
        return None, None, "Give an email or a phone number."
    if email and ("@" not in email or "." not in email.rpartition("@")[2] or " " in email):
        return None, None, f"{email!r} is not an email address (name@example.com)."
    if phone and phone_key(phone) is None:
        return None, None, f"{phone!r} is not a phone number (+1 512 555 0101, or 10 digits in the US)."
    return email or None, phone_key(phone) if phone else None, None
