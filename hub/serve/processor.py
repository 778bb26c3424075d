"""Acting on inbox events: the matching flow's per-record step, under the flow's leases.

An event runs the same code the scheduled flow runs for one record (``CallLog.log_call``,
``CsAssist.refresh_contact``, ``BackOffice.handle``) through the same ledger keys. The flow's
leases are held meanwhile, so a scheduled run and a webhook never work on one flow at the same
time: whichever comes second finds the ledger entry done and acts no more.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from hub.core import metrics
from hub.core.errors import CapabilityMissing, FatalError, MappingError, RetriableError
from hub.core.facade import gathered
from hub.core.manager import Hub
from hub.core.models import Call, Contact, Conversation, Order, Ref, Ticket
from hub.core.webhooks import WebhookAction
from hub.engine import Runtime, Unit
from hub.flows.back_office import BackOffice
from hub.flows.base import RunContext, together
from hub.flows.call_log import CallLog
from hub.flows.cs_assist import CsAssist
from hub.serve.inbox import Inbox, InboxRow, InboxStatus
from hub.store import PROCESS as OWNER
from hub.store import Fence, Store

log = logging.getLogger("hub.serve.processor")

FLOW_OF: dict[WebhookAction, str] = {
    WebhookAction.CALL_ENDED: "call_log",
    WebhookAction.CUSTOMER_CHANGED: "cs_assist",
    WebhookAction.CONTACT_ACTIVE: "cs_assist",
    WebhookAction.TICKET_SUBMITTED: "back_office",
    WebhookAction.UNREADABLE: "webhooks",
}
LEASE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
CONCURRENCY = 8
"""Events of different records handled at once (the platforms' answers overlap; limiters pace them)."""


def flow_scopes(runtime: Runtime, flow: str) -> list[str]:
    """Every lease scope the scheduled flow may run under (one lease each)."""
    if flow not in FLOW_OF.values() or flow == "webhooks":
        return []
    return list(runtime.flow(flow).scopes(runtime.config))


@asynccontextmanager
async def flow_leases(store: Store, flow: str, scopes: list[str]) -> AsyncIterator[list[Fence] | None]:
    """Hold every lease of ``flow`` (all or none); yields None when a run holds one of them."""
    owner = f"{OWNER}:webhook:{uuid.uuid4().hex[:6]}"
    taken: list[Fence] = []
    try:
        for scope in scopes:
            fence = store.leases.take(Unit(flow, scope).lease, owner, LEASE_TTL)
            if fence is None:
                yield None
                return
            taken.append(fence)
        yield taken
    finally:
        for fence in taken:
            store.leases.release(fence)


class Processor:
    """Runs claimed inbox rows through their flows, marking each row with what happened."""

    def __init__(self, runtime: Runtime, hub: Hub, inbox: Inbox) -> None:
        self.runtime, self.hub, self.inbox = runtime, hub, inbox

    async def process(self, rows: list[InboxRow]) -> list[InboxRow]:
        """Handle claimed rows; returns those put back because a scheduled run holds the flow."""
        deferred: list[InboxRow] = []
        by_flow: dict[str, list[InboxRow]] = defaultdict(list)
        for row in rows:
            by_flow[FLOW_OF.get(row.action, "webhooks")].append(row)
        for flow, group in by_flow.items():
            if flow != "webhooks" and not self.runtime.config.flow(flow).enabled:
                for row in group:
                    self._finish(row, InboxStatus.IGNORED, f"flow {flow} is not enabled")
                continue
            async with flow_leases(self.runtime.store, flow, flow_scopes(self.runtime, flow)) as held:
                if held is None:
                    self.inbox.release(group, count_attempt=False)
                    deferred.extend(group)
                    continue
                # A flow of one scope fences the writes like a scheduled run does.
                await self._concurrently(flow, group, held[0] if len(held) == 1 else None)
        return deferred

    async def _concurrently(self, flow: str, rows: list[InboxRow], fence: Fence | None) -> None:
        """Rows about different records at once; rows about one record in arrival order."""
        chains: dict[str, list[InboxRow]] = defaultdict(list)
        for row in rows:
            chains[serial_key(row)].append(row)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def run_chain(chain: list[InboxRow]) -> None:
            async with limit:
                for row in chain:
                    await self._one(flow, row, fence)

        await together(*(run_chain(chain) for chain in chains.values()))

    async def _one(self, flow: str, row: InboxRow, fence: Fence | None) -> None:
        ctx = RunContext(
            hub=self.hub, store=self.runtime.store, config=self.runtime.config, flow=flow, fence=fence
        )
        try:
            await self.act(ctx, row)
        except RetriableError as exc:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                ctx.dead_letter(f"webhook:{row.platform}:{row.delivery_id}", row.subject, str(exc))
                self._finish(row, InboxStatus.FAILED, str(exc))
            else:
                log.warning("inbox %s: %s; will retry", row.delivery_id, exc)
                self.inbox.release([row], str(exc))
            return
        except (MappingError, FatalError, CapabilityMissing) as exc:
            ctx.dead_letter(f"webhook:{row.platform}:{row.delivery_id}", row.subject, str(exc))
            self._finish(row, InboxStatus.FAILED, str(exc))
            return
        failed = ctx.counts["dead_letters"] > 0
        self._finish(row, InboxStatus.FAILED if failed else InboxStatus.DONE, _summary(ctx.counts))

    def _finish(self, row: InboxRow, status: InboxStatus, note: str | None) -> None:
        self.inbox.finish(row.id, status, note)
        metrics.inbox_processed(row.platform, row.action.value, status.value)

    async def act(self, ctx: RunContext, row: InboxRow) -> None:
        """The flow step for one event (the same methods the scheduled flows call per record)."""
        subject = row.subject
        if row.action is WebhookAction.CALL_ENDED:
            call = Call.model_validate(subject)
            try:
                await self._call_log().log_call(ctx, call)
            except (MappingError, FatalError) as exc:  # as CallLog.run does
                ctx.dead_letter(f"call:{call.platform}:{call.id}", subject, str(exc))
        elif row.action is WebhookAction.TICKET_SUBMITTED:
            await self._back_office().handle_current(ctx, Ticket.model_validate(subject), Counter())
        elif row.action is WebhookAction.CONTACT_ACTIVE:
            conversation = Conversation.model_validate(subject)
            for contact_id in conversation.contact_ids:
                await self._refresh(ctx, Ref(platform=conversation.platform, id=contact_id), conversation)
        elif row.action is WebhookAction.CUSTOMER_CHANGED:
            await self._customer_changed(ctx, subject)
        elif row.action is WebhookAction.UNREADABLE:
            ctx.dead_letter(f"webhook:{row.platform}:{row.delivery_id}", subject, str(subject.get("reason")))

    def _call_log(self) -> CallLog:
        flow = self.runtime.flow("call_log")
        assert isinstance(flow, CallLog)
        return flow

    def _back_office(self) -> BackOffice:
        flow = self.runtime.flow("back_office")
        assert isinstance(flow, BackOffice)
        return flow

    def _cs_assist(self) -> CsAssist:
        flow = self.runtime.flow("cs_assist")
        assert isinstance(flow, CsAssist)
        return flow

    async def _customer_changed(self, ctx: RunContext, subject: dict[str, Any]) -> None:
        """Refresh the summary of each person the event is about: its ``email``/``phone``, the
        customer of its ``order``, or, for a batch, of each of its ``orders`` and ``people``."""
        if "order" in subject:
            order: Order = await ctx.hub.commerce.get_order(ref=Ref.model_validate(subject["order"]))
            await self._person_changed(ctx, order.email, subject.get("phone"))
        elif "orders" in subject or "people" in subject:
            for ref in subject.get("orders") or []:
                order = await ctx.hub.commerce.get_order(ref=Ref.model_validate(ref))
                await self._person_changed(ctx, order.email, None)
            for person in subject.get("people") or []:
                await self._person_changed(ctx, person.get("email"), person.get("phone"))
        else:
            await self._person_changed(ctx, subject.get("email"), subject.get("phone"))

    async def _person_changed(self, ctx: RunContext, email: object, phone: object) -> None:
        contacts = await _contacts(ctx.hub, str(email) if email else None, str(phone) if phone else None)
        if not contacts:
            ctx.count("no_contact")
        for contact in contacts:
            found = await ctx.hub.helpdesk.find_conversations(contact=contact.ref, open_only=False)
            if not found:
                ctx.count("no_conversation")  # CS Assist summarises people who talk to us
                continue
            latest = max(found, key=lambda c: c.updated_at)
            await self._refresh(ctx, contact.ref, latest)

    async def _refresh(self, ctx: RunContext, contact: Ref, conversation: Conversation) -> None:
        try:
            await self._cs_assist().refresh_contact(ctx, contact, conversation)
        except (MappingError, FatalError) as exc:  # as CsAssist does, so `dead-letters retry` works
            payload = {"platform": contact.platform, "contact": contact.id, "conversation": conversation.id}
            ctx.dead_letter(f"contact:{contact.platform}:{contact.id}", payload, str(exc))


def serial_key(row: InboxRow) -> str:
    """Events sharing this key are handled one after another (attempt numbers, one summary)."""
    subject = row.subject
    if row.action is WebhookAction.CALL_ENDED:
        return f"number:{subject.get('customer_number') or subject.get('id')}"
    if row.action is WebhookAction.CUSTOMER_CHANGED:
        batch = subject.get("orders") or subject.get("people") or [{}]
        first = batch[0] if isinstance(batch[0], dict) else {}
        who = (
            subject.get("email")
            or subject.get("phone")
            or (subject.get("order") or {}).get("id")
            or first.get("id")
            or first.get("email")
        )
        return f"customer:{who}"
    if row.action is WebhookAction.CONTACT_ACTIVE:
        return "contacts:" + ",".join(sorted(subject.get("contact_ids") or []))
    return f"record:{subject.get('id') or row.delivery_id}"


async def _contacts(hub: Hub, email: str | None, phone: str | None) -> list[Contact]:
    """Helpdesk contacts by email first, then by phone (as the summary looks customers up)."""
    found: list[Contact] = []
    if email:
        found = await gathered(hub.helpdesk.find_contacts(email=email, phone=None))
    if not found and phone:
        found = await gathered(hub.helpdesk.find_contacts(email=None, phone=phone))
    return found


def _summary(counts: Counter[str]) -> str | None:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or None
