"""The CS Assist inbox app: the team's panel for a conversation's customer, and its actions.

Initialize shows the customer's panel (``hub.serve.views``): search, summary, addresses, the last
orders (each opens its details), open subscriptions, consents per campaign, an internal-notes
box, the actions and the quick links. Submit carries out what a button asked:

- Refunds, subscription cancels and address changes are filed as the back-office ticket an
  agent would file by hand (linked to the conversation), then carried out at once by
  ``BackOffice.handle``: the same rule keys, checks and ledger as the scheduled back-office flow,
  so the canvas and the flow never both act. A refund is reviewed before it is confirmed: its
  order, amount, refund reason, admin reason and disposition are all required first.
- Notes, consents and checkout links go through the ledger directly.
- Every form carries a ``form`` id in ``stored_data``: a double click or a retried submit finds
  the ledger entry of the first and does nothing again.

Whose money: every order-level action acts for the conversation's contact and checks, before
anything is filed, that the order or subscription belongs to that contact
(``hub.flows.ownership``). The customer search is **read-only**: a customer found by email or
phone is shown without notes or actions, and a submit naming a searched customer's order is
refused by that same check (it is not the conversation's customer's). To act for them, an agent
works from that customer's own conversation or ticket, where the check passes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hub.core.amounts import MAX_QUANTITY, parse_amount, parse_quantity
from hub.core.errors import CapabilityMissing, FatalError, HubError
from hub.core.manager import Hub
from hub.core.models import (
    Channel,
    CheckoutLinkRequest,
    CheckoutProduct,
    Consent,
    Contact,
    CustomerSummary,
    Money,
    Order,
    OrderSummary,
    Ref,
    StoreConsent,
    Ticket,
    TicketDraft,
    TicketType,
)
from hub.core.panel import AppRequest, Button, Component, Dropdown, Input, Panel, Text, Textarea
from hub.core.redact import redact
from hub.engine import Runtime
from hub.flows.back_office import BackOffice
from hub.flows.base import RunContext
from hub.flows.checkout_link import FLOW as CHECKOUT_FLOW
from hub.flows.checkout_link import create_checkout_link
from hub.flows.cs_assist import CsAssistOptions
from hub.flows.ownership import CONVERSATION, require_order_owner, require_subscription_owner
from hub.flows.summary import build_summary, read_person
from hub.flows.tickets import ADDRESS_FORMAT, TicketProblem, parse_address
from hub.serve.processor import flow_leases, flow_scopes
from hub.serve.views import (
    ALL,
    CHOOSE,
    ORDER_ITEM,
    REFUND_CHOICES,
    Extras,
    consents_form,
    customer_view,
    one_line,
    order_choices,
    order_details,
    order_key,
    refund_form,
    refund_review,
    source_key,
)

LEASE_WAIT_SECONDS = 3.0
"""How long a submit waits for a scheduled back-office run to finish before answering 'queued'."""
MAX_NOTE_CHARS = 5_000
"""A longer note is refused rather than cut: the agent shortens it."""


@dataclass(frozen=True)
class Submission:
    """One confirmed form: whose panel it was, what it carried, and the form's id (its ledger key)."""

    contact: Contact
    conversation: str | None
    summary: CustomerSummary | None
    values: dict[str, Any]
    form: str
    admin: str | None = None


@dataclass(frozen=True)
class RefundPlan:
    """A refund form read and checked: the order (the contact's), the amount, the three choices."""

    order: Order
    key: str
    amount: Money
    choices: dict[str, str]


