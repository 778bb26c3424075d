"""Back office: carry Refund, Subscription Cancel, Fulfillment and Quality tickets out, once.

Each submitted ticket is read once into the typed request of its type
(``hub.flows.ticket_requests``): a ticket missing something, or holding a value that cannot be
read, goes to waiting with a note naming every such field. The request is carried out on the
platform that owns the order, one ledger call (``ctx.perform``) per platform action, then the
ticket gets a note with the result and moves to resolved, or to waiting with the platform's
refusal. One action per rule key: one refund per reason per order, one cancel per
subscription, one recorded save per subscription per month, one fulfillment per order, one
quality record per SKU/lot. A second ticket for the same key is resolved as a duplicate with a
note saying which ticket covers it, and the first ticket gets a note naming the duplicate and
its conversations (Intercom links conversations only to tracker tickets, or to a back-office
ticket when it is created, so the two are related by their notes).

Each note is written once through the ledger, and its words are its marker: before writing a
note the ledger has no attempt of (a new or restored state database), the hub looks for the same
words on the ticket. It looks in the notes the ticket came with (Intercom's ticket search answers
each ticket with its parts) or, for the first ticket of a duplicate, in those this run read when
it acted on that ticket (``FirstTickets``). A note this database holds no attempt of was written
by a run whose state is lost, which ended before this run began (the unit's lease); anything
written since this run's read went through this database's ledger. So the notes are read again
(``helpdesk_list_notes``) only when the read did not bring them all, when this run did not act
on the first ticket, or when the ledger holds an attempt whose outcome is unknown (a crash or a
timeout: it may have written the note after the read). The one window left: a search answer
older than a note written in the minutes before the state database was lost (Intercom calls its
contact search eventually consistent; whether ticket hits can lag the ticket is not documented).
"""

from __future__ import annotations

import hashlib
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hub.core.config import HubConfig
from hub.core.errors import CapabilityMissing, FatalError, IdempotencyConflict, MappingError, NotFoundError
from hub.core.models import (
    Address,
    Contact,
    LineItem,
    Note,
    Order,
    Ref,
    RefundLine,
    RefundRequest,
    ReplacementRequest,
    Subscription,
    Ticket,
    TicketState,
    TicketType,
    ship_status,
)
from hub.core.redact import redact
from hub.flows.base import Flow, FlowOptions, NotesAsRead, RunContext, store_scopes
from hub.flows.needs import BACK_OFFICE
from hub.flows.ownership import NotTheCustomer, owned_subscription, require_order_owner
from hub.flows.ticket_requests import (
    CancelTicket,
    FulfillmentTicket,
    OrderNamed,
    QualityTicket,
    RefundTicket,
    read_ticket,
)
from hub.flows.tickets import TicketProblem, order_lines
from hub.store import Outcome, Status, id_order

HANDLED = [TicketType.REFUND, TicketType.SUBSCRIPTION_CANCEL, TicketType.FULFILLMENT, TicketType.QUALITY]
ASKED_AGAIN = "asked for this again"
"""The words of the note a duplicate leaves on the first ticket (``BackOffice.note_first``)."""


@dataclass(frozen=True)
class RuleKey:
    """What the ledger holds for one rule key, read once before its action is done.

    ``status``: the entry's, None when the action was never tried; ``first``: the intent of
    another ticket's action on the key (done, or in flight), which makes this ticket a
    duplicate; ``done``: this ticket's own recorded outcome (only the follow-ups are left).
    """

    key: str
    status: Status | None = None
    first: dict[str, Any] | None = None
    done: Outcome | None = None

    @property
    def held(self) -> bool:
        """Whether the action was done, or may have been (in flight, or before a crash)."""
        return self.status is not None and self.status is not Status.FAILED

    @property
    def refused(self) -> bool:
        """The platform refused the last try: a corrected ticket may try again."""
        return self.status is Status.FAILED


class BackOfficeOptions(FlowOptions):
    pass


