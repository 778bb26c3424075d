"""What a flow is and what it gets to work with.

A flow reads with a cursor, acts through hooks, writes every action through the ledger
(``ctx.perform``), advances its cursor only after a page's actions are recorded, and parks
what it cannot handle in the dead-letter table. Flows speak domain models and hooks only.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from hub.core import metrics
from hub.core.config import HubConfig
from hub.core.crashpoints import crash_point
from hub.core.errors import MappingError
from hub.core.facade import lookback_of
from hub.core.hookspecs import Pages
from hub.core.manager import Hub
from hub.core.mapping import split_unreadable
from hub.core.models import Note, Ref
from hub.core.setup import HelpdeskNeeds
from hub.store import (
    DEFAULT_HOLD,
    ActionResult,
    Cursor,
    Fence,
    Lookup,
    Outcome,
    Status,
    Store,
    id_order,
    new_holder,
)

log = logging.getLogger("hub.flows")
T = TypeVar("T")

Progress = Callable[[int, int | None], None]
Parked = tuple[str, Any]
"""Where a refused write parks its record: ``(dead-letter record name, payload for the retry)``."""
REFUSALS_PARKED = "refusals_parked"
"""The count of writes a platform refused whose records were parked: the run ends ``partial``."""


class FlowOptions(BaseModel):
    """Base of a flow's options (the ``[flows.<name>]`` keys besides enabled/every/cron).

    Each option's docstring is its description (``hub config example`` prints it).
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


