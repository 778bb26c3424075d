"""What the hub does on one Intercom workspace: contacts, conversations, notes, tags, tickets, admins.

Each public method serves the ``helpdesk_*`` hook of the same name, with its arguments; records
are mapped here (``plugins.intercom.mapping``) and a record that cannot be mapped becomes a
``MappingError`` in its place. Source: Intercom REST API 2.14 (``../shared/specs/``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.core.doctor import Check, CheckStatus, permissions_note, probe
from hub.core.errors import FatalError, MappingError, NotFoundError
from hub.core.http import SlidingWindowLimiter
from hub.core.lookup import person_matcher
from hub.core.mapping import map_records
from hub.core.models import (
    Agent,
    Contact,
    Conversation,
    Note,
    Ref,
    Ticket,
    TicketDraft,
    TicketState,
    TicketType,
    id_order,
)
from hub.core.plugin import HubContext
from hub.core.setup import HelpdeskNeeds, SetupItem
from hub.core.sorting import RUN_SIZE, SpillSort, chunks
from plugins.intercom import mapping, setup
from plugins.intercom.client import IntercomClient, since_query_value
from plugins.intercom.settings import IntercomSettings

PLATFORM = "intercom"
TYPES_REMEMBERED = 10_000
"""How many tickets' types the workspace keeps from what it read (a run reads far fewer)."""


