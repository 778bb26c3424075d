"""Back office: carry Refund, Subscription Cancel, Fulfillment and Quality tickets out, once.

Each submitted ticket is checked for what its type needs (a ticket missing something goes to
waiting with a note saying exactly what), carried out on the platform that owns the order
through the ledger, then gets a note with the result and moves to resolved, or to waiting
with the platform's refusal. One action per rule key: one refund per reason per order, one
cancel per subscription, one fulfillment per order, one quality record per SKU/lot; a second
ticket for the same key is linked to the first's conversation and resolved as a duplicate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from hub.core.config import HubConfig
from hub.core.errors import CapabilityMissing, FatalError, IdempotencyConflict, MappingError, NotFoundError
from hub.core.models import (
    Contact,
    Disposition,
    LineItem,
    Money,
    Order,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    Ticket,
    TicketState,
    TicketType,
    ship_status,
)
from hub.core.redact import redact
from hub.flows.base import UNASSIGNED, Flow, FlowOptions, RunContext, store_scopes
from hub.flows.needs import BACK_OFFICE
from hub.flows.ownership import NotTheCustomer, require_order_owner, require_subscription_owner
from hub.flows.tickets import (
    TicketProblem,
    address,
    amount,
    enum_value,
    flag,
    line_quantities,
    lines_total,
    missing,
    order_lines,
    text,
)
from hub.store import ActionResult, Outcome, Status

HANDLED = [TicketType.REFUND, TicketType.SUBSCRIPTION_CANCEL, TicketType.FULFILLMENT, TicketType.QUALITY]


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
            "helpdesk_link_ticket",
            "commerce_get_order",
            "helpdesk_get_contact",  # whose order it is: checked before every action
        }
    )
    options_model = BackOfficeOptions
    needs = BACK_OFFICE

    def scopes(self, config: HubConfig) -> list[str]:
        # One unit per store, so several workers carry different brands' tickets at once.
        return store_scopes(config)

    async def run(self, ctx: RunContext) -> None:
        quality: Counter[str] = Counter()
        known = set(store_scopes(ctx.config))
        tickets = ctx.new_records(ctx.hub.helpdesk.list_tickets, lambda t: t.updated_at, types=HANDLED)
        async for page in tickets:
            for ticket in page:
                if ticket.state is not TicketState.SUBMITTED:
                    continue  # waiting, in progress or done: people are on it
                if ctx.scope and _scope_of(ticket, known) != ctx.scope:
                    continue  # another store's unit carries it
                ctx.count("tickets")
                await self.handle(ctx, ticket, quality)
            ctx.advance(ctx.counts["tickets"])
        for key, count in sorted(quality.items()):
            ctx.report.append(f"quality {key}: {count} ticket(s) this run")

    async def handle(self, ctx: RunContext, ticket: Ticket, quality: Counter[str]) -> None:
        try:
            if ticket.type is TicketType.REFUND:
                await self.refund(ctx, ticket)
            elif ticket.type is TicketType.SUBSCRIPTION_CANCEL:
                await self.cancel_subscription(ctx, ticket)
            elif ticket.type is TicketType.FULFILLMENT:
                await self.fulfil(ctx, ticket)
            elif ticket.type is TicketType.QUALITY:
                quality[await self.log_quality(ctx, ticket)] += 1
        except (TicketProblem, NotTheCustomer) as problem:
            await self.finish(ctx, ticket, str(problem), TicketState.WAITING_ON_CUSTOMER)
        except (FatalError, CapabilityMissing) as refused:
            await self.finish(
                ctx, ticket, f"Could not be carried out: {refused}", TicketState.WAITING_ON_CUSTOMER
            )
        except (MappingError, IdempotencyConflict) as exc:
            ctx.dead_letter(f"ticket:{ticket.platform}:{ticket.id}", ticket.model_dump(mode="json"), str(exc))

    async def retry_dead_letter(self, ctx: RunContext, payload: Any) -> bool:
        try:
            ticket = Ticket.model_validate(payload)
        except ValidationError:  # parked unmappable (raw platform JSON): re-read once edited there
            return False
        before = ctx.counts["dead_letters"]
        await self.handle(ctx, ticket, Counter())
        return ctx.counts["dead_letters"] == before

    # ---- the four ticket types

    async def refund(self, ctx: RunContext, ticket: Ticket) -> None:
        absent = missing(ticket, "order_id", "refund_reason", "admin_reason", "disposition")
        if text(ticket, "amount") is None and text(ticket, "line_items") is None:
            absent.append("amount or line_items")
        if absent:
            raise TicketProblem(f"Missing: {', '.join(absent)}. Fill them in and submit the ticket again.")
        reason = enum_value(RefundReason, ticket, "refund_reason")
        disposition = enum_value(Disposition, ticket, "disposition")
        order = await self.locate_order(ctx, ticket)
        await require_order_owner(ctx.hub, order, await self.requesters(ctx, ticket))
        lines = order_lines(order, line_quantities(ticket))
        value = amount(ticket, order.total.currency) or lines_total(order, lines)
        if lines and value > lines_total(order, lines):
            raise TicketProblem(
                f"Amount {value} is more than the line items are worth ({lines_total(order, lines)}); "
                "leave line_items empty to refund an amount against the whole order."
            )
        key = f"refund:{order.platform}:{order.store or ''}:{order.id}:{reason.value}"
        # Once the key is claimed (paid, or maybe paid before a crash) the order's balance already
        # counts this refund: the ledger decides what happens, not the balance check.
        if not _claimed(ctx, key) and value > order.refundable.amount:
            raise TicketProblem(
                f"Amount {value} is above the refundable balance {order.refundable} of order {order.number}."
            )
        money = Money(amount=value, currency=order.total.currency)
        request = RefundRequest(
            order=order.ref,
            amount=money,
            lines=lines,
            reason=reason,
            admin_reason=text(ticket, "admin_reason"),
            disposition=disposition,
            note=f"Ticket {ticket.number or ticket.id} [{key}]",
            idempotency_key=key,
        )
        intent = _intent(
            ticket, order=order.id, amount=str(value), currency=money.currency, reason=reason.value
        )

        async def pay() -> Outcome:
            refund = await ctx.hub.commerce.refund_order(request=request)
            return {"ticket": ticket.id, "refund": refund.id, "amount": str(refund.amount)}

        async def paid_before() -> Outcome | None:
            fresh: Order = await ctx.hub.commerce.get_order(ref=order.ref)
            refund = next((r for r in fresh.refunds if key in (r.note or "")), None)
            return (
                {"ticket": ticket.id, "refund": refund.id, "amount": str(refund.amount)} if refund else None
            )

        result = await self.claim(ctx, ticket, key, order.platform, "refund", intent, pay, paid_before)
        if result is not None and result.outcome is not None:
            out = result.outcome
            await self.finish(
                ctx,
                ticket,
                f"Refunded {out.get('amount', money)} on {order.platform} order {order.number} "
                f"(refund {out.get('refund')}); reason {reason.value}, disposition {disposition.value}.",
            )

    async def cancel_subscription(self, ctx: RunContext, ticket: Ticket) -> None:
        absent = missing(ticket, "subscription_id", "platform")
        if absent:
            raise TicketProblem(f"Missing: {', '.join(absent)}. Fill them in and submit the ticket again.")
        sub = Ref(
            platform=text(ticket, "platform") or "",
            id=text(ticket, "subscription_id") or "",
            store=text(ticket, "store"),
        )
        if flag(ticket, "saved"):
            await self.finish(
                ctx, ticket, f"Saved: retention offer accepted; subscription {sub.id} left active."
            )
            ctx.count("saves")
            return
        await require_subscription_owner(ctx.hub, sub, await self.requesters(ctx, ticket))
        key = f"cancel:{sub.platform}:{sub.store or ''}:{sub.id}"
        intent = _intent(ticket, subscription=sub.id)

        async def cancel() -> Outcome:
            done = await ctx.hub.commerce.cancel_subscription(
                ref=sub,
                reason=text(ticket, "admin_reason") or "customer request",
                idempotency_key=key,
            )
            return {"ticket": ticket.id, "subscription": done.id, "status": done.status.value}

        # Cancelling is idempotent on every platform (a cancelled subscription is returned as
        # is), so a pending entry is recovered by cancelling again.
        result = await self.claim(ctx, ticket, key, sub.platform, "cancel_subscription", intent, cancel, None)
        if result is not None and result.outcome is not None:
            status = result.outcome.get("status", "cancelled")
            await self.finish(
                ctx, ticket, f"Subscription {sub.id} on {sub.platform}: {status}; rebills stopped."
            )

    async def fulfil(self, ctx: RunContext, ticket: Ticket) -> None:
        absent = missing(ticket, "order_id")
        new_address = address(ticket)
        if new_address is None and not flag(ticket, "replacement"):
            absent.append("new_address or replacement")
        if absent:
            raise TicketProblem(f"Missing: {', '.join(absent)}. Fill them in and submit the ticket again.")
        order = await self.locate_order(ctx, ticket)
        await require_order_owner(ctx.hub, order, await self.requesters(ctx, ticket))
        key = f"fulfillment:{order.platform}:{order.store or ''}:{order.id}"
        if new_address is not None:
            if order.shipped:
                raise TicketProblem(
                    f"Order {order.number} has shipped ({ship_status(order)}); its address can no longer "
                    "change. File a replacement instead."
                )
            intent = _intent(ticket, order=order.id, address=new_address.one_line())

            async def readdress() -> Outcome:
                changed: Order = await ctx.hub.commerce.change_shipping_address(
                    ref=order.ref, address=new_address
                )
                return {"ticket": ticket.id, "order": changed.id, "address": new_address.one_line()}

            async def readdressed_before() -> Outcome | None:
                fresh: Order = await ctx.hub.commerce.get_order(ref=order.ref)
                if fresh.shipping_address and fresh.shipping_address.one_line() == new_address.one_line():
                    return {"ticket": ticket.id, "order": fresh.id, "address": new_address.one_line()}
                return None

            result = await self.claim(
                ctx, ticket, key, order.platform, "change_address", intent, readdress, readdressed_before
            )
            if result is not None and result.outcome is not None:
                await self.finish(
                    ctx, ticket, f"Order {order.number} will ship to {result.outcome['address']}."
                )
            return
        lines = order_lines(order, line_quantities(ticket)) or tuple(
            _whole_line(item) for item in order.line_items if item.id
        )
        request = ReplacementRequest(
            order=order.ref,
            lines=lines,
            reason=text(ticket, "admin_reason") or "replacement",
            idempotency_key=key,
        )
        intent = _intent(ticket, order=order.id, lines=[f"{li.line_item_id}x{li.quantity}" for li in lines])

        async def replace() -> Outcome:
            new: Order = await ctx.hub.commerce.create_replacement_order(request=request)
            return {"ticket": ticket.id, "order": new.id, "number": new.number}

        result = await self.claim(
            ctx, ticket, key, order.platform, "replacement_order", intent, replace, None
        )
        if result is not None and result.outcome is not None:
            await self.finish(
                ctx,
                ticket,
                f"Replacement order {result.outcome.get('number')} created for order {order.number}.",
            )

    async def log_quality(self, ctx: RunContext, ticket: Ticket) -> str:
        absent = missing(ticket, "sku", "lot")
        if absent:
            raise TicketProblem(f"Missing: {', '.join(absent)}. Fill them in and submit the ticket again.")
        sku_lot = f"SKU {text(ticket, 'sku')} lot {text(ticket, 'lot')}"
        key = f"quality:{text(ticket, 'sku')}:{text(ticket, 'lot')}"

        async def record() -> Outcome:
            return {"ticket": ticket.id, "quality": sku_lot}

        result = await self.claim(
            ctx, ticket, key, ticket.platform, "quality_record", _intent(ticket), record, None
        )
        if result is not None:
            await self.finish(ctx, ticket, f"Logged for the quality report: {sku_lot}.")
        return sku_lot

    # ---- shared steps

    async def claim(
        self,
        ctx: RunContext,
        ticket: Ticket,
        key: str,
        platform: str,
        action: str,
        intent: dict[str, Any],
        do: Callable[[], Awaitable[Outcome]],
        recover: Callable[[], Awaitable[Outcome | None]] | None,
    ) -> ActionResult | None:
        """Do the rule key's action for this ticket; None when it is a duplicate (or a dry run).

        A key another ticket already holds (done or in flight) makes this one a duplicate; a
        key refused before may be tried again with the corrected ticket.
        """
        entry = ctx.store.ledger.get(key)
        if (
            entry is not None
            and entry.status is not Status.FAILED
            and entry.intent.get("ticket") != ticket.id
        ):
            await self.mark_duplicate(ctx, ticket, entry.intent, action)
            return None
        if entry is not None and entry.status is Status.DONE:
            return ActionResult(outcome=entry.outcome, duplicate=True)
        if entry is not None and entry.status is Status.FAILED and not ctx.dry_run:
            ctx.store.ledger.reopen(key, intent)
        result = await ctx.perform(
            key, platform=platform, action=action, intent=intent, do=do, recover=recover
        )
        if not result.ok:
            raise TicketProblem(f"{platform} refused: {result.error}")
        return None if ctx.dry_run else result  # a dry run plans the action, not its follow-ups

    async def mark_duplicate(
        self, ctx: RunContext, ticket: Ticket, first: dict[str, Any], action: str
    ) -> None:
        ctx.count("duplicate_tickets")
        for conversation in first.get("conversations", []):
            target = Ref(platform=ticket.platform, id=str(conversation))

            async def link(target: Ref = target) -> Outcome:
                await ctx.hub.helpdesk.link_ticket(ticket=ticket.ref, conversation=target)
                return {"linked": target.id}

            await ctx.perform(
                f"back_office:link:{ticket.platform}:{ticket.id}:{conversation}",
                platform=ticket.platform,
                action="link_ticket",
                intent={"ticket": ticket.id, "conversation": conversation},
                do=link,
            )
        await self.finish(
            ctx,
            ticket,
            f"Duplicate of ticket {first.get('ticket_number') or first.get('ticket')}, which already "
            f"covers this ({action.replace('_', ' ')}); nothing was done again.",
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

        async def noted_before() -> Outcome | None:
            notes = await ctx.hub.helpdesk.list_notes(target=ticket.ref)
            found = next((n for n in notes if n.body.strip() == body.strip()), None)
            return {"note": found.id} if found else None

        await ctx.perform(
            f"back_office:note:{ticket.platform}:{ticket.id}:{digest}",
            platform=ticket.platform,
            action="add_note",
            intent={"ticket": ticket.id, "body": body},
            do=note,
            find_existing=noted_before,  # the same words on the ticket: never noted twice
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

    async def locate_order(self, ctx: RunContext, ticket: Ticket) -> Order:
        """The order the ticket names, on its platform, or on whichever store has it."""
        order_id = text(ticket, "order_id") or ""
        platform = text(ticket, "platform")
        platforms = [platform] if platform else ctx.hub.providers("commerce_get_order")
        found: list[Order] = []
        for name in platforms:
            try:
                found.append(
                    await ctx.hub.commerce.get_order(
                        ref=Ref(platform=name, id=order_id, store=text(ticket, "store"))
                    )
                )
            except NotFoundError:
                continue
            except CapabilityMissing:
                raise TicketProblem(f"platform {name!r} is not enabled in the hub") from None
        if not found:
            raise TicketProblem(f"Order {order_id} was not found on {', '.join(platforms) or 'any store'}.")
        if len(found) > 1:
            where = ", ".join(f"{o.platform}/{o.store}" for o in found)
            raise TicketProblem(
                f"Order {order_id} exists on several stores ({where}); set the platform and store."
            )
        return found[0]


def _scope_of(ticket: Ticket, known: set[str]) -> str:
    """The unit that carries a ticket: its store, or "unassigned" for none or an unknown one."""
    store = text(ticket, "store")
    return store if store in known else UNASSIGNED


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


def _claimed(ctx: RunContext, key: str) -> bool:
    """Whether a ledger entry holds ``key`` (done or in flight), not one the platform refused."""
    entry = ctx.store.ledger.get(key)
    return entry is not None and entry.status is not Status.FAILED


def _whole_line(item: LineItem) -> RefundLine:
    return RefundLine(line_item_id=item.id or "", quantity=item.quantity)