class BackOffice(Flow):
    name = "back_office"
    description = "Carry back-office tickets out on the platform that owns the order"
    requires = frozenset(
        {
            "helpdesk_list_tickets",
            "helpdesk_update_ticket",
            "helpdesk_add_note",
            "helpdesk_list_notes",
            "commerce_get_order",
            "helpdesk_get_contact",  # whose order it is: checked before every action
        }
    )
    options_model = BackOfficeOptions
    needs = BACK_OFFICE

    def scopes(self, config: HubConfig) -> list[str]:
        # One unit: every ticket comes from one helpdesk search, whatever the number of stores.
        # (A unit per store made each store's unit search the whole ticket list again.)
        return [""]

    async def run(self, ctx: RunContext) -> None:
        quality: Counter[str] = Counter()
        adopt_store_cursors(ctx)
        tickets = ctx.new_records(ctx.hub.helpdesk.list_tickets, lambda t: t.updated_at, types=HANDLED)
        async for page in tickets:
            for ticket in page:
                if ticket.state is not TicketState.SUBMITTED:
                    continue  # waiting, in progress or done: people are on it
                ctx.count("tickets")
                await self.handle(ctx, ticket, quality)
            ctx.advance(ctx.counts["tickets"])
        for key, count in sorted(quality.items()):
            ctx.report.append(f"quality {key}: {count} ticket(s) this run")

    async def handle(self, ctx: RunContext, ticket: Ticket, quality: Counter[str]) -> None:
        """Read ``ticket`` into its typed request and carry that out; problems become notes.

        ``quality`` counts this run's quality tickets by SKU and lot (for the run's report).
        """
        try:
            asked = read_ticket(ticket)  # the one read of the ticket's attributes
            if isinstance(asked, RefundTicket):
                await self.refund(ctx, ticket, asked)
            elif isinstance(asked, CancelTicket):
                await self.cancel_subscription(ctx, ticket, asked)
            elif isinstance(asked, FulfillmentTicket):
                await self.fulfil(ctx, ticket, asked)
            elif isinstance(asked, QualityTicket):
                quality[await self.log_quality(ctx, ticket, asked)] += 1
        except (TicketProblem, NotTheCustomer) as problem:
            await self.finish(ctx, ticket, str(problem), TicketState.WAITING_ON_CUSTOMER)
        except (FatalError, CapabilityMissing) as refused:
            await self.finish(
                ctx, ticket, f"Could not be carried out: {refused}", TicketState.WAITING_ON_CUSTOMER
            )
        except (MappingError, IdempotencyConflict) as exc:
            ctx.dead_letter(f"ticket:{ticket.platform}:{ticket.id}", ticket.model_dump(mode="json"), str(exc))

    async def handle_current(self, ctx: RunContext, snapshot: Ticket, quality: Counter[str]) -> None:
        """Carry out a ticket known from a snapshot (a webhook's body, a dead letter), as it is now.

        The agent may have closed or changed it since the snapshot was taken: it is read again,
        and one no longer submitted is left alone (a refund on a ticket the agent closed would be
        money nobody asked for). A helpdesk that cannot read one ticket leaves the snapshot.
        """
        try:
            ticket = await ctx.hub.helpdesk.get_ticket(ref=snapshot.ref)
        except CapabilityMissing:
            ticket = snapshot.model_copy(update={"notes": None})  # its notes are as old as it
        except NotFoundError:
            ctx.count("gone")
            return
        if ticket.state is not TicketState.SUBMITTED:
            ctx.count("not_submitted")
            return
        await self.handle(ctx, ticket, quality)

    async def retry_dead_letter(self, ctx: RunContext, payload: Any) -> bool:
        try:
            ticket = Ticket.model_validate(payload)
        except ValidationError:  # parked unmappable (raw platform JSON): re-read once edited there
            return False
        before = ctx.counts["dead_letters"]
        await self.handle_current(ctx, ticket, Counter())
        return ctx.counts["dead_letters"] == before

    # ---- the four ticket types

    async def refund(self, ctx: RunContext, ticket: Ticket, asked: RefundTicket) -> None:
        order = await self.owned_order(ctx, ticket, asked.order)
        plan = asked.for_order(order)  # the amount in the order's currency, the lines matched
        key = f"refund:{order.platform}:{order.store or ''}:{order.id}:{asked.refund_reason.value}"
        rule = self.rule_key(ctx, ticket, key)
        if rule.first is not None:
            await self.mark_duplicate(ctx, ticket, rule.first, "refund")
            return
        # Once the key is held (paid, or maybe paid before a crash) the order's balance already
        # counts this refund: the ledger decides what happens, not the balance check.
        if not rule.held and plan.amount.amount > order.refundable.amount:
            raise TicketProblem(
                f"Amount {plan.amount.amount} is above the refundable balance {order.refundable} "
                f"of order {order.number}."
            )
        if not rule.held:
            _refuse_lines_refunded_before(ctx, order, plan.lines, key)
        request = RefundRequest(
            order=order.ref,
            amount=plan.amount,
            lines=plan.lines,
            reason=asked.refund_reason,
            admin_reason=asked.admin_reason,
            disposition=asked.disposition,
            note=f"Ticket {ticket.number or ticket.id} [{key}]",
            idempotency_key=key,
        )
        intent = _intent(
            ticket,
            order=order.id,
            amount=str(plan.amount.amount),
            currency=plan.amount.currency,
            reason=asked.refund_reason.value,
        )

        # The lines go in the outcome (not the intent, whose hash names the request): a later
        # refund of another reason on the same order counts them (_refuse_lines_refunded_before).
        lines = [[line.line_item_id, line.quantity] for line in plan.lines]

        async def pay() -> Outcome:
            refund = await ctx.hub.commerce.refund_order(request=request)
            return {"ticket": ticket.id, "refund": refund.id, "amount": str(refund.amount), "lines": lines}

        async def paid_before() -> Outcome | None:
            fresh: Order = await ctx.hub.commerce.get_order(ref=order.ref)
            refund = next((r for r in fresh.refunds if key in (r.note or "")), None)
            if refund is None:
                return None
            return {"ticket": ticket.id, "refund": refund.id, "amount": str(refund.amount), "lines": lines}

        out = await self.act(ctx, rule, order.platform, "refund", intent, pay, paid_before)
        if out is not None:
            await self.finish(
                ctx,
                ticket,
                f"Refunded {out.get('amount', plan.amount)} on {order.platform} order {order.number} "
                f"(refund {out.get('refund')}); reason {asked.refund_reason.value}, "
                f"disposition {asked.disposition.value}.",
            )

    async def cancel_subscription(self, ctx: RunContext, ticket: Ticket, asked: CancelTicket) -> None:
        # The subscription as the store holds it (the id as typed or as shown in CS Assist),
        # once it is known to be the ticket's customer's: nothing is noted about it before.
        sub = await owned_subscription(ctx.hub, asked.subscription, await self.requesters(ctx, ticket))
        if asked.saved:
            await self.record_save(ctx, ticket, sub)
            return
        key = f"cancel:{sub.platform}:{sub.store or ''}:{sub.id}"
        rule = self.rule_key(ctx, ticket, key)
        if rule.first is not None:
            await self.mark_duplicate(ctx, ticket, rule.first, "cancel_subscription")
            return

        async def cancel() -> Outcome:
            done = await ctx.hub.commerce.cancel_subscription(
                ref=sub.ref, reason=asked.admin_reason or "customer request", idempotency_key=key
            )
            return {"ticket": ticket.id, "subscription": done.id, "status": done.status.value}

        # Cancelling is idempotent on every platform (a cancelled subscription is returned as
        # is), so a pending entry is recovered by cancelling again.
        intent = _intent(ticket, subscription=sub.id)
        out = await self.act(ctx, rule, sub.platform, "cancel_subscription", intent, cancel, None)
        if out is not None:
            status = out.get("status", "cancelled")
            await self.finish(
                ctx, ticket, f"Subscription {sub.id} on {sub.platform}: {status}; rebills stopped."
            )

    async def record_save(self, ctx: RunContext, ticket: Ticket, sub: Subscription) -> None:
        """A retention offer accepted: recorded once per subscription per month, nothing cancelled.

        The subscription must still be open (a save cannot keep a cancelled one). Two tickets
        for the same save (two agents, or a ticket filed twice) are one save; a save in a later
        month is a new one (customers are offered retention again when they call again).
        """
        if not sub.is_open:
            raise TicketProblem(
                f"Subscription {sub.id} on {sub.platform} is {sub.status.value}: a save cannot keep it "
                "active. Check the subscription id on the ticket."
            )
        month = ticket.created_at.strftime("%Y-%m")
        rule = self.rule_key(ctx, ticket, f"save:{sub.platform}:{sub.store or ''}:{sub.id}:{month}")
        if rule.first is not None:
            await self.mark_duplicate(ctx, ticket, rule.first, "save_record")
            return

        async def record() -> Outcome:
            return {"ticket": ticket.id, "subscription": sub.id}

        intent = _intent(ticket, subscription=sub.id)
        out = await self.act(ctx, rule, sub.platform, "save_record", intent, record, None)
        if out is not None:
            await self.finish(
                ctx, ticket, f"Saved: retention offer accepted; subscription {sub.id} left active."
            )
            ctx.count("saves")

    async def fulfil(self, ctx: RunContext, ticket: Ticket, asked: FulfillmentTicket) -> None:
        order = await self.owned_order(ctx, ticket, asked.order)
        if asked.new_address is not None:
            await self.change_address(ctx, ticket, order, asked.new_address)
        else:
            await self.replace(ctx, ticket, order, asked)

    async def change_address(
        self, ctx: RunContext, ticket: Ticket, order: Order, new_address: Address
    ) -> None:
        if order.shipped:
            raise TicketProblem(
                f"Order {order.number} has shipped ({ship_status(order)}); its address can no longer "
                "change. File a replacement instead."
            )
        rule = self.rule_key(ctx, ticket, _fulfillment_key(order))
        if rule.first is not None:
            await self.mark_duplicate(ctx, ticket, rule.first, "change_address")
            return
        where = new_address.one_line()

        async def readdress() -> Outcome:
            changed: Order = await ctx.hub.commerce.change_shipping_address(
                ref=order.ref, address=new_address
            )
            return {"ticket": ticket.id, "order": changed.id, "address": where}

        async def readdressed_before() -> Outcome | None:
            fresh: Order = await ctx.hub.commerce.get_order(ref=order.ref)
            if fresh.shipping_address and fresh.shipping_address.one_line() == where:
                return {"ticket": ticket.id, "order": fresh.id, "address": where}
            return None

        intent = _intent(ticket, order=order.id, address=where)
        out = await self.act(
            ctx, rule, order.platform, "change_address", intent, readdress, readdressed_before
        )
        if out is not None:
            await self.finish(ctx, ticket, f"Order {order.number} will ship to {out['address']}.")

    async def replace(self, ctx: RunContext, ticket: Ticket, order: Order, asked: FulfillmentTicket) -> None:
        lines = order_lines(order, asked.line_items) or tuple(
            _whole_line(item) for item in order.line_items if item.id
        )
        rule = self.rule_key(ctx, ticket, _fulfillment_key(order))
        if rule.first is not None:
            await self.mark_duplicate(ctx, ticket, rule.first, "replacement_order")
            return
        request = ReplacementRequest(
            order=order.ref, lines=lines, reason=asked.admin_reason or "replacement", idempotency_key=rule.key
        )

        async def send_again() -> Outcome:
            new: Order = await ctx.hub.commerce.create_replacement_order(request=request)
            return {"ticket": ticket.id, "order": new.id, "number": new.number}

        intent = _intent(ticket, order=order.id, lines=[f"{li.line_item_id}x{li.quantity}" for li in lines])
        out = await self.act(ctx, rule, order.platform, "replacement_order", intent, send_again, None)
        if out is not None:
            await self.finish(
                ctx, ticket, f"Replacement order {out.get('number')} created for order {order.number}."
            )

    async def log_quality(self, ctx: RunContext, ticket: Ticket, asked: QualityTicket) -> str:
        """Record the SKU/lot once for the quality report; returns ``"SKU <sku> lot <lot>"``."""
        sku_lot = asked.sku_lot
        rule = self.rule_key(ctx, ticket, f"quality:{asked.sku}:{asked.lot}")
        if rule.first is not None:
            await self.mark_duplicate(ctx, ticket, rule.first, "quality_record")
            return sku_lot

        async def record() -> Outcome:
            return {"ticket": ticket.id, "quality": sku_lot}

        out = await self.act(ctx, rule, ticket.platform, "quality_record", _intent(ticket), record, None)
        if out is not None:
            await self.finish(ctx, ticket, f"Logged for the quality report: {sku_lot}.")
        return sku_lot

    # ---- shared steps

    def rule_key(self, ctx: RunContext, ticket: Ticket, key: str) -> RuleKey:
        """What the ledger holds for ``key``, as ``ticket`` sees it (one ledger read).

        A ticket that is not a duplicate holds the key (or is about to try): a later duplicate
        of it in this run notes it, so its notes as read are kept (``FirstTickets``).
        """
        entry = ctx.store.ledger.get(key)
        if entry is None:
            FirstTickets.of(ctx).keep(ticket)
            return RuleKey(key)
        theirs = entry.status is not Status.FAILED and entry.intent.get("ticket") != ticket.id
        if not theirs:
            FirstTickets.of(ctx).keep(ticket)
        done = entry.outcome if entry.status is Status.DONE and not theirs else None
        return RuleKey(key, entry.status, first=entry.intent if theirs else None, done=done)

    async def act(
        self,
        ctx: RunContext,
        rule: RuleKey,
        platform: str,
        action: str,
        intent: dict[str, Any],
        do: Callable[[], Awaitable[Outcome]],
        recover: Callable[[], Awaitable[Outcome | None]] | None,
    ) -> Outcome | None:
        """Do the rule key's action: its one ledger call. The outcome; None on a dry run.

        An action this ticket already did is not asked again (its outcome is the ledger's);
        one the platform refused is reopened with the corrected ticket's intent first.
        Raises ``TicketProblem`` with the platform's refusal.
        """
        if rule.done is not None:
            return rule.done
        if rule.refused and not ctx.dry_run:
            ctx.store.ledger.reopen(rule.key, intent)
        result = await ctx.perform(
            rule.key, platform=platform, action=action, intent=intent, do=do, recover=recover
        )
        if not result.ok:
            raise TicketProblem(f"{platform} refused: {result.error}")
        return None if ctx.dry_run else result.outcome  # a dry run plans the action, not its follow-ups

    async def mark_duplicate(
        self, ctx: RunContext, ticket: Ticket, first: dict[str, Any], action: str
    ) -> None:
        """Resolve ``ticket`` as a duplicate of the ticket whose intent is ``first``.

        Both tickets get a note naming the other (and the duplicate's conversations), instead
        of a link: Intercom links an existing ticket to conversations only when it is a tracker
        ticket (``conversation_to_link_id`` at creation is the only link for back-office ones).
        """
        ctx.count("duplicate_tickets")
        what = action.replace("_", " ")
        first_name = first.get("ticket_number") or first.get("ticket")
        if first.get("ticket"):
            await self.note_first(
                ctx, ticket, Ref(platform=ticket.platform, id=str(first["ticket"]), kind="ticket"), what
            )
        await self.finish(
            ctx,
            ticket,
            f"Duplicate of ticket {first_name}, which already covers this ({what}); nothing was done again.",
        )

    async def note_first(self, ctx: RunContext, duplicate: Ticket, first: Ref, what: str) -> None:
        """Note on the first ticket that ``duplicate`` asked for the same, and where it came from.

        The first ticket's notes are read again only when this run did not read them itself
        (it acted on the first ticket in an earlier run): ``FirstTickets``.
        """
        body = (
            f"Ticket {duplicate.number or duplicate.id} {ASKED_AGAIN} ({what}); "
            "it was resolved as a duplicate of this ticket."
        )
        if duplicate.linked_conversation_ids:
            body += f" Its conversation(s): {', '.join(duplicate.linked_conversation_ids)}."

        async def note() -> Outcome:
            written = await ctx.hub.helpdesk.add_note(target=first, body=body)
            return {"note": written.id, "ticket": first.id}

        def written(notes: Iterable[Note]) -> Outcome | None:
            found = _noted(notes, body)
            return {"note": found.id, "ticket": first.id} if found else None

        on_first = NotesAsRead(first, FirstTickets.of(ctx).notes(first))
        await ctx.perform(
            f"back_office:duplicate:{duplicate.platform}:{first.id}:{duplicate.id}",
            platform=duplicate.platform,
            action="note_duplicate",
            intent={"ticket": first.id, "duplicate": duplicate.id},
            do=note,
            # The same words on the first ticket: never noted twice (its notes as this run read them).
            find_existing=lambda: on_first.look(ctx, written),
            recover=lambda: on_first.look(ctx, written, fresh=True),
        )

    async def finish(
        self, ctx: RunContext, ticket: Ticket, body: str, state: TicketState = TicketState.RESOLVED
    ) -> None:
        """Note the result on the ticket, then move it; each step once, whatever crashes."""
        body = redact(body)  # the note quotes platform errors: it goes to agents and the ledger
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]

        async def note() -> Outcome:
            written = await ctx.hub.helpdesk.add_note(target=ticket.ref, body=body)
            return {"note": written.id}

        def written(notes: Iterable[Note]) -> Outcome | None:
            found = _noted(notes, body)
            return {"note": found.id} if found else None

        on_ticket = NotesAsRead(ticket.ref, ticket.notes)
        await ctx.perform(
            f"back_office:note:{ticket.platform}:{ticket.id}:{digest}",
            platform=ticket.platform,
            action="add_note",
            intent={"ticket": ticket.id, "body": body},
            do=note,
            # The same words on the ticket: never noted twice (its notes as the ticket list had them).
            find_existing=lambda: on_ticket.look(ctx, written),
            recover=lambda: on_ticket.look(ctx, written, fresh=True),
            park=_parked(ticket),
        )

        async def move() -> Outcome:
            await ctx.hub.helpdesk.update_ticket(ref=ticket.ref, state=state, attributes=None)
            return {"state": state.value}

        # Moving a ticket is idempotent (setting the same state twice changes nothing).
        await ctx.perform(
            f"back_office:state:{ticket.platform}:{ticket.id}:{state.value}:{digest}",
            platform=ticket.platform,
            action="update_ticket",
            intent={"ticket": ticket.id, "state": state.value},
            do=move,
            park=_parked(ticket),
        )
        ctx.count("resolved" if state is TicketState.RESOLVED else "waiting")

    async def requesters(self, ctx: RunContext, ticket: Ticket) -> list[Contact]:
        """The ticket's contacts (the customers asking), as the helpdesk holds them."""
        return [
            await ctx.hub.helpdesk.get_contact(ref=Ref(platform=ticket.platform, id=contact_id))
            for contact_id in ticket.contact_ids
        ]

    async def owned_order(self, ctx: RunContext, ticket: Ticket, named: OrderNamed) -> Order:
        """The order ``named``, once it is known to be the ticket's customer's.

        Raises ``TicketProblem`` (not found, on several stores, platform not enabled) or
        ``NotTheCustomer``: nothing about the order is acted on, or quoted, before this passes.
        """
        order = await self.locate_order(ctx, named)
        await require_order_owner(ctx.hub, order, await self.requesters(ctx, ticket))
        return order

    async def locate_order(self, ctx: RunContext, named: OrderNamed) -> Order:
        """The order the ticket names, on its platform, or on whichever store has it."""
        platforms = [named.platform] if named.platform else ctx.hub.providers("commerce_get_order")
        found: list[Order] = []
        for name in platforms:
            try:
                found.append(
                    await ctx.hub.commerce.get_order(ref=Ref(platform=name, id=named.id, store=named.store))
                )
            except NotFoundError:
                continue
            except CapabilityMissing:
                raise TicketProblem(f"platform {name!r} is not enabled in the hub") from None
        if not found:
            raise TicketProblem(f"Order {named.id} was not found on {', '.join(platforms) or 'any store'}.")
        if len(found) > 1:
            where = ", ".join(f"{o.platform}/{o.store}" for o in found)
            raise TicketProblem(
                f"Order {named.id} exists on several stores ({where}); set the platform and store."
            )
        return found[0]