class IntercomWorkspace:
    """One Intercom workspace reached with one access token, acting as the hub's admin."""

    def __init__(self, client: IntercomClient, settings: IntercomSettings) -> None:
        self.client, self.settings = client, settings
        self._type_of: OrderedDict[str, str] = OrderedDict()
        """Ticket id -> Intercom ticket type id, from every ticket read (newest last)."""
        self.contacts = mapping.ContactReader(settings.cs_assist_attributes, settings.default_phone_region)

    # ------------------------------------------------------------------ contacts

    async def find_contacts(self, email: str | None, phone: str | None) -> AsyncIterator[list[Contact]]:
        """Pages of the contacts whose email (any case) or E.164 phone is the one asked for.

        Each search page is mapped straight from its bytes (``ContactReader.page``) and handed
        on, so a look-up matching thousands of contacts (a shared mailbox, a placeholder phone)
        holds a page at a time (and the next one, asked for while this one is mapped); a page
        without an exact match is not handed on.
        """
        filters = []
        if email:
            filters.append({"field": "email", "operator": "=", "value": email})
        if phone:
            filters.append(
                {
                    "field": "phone",
                    "operator": "=",
                    "value": mapping.e164(phone, self.settings.default_phone_region),
                }
            )
        query = filters[0] if len(filters) == 1 else {"operator": "OR", "value": filters}
        # Keep only exact hits (email any case, phone as E.164): a loose match is someone else.
        is_asked = person_matcher(email, phone, self.settings.default_phone_region)
        # Read ahead: every consumer of a look-up reads it to the end (call_log counts the matches).
        async for page in self.client.search_pages("contacts", query, self.contacts.page, read_ahead=True):
            # A contact's phone is normalised when read: only when the look-up asks for one.
            found = [c for c in page.records if is_asked(c.email, c.phone if phone else None)]
            if found:
                yield found

    def _contact(self, record: dict[str, Any]) -> Contact:
        return self.contacts.one(record)

    async def get_contact(self, ref: Ref) -> Contact:
        return self._contact(await self.client.get_contact(ref.id))

    async def update_contact(self, ref: Ref, attributes: dict[str, Any]) -> Contact:
        wire = mapping.contact_attributes_to_wire(attributes, self.settings.cs_assist_attributes)
        return self._contact(await self.client.update_contact(ref.id, wire))

    # ------------------------------------------------------------------ conversations

    async def list_conversations(self, since: datetime | None) -> AsyncIterator[list[Any]]:
        """Pages of the conversations updated at or after ``since``, oldest first (``updated_at``, id).

        One search over the whole window, as ``list_tickets`` does: Intercom's ``>`` on a date
        starts at the next workspace-local midnight, so the query asks from two days before
        ``since`` (``since_query_value``) and the exact cut is made here. Its pages come in
        Intercom's order, not by ``updated_at``, so they are sorted in bounded memory
        (``OldestFirst``: runs spilled to disk past a few thousand conversations) and a
        conversation met twice (moved between pages mid-read) is handed on once. A first sync
        starts ``initial_days`` back. Source: Intercom 2.14 ``POST /conversations/search``.
        """
        start = since or datetime.now(UTC) - timedelta(days=self.settings.initial_days)
        query = {"field": "updated_at", "operator": ">", "value": since_query_value(mapping.to_epoch(start))}
        with OldestFirst(start, self.settings.page_size) as ordered:
            async for page in self.client.search("conversations", query, "conversations"):
                ordered.add(
                    map_records(
                        page,
                        mapping.conversation_from,
                        platform=PLATFORM,
                        record="conversation",
                        stamp=_updated_at,
                    )
                )
            for chunk in ordered.pages():
                yield chunk

    async def get_conversation(self, ref: Ref) -> Conversation:
        return mapping.conversation_from(await self.client.get_conversation(ref.id))

    async def find_conversations(self, contact: Ref, open_only: bool) -> list[Conversation]:
        query: dict[str, Any] = {"field": "contact_ids", "operator": "=", "value": contact.id}
        if open_only:
            query = {"operator": "AND", "value": [query, {"field": "open", "operator": "=", "value": True}]}
        found: list[Conversation] = []
        async for page in self.client.search("conversations", query, "conversations"):
            found.extend(mapping.conversation_from(item) for item in page)
        for conversation in found:
            self.client.remember("conversation", conversation.id)
        return sorted(found, key=lambda c: (c.updated_at, c.id), reverse=True)

    async def create_conversation(self, contact: Ref, body: str) -> Conversation:
        return mapping.conversation_from(await self.client.create_conversation(contact.id, body))

    # ------------------------------------------------------------------ notes and tags

    async def add_note(self, target: Ref, body: str) -> Note:
        kind = await self.client.kind_of(target.id, target.kind)
        answer = await self.client.reply_note(kind, target.id, body)
        if kind == "ticket":  # the ticket reply answers with the new part itself
            return mapping.note_from(answer, target)
        notes = mapping.notes_from(mapping.conversation_parts(answer), target)
        if not notes:
            raise MappingError(PLATFORM, "conversation", "conversation_parts", "the new note is missing")
        return notes[-1]

    async def list_notes(self, target: Ref) -> list[Note]:
        kind = await self.client.kind_of(target.id, target.kind)
        if kind == "ticket":
            return mapping.notes_from(mapping.ticket_parts(await self.client.get_ticket(target.id)), target)
        conversation = await self.client.get_conversation(target.id)
        return mapping.notes_from(mapping.conversation_parts(conversation), target)

    async def add_tags(self, target: Ref, tags: list[str]) -> None:
        if not tags:
            return
        existing = {
            str(tag.get("name", "")).casefold(): str(tag["id"]) for tag in await self.client.list_tags()
        }
        kind = await self.client.kind_of(target.id, target.kind)
        for name in dict.fromkeys(tags):  # keep order, drop repeats
            tag_id = existing.get(name.casefold())
            if tag_id is None:
                tag_id = str((await self.client.create_tag(name))["id"])
                existing[name.casefold()] = tag_id
            await self.client.attach_tag(kind, target.id, tag_id)

    # ------------------------------------------------------------------ tickets

    async def _type_ids(self, refresh: bool = False) -> dict[str, TicketType]:
        types = await self.client.ticket_types(refresh=refresh)
        return mapping.ticket_type_ids(types, self.settings.ticket_types)

    async def get_ticket(self, ref: Ref) -> Ticket:
        return self._ticket(await self.client.get_ticket(ref.id), await self._type_ids())

    def _ticket(self, record: dict[str, Any], types: dict[str, TicketType]) -> Ticket:
        ticket = mapping.ticket_from(record, types, self.settings.ticket_attributes)
        self.client.remember("ticket", ticket.id)
        self._remember_type(ticket.id, str(record["ticket_type"]["id"]))  # mapped: it has one
        return ticket

    def _remember_type(self, ticket_id: str, type_id: str) -> None:
        """Keep a ticket's type, so moving it later needs no request to learn it again."""
        self._type_of[ticket_id] = type_id
        self._type_of.move_to_end(ticket_id)
        if len(self._type_of) > TYPES_REMEMBERED:
            self._type_of.popitem(last=False)

    async def _ticket_type_id(self, ticket_id: str) -> str:
        """The ticket's type id: as read with the ticket, or (a ticket never read) asked for."""
        known = self._type_of.get(ticket_id)
        if known is not None:
            return known
        current = await self.client.get_ticket(ticket_id)
        return str((current.get("ticket_type") or {}).get("id"))

    async def list_tickets(
        self, types: list[TicketType], since: datetime | None
    ) -> AsyncIterator[list[Ticket]]:
        type_ids = await self._type_ids()
        wanted = sorted(type_id for type_id, hub_type in type_ids.items() if hub_type in set(types))
        missing = set(types) - set(type_ids.values())
        if missing:
            names = ", ".join(self.settings.ticket_types[t] for t in sorted(missing))
            raise FatalError(PLATFORM, f"ticket types not found on the workspace: {names}")
        if not wanted:
            return
        cut = mapping.to_epoch(since) if since else 0
        query = {
            "operator": "AND",
            "value": [
                {"field": "ticket_type_id", "operator": "IN", "value": wanted},
                {"field": "updated_at", "operator": ">", "value": since_query_value(cut)},
            ],
        }
        # One search over the whole window (its pages come in Intercom's order, not by
        # updated_at): sorted in bounded memory, runs spilled to disk past a few thousand tickets.
        with OldestFirst(since, self.settings.page_size) as ordered:
            async for page in self.client.search("tickets", query, "tickets"):
                ordered.add(
                    map_records(
                        page,
                        lambda item: self._ticket(item, type_ids),
                        platform=PLATFORM,
                        record="ticket",
                        stamp=_updated_at,
                    )
                )
            for chunk in ordered.pages():
                yield chunk

    async def create_ticket(self, draft: TicketDraft) -> Ticket:
        type_ids = await self._type_ids()
        type_id = next((tid for tid, hub_type in type_ids.items() if hub_type == draft.type), None)
        if type_id is None:
            type_ids = await self._type_ids(refresh=True)
            type_id = next((tid for tid, hub_type in type_ids.items() if hub_type == draft.type), None)
        if type_id is None:
            raise FatalError(PLATFORM, f"ticket type {self.settings.ticket_types[draft.type]!r} not found")
        attributes = {
            mapping.DEFAULT_TITLE: draft.title,
            **mapping.ticket_attributes_to_wire(draft.attributes, self.settings.ticket_attributes),
        }
        if draft.description:
            attributes[mapping.DEFAULT_DESCRIPTION] = draft.description
        payload: dict[str, Any] = {
            "ticket_type_id": type_id,
            "contacts": [{"id": draft.contact_id}],
            "ticket_attributes": attributes,
        }
        if draft.conversation_id:
            payload["conversation_to_link_id"] = draft.conversation_id
        return self._ticket(await self.client.create_ticket(payload), type_ids)

    async def update_ticket(
        self, ref: Ref, state: TicketState | None, attributes: dict[str, Any] | None
    ) -> Ticket:
        type_ids = await self._type_ids()
        payload: dict[str, Any] = {}
        if attributes:
            payload["ticket_attributes"] = mapping.ticket_attributes_to_wire(
                attributes, self.settings.ticket_attributes
            )
        if state is not None:
            payload["ticket_state_id"] = await self._state_id(ref.id, state)
        if not payload:
            return self._ticket(await self.client.get_ticket(ref.id), type_ids)
        return self._ticket(await self.client.update_ticket(ref.id, payload), type_ids)

    async def _state_id(self, ticket_id: str, state: TicketState) -> str:
        """The ticket's own type decides which state id means ``state``.

        A ticket's type is fixed when it is created (the 2.14 update takes no type), so the type
        read with the ticket, in the list the flow works from, is still its type.
        """
        type_id = await self._ticket_type_id(ticket_id)
        types = {str(t.get("id")): t for t in await self.client.ticket_types()}
        ticket_type = types.get(type_id) or {"id": type_id}
        state_id = mapping.state_id_for(ticket_type, state)
        if state_id is None:
            state_id = mapping.state_id_for(ticket_type, state, await self.client.ticket_states())
        if state_id is None:
            raise FatalError(PLATFORM, f"ticket type {type_id} has no state in category {state.value}")
        return state_id

    async def link_ticket(self, ticket: Ref, conversation: Ref) -> None:
        # Intercom links an existing ticket only when it is a tracker ticket; a back-office
        # ticket is linked at creation (TicketDraft.conversation_id). The platform's refusal
        # surfaces as FatalError.
        current = await self.client.get_ticket(ticket.id)
        links = (current.get("linked_objects") or {}).get("data") or []
        if any(
            link.get("type") == "conversation" and str(link.get("id")) == conversation.id for link in links
        ):
            return  # already linked: nothing to do, and nothing sent twice
        await self.client.link_conversation(ticket.id, conversation.id)

    # ------------------------------------------------------------------ agents

    async def list_agents(self) -> list[Agent | MappingError]:
        reasons = mapping.reason_labels(await self.client.away_reasons())
        admins = await self.client.list_admins()
        return map_records(
            admins, lambda admin: mapping.agent_from(admin, reasons), platform=PLATFORM, record="admin"
        )

    async def set_agent_away(self, ref: Ref, away: bool, reason: str | None) -> Agent:
        reasons = await self.client.away_reasons()
        reason_id = _reason_id(reasons, reason) if away and reason else None
        admin = await self.client.set_away(ref.id, away, reason_id)
        return mapping.agent_from(admin, mapping.reason_labels(reasons))

    # ------------------------------------------------------------------ readiness (hub setup, hub doctor)

    async def setup(self, needs: HelpdeskNeeds, apply: bool) -> list[SetupItem]:
        """The workspace against the hub's needs: contact data attributes, then each ticket type
        with its attributes; with ``apply``, what is missing is created (``plugins.intercom.setup``)."""
        existing = await self.client.data_attributes("contact")
        items = []
        for step in setup.contact_steps(needs.contact_fields, existing, self.settings.cs_assist_attributes):
            items.append((await self._carry(step, apply))[0])
        types = {str(t.get("name")): t for t in await self.client.ticket_types(refresh=True)}
        for spec in needs.ticket_types:
            name = self.settings.ticket_types[spec.type]
            item, created = await self._carry(setup.ticket_type_step(spec, name, types.get(name)), apply)
            items.append(item)
            found = created or types.get(name)  # a type created just now has no attributes yet
            steps = setup.ticket_attribute_steps(
                spec,
                name,
                str(found["id"]) if found else None,
                setup.ticket_type_attributes(found) if found else [],
                self.settings.ticket_attributes,
            )
            for step in steps:
                items.append((await self._carry(step, apply and found is not None))[0])
        return items

    async def _carry(self, step: setup.Step, apply: bool) -> tuple[SetupItem, dict[str, Any] | None]:
        """Send the step's request when applying and there is one: the item (``done`` when sent)
        and what Intercom answered (None when nothing was sent)."""
        if not apply or not step.method:
            return step.item, None
        answer = await self.client.send_setup(step.method, step.path, step.body)
        return step.item.model_copy(update={"done": True}), answer

    async def check(self) -> list[Check]:
        """``GET /me`` (token, region, clock), then the admin the notes are written as."""
        rows, me = await probe(
            PLATFORM,
            "",
            self.client.me,
            auth_fix=(
                "set [plugins.intercom] access_token (HUB_INTERCOM__ACCESS_TOKEN) to the workspace's token "
                "(Developer Hub > your app > Authentication); a token works only on its region's host"
            ),
            date=lambda: self.client.server_date,
            describe=_workspace_line,
        )
        if me is None:
            return rows
        rows.append(await self._admin_check())
        rows.append(
            permissions_note(
                PLATFORM,
                "",
                "read and write users, conversations and tickets, and read admins (app permissions)",
            )
        )
        return rows

    async def _admin_check(self) -> Check:
        admin_id = self.settings.admin_id
        try:
            admin = await self.client.get_admin(admin_id)
        except NotFoundError:
            return Check(
                plugin=PLATFORM,
                check="admin",
                status=CheckStatus.FAIL,
                detail=f"admin_id {admin_id} is no admin of this workspace",
                fix="set [plugins.intercom] admin_id to the admin the notes are written as (GET /admins)",
            )
        detail = f"notes written as {admin.get('name') or admin_id} ({admin_id})"
        return Check(plugin=PLATFORM, check="admin", status=CheckStatus.OK, detail=detail)


