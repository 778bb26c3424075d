"""The CS Assist inbox app: initialize shows the customer's summary, submit carries actions out.

Refunds, subscription cancels and address changes are filed as the back-office ticket an agent
would file by hand (linked to the conversation), then carried out at once by
``BackOffice.handle``: the same rule keys, checks and ledger as the scheduled back-office flow,
so the canvas and the flow never both act. Consents and checkout links go through the ledger
directly. Every form carries a ``form`` id in ``stored_data``: a double click or a retried
submit finds the ledger entry of the first and does nothing again.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hub.core.amounts import parse_amount
from hub.core.errors import CapabilityMissing, FatalError, HubError
from hub.core.manager import Hub
from hub.core.models import (
    Channel,
    CheckoutLinkRequest,
    CheckoutProduct,
    Consent,
    Contact,
    CustomerSummary,
    Disposition,
    Order,
    Ref,
    RefundReason,
    Ticket,
    TicketDraft,
    TicketType,
)
from hub.core.panel import AppRequest, Button, Checkboxes, Component, Dropdown, Input, Panel, Text
from hub.engine import Runtime
from hub.flows.back_office import BackOffice
from hub.flows.base import RunContext
from hub.flows.checkout_link import FLOW as CHECKOUT_FLOW
from hub.flows.checkout_link import create_checkout_link
from hub.flows.ownership import CONVERSATION, require_order_owner, require_subscription_owner
from hub.flows.summary import build_summary
from hub.flows.tickets import ADDRESS_FORMAT
from hub.serve.processor import flow_leases, flow_scopes
from hub.serve.views import summary_components

LEASE_WAIT_SECONDS = 3.0
"""How long a submit waits for a scheduled back-office run to finish before answering 'queued'."""

REFUND_REASONS: list[tuple[str, str]] = [
    (RefundReason.DAMAGED, "Damaged"),
    (RefundReason.NOT_RECEIVED, "Not received"),
    (RefundReason.NOT_AS_DESCRIBED, "Not as described"),
    (RefundReason.QUALITY, "Quality issue"),
    (RefundReason.CHANGED_MIND, "Changed mind"),
    (RefundReason.SUBSCRIPTION, "Subscription rebill"),
    (RefundReason.DUPLICATE, "Duplicate order"),
    (RefundReason.OTHER, "Other"),
]
ADMIN_REASONS: list[tuple[str, str]] = [
    (label, label)
    for label in (
        "Arrived broken",
        "Too much product",
        "Forgot to cancel",
        "Did not order",
        "Lost in transit",
        "Wrong item sent",
        "Did not like it",
        "Service recovery",
        "Other",
    )
]
DISPOSITIONS: list[tuple[str, str]] = [
    (Disposition.RETURN_TO_STOCK, "Return to stock"),
    (Disposition.DISPOSE, "Dispose"),
    (Disposition.KEEP, "Customer keeps it"),
    (Disposition.NO_RETURN, "No return"),
]


@dataclass(frozen=True)
class Submission:
    """One confirmed form: whose panel it was, what it carried, and the form's id (its ledger key)."""

    contact: Contact
    conversation: str | None
    summary: CustomerSummary | None
    values: dict[str, Any]
    form: str