class InboxApp:
    """Answers the side-panel app's initialize and submit requests with the panel to show."""

    def __init__(self, runtime: Runtime, hub: Hub) -> None:
        self.runtime, self.hub = runtime, hub
        self._options: CsAssistOptions | None = None

    @property
    def options(self) -> CsAssistOptions:
        """``[flows.cs_assist]``: how many orders, the phone region, the retention scripts pages."""
        if self._options is None:
            options = self.runtime.flow("cs_assist").options
            assert isinstance(options, CsAssistOptions)
            self._options = options
        return self._options

    # ---- requests

    async def initialize(self, platform: str, request: AppRequest) -> Panel:
        contact = await self._contact(platform, request)
        return await self._main(contact, request.conversation_id)

    async def submit(self, platform: str, request: AppRequest) -> Panel:
        contact = await self._contact(platform, request)
        action = request.action
        if action == "search_customer":
            return await self._search(contact, request)
        if action.startswith(ORDER_ITEM):
            return await self._order_view(contact, request)
        summary = await self._summary(contact.email, contact.phone)
        forms = {
            "refund": self._refund_form,
            "review_refund": self._review_refund,
            "cancel_subscription": self._cancel_form,
            "change_address": self._address_form,
            "consents": self._consents_form,
            "checkout_link": self._checkout_form,
        }
        if action in forms:
            return await forms[action](contact, summary, request)
        confirms = {
            "confirm_refund": self._refund,
            "confirm_cancel": self._cancel,
            "confirm_address": self._change_address,
            "confirm_consents": self._consents,
            "confirm_checkout": self._checkout,
            "add_note": self._add_note,
        }
        if action not in confirms:
            return await self._main(contact, request.conversation_id, summary=summary)
        values = _submitted(request)
        form = str(request.stored.get("form") or _digest(values))
        try:
            sent = Submission(contact, request.conversation_id, summary, values, form, request.admin_id)
            message = await confirms[action](sent)
            style = "paragraph"
        except (HubError, ValueError, TicketProblem) as exc:
            message, style = f"Not done: {exc}", "error"
        contact = await self._contact(platform, request)  # read again: an action may have changed it
        return await self._main(contact, request.conversation_id, [Text(message, style, "result")])

    # ---- the views

    async def _contact(self, platform: str, request: AppRequest) -> Contact:
        return await self.hub.helpdesk.get_contact(ref=Ref(platform=platform, id=request.contact_id))

    async def _summary(self, email: str | None, phone: str | None) -> CustomerSummary | None:
        options = self.options
        return await build_summary(
            self.hub, email, phone, recent=options.recent_orders, region=options.phone_region
        )

    async def _main(
        self,
        contact: Contact,
        conversation: str | None,
        before: list[Component] | None = None,
        *,
        summary: CustomerSummary | None = None,
    ) -> Panel:
        """The conversation's customer's panel (``before``: a result or an error on top)."""
        summary = summary or await self._summary(contact.email, contact.phone)
        who = contact.email or contact.phone or contact.id
        extras = Extras(
            conversation=conversation,
            retention=self._retention_links(summary),
            helpdesk_consents=helpdesk_consents(contact, summary),
        )
        return Panel([*(before or []), *customer_view(summary, who, extras)], {"form": uuid.uuid4().hex})

    async def _search(self, contact: Contact, request: AppRequest) -> Panel:
        """Another customer, by email or phone: shown read-only (the actions stay this contact's)."""
        typed = str(request.values.get("search") or request.stored.get("search") or "").strip()
        try:
            email, phone = read_person(typed, region=self.options.phone_region)
        except ValueError as exc:
            return await self._main(
                contact, request.conversation_id, [Text(f"Search: {exc}", "error", "result")]
            )
        summary = await self._summary(email, phone)
        extras = Extras(read_only=True, search=typed, retention=self._retention_links(summary))
        return Panel(customer_view(summary, typed, extras), {"search": typed})

    async def _order_view(self, contact: Contact, request: AppRequest) -> Panel:
        """One order's details, from the summary on screen (the contact's, or the searched one's)."""
        key = request.action.removeprefix(ORDER_ITEM)
        searched = str(request.stored.get("search") or "").strip()
        if searched:
            try:
                email, phone = read_person(searched, region=self.options.phone_region)
            except ValueError:
                email, phone = None, None
            summary = await self._summary(email, phone) if email or phone else None
        else:
            summary = await self._summary(contact.email, contact.phone)
        order = _order_in(summary, key)
        if order is None:
            problem = Text("That order is not among this customer's last orders.", "error", "result")
            return await self._main(contact, request.conversation_id, [problem])
        # From a search, back goes to the search results, not to the conversation's customer.
        back = Button("search_customer", "Back to the search", "link") if searched else None
        components = order_details(order, read_only=bool(searched), back=back)
        stored = {"order": key, **({"search": searched} if searched else {})}
        return Panel(components, stored)

    def _retention_links(self, summary: CustomerSummary | None) -> list[tuple[str, str]]:
        """``(label, url)``: the retention scripts page of each of the customer's brands, once per page."""
        options = self.options
        stores = {ref.store: ref.store for ref in summary.sources} if summary else {}
        brands = list(summary.brands) if summary else []
        links: dict[str, str] = {}
        for brand in brands:
            url = options.retention_script(brand, _store_of(brand, stores))
            if url and url not in links:
                links[url] = f"Retention scripts: {brand}"
        if not brands and "*" in options.retention_scripts:
            links[options.retention_scripts["*"]] = "Retention scripts"
        return [(label, url) for url, label in links.items()]

    def _form(self, components: list[Component], confirm: str, label: str, form: str | None = None) -> Panel:
        buttons = [Button(confirm, label, "primary"), Button("back", "Back", "link")]
        return Panel([*components, *buttons], {"form": form or uuid.uuid4().hex})

    async def _refund_form(
        self,
        contact: Contact,
        summary: CustomerSummary | None,
        request: AppRequest,
        problem: str | None = None,
    ) -> Panel:
        """The refund form; opened from an order's details, that order is chosen; from the review
        ("Edit"), what was chosen is kept."""
        orders = order_choices(summary)
        if not orders:
            return Panel([Text("No orders to refund.", "muted"), Button("back", "Back", "link")])
        reviewed = request.stored.get("values")
        again = request.action == "review_refund" or isinstance(reviewed, dict)  # shown again, or edited
        if request.action == "review_refund":
            values = dict(request.values)
        elif isinstance(reviewed, dict):
            values = dict(reviewed)
        else:
            values = {"order": request.stored.get("order")}
        top = [Text(problem, "error", "result")] if problem else []
        # The same form keeps its id through review and edits (one ticket however often it is
        # confirmed); a form opened afresh gets a new one.
        form = str(request.stored.get("form") or "") if again else ""
        return Panel([*top, *refund_form(orders, values)], {"form": form or uuid.uuid4().hex})

    async def _review_refund(
        self, contact: Contact, summary: CustomerSummary | None, request: AppRequest
    ) -> Panel:
        """Every field checked (ownership and balance too) and shown back before anything is filed."""
        values = dict(request.values)
        try:
            plan = await self._refund_plan(contact, values)
            if plan.amount > plan.order.refundable:
                raise ValueError(
                    f"{plan.amount} is above the refundable balance {plan.order.refundable} of "
                    f"order {plan.order.number}"
                )
        except (HubError, ValueError) as exc:
            return await self._refund_form(contact, summary, request, f"Not ready: {exc}")
        where = f"{plan.order.number} ({plan.order.platform}, {plan.order.store or ''})"
        components = refund_review(values, where, plan.amount, plan.order.refundable)
        form = str(request.stored.get("form") or uuid.uuid4().hex)
        return Panel(components, {"form": form, "values": values})

    async def _cancel_form(
        self, contact: Contact, summary: CustomerSummary | None, request: AppRequest
    ) -> Panel:
        subscriptions = [
            (f"{s.platform}|{s.store or ''}|{s.id}", f"{s.product or s.sku or s.platform} (id {s.id})")
            for s in (summary.open_subscriptions if summary else ())
        ]
        if not subscriptions:
            return Panel([Text("No open subscriptions.", "muted"), Button("back", "Back", "link")])
        return self._form(
            [
                Text("Cancel subscription", "header"),
                Dropdown("subscription", "Subscription", subscriptions),
                Dropdown("admin_reason", "Admin reason", REFUND_CHOICES["admin_reason"][1]),
            ],
            "confirm_cancel",
            "Cancel subscription",
        )

    async def _address_form(
        self, contact: Contact, summary: CustomerSummary | None, request: AppRequest
    ) -> Panel:
        unshipped = [
            choice
            for choice, order in zip(
                order_choices(summary), summary.recent_orders if summary else (), strict=False
            )
            if order.ship_status == "Not Shipped"
        ]
        if not unshipped:
            return Panel([Text("No order waiting to ship.", "muted"), Button("back", "Back", "link")])
        chosen = str(request.stored.get("order") or "")
        return self._form(
            [
                Text("Change address before shipment", "header"),
                Dropdown(
                    "order", "Order", unshipped, chosen if any(chosen == k for k, _ in unshipped) else None
                ),
                Input("new_address", "New address", ADDRESS_FORMAT.strip('"')),
            ],
            "confirm_address",
            "Change address",
        )

    async def _consents_form(
        self, contact: Contact, summary: CustomerSummary | None, request: AppRequest
    ) -> Panel:
        return self._form(
            consents_form(summary, helpdesk_consents(contact, summary)), "confirm_consents", "Save consents"
        )

    async def _checkout_form(
        self, contact: Contact, summary: CustomerSummary | None, request: AppRequest
    ) -> Panel:
        """A new order: the store, the customer (prefilled), what to buy, who sold it, options."""
        # Only the customer's stores whose platform makes links: any other choice always failed.
        makers = self.hub.providers("commerce_create_checkout_link")
        stores = [
            (f"{ref.platform}|{ref.store or ''}|", f"{ref.store or ref.platform} ({ref.platform})")
            for ref in _sources(summary)
            if ref.platform in makers
        ]
        if not stores:
            stores = [(f"{name}||", name) for name in makers]
        first, _, last = ((summary.name if summary else None) or contact.name or "").partition(" ")
        address = summary.shipping_address if summary else None
        return self._form(
            [
                Text("Create new order (checkout link)", "header"),
                Dropdown("store", "Store", stores),
                Input("first_name", "First name", "", first or None),
                Input("last_name", "Last name", "", last or None),
                Input(
                    "email", "Email", "ann@example.com", contact.email or (summary.email if summary else None)
                ),
                Input(
                    "phone", "Phone", "+1 512 555 0142", (summary.phone if summary else None) or contact.phone
                ),
                Input("address", "Shipping address", ADDRESS_FORMAT.strip('"'), one_line(address) or None),
                Input("products", "Products", "SKU:QTY, SKU:QTY"),
                Input("sales_rep", "Sales rep", "who made the sale"),
                Input("discount_code", "Discount code"),
                Textarea("notes", "Notes", "Shown with the order"),
            ],
            "confirm_checkout",
            "Create link",
        )

    # ---- the actions

    async def _refund_plan(self, contact: Contact, values: dict[str, Any]) -> RefundPlan:
        """The refund a form asks for, every field required and checked, nothing filed yet.

        Raises ``ValueError`` naming a missing choice or an unreadable amount, and
        ``NotTheCustomer`` when the order is not the conversation's customer's.
        """
        if str(values.get("order") or CHOOSE) == CHOOSE:
            raise ValueError("choose the order")
        platform, store, number = _split(values.get("order"))
        choices = {}
        for field_id, (label, allowed) in REFUND_CHOICES.items():
            chosen = str(values.get(field_id) or "").strip()
            if chosen not in {key for key, _ in allowed}:
                raise ValueError(f"choose the {label.lower()}")
            choices[field_id] = chosen
        order = await self._owned_order(contact, platform, store, number)
        # Read by the hub's one amount parser: an empty or ambiguous amount ("1,50") is shown
        # back as an error, never guessed.
        amount = parse_amount(values.get("amount"), order.total.currency)
        money = Money(amount=amount, currency=order.total.currency)
        return RefundPlan(
            order=order, key=f"{platform}|{store or ''}|{number}", amount=money, choices=choices
        )

    async def _refund(self, sent: Submission) -> str:
        plan = await self._refund_plan(sent.contact, sent.values)
        platform, store, number = _split(plan.key)
        attributes = {
            "order_id": number,
            "platform": platform,
            "store": store,
            "amount": plan.amount.amount,
            **plan.choices,
        }
        return await self._file_and_handle(sent, TicketType.REFUND, f"Refund {number}", attributes)

    async def _cancel(self, sent: Submission) -> str:
        contact, values = sent.contact, sent.values
        platform, store, subscription = _split(values.get("subscription"))
        # Whose subscription it is is checked before a ticket is even filed (and again by the flow).
        await require_subscription_owner(
            self.hub, Ref(platform=platform, id=subscription, store=store), [contact], CONVERSATION
        )
        attributes = {
            "subscription_id": subscription,
            "platform": platform,
            "store": store,
            "admin_reason": values.get("admin_reason"),
        }
        title = f"Cancel subscription {subscription}"
        return await self._file_and_handle(sent, TicketType.SUBSCRIPTION_CANCEL, title, attributes)

    async def _change_address(self, sent: Submission) -> str:
        contact, values = sent.contact, sent.values
        platform, store, number = _split(values.get("order"))
        await self._owned_order(contact, platform, store, number)
        new_address = str(values.get("new_address") or "").strip()
        if not new_address:
            raise ValueError(f"write the new address as {ADDRESS_FORMAT}")
        attributes = {"order_id": number, "platform": platform, "store": store, "new_address": new_address}
        title = f"New address for {number}"
        return await self._file_and_handle(sent, TicketType.FULFILLMENT, title, attributes)

    async def _owned_order(self, contact: Contact, platform: str, store: str | None, number: str) -> Order:
        """The order a form names, once it is known to be the conversation contact's.

        The form's order list comes from the contact's summary, but a submit is only as honest
        as its sender: the order it names is fetched and checked before a ticket is filed.
        Raises ``NotTheCustomer`` (or the store's ``NotFoundError``/``AmbiguousMatch``).
        """
        order: Order = await self.hub.commerce.get_order(ref=Ref(platform=platform, id=number, store=store))
        await require_order_owner(self.hub, order, [contact], CONVERSATION)
        return order

    async def _file_and_handle(
        self, sent: Submission, kind: TicketType, title: str, attributes: dict[str, Any]
    ) -> str:
        """File the back-office ticket (once per form), then carry it out as the flow would."""
        contact, conversation, form = sent.contact, sent.conversation, sent.form
        ctx = self._context_for("back_office")
        clean = {key: value for key, value in attributes.items() if value not in (None, "")}
        draft = TicketDraft(
            platform=contact.platform,
            type=kind,
            title=title,
            contact_id=contact.id,
            attributes=clean,
            conversation_id=conversation,
        )

        async def file() -> dict[str, Any]:
            ticket: Ticket = await self.hub.helpdesk.create_ticket(draft=draft)
            return {"ticket": ticket.model_dump(mode="json")}

        filed = await ctx.perform(
            f"inbox_app:ticket:{contact.platform}:{form}",
            platform=contact.platform,
            action="create_ticket",
            intent={"contact": contact.id, "type": kind.value, "attributes": clean},
            do=file,
        )
        if not filed.ok or filed.outcome is None:
            raise FatalError(contact.platform, f"the ticket could not be filed: {filed.error}")
        ticket = Ticket.model_validate(filed.outcome["ticket"])
        name = f"ticket {ticket.number or ticket.id}"
        if not await self._handle_now(ctx, ticket):
            return f"Filed as {name}; the back office carries it out within minutes."
        return self._ticket_result(ticket, name)

    async def _handle_now(self, ctx: RunContext, ticket: Ticket) -> bool:
        """Carry the ticket out under the back-office leases; False when a run keeps them busy."""
        scopes = flow_scopes(self.runtime, "back_office")
        deadline = asyncio.get_running_loop().time() + LEASE_WAIT_SECONDS
        while True:
            async with flow_leases(self.runtime.store, "back_office", scopes) as held:
                if held:
                    await self._back_office().handle(ctx, ticket, Counter())
                    return True
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.2)

    def _ticket_result(self, ticket: Ticket, name: str) -> str:
        """The note the back office wrote on the ticket, and the state it moved it to."""
        store = self.runtime.store
        note = store.ledger.latest(f"back_office:note:{ticket.platform}:{ticket.id}:")
        state = store.ledger.latest(f"back_office:state:{ticket.platform}:{ticket.id}:")
        body = str(note.intent.get("body")) if note else "nothing was done"
        where = str(state.intent.get("state", "")).replace("_", " ") if state else "submitted"
        return f"{body} ({name}: {where})"

    async def _add_note(self, sent: Submission) -> str:
        """The agent's note on this conversation, as an internal note, once per panel and text."""
        contact, conversation = sent.contact, sent.conversation
        # Redacted like the back office's notes: a token pasted with an error must not reach Intercom.
        body = redact(str(sent.values.get("note") or "").strip())
        if conversation is None:
            raise ValueError("there is no conversation here to write the note on")
        if not body:
            raise ValueError("write the note first")
        if len(body) > MAX_NOTE_CHARS:
            raise ValueError(f"the note is {len(body)} characters; keep it under {MAX_NOTE_CHARS}")
        target = Ref(platform=contact.platform, id=conversation, kind="conversation")

        async def write() -> dict[str, Any]:
            note = await self.hub.helpdesk.add_note(target=target, body=body)
            return {"note": note.id, "conversation": conversation}

        async def written_before() -> dict[str, Any] | None:
            notes = await self.hub.helpdesk.list_notes(target=target)
            found = next((n for n in notes if n.body.strip() == body), None)
            return {"note": found.id, "conversation": conversation} if found else None

        result = await self._context_for("cs_assist").perform(
            f"inbox_app:note:{contact.platform}:{conversation}:{sent.form}:{_digest({'note': body})}",
            platform=contact.platform,
            action="add_note",
            intent={"conversation": conversation, "body": body, "admin": sent.admin},
            do=write,
            recover=written_before,  # a crash after writing: found on the conversation, not written twice
        )
        if not result.ok:
            raise FatalError(contact.platform, f"the note was not written: {result.error}")
        return "Note added to this conversation."

    async def _consents(self, sent: Submission) -> str:
        """Each chosen campaign's channels on its store; a channel no store records, on the contact."""
        values, summary = sent.values, sent.summary
        ticked = {str(v) for v in (values.get("consents") or [])}
        wanted = {channel: ALL in ticked or channel.value in ticked for channel in Channel}
        targets = _campaigns(summary, str(values.get("campaign") or ALL))
        ctx = self._context_for("cs_assist")
        done: list[str] = []
        recorded = {c.channel for c in summary.store_consents} if summary else set()
        for ref in targets:
            held = (
                {c.channel: c.opted_in for c in summary.store_consents if _same_record(c, ref)}
                if summary
                else {}
            )
            for channel in Channel:
                if channel in held and held[channel] != wanted[channel]:
                    consent = Consent(channel=channel, opted_in=wanted[channel])
                    done.append(await self._set_consent(ctx, ref, consent, sent.form))
        kept = {channel: wanted[channel] for channel in Channel if channel not in recorded}
        if kept:
            done.append(await self._keep_on_contact(ctx, sent, kept))
        return "Consents saved: " + ("; ".join(done) if done else "nothing to change") + "."

    async def _set_consent(self, ctx: RunContext, customer: Ref, consent: Consent, form: str) -> str:
        """One channel on one store's customer, through the ledger; what happened, in words."""

        async def write() -> dict[str, Any]:
            await self.hub.commerce.update_consent(customer=customer, consent=consent)
            return {"customer": customer.id, "channel": consent.channel.value, "opted_in": consent.opted_in}

        where = f"{customer.platform}:{customer.store or ''}:{customer.id}"
        turned = "on" if consent.opted_in else "off"
        switch = f"{consent.channel.value} {turned} at {customer.store or customer.platform}"
        try:
            result = await ctx.perform(
                f"inbox_app:consent:{where}:{consent.channel.value}:{form}",
                platform=customer.platform,
                action="update_consent",
                intent={
                    "customer": customer.id,
                    "channel": consent.channel.value,
                    "opted_in": consent.opted_in,
                },
                do=write,
            )
        except CapabilityMissing:
            return f"{switch}: not changed ({customer.platform} cannot change consents)"
        return switch if result.ok else f"{switch}: not changed ({result.error})"

    async def _keep_on_contact(self, ctx: RunContext, sent: Submission, kept: dict[Channel, bool]) -> str:
        """Consents no store records (phone, on every built-in store), kept on the helpdesk contact.

        CS Assist never writes these blank (``summary_attributes`` leaves them out), so what the
        agent records here stays until an agent changes it.
        """
        contact = sent.contact
        attributes = {f"consent_{channel.value}": opted_in for channel, opted_in in kept.items()}
        if all(contact.attributes.get(key) is value for key, value in attributes.items()):
            return "helpdesk: nothing to change"

        async def write() -> dict[str, Any]:
            await self.hub.helpdesk.update_contact(ref=contact.ref, attributes=attributes)
            return {"contact": contact.id, "attributes": attributes}

        result = await ctx.perform(
            f"inbox_app:contact_consent:{contact.platform}:{contact.id}:{sent.form}",
            platform=contact.platform,
            action="update_contact",
            intent={"contact": contact.id, "attributes": attributes},
            do=write,
        )
        words = ", ".join(f"{c.value} {'on' if v else 'off'}" for c, v in kept.items())
        return f"{words} on the helpdesk contact" + ("" if result.ok else f": not changed ({result.error})")

    async def _checkout(self, sent: Submission) -> str:
        contact, values = sent.contact, sent.values
        platform, store, _ = _split(values.get("store"))
        email = _field(values, "email") or contact.email
        if not email:
            raise ValueError("the checkout needs the customer's email")
        address = _field(values, "address")
        metadata = {"conversation": sent.conversation or "", "form": sent.form}
        if _field(values, "notes"):  # shown with the order, and in the link's URL: redacted
            metadata["notes"] = redact(_field(values, "notes") or "")
        request = CheckoutLinkRequest(
            platform=platform,
            store=store,
            email=email,
            first_name=_field(values, "first_name"),
            last_name=_field(values, "last_name"),
            phone=_field(values, "phone") or contact.phone,
            shipping_address=parse_address(address) if address else None,
            products=_products(values.get("products")),
            sales_rep=_field(values, "sales_rep"),
            discount_code=_field(values, "discount_code"),
            metadata=metadata,
        )
        link = await create_checkout_link(self._context_for(CHECKOUT_FLOW), request)
        return f"Checkout link: {link.url}" + (f" (total {link.total})" if link.total else "")

    # ---- helpers

    def _context_for(self, flow: str) -> RunContext:
        return RunContext(hub=self.hub, store=self.runtime.store, config=self.runtime.config, flow=flow)

    def _back_office(self) -> BackOffice:
        flow = self.runtime.flow("back_office")
        assert isinstance(flow, BackOffice)
        return flow