def _workspace_line(me: dict[str, Any]) -> str:
    app = me.get("app") or {}
    return (
        f"workspace {app.get('name', '?')} ({app.get('id_code', '?')}, region {app.get('region', '?')}), "
        f"token of {me.get('name') or me.get('id')}"
    )


def _reason_id(reasons: list[dict[str, Any]], label: str) -> str:
    """The live away reason with this label (case-insensitive)."""
    live = {str(r.get("label", "")).casefold(): str(r["id"]) for r in reasons if not r.get("deleted")}
    if label.casefold() not in live:
        known = ", ".join(sorted(str(r.get("label")) for r in reasons if not r.get("deleted")))
        raise FatalError(
            "intercom", f"unknown away reason {label!r} (workspace has: {known})", code="away_reason_unknown"
        )
    return live[label.casefold()]


def _updated_at(item: dict[str, Any]) -> datetime | None:
    """Where an unmappable record sits in ``updated_at`` order (``MappingError`` when unreadable)."""
    return mapping.timestamp(item, "updated_at", "record", required=True)


class OldestFirst:
    """Exact ``updated_at >= since`` cut and oldest-first order, in pages, in bounded memory.

    Intercom's date filters match whole days and its search order is not by ``updated_at``, so
    a window is read whole, then cut and sorted here (``SpillSort``: past a few thousand records
    the sorted runs wait on disk, so memory does not grow with the window). The (updated_at, id)
    order lets a flow keep an inclusive cursor with an id tie-break. A record that could not be
    mapped keeps its place in that order when its ``updated_at`` is readable (so a flow's cursor
    never passes records of a later page by parking it early); one without it rides in the
    first page. A record met twice (it moved between search pages mid-read) is handed on once:
    its last mapped reading, else its last unreadable one.
    """

    _MAPPED = 1 << 48
    """Added to the rank of a mapped reading: it beats any unreadable one of the same record."""

    def __init__(self, since: datetime | None, size: int, run_size: int = RUN_SIZE) -> None:
        self.since, self.size = since, size
        self._sorter: SpillSort[tuple[int, Any]] = SpillSort(_ranked_place, run_size=run_size)
        self._latest: dict[str, int] = {}  # record id -> rank of the reading to hand on
        self._unplaced: list[MappingError] = []
        self._seen = 0

    def __enter__(self) -> OldestFirst:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sorter.close()

    def add(self, entries: list[Any]) -> None:
        for entry in entries:
            self._seen += 1
            if isinstance(entry, MappingError):
                if entry.at is None or entry.record_id is None:
                    self._unplaced.append(entry)
                    continue
                rank, at = self._seen, entry.at
            else:
                rank, at = self._MAPPED + self._seen, entry.updated_at
            if self.since is not None and at < self.since:
                continue
            key = _record_id(entry)
            self._latest[key] = max(rank, self._latest.get(key, 0))
            self._sorter.add([(rank, entry)])

    def pages(self) -> Iterator[list[Any]]:
        """The pages, oldest first; the unplaced unreadable entries lead the first one."""
        latest = self._latest
        kept = (entry for rank, entry in self._sorter.ordered() if latest[_record_id(entry)] == rank)
        first = True
        for chunk in chunks(kept, self.size):
            yield [*self._unplaced, *chunk] if first else chunk
            first = False
        if first and self._unplaced:
            yield list(self._unplaced)


def _record_id(entry: Any) -> str:
    return str(entry.record_id) if isinstance(entry, MappingError) else entry.id


def _place(entry: Any) -> tuple[datetime, tuple[int, str]]:
    at = entry.at if isinstance(entry, MappingError) else entry.updated_at
    return at, id_order(_record_id(entry))


def _ranked_place(ranked: tuple[int, Any]) -> tuple[datetime, tuple[int, str]]:
    return _place(ranked[1])


def open_account(settings: IntercomSettings, context: HubContext) -> IntercomWorkspace:
    """The workspace the settings reach, its client paced by the workspace's one rate limit."""
    limiter = context.rate_limiter(
        PLATFORM,
        settings.requests_per_window,
        settings.window_seconds,
        lambda: SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
    )
    return IntercomWorkspace(
        IntercomClient(settings, transport=context.transport_for(PLATFORM), limiter=limiter), settings
    )
