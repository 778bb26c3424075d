"""Call log: every telephony call becomes one internal note on the customer's conversation.

The note goes on the conversation the contact's call notes last went on while it is still open
and theirs, else on their most recently updated open conversation (or a new one). Outbound
calls are numbered per customer per day ("Outbound call attempt 1 of 2"); a call past the
routine's attempts says so ("Outbound call attempt 3, past the 2-attempt routine"); after the
last unanswered attempt of the routine the conversation is tagged. The comments agents typed on
the call go into its note; a comment typed after the note was written (the phone system's
``call.commented`` event, or a later run) gets a note of its own, once. Unknown or ambiguous
numbers go to the run's report, never to a guessed contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from hub.core.errors import CapabilityMissing, FatalError, MappingError, NotFoundError
from hub.core.models import Call, CallComment, CallDirection, CallOutcome, Contact, Conversation, Note, Ref
from hub.flows.base import Flow, FlowOptions, NotesAsRead, RunContext
from hub.flows.call_attempts import call_attempts_on, record_call_attempt
from hub.flows.call_threads import remember_thread, thread_of


class CallLogOptions(FlowOptions):
    attempts: int = Field(default=2, ge=1)
    """Outbound attempts the SOP asks for before giving up on a customer for the day."""
    no_answer_tag: str = Field(default="No answer after {attempts} attempts", min_length=1)
    """The tag put on a customer's conversation once the day's attempts went unanswered;
    ``{attempts}`` is replaced by the number of attempts."""

    @property
    def tag(self) -> str:
        """``no_answer_tag`` with ``{attempts}`` filled in."""
        return self.no_answer_tag.replace("{attempts}", str(self.attempts))


class CallLog(Flow):
    name = "call_log"
    description = "Notes on the customer's conversation for every call"
    requires = frozenset(
        {
            "telephony_list_calls",
            "helpdesk_find_contacts",
            "helpdesk_find_conversations",
            "helpdesk_create_conversation",
            "helpdesk_add_note",
            "helpdesk_list_notes",
            "helpdesk_add_tags",
        }
    )
    options_model = CallLogOptions
    options: CallLogOptions

    async def run(self, ctx: RunContext) -> None:
        async for page in ctx.new_records(ctx.hub.telephony.list_calls, lambda call: call.started_at):
            for call in page:  # in order: attempt numbers depend on the calls before
                try:
                    await self.log_call(ctx, call)
                except (MappingError, FatalError) as exc:
                    ctx.dead_letter(f"call:{call.platform}:{call.id}", call.model_dump(mode="json"), str(exc))
            ctx.advance(ctx.counts["read"])

    async def log_call(self, ctx: RunContext, call: Call) -> None:
        contact = await self._contact_for(ctx, call)
        if contact is None:
            return
        attempt = self._attempt_number(ctx, call)
        thread = await self._conversation_for(ctx, call, contact)
        conversation = thread.ref
        marker = call_marker(call)
        body = note_body(call, attempt, self.options.attempts) + f"\n{marker}"

        included = [comment.id for comment in call.comments]

        async def write() -> dict[str, Any]:
            note = await ctx.hub.helpdesk.add_note(target=conversation, body=body)
            return {**_noted(note, conversation), "comments": included}

        def written(notes: Sequence[Note]) -> dict[str, Any] | None:
            found = next((n for n in notes if marker in n.body), None)
            if found is None:
                return None
            quoted = [c.id for c in call.comments if c.content in found.body]
            return {**_noted(found, conversation), "comments": quoted}

        result = await ctx.perform(
            note_key(call),
            platform=conversation.platform,
            action="add_note",
            intent={"call": call.id, "conversation": conversation.id},
            do=write,
            # The marker: never a second note, even on a new database (see ``NotesAsRead``).
            find_existing=lambda: thread.look(ctx, written),
            recover=lambda: thread.look(ctx, written, fresh=True),
            park=(f"call:{call.platform}:{call.id}", call.model_dump(mode="json")),
        )
        if result.ok and not result.duplicate and not result.recovered:
            ctx.count("notes")
        self._remember(ctx, contact, result.outcome if result.ok else None)
        if result.ok and result.outcome is not None and "dry_run" not in result.outcome:
            noted = set(result.outcome.get("comments") or ())
            for comment in call.comments:
                if comment.id not in noted:
                    await self._note_comment(ctx, call, contact, comment, thread)
        if self._gave_up(ctx, call, attempt):
            await self._tag_no_answer(ctx, call, conversation)

    async def _note_comment(
        self, ctx: RunContext, call: Call, contact: Contact, comment: CallComment, thread: NotesAsRead
    ) -> None:
        """A comment typed after the call's note was written: a note of its own, once."""
        conversation = thread.ref
        marker = comment_marker(call, comment)
        body = f"Comment on the {call.direction.value} call of {call.started_at:%Y-%m-%d %H:%M} UTC"
        body += f" by {comment.author}" if comment.author else ""
        body += f":\n{comment.content}\n{marker}"

        async def write() -> dict[str, Any]:
            return _noted(await ctx.hub.helpdesk.add_note(target=conversation, body=body), conversation)

        def written(notes: Sequence[Note]) -> dict[str, Any] | None:
            found = next((n for n in notes if marker in n.body), None)
            return _noted(found, conversation) if found else None

        result = await ctx.perform(
            f"call_log:comment:{call.platform}:{call.id}:{comment.id}",
            platform=conversation.platform,
            action="add_note",
            intent={"call": call.id, "comment": comment.id, "conversation": conversation.id},
            do=write,
            find_existing=lambda: thread.look(ctx, written),
            recover=lambda: thread.look(ctx, written, fresh=True),
        )
        if result.ok and not result.duplicate and not result.recovered:
            ctx.count("comment_notes")
        self._remember(ctx, contact, result.outcome if result.ok else None)

    def _remember(self, ctx: RunContext, contact: Contact, outcome: dict[str, Any] | None) -> None:
        """Keep the conversation a note of the hub's just went on as the contact's (``call_threads``),
        with the helpdesk's time of that note: the hint holds while nothing changes it after."""
        noted_at, conversation = (outcome or {}).get("noted_at"), (outcome or {}).get("conversation")
        if ctx.dry_run or not noted_at or not conversation:
            return
        when = datetime.fromisoformat(noted_at)
        remember_thread(ctx.store, contact.platform, contact.id, str(conversation), when)

    async def _contact_for(self, ctx: RunContext, call: Call) -> Contact | None:
        if not call.customer_number:
            ctx.count("unknown_callers")
            when = f"{call.started_at:%Y-%m-%d %H:%M}"
            ctx.report.append(f"call {call.id}: hidden number ({call.direction.value}, {when})")
            return None
        first, sharing = None, 0  # counted page by page: a number thousands share is not held
        async for page in ctx.hub.helpdesk.find_contacts(email=None, phone=call.customer_number):
            first = first or next(iter(page), None)
            sharing += len(page)
        if sharing == 1:
            return first
        ctx.count("unknown_callers")
        why = "no contact has this number" if not sharing else f"{sharing} contacts share it"
        ctx.report.append(f"call {call.id}: {call.customer_number}: {why}")
        return None

    def _attempt_number(self, ctx: RunContext, call: Call) -> int | None:
        if call.direction is not CallDirection.OUTBOUND or not call.customer_number:
            return None
        if not ctx.dry_run:
            record_call_attempt(
                ctx.store,
                call.platform,
                call.id,
                call.customer_number,
                call.started_at,
                call.outcome is CallOutcome.ANSWERED,
            )
        day = call_attempts_on(ctx.store, call.customer_number, call.started_at.date().isoformat())
        ids = [(platform, call_id) for platform, call_id, _ in day]
        key = (call.platform, call.id)
        return ids.index(key) + 1 if key in ids else len(ids) + 1

    def _gave_up(self, ctx: RunContext, call: Call, attempt: int | None) -> bool:
        """True on the unanswered outbound call that reaches the SOP's attempt count."""
        if attempt is None or call.outcome is CallOutcome.ANSWERED:
            return False
        day = call_attempts_on(ctx.store, call.customer_number or "", call.started_at.date().isoformat())
        unanswered = [c for c in day[:attempt] if not c[2]]
        return len(unanswered) == self.options.attempts

    async def _conversation_for(self, ctx: RunContext, call: Call, contact: Contact) -> NotesAsRead:
        """The conversation the call's note goes on, with its notes when the read that found it
        held them: the one the ledger's attempt at this note names (a call read again); else the
        one the contact's call notes last went on (one read, notes and all) while it is open,
        still theirs and unchanged since that note; else their most recently updated open one
        (a search, which holds no notes); else a new one."""
        attempted = ctx.store.ledger.get(note_key(call))
        if attempted is not None and attempted.intent.get("conversation"):
            # Read again (the cursor's lookback, a restored cursor): the note goes, or went, where
            # the ledger says, whatever the contact's conversations are now.
            known = str(attempted.intent["conversation"])
            return NotesAsRead(Ref(platform=contact.platform, id=known, kind="conversation"), None)
        thread = await self._remembered(ctx, contact)
        return thread or await self._searched_or_created(ctx, call, contact)

    async def _remembered(self, ctx: RunContext, contact: Contact) -> NotesAsRead | None:
        """The contact's last call-note conversation, read again; None when it cannot be used."""
        known = thread_of(ctx.store, contact.platform, contact.id)
        if known is None:
            return None
        conversation_id, quiet_since = known
        ref = Ref(platform=contact.platform, id=conversation_id, kind="conversation")
        try:
            conversation = await ctx.hub.helpdesk.get_conversation(ref=ref)
        except (NotFoundError, CapabilityMissing):
            return None
        if not conversation.open or contact.id not in conversation.contact_ids:
            return None  # closed, or moved to another contact: find theirs again
        if conversation.updated_at > quiet_since:
            return None  # changed since the hub's last note on it (see ``call_threads``): search
        return NotesAsRead(conversation.ref, conversation.notes)

    async def _searched_or_created(self, ctx: RunContext, call: Call, contact: Contact) -> NotesAsRead:
        async def latest_open() -> Conversation | None:
            found = await ctx.hub.helpdesk.find_conversations(contact=contact.ref, open_only=True)
            return max(found, key=lambda c: c.updated_at) if found else None

        conversation = await latest_open()
        if conversation is not None:
            return NotesAsRead(conversation.ref, conversation.notes)

        opened: list[Conversation] = []

        async def create() -> dict[str, Any]:
            opened.append(
                await ctx.hub.helpdesk.create_conversation(
                    contact=contact.ref,
                    body=f"{call.direction.value.capitalize()} call {call_marker(call)}",
                )
            )
            return {"conversation": opened[0].id}

        async def created_before() -> dict[str, Any] | None:
            found = await latest_open()
            return {"conversation": found.id} if found else None

        result = await ctx.perform(
            f"call_log:conversation:{call.platform}:{call.id}",
            platform=contact.platform,
            action="create_conversation",
            intent={"call": call.id, "contact": contact.id},
            do=create,
            recover=created_before,
        )
        if not result.ok or result.outcome is None:
            raise FatalError(contact.platform, f"no conversation for call {call.id}: {result.error}")
        ctx.count("conversations_created")
        # Search indexes lag behind writes: use the id we were given, not a new search. Created
        # here and now, its notes are those the creation answered with (nobody else had it yet).
        ref = Ref(platform=contact.platform, id=str(result.outcome.get("conversation", "dry-run")))
        return NotesAsRead(ref, opened[0].notes if opened and opened[0].id == ref.id else None)

    async def _tag_no_answer(self, ctx: RunContext, call: Call, conversation: Ref) -> None:
        tag = self.options.tag

        async def write() -> dict[str, Any]:
            await ctx.hub.helpdesk.add_tags(target=conversation, tags=[tag])
            return {"tag": tag}

        day = call.started_at.date().isoformat()
        result = await ctx.perform(
            f"call_log:tag:{conversation.platform}:{call.customer_number}:{day}",
            platform=conversation.platform,
            action="add_tags",
            intent={"conversation": conversation.id, "tag": tag},
            do=write,
            park=(f"call:{call.platform}:{call.id}", call.model_dump(mode="json")),
        )
        if result.ok and not result.duplicate:
            ctx.count("tagged")