def helpdesk_consents(contact: Contact, summary: CustomerSummary | None) -> dict[Channel, bool]:
    """Consents kept on the helpdesk contact, for the channels no store records for this customer."""
    recorded = {c.channel for c in summary.store_consents} if summary else set()
    found = {}
    for channel in Channel:
        value = contact.attributes.get(f"consent_{channel.value}")
        if channel not in recorded and isinstance(value, bool):
            found[channel] = value
    return found


def _submitted(request: AppRequest) -> dict[str, Any]:
    """The form's values: what was typed, or, confirming a review, what the review showed."""
    reviewed = request.stored.get("values")
    if request.action == "confirm_refund" and not request.values.get("order") and isinstance(reviewed, dict):
        return dict(reviewed)
    return dict(request.values)


def _campaigns(summary: CustomerSummary | None, chosen: str) -> list[Ref]:
    """The customer records a consents form acts on: every one, or the one chosen of them.

    A choice that is not one of this customer's records is refused: a form is only as honest as
    its sender.
    """
    sources = _sources(summary)
    if chosen == ALL:
        return sources
    found = [ref for ref in sources if source_key(ref) == chosen]
    if not found:
        raise ValueError("that campaign is not one of this customer's stores")
    return found


def _same_record(consent: StoreConsent, ref: Ref) -> bool:
    """Whether a store's consent is this customer record's."""
    return consent.platform == ref.platform and consent.store == ref.store and consent.customer_id == ref.id


