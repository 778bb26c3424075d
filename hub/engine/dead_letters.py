"""Dead letters handed back to the code that parked them (``hub dead-letters retry``, the console).

Every kind of letter goes back through the step that parked it, with the same ledger keys, so
a retry of something already done finds the ledger entry and does nothing again:

=====================  ==============================  =====================================
record                 parked by                       retried through
=====================  ==============================  =====================================
``webhook:P:D``        the webhook processor           ``Processor.act`` on the inbox row
``call:P:ID``          ``CallLog.run``                 ``CallLog.log_call``
``ticket:P:ID``        ``BackOffice.handle``           ``BackOffice.retry_dead_letter``
``contact:P:ID`` and   ``CsAssist`` (a contact it      ``CsAssist.retry_dead_letter``
the records a summary  could not refresh, a record
left out               its summary left out)
``tracker:P:ID``       ``TrackerReport.count_by_brand``  counting and writing that tracker
raw records            a list the flow read (no        read again where the platform reads
(``conversation:``,    model could be made of it)      one record (a conversation, the
agents, trackers)                                      agents, the trackers); else refused
=====================  ==============================  =====================================

A retry holds the flow's leases, as the webhook processor does, so it never runs beside a
scheduled run of the same flow. When the record fails again it stays parked with the new
reason (its ``retries`` counted up); a record the platform cannot give back one at a time
(a call, a back-office ticket that could not be read) is refused with what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from hub.core.errors import ConfigError, HubError, MappingError
from hub.core.manager import Hub
from hub.core.mapping import split_unreadable
from hub.core.models import Call, Ref, Ticket, TicketType
from hub.engine import Runtime
from hub.flows.base import RunContext
from hub.store import DeadLetter, StoreUnreachable


@dataclass(frozen=True)
class Retried:
    """What a retry came to.

    ``done``: it went through (the caller drops the letter). Otherwise ``reason`` says why not:
    the new reason when it failed again (``parked_as``: the record it is parked under now, the
    letter's own unless a step parked another), or why it cannot be retried (``refused``).
    """

    done: bool
    reason: str | None = None
    parked_as: str | None = None
    refused: bool = False


@dataclass
class RetryContext(RunContext):
    """A run context that remembers what the step parked (record, reason), newest last."""

    parked: list[tuple[str, str]] = field(default_factory=list)

    def dead_letter(self, record: str, payload: Any, reason: str) -> None:
        self.parked.append((record, reason))
        super().dead_letter(record, payload, reason)


class Busy(HubError):
    """A run of the letter's flow holds its lease: retry once it has finished."""


def record_kind(record: str) -> tuple[str, str, str]:
    """``(kind, platform, id)`` of a dead letter's record name (``call:aircall:123``)."""
    kind, _, rest = record.partition(":")
    platform, _, record_id = rest.partition(":")
    return kind, platform, record_id


async def retry_letter(runtime: Runtime, hub: Hub, letter: DeadLetter) -> Retried:
    """Hand ``letter`` back to the step that parked it, under its flow's leases.

    Raises ``ConfigError`` when its flow is unknown or not enabled, ``Busy`` when a run of the
    flow holds a lease, ``StoreUnreachable`` when the database is down.
    """
    from hub.serve.processor import flow_leases

    kind, _, _ = record_kind(letter.record)
    flow = letter.flow
    scopes: list[str] = []  # an unreadable delivery's letter belongs to no flow's run
    if flow != "webhooks":
        scopes = runtime.flow(flow).scopes(runtime.config)  # ConfigError naming the known flows
        if not runtime.config.flow(flow).enabled:
            raise ConfigError(runtime.config.source, f"flows.{flow}", "not enabled: its letters wait for it")
    async with flow_leases(runtime.store, flow, scopes) as held:
        if held is None:
            raise Busy(f"a run of {flow} holds its lease; retry when it has finished (hub status)")
        fence = held[0] if held and len(held) == 1 else None  # one scope: fenced like a run
        ctx = RetryContext(hub=hub, store=runtime.store, config=runtime.config, flow=flow, fence=fence)
        if kind == "webhook":
            return await _webhook(runtime, ctx, letter)
        return await _flow_letter(runtime, ctx, letter)


async def _flow_letter(runtime: Runtime, ctx: RetryContext, letter: DeadLetter) -> Retried:
    """A letter a scheduled flow parked: its payload back through that flow's step."""
    kind, platform, record_id = record_kind(letter.record)
    flow = runtime.flow(letter.flow)
    payload = letter.payload
    if letter.flow == "call_log" and kind == "call":
        call = _model(Call, payload)
        if call is None:
            return _unreadable(letter, "it is read again once it changes there")
        return await _step(ctx, letter, flow.log_call(ctx, call))  # type: ignore[attr-defined]
    if letter.flow == "back_office" and kind == "ticket":
        if _model(Ticket, payload) is None:
            return _unreadable(letter, "it is read again once it is updated there")
        return await _step(ctx, letter, flow.retry_dead_letter(ctx, payload))
    if letter.flow == "cs_assist":
        if isinstance(payload, dict) and {"platform", "contact", "conversation"} <= payload.keys():
            return await _step(ctx, letter, flow.retry_dead_letter(ctx, payload))
        if kind == "conversation":
            return await _step(
                ctx, letter, _conversation_again(ctx, flow, Ref(platform=platform, id=record_id))
            )
    if letter.flow == "tracker_report":
        tracker = _model(Ticket, payload)
        if tracker is None:
            return await _step(ctx, letter, _tracker_again(ctx, flow, platform, record_id, letter))
        return await _step(ctx, letter, _tracker(ctx, flow, tracker))
    if letter.flow == "agent_status":
        return await _step(ctx, letter, _agent_again(ctx, flow, platform, record_id, letter))
    return await _step(ctx, letter, _own_retry(ctx, flow, letter))


async def _step(ctx: RetryContext, letter: DeadLetter, step: Any) -> Retried:
    """Await ``step``; what it parked, or the error it raised (parked under the letter's own
    record, as the flow parks what it raises), is the new reason."""
    try:
        outcome = await step
    except (ConfigError, StoreUnreachable):
        raise
    except HubError as exc:
        ctx.dead_letter(letter.record, letter.payload, str(exc))
    else:
        if isinstance(outcome, Retried):
            return outcome
    if ctx.parked:
        record, reason = ctx.parked[-1]
        return Retried(done=False, reason=reason, parked_as=record)
    return Retried(done=True)


async def _own_retry(ctx: RetryContext, flow: Any, letter: DeadLetter) -> Retried | None:
    """A flow the hub does not know: its own ``retry_dead_letter`` (True when it went through)."""
    if await flow.retry_dead_letter(ctx, letter.payload) or ctx.parked:
        return None
    return Retried(done=False, reason=f"{letter.flow} did not take it back: {letter.reason}", refused=True)


async def _conversation_again(ctx: RetryContext, flow: Any, ref: Ref) -> None:
    """A conversation CS Assist could not read: read it again, refresh each of its contacts."""
    try:
        conversation = await ctx.hub.helpdesk.get_conversation(ref=ref)
    except MappingError as exc:
        record = exc.key if exc.record_id else f"conversation:{ref.platform}:{ref.id}"
        ctx.dead_letter(record, exc.payload, str(exc))
        return
    for contact_id in conversation.contact_ids:
        await flow.refresh_contact(ctx, Ref(platform=conversation.platform, id=contact_id), conversation)


async def _tracker(ctx: RetryContext, flow: Any, tracker: Ticket) -> None:
    """Count one tracker's customers and write the count, as ``TrackerReport.run`` does;
    nothing is written when the count could not be made (the step parked it again)."""
    import asyncio

    before = len(ctx.parked)
    counts = await flow.count_by_brand(ctx, tracker, {}, asyncio.Semaphore(flow.options.concurrency))
    if counts is None or len(ctx.parked) > before:
        return
    await flow.write_count(ctx, tracker, counts)


async def _tracker_again(
    ctx: RetryContext, flow: Any, platform: str, record_id: str, letter: DeadLetter
) -> Retried | None:
    """A tracker ticket that could not be read: read the trackers again and handle that one."""
    async for page in ctx.hub.helpdesk.list_tickets(types=[TicketType.TRACKER], since=None):
        trackers, unreadable = split_unreadable(page)
        for broken in unreadable:
            if broken.platform == platform and broken.record_id == record_id:
                ctx.dead_letter(broken.key, broken.payload, str(broken))
                return None
        for tracker in trackers:
            if tracker.platform == platform and tracker.id == record_id:
                await _tracker(ctx, flow, tracker)
                return None
    return Retried(done=True, reason=f"{letter.record} is no longer on {platform}: nothing to do")


async def _agent_again(
    ctx: RetryContext, flow: Any, platform: str, record_id: str, letter: DeadLetter
) -> Retried | None:
    """An agent that could not be read: read both sides' agents again and align that one, as
    ``AgentStatusSync.run`` does (matched by email)."""
    teammates, broken_teammates = split_unreadable(await ctx.hub.helpdesk.list_agents())
    users, broken_users = split_unreadable(await ctx.hub.telephony.list_agents())
    for broken in (*broken_teammates, *broken_users):
        if broken.platform == platform and broken.record_id == record_id:
            ctx.dead_letter(broken.key, broken.payload, str(broken))
            return None
    by_email = {u.email.lower(): u for u in users if u.email}
    for teammate in teammates:
        user = by_email.get((teammate.email or "").lower())
        sides = {(teammate.platform, teammate.id), (user.platform, user.id)} if user is not None else set()
        if user is not None and (platform, record_id) in sides:
            await flow.align(ctx, teammate, user)
            return None
    return Retried(done=True, reason=f"{letter.record} reads now, and has no counterpart to align")


async def _webhook(runtime: Runtime, ctx: RetryContext, letter: DeadLetter) -> Retried:
    """A letter the webhook processor parked: the inbox row back through ``Processor.act``,
    errors parked as ``Processor`` parks them (under ``webhook:PLATFORM:DELIVERY``)."""
    from hub.core.webhooks import WebhookAction
    from hub.serve.inbox import Inbox, InboxRow, InboxStatus
    from hub.serve.processor import Processor

    _, platform, delivery_id = record_kind(letter.record)
    inbox = Inbox(runtime.store)
    row = next((r for r in inbox.rows(platform) if r.delivery_id == delivery_id), None)
    action = row.action if row is not None else _action_of(letter)
    if action is WebhookAction.UNREADABLE:
        return Retried(
            done=False,
            reason=f"{platform} sent a body the hub could not read ({letter.reason}); its next "
            "delivery about that record, or the flow's next run, reads it again",
            refused=True,
        )
    redo = row or InboxRow(
        id=0,
        platform=platform,
        delivery_id=delivery_id,
        topic="",
        action=action,
        subject=letter.payload,
        status=InboxStatus.FAILED,
        attempts=0,
        error=letter.reason,
        received_at=letter.created_at,
    )
    retried = await _step(ctx, letter, Processor(runtime, ctx.hub, inbox).act(ctx, redo))
    if row is not None:
        status = InboxStatus.DONE if retried.done else InboxStatus.FAILED
        inbox.finish(row.id, status, retried.reason or "retried from its dead letter")
    return retried


def _action_of(letter: DeadLetter) -> Any:
    """The webhook action that parked ``letter`` when its inbox row is gone: from its flow,
    and for CS Assist from the subject's shape (a conversation, or an email/phone/order)."""
    from hub.core.webhooks import WebhookAction

    if letter.flow == "cs_assist":
        contact_active = isinstance(letter.payload, dict) and "contact_ids" in letter.payload
        return WebhookAction.CONTACT_ACTIVE if contact_active else WebhookAction.CUSTOMER_CHANGED
    return {
        "call_log": WebhookAction.CALL_ENDED,
        "back_office": WebhookAction.TICKET_SUBMITTED,
    }.get(letter.flow, WebhookAction.UNREADABLE)


def _unreadable(letter: DeadLetter, when: str) -> Retried:
    """A record the platform sent in a shape the hub cannot read, and cannot read alone again."""
    _, platform, _ = record_kind(letter.record)
    return Retried(
        done=False,
        reason=f"{platform} sent it in a shape the hub cannot read ({letter.reason}); {platform} "
        f"cannot give it back alone, and {when}: mend it on {platform}",
        refused=True,
    )


def _model(model: Any, payload: Any) -> Any:
    """``payload`` as ``model``, or None when it is the platform's raw JSON (an unreadable record)."""
    try:
        return model.model_validate(payload)
    except ValidationError:
        return None


def find_letter(runtime: Runtime, letter_id: int) -> DeadLetter | None:
    """The dead letter with this id, or None."""
    return next((d for d in runtime.store.dead_letters.entries() if d.id == letter_id), None)


def settle(runtime: Runtime, letter: DeadLetter, retried: Retried) -> str:
    """Drop the letters a retry made unneeded and say what it came to, in one line.

    Done: the letter is dropped. Failed again under another record: that one stays, this one
    goes. Failed again or refused: the letter stays (with its new reason, ``retries`` + 1).
    """
    if retried.done:
        runtime.store.dead_letters.drop(letter.id)
        note = f" ({retried.reason})" if retried.reason else ""
        return f"{letter.id} went through and was dropped{note}"
    if retried.refused:
        return f"{letter.id} cannot be retried: {retried.reason}"
    letters = runtime.store.dead_letters.entries(letter.flow)
    now = next((d for d in letters if d.record == retried.parked_as), None)
    if now is not None and now.id != letter.id:  # parked again as another record: that one stays
        runtime.store.dead_letters.drop(letter.id)
        return f"{letter.id} failed again, parked as {now.id} ({now.record}): {retried.reason}"
    return f"{letter.id} failed again: {retried.reason}"