class FirstTickets:
    """The notes of the tickets this run took (or holds) a rule key for, as the run read them.

    A later duplicate in the same run notes its first ticket (``note_first``) and looks here for
    its words before writing. The notes are kept in the run's context (``ctx.memo``), so they
    never outlive the run that read them: what another run wrote before is in them, what was
    written since went through this database's ledger (its entry is not new, and the ledger
    reads the notes again: ``recover``). Bounded: the newest ``LIMIT`` tickets of the run; a
    ticket not here (acted on by an earlier run, read without all its notes, pushed out) is read
    again.
    """

    LIMIT = 1_000
    _MEMO = "back_office.first_tickets"

    def __init__(self) -> None:
        self._notes: OrderedDict[tuple[str, str], tuple[Note, ...]] = OrderedDict()

    @classmethod
    def of(cls, ctx: RunContext) -> FirstTickets:
        """This run's (made on first use)."""
        kept = ctx.memo.get(cls._MEMO)
        if not isinstance(kept, cls):
            kept = ctx.memo[cls._MEMO] = cls()
        return kept

    def keep(self, ticket: Ticket) -> None:
        """Keep ``ticket``'s notes as read (a read without them all forgets any kept before)."""
        place = (ticket.platform, ticket.id)
        self._notes.pop(place, None)
        if ticket.notes is None:
            return
        self._notes[place] = ticket.notes
        if len(self._notes) > self.LIMIT:
            self._notes.popitem(last=False)

    def notes(self, ticket: Ref) -> tuple[Note, ...] | None:
        """The notes of ``ticket`` as this run read them; None when it did not keep them."""
        return self._notes.get((ticket.platform, ticket.id))