class InboxApp:
    """Answers the side-panel app's initialize and submit requests with the panel to show."""

    def __init__(self, runtime: Runtime, hub: Hub) -> None:
        self.runtime, self.hub = runtime, hub

    # ---- requests

    async def initialize(self, platform: str, request: AppRequest) -> Panel:
        contact = await self._contact(platform, request)
        return await self._summary_panel(contact)

    async def submit(self, platform: str, request: AppRequest) -> Panel:
        contact = await self._contact(platform, request)
        conversation, action, values = request.conversation_id, request.action, request.values
        summary = await build_summary(self.hub, contact.email, contact.phone)
        forms = {
            "refund": self._refund_form,
            "cancel_subscription": self._cancel_form,
            "change_address": self._address_form,
            "consents": self._consents_form,
            "checkout_link": self._checkout_form,
        }
        if action in forms:
            return forms[action](summary)
        confirms = {
            "confirm_refund": self._refund,
            "confirm_cancel": self._cancel,
            "confirm_address": self._change_address,
            "confirm_consents": self._consents,
            "confirm_checkout": self._checkout,
        }
        if action not in confirms:
            return await self._summary_panel(contact)
        form = str(request.stored.get("form") or _digest(values))
        try:
            sent = Submission(contact, conversation, summary, values, form)
            message = await confirms[action](sent)
            style = "paragraph"
        except (HubError, ValueError) as exc:
            message, style = f"Not done: {exc}", "error"
        return await self._summary_panel(contact, [Text(message, style, "result")])

    # ---- the views

    async def _contact(self, platform: str, request: AppRequest) -> Contact:
        return await self.hub.helpdesk.get_contact(ref=Ref(platform=platform, id=request.contact_id))

    async def _summary_panel(self, contact: Contact, before: list[Component] | None = None) -> Panel:
        summary = await build_summary(self.hub, contact.email, contact.phone)
        who = contact.email or contact.phone or contact.id
        return Panel([*(before or []), *summary_components(summary, who)])

    def _form(self, components: list[Component], confirm: str, label: str) -> Panel:
        buttons = [Button(confirm, label, "primary"), Button("back", "Back", "link")]
        return Panel([*components, *buttons], {"form": uuid.uuid4().hex})

    def _refund_form(self, summary: CustomerSummary | None) -> Panel:
        orders = _order_choices(summary)
        if not orders:
            return Panel([Text("No orders to refund.", "muted"), Button("back", "Back", "link")])
        return self._form(
            [
                Text("Refund", "header"),
                Dropdown("order", "Order", orders),
                Input("amount", "Amount", "e.g. 19.99"),
                Dropdown("refund_reason", "Reason", [(str(k), v) for k, v in REFUND_REASONS]),
                Dropdown("admin_reason", "Admin reason", ADMIN_REASONS),
                Dropdown("disposition", "Disposition", [(str(k), v) for k, v in DISPOSITIONS]),
            ],
            "confirm_refund",
            "Refund",
        )

    def _cancel_form(self, summary: CustomerSummary | None) -> Panel:
        subscriptions = [
            (_key(s.platform, s.store, s.id), f"{s.product or s.sku or s.id} ({s.platform})")
            for s in (summary.open_subscriptions if summary else ())
        ]
        if not subscriptions:
            return Panel([Text("No open subscriptions.", "muted"), Button("back", "Back", "link")])
        return self._form(
            [
                Text("Cancel subscription", "header"),
                Dropdown("subscription", "Subscription", subscriptions),
                Dropdown("admin_reason", "Admin reason", ADMIN_REASONS),
            ],
            "confirm_cancel",
            "Cancel subscription",
        )

    def _address_form(self, summary: CustomerSummary | None) -> Panel:
        unshipped = [
            choice
            for choice, order in zip(
                _order_choices(summary), summary.recent_orders if summary else (), strict=False
            )
            if order.ship_status == "Not Shipped"
        ]
        if not unshipped:
            return Panel(
                [Text("No order waiting to ship.", "muted"), Button("back", "Back", "link")]
            )
        return self._form(
            [
                Text("Change address before shipment", "header"),
                Dropdown("order", "Order", unshipped),
                Input("new_address", "New address", ADDRESS_FORMAT.strip('"')),
            ],
            "confirm_address",
            "Change address",
        )

    def _consents_form(self, summary: CustomerSummary | None) -> Panel:
        checked = [c.channel.value for c in (summary.consents if summary else ()) if c.opted_in]
        channels = [(channel.value, channel.value.capitalize()) for channel in Channel]
        return self._form(
            [
                Text("Marketing consents", "header"),
                Checkboxes("consents", "Opted in to", channels, checked),
            ],
            "confirm_consents",
            "Save consents",
        )

    def _checkout_form(self, summary: CustomerSummary | None) -> Panel:
        stores = [
            (_key(ref.platform, ref.store, ""), f"{ref.store or ref.platform} ({ref.platform})")
            for ref in _sources(summary)
        ]
        if not stores:
            stores = [
                (_key(name, None, ""), name) for name in self.hub.providers("commerce_create_checkout_link")
            ]
        return self._form(
            [
                Text("Checkout link", "header"),
                Dropdown("store", "Store", stores),
                Input("products", "Products", "SKU:QTY, SKU:QTY"),
                Input("discount_code", "Discount code"),
            ],
            "confirm_checkout",
            "Create link",
        )

    # ---- the actions

    async def _refund(self, sent: Submission) -> str:
        contact, values = sent.contact, sent.values
        platform, store, number = _split(values.get("order"))
        order = await self._owned_order(contact, platform, store, number)
        # Read here, before anything is filed, by the hub's one amount parser: an empty or
        # ambiguous amount ("1,50") is shown back as an error, never guessed.
        amount = parse_amount(values.get("amount"), order.total.currency)
        attributes = {
            "order_id": number,
            "platform": platform,
            "store": store,
            "amount": amount,
            "refund_reason": values.get("refund_reason"),
            "admin_reason": values.get("admin_reason"),
            "disposition": values.get("disposition"),
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
        order: Order = await self.hub.commerce.get_order(
            ref=Ref(platform=platform, id=number, store=store)
        )
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

    async def _consents(self, sent: Submission) -> str:
        values, form, summary = sent.values, sent.form, sent.summary
        wanted = {str(v) for v in (values.get("consents") or [])}
        ctx = self._context_for("cs_assist")
        changed: list[str] = []
        for ref in _sources(summary):
            for channel in Channel:
                consent = Consent(channel=channel, opted_in=channel.value in wanted)
                if await self._set_consent(ctx, ref, consent, form):
                    switch = "on" if consent.opted_in else "off"
                    changed.append(f"{channel.value} {switch} at {ref.store or ref.platform}")
        return "Consents saved: " + (", ".join(changed) if changed else "nothing to change") + "."

    async def _set_consent(self, ctx: RunContext, customer: Ref, consent: Consent, form: str) -> bool:
        """One channel on one store's customer, through the ledger; False when the store lacks it."""

        async def write() -> dict[str, Any]:
            await self.hub.commerce.update_consent(customer=customer, consent=consent)
            return {"customer": customer.id, "channel": consent.channel.value, "opted_in": consent.opted_in}

        where = f"{customer.platform}:{customer.store or ''}:{customer.id}"
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
            return False
        return result.ok

    async def _checkout(self, sent: Submission) -> str:
        contact, values, summary = sent.contact, sent.values, sent.summary
        platform, store, _ = _split(values.get("store"))
        if not contact.email:
            raise ValueError("the contact has no email to build a checkout for")
        request = CheckoutLinkRequest(
            platform=platform,
            store=store,
            email=contact.email,
            phone=contact.phone,
            shipping_address=summary.shipping_address if summary else None,
            products=_products(values.get("products")),
            discount_code=str(values.get("discount_code") or "").strip() or None,
            metadata={"conversation": sent.conversation or "", "form": sent.form},
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


def _key(platform: str, store: str | None, record: str) -> str:
    return f"{platform}|{store or ''}|{record}"


def _split(value: Any) -> tuple[str, str | None, str]:
    platform, _, rest = str(value or "").partition("|")
    store, _, record = rest.partition("|")
    if not platform:
        raise ValueError("choose one from the list")
    return platform, store or None, record


def _order_choices(summary: CustomerSummary | None) -> list[tuple[str, str]]:
    return [
        (_key(o.platform, o.store, o.number), f"{o.number} · {o.total} · {o.ship_status}")
        for o in (summary.recent_orders if summary else ())
    ]


def _sources(summary: CustomerSummary | None) -> list[Ref]:
    return list(summary.sources) if summary else []


def _products(raw: Any) -> tuple[CheckoutProduct, ...]:
    products = []
    for part in str(raw or "").replace(";", ",").split(","):
        sku, _, quantity = part.strip().partition(":")
        if not sku:
            continue
        try:
            products.append(CheckoutProduct(sku=sku.strip(), quantity=int(quantity or "1")))
        except ValueError:
            raise ValueError(f"products {raw!r}: write them as SKU:QTY, SKU:QTY") from None
    if not products:
        raise ValueError("name at least one product as SKU:QTY")
    return tuple(products)


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:16]