@dataclass
class RunContext:
    hub: Hub
    store: Store
    config: HubConfig
    flow: str
    dry_run: bool = False
    scope: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    progress: Progress | None = None
    planned: list[str] = field(default_factory=list)
    """What a dry run would have done, one line per action."""
    report: list[str] = field(default_factory=list)
    """Lines for people to read after the run (unknown callers, quality counts...)."""
    fence: Fence | None = None
    """The run's lease and fencing token: its writes commit only while it is current."""
    holder: str = field(default_factory=new_holder)
    """Who this run is, as the ledger entries it holds name it."""
    hold: timedelta = DEFAULT_HOLD
    """How long a claim on a ledger entry lasts unrenewed (a dead holder's is free after it)."""
    memo: dict[str, Any] = field(default_factory=dict)
    """What a flow keeps for this run only, under a key of its own: it goes with the context,
    so no later run sees it (what a run read may be stale by then)."""

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def advance(self, done: int, total: int | None = None) -> None:
        if self.progress:
            self.progress(done, total)

    # ---- state

    def cursor(self) -> Cursor | None:
        return self.store.cursors.get(self.flow, self.scope)

    def save_cursor(self, cursor: Cursor) -> None:
        crash_point("cursor.before_save")
        if not self.dry_run:
            self.store.cursors.save(self.flow, cursor, self.scope, fence=self.fence)
        crash_point("cursor.after_save")

    async def new_records(
        self,
        pages: Callable[..., Pages],
        stamp: Callable[[Any], datetime],
        *,
        lookback: timedelta | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[list[Any]]:
        """Pages of records after the cursor; the cursor moves past a page once it is handled.

        ``pages`` is a ``list_*`` method of the facade (``ctx.hub.helpdesk.list_tickets``),
        called with ``since`` (the cursor's position, less the lookback) and ``kwargs``.

        The lookback (by default the platform's ``lookback_minutes``: ``facade.lookback_of``)
        re-reads an overlap before the cursor, for platforms whose lists can show a record after
        a later one was read (a search index lagging behind writes). The cursor remembers the
        records it handled inside that overlap (``Cursor.recent``), so only a late one (not
        handled at its stamp) comes out of the overlap; the ledger and the flows' change checks
        keep even a record yielded twice from being acted on twice.

        The cursor is saved when the caller asks for the next page (or ends the loop), so a
        crash inside a page replays that page, never skips it: the ledger makes the replay
        harmless. A record the plugin could not map (a ``MappingError`` entry) is parked in the
        dead-letter table before anything else happens to its page; only then may the cursor
        move past its place (``MappingError.at``), so a crash in between parks it again (the
        same dead letter, ``retries`` + 1) rather than losing it, and a parked record is not
        read again for ever. An entry whose place is unreadable never moves the cursor.
        """
        overlap = lookback_of(pages) if lookback is None else lookback
        cursor = self.cursor()
        since = cursor.position - overlap if cursor else None
        async for page in pages(since=since, **kwargs):
            self.store.leases.check(self.fence)  # a stale run stops here, before acting on the page
            records, unreadable = split_unreadable(page)
            parked = self._park_unreadable(unreadable, cursor, overlap)
            fresh = [r for r in records if cursor is None or cursor.is_new(stamp(r), r.id, overlap)]
            if records:
                self.count("read", len(fresh))
                yield fresh
            # Handled: the page's new records (yielded above) and its unreadable ones (parked).
            places = [(stamp(r), r.id) for r in fresh] + parked
            cursor = self._advance(cursor, places, overlap)

    def _park_unreadable(
        self, unreadable: list[MappingError], cursor: Cursor | None, overlap: timedelta = timedelta(0)
    ) -> list[tuple[datetime, str]]:
        """Dead-letter each entry not already behind the cursor; the places of the parked ones."""
        parked: list[tuple[datetime, str]] = []
        for broken in unreadable:
            place = (broken.at, broken.record_id) if broken.at and broken.record_id else None
            if place and cursor is not None and not cursor.is_new(*place, overlap):
                continue  # parked by an earlier run before its cursor moved past it
            self.dead_letter(broken.key, broken.payload, str(broken))
            if place:
                parked.append(place)
        return parked

    def _advance(
        self, cursor: Cursor | None, places: list[tuple[datetime, str]], overlap: timedelta = timedelta(0)
    ) -> Cursor | None:
        """Save the cursor once ``places`` are handled (past the last, or remembering late ones)."""
        if not places:
            return cursor
        first = cursor is None
        if cursor is None:
            at, last_id = max(places, key=lambda place: (place[0], id_order(place[1])))
            cursor = Cursor(at, last_id)
        moved = cursor.moved(places, overlap)
        if first or moved != cursor:
            self.save_cursor(moved)
        return moved

    def dead_letter(self, record: str, payload: Any, reason: str) -> None:
        log.warning("%s: dead letter %s: %s", self.flow, record, reason)
        self.count("dead_letters")
        metrics.dead_letter(self.flow)
        if not self.dry_run:
            self.store.dead_letters.add(self.flow, record, payload, reason, fence=self.fence)

    def refused(self, record: str, payload: Any, reason: str) -> None:
        """A platform refused a write for ``record``: park it with the platform's reason.

        The run ends ``partial`` (``REFUSALS_PARKED``); ``hub dead-letters retry`` hands the
        payload back to the flow once the cause is fixed (a missing field created, a value
        corrected), and the write is tried again (``perform`` reopens its refused entry).
        """
        self.dead_letter(record, payload, reason)
        self.count(REFUSALS_PARKED)

    async def perform(
        self,
        key: str,
        *,
        platform: str,
        action: str,
        intent: dict[str, Any],
        do: Callable[[], Awaitable[Outcome]],
        recover: Lookup | None = None,
        find_existing: Lookup | None = None,
        wait: float | None = None,
        park: Parked | None = None,
    ) -> ActionResult:
        """Do one platform write exactly once, as this run (its fence, holder and hold).

        A pass-through to ``Ledger.perform`` (``hub.store.ledger``) that adds what only a run
        knows: a dry run plans instead of acting, and the outcome is counted and measured.

        ``park`` (record name, payload) says where a refusal goes: the platform's refusal parks
        that record (``refused``), so it is never counted as done and the run ends ``partial``;
        and a write refused before is tried again (its ledger entry reopened), since it is
        asked for again only by a retry or a record read anew. Without ``park`` a refusal is
        the caller's to handle (``result.error``).
        """
        if self.dry_run:
            entry = self.store.ledger.get(key)
            if entry is not None:
                self.count("duplicates")
                return ActionResult(outcome=entry.outcome, duplicate=True)
            self.planned.append(f"{action} on {platform}: {intent}")
            self.count("planned")
            return ActionResult(outcome={"dry_run": True})
        if park is not None:
            entry = self.store.ledger.get(key)
            if entry is not None and entry.status is Status.FAILED:
                self.store.ledger.reopen(key, intent)  # refused before: nothing happened there
        result = await self.store.ledger.perform(
            key,
            flow=self.flow,
            platform=platform,
            action=action,
            intent=intent,
            do=do,
            recover=recover,
            find_existing=find_existing,
            fence=self.fence,
            holder=self.holder,
            wait=wait,
            hold=self.hold,
        )
        if result.in_progress:
            self.count("in_progress")
            return result
        # "recovered": done by an earlier run (or another hub) and found on the platform, not sent now.
        kind = "duplicates" if result.duplicate else "recovered" if result.recovered else None
        self.count(kind or ("actions" if result.ok else "refused"))
        metrics.ledger_action(self.flow, action, _outcome(result))
        if park is not None and not result.ok:
            record, payload = park
            self.refused(record, payload, f"{action} refused: {result.error}")
        return result


async def together(*steps: Awaitable[T]) -> list[T]:
    """Await ``steps`` concurrently, like ``asyncio.gather``, but the first failure cancels the
    others and waits for them before it is raised: no step of a run outlives the run (and writes
    after its lease is released, or with its plugins closed)."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


UNASSIGNED = "unassigned"
"""The scope of records that name no store."""


def store_scopes(config: HubConfig) -> list[str]:
    """Every configured store key (the brands), plus the scope for records naming none."""
    keys = {
        key
        for settings in config.plugins.values()
        if settings.enabled
        for key in (getattr(settings, "stores", None) or {})
    }
    return [*sorted(keys), UNASSIGNED]


@dataclass(frozen=True)
class NotesAsRead:
    """A conversation or ticket a flow notes, and its notes as the read that found it held them
    (None: that read did not hold them all, a search answer or a cut list).

    The marker check before a note (the ledger's ``find_existing``) answers from those notes: a
    note this database's ledger has no attempt of was written by a run whose state is lost, which
    ended before this run read the record (the unit's lease), so the read shows it. Recovering an
    attempt on record (``fresh``: its holder may have written after the read) or a record read
    without its notes reads them (``helpdesk_list_notes``).
    """

    ref: Ref
    notes: tuple[Note, ...] | None = None

    async def look(
        self,
        ctx: RunContext,
        written: Callable[[Sequence[Note]], dict[str, Any] | None],
        *,
        fresh: bool = False,
    ) -> dict[str, Any] | None:
        """``written`` of the record's notes: as read, or read now when ``fresh`` or not held."""
        notes = self.notes
        if fresh or notes is None:
            notes = tuple(await ctx.hub.helpdesk.list_notes(target=self.ref))
        return written(notes)


class Flow:
    """Base class of the scheduled flows."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    requires: ClassVar[frozenset[str]] = frozenset()
    """Hook names (capabilities) the flow cannot run without."""
    after: ClassVar[tuple[str, ...]] = ()
    """Flows that come before this one in a full pass (their changes are what it reads)."""
    options_model: ClassVar[type[FlowOptions]] = FlowOptions
    needs: ClassVar[HelpdeskNeeds] = HelpdeskNeeds()
    """What the flow needs the helpdesk to hold (fields it writes, ticket types it reads):
    ``hub setup`` creates it, ``hub doctor`` reports what is missing (``hub.flows.needs``)."""

    def __init__(self, options: FlowOptions | None = None) -> None:
        self.options = options or self.options_model()

    def scopes(self, config: HubConfig) -> list[str]:
        """The units a run splits into (workers take them one lease each); one by default."""
        return [""]

    async def run(self, ctx: RunContext) -> None:
        raise NotImplementedError

    async def retry_dead_letter(self, ctx: RunContext, payload: Any) -> bool:
        """Handle one parked record again; True when it went through. Flows override."""
        return False


def _outcome(result: ActionResult) -> str:
    """The ledger outcome label of the metrics."""
    if result.duplicate:
        return "duplicate"
    if result.recovered:
        return "recovered"
    return "done" if result.ok else "refused"