def _refuse_lines_refunded_before(
    ctx: RunContext, order: Order, lines: tuple[RefundLine, ...], key: str
) -> None:
    """Raise ``TicketProblem`` when ``lines`` and the hub's earlier refunds of this order (other
    reasons: other rule keys) together refund more units of a line than the order holds.

    The order's balance caps the money, not the units: two tickets with different reasons could
    each refund the same line in full where a platform does not track refunded units per line
    (Konnektive and Sticky.io report none). The ledger's done refunds name their lines (older
    entries, written before they did, name none and count for nothing).
    """
    if not lines:
        return
    prefix = key.rsplit(":", 1)[0] + ":"  # refund:<platform>:<store>:<order id>:<reason>
    refunded: Counter[str] = Counter()
    for entry in ctx.store.ledger.with_prefix(prefix, status=Status.DONE):
        for line_id, quantity in (entry.outcome or {}).get("lines") or ():
            refunded[str(line_id)] += int(quantity)
    by_id = {item.id: item for item in order.line_items}
    for line in lines:
        item = by_id.get(line.line_item_id)
        earlier = refunded[line.line_item_id]
        if item is not None and earlier and earlier + line.quantity > item.quantity:
            raise TicketProblem(
                f"line_items: {line.quantity} x {item.sku or item.id} asked, but the hub already "
                f"refunded {earlier} of the {item.quantity} on order {order.number}."
            )