def _order_in(summary: CustomerSummary | None, key: str) -> OrderSummary | None:
    return next((o for o in (summary.recent_orders if summary else ()) if order_key(o) == key), None)


def _store_of(brand: str, stores: dict[str | None, str | None]) -> str | None:
    """The store key a brand's stores use (``Ava Jane's Kitchen`` -> ``ava_janes_kitchen``) when
    the customer is on it."""
    key = re.sub(r"[^a-z0-9]+", "_", brand.lower().replace("'", "")).strip("_")
    return key if key in stores else None


def _split(value: Any) -> tuple[str, str | None, str]:
    platform, _, rest = str(value or "").partition("|")
    store, _, record = rest.partition("|")
    if not platform:
        raise ValueError("choose one from the list")
    return platform, store or None, record


def _field(values: dict[str, Any], key: str) -> str | None:
    text = str(values.get(key) or "").strip()
    return text or None


def _sources(summary: CustomerSummary | None) -> list[Ref]:
    return list(summary.sources) if summary else []


def _products(raw: Any) -> tuple[CheckoutProduct, ...]:
    products = []
    for part in str(raw or "").replace(";", ",").split(","):
        sku, _, quantity = part.strip().partition(":")
        if not sku:
            continue
        try:
            products.append(CheckoutProduct(sku=sku.strip(), quantity=parse_quantity(quantity or "1")))
        except ValueError:
            raise ValueError(
                f"products {raw!r}: write them as SKU:QTY, SKU:QTY (QTY from 1 to {MAX_QUANTITY:,})"
            ) from None
    if not products:
        raise ValueError("name at least one product as SKU:QTY")
    return tuple(products)


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:16]