def call_marker(call: Call) -> str:
    """A line naming the call, so a note can be recognised after a crash."""
    return f"[{call.platform} call {call.id}]"


def comment_marker(call: Call, comment: CallComment) -> str:
    """A line naming one comment of a call (its own note is recognised by it)."""
    return f"[{call.platform} call {call.id} comment {comment.id}]"


def note_body(call: Call, attempt: int | None, attempts: int) -> str:
    """The call's note: headline and outcome, agent, times, number, links and the comments.

    ``attempt`` is the outbound attempt number of the day (None for inbound calls);
    ``attempts`` the routine's number of attempts.
    """
    lines = [f"{_headline(call, attempt, attempts)}: {_outcome(call)}"]
    if call.agent is not None:
        lines.append(f"Agent: {call.agent.name or call.agent.email or call.agent.id}")
    lines.append(f"Started: {call.started_at:%Y-%m-%d %H:%M} UTC")
    minutes, seconds = divmod(call.duration_seconds, 60)
    lines.append(f"Duration: {minutes}:{seconds:02d}")
    if call.customer_number:
        lines.append(f"Number: {call.customer_number}")
    if call.recording_url:
        lines.append(f"Recording: {call.recording_url}")
    if call.voicemail_url:
        lines.append(f"Voicemail: {call.voicemail_url}")
    if call.comments:
        lines.append("Comments:")
        lines += [f"- {c.author}: {c.content}" if c.author else f"- {c.content}" for c in call.comments]
    return "\n".join(lines)


def _headline(call: Call, attempt: int | None, attempts: int) -> str:
    if call.direction is not CallDirection.OUTBOUND or attempt is None:
        return f"{call.direction.value.capitalize()} call"
    if attempt > attempts:
        # Calling again after the routine's last attempt is the agent's choice; "3 of 2" read
        # as a counting error, so the note says where the call stands against the routine.
        return f"Outbound call attempt {attempt}, past the {attempts}-attempt routine"
    return f"Outbound call attempt {attempt} of {attempts}"


def _outcome(call: Call) -> str:
    if call.outcome is CallOutcome.MISSED:
        return f"missed ({call.missed_reason})" if call.missed_reason else "missed"
    if call.outcome is CallOutcome.VOICEMAIL:
        return "voicemail"
    return call.outcome.value


def note_key(call: Call) -> str:
    """The ledger key of a call's note."""
    return f"call_log:note:{call.platform}:{call.id}"


def _noted(note: Note, conversation: Ref) -> dict[str, Any]:
    """A call note's ledger outcome: the note, its conversation and the helpdesk's time of it."""
    noted_at = note.created_at.isoformat() if note.created_at else None
    return {"note": note.id, "conversation": conversation.id, "noted_at": noted_at}