def _noted(notes: Iterable[Note], body: str) -> Note | None:
    """The note whose words are ``body`` (the hub's marker is what it writes), if there is one."""
    wanted = body.strip()
    return next((note for note in notes if note.body.strip() == wanted), None)


def adopt_store_cursors(ctx: RunContext) -> None:
    """Start the one unit where the per-store units of earlier versions had all got to.

    Those units each read the whole ticket list, so every one of them has been through the
    tickets up to its cursor: the earliest of them is a safe start. When one of them has no
    cursor (it never finished a page), nothing is adopted and the first run reads everything
    (the ledger keeps what was done from being done again).
    """
    if ctx.scope or ctx.cursor() is not None:
        return
    old = [ctx.store.cursors.get(ctx.flow, scope) for scope in store_scopes(ctx.config)]
    found = [cursor for cursor in old if cursor is not None]
    if found and len(found) == len(old):
        ctx.save_cursor(min(found, key=lambda cursor: (cursor.position, id_order(cursor.last_id))))


def _fulfillment_key(order: Order) -> str:
    """One fulfillment (address change or replacement) per order."""
    return f"fulfillment:{order.platform}:{order.store or ''}:{order.id}"


def _intent(ticket: Ticket, **details: Any) -> dict[str, Any]:
    """What the ledger keeps: the ticket that asked, its conversations (for duplicates), details."""
    return {
        "ticket": ticket.id,
        "ticket_number": ticket.number,
        "conversations": list(ticket.linked_conversation_ids),
        **details,
    }


def _parked(ticket: Ticket) -> tuple[str, Any]:
    """Where a refused note or state change parks the ticket (``retry_dead_letter`` reads it)."""
    return f"ticket:{ticket.platform}:{ticket.id}", ticket.model_dump(mode="json")


def _whole_line(item: LineItem) -> RefundLine:
    return RefundLine(line_item_id=item.id or "", quantity=item.quantity)
