"""Domain models: the only shapes flows see.

Every record carries the ``platform`` it lives on, the ``store`` (brand) it belongs to when the
platform has several, and its ``id`` there. Money is ``Decimal`` plus a currency, never float.
Times are timezone-aware UTC (naive values are refused, aware ones converted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from hub.core import phones
from hub.core.amounts import MAX_QUANTITY
from hub.core.errors import CurrencyMismatch


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:  # already UTC (what mappers make): the same moment, no copy to make
        return value
    if value.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_to_utc)]


def utcnow() -> datetime:
    """Now, timezone-aware UTC: the one clock of the hub's records."""
    return datetime.now(UTC)


def id_order(record_id: str) -> tuple[int, str]:
    """Order ids naturally: numeric ids by value ("9" before "10"), others as text.

    The tie-break of every ``(updated_at, id)`` cursor and of the pages plugins sort.
    """
    return (len(record_id), record_id) if record_id.isdigit() else (0, record_id)


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# --------------------------------------------------------------------------- money


class Money(Model):
    """An exact amount in one currency (ISO 4217 code)."""

    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            # A float has already lost the cents; make the caller pass a string or Decimal.
            raise ValueError("money must not be given as float; pass a string or Decimal")
        return value

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("amount must be a finite number")
        return value

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    # Arithmetic and ordering only between amounts of one currency: 50 EUR is not 50 USD, and
    # adding them would report money that was never paid (CurrencyMismatch, a ValueError).

    def _same(self, other: object, verb: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {verb} {type(other).__name__} and Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot {verb} {other} and {self}: different currencies")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(amount=self.amount + self._same(other, "add").amount, currency=self.currency)

    def __radd__(self, other: object) -> Money:
        # sum(monies) starts from 0: let it through, anything else must be Money.
        if other == 0 and not isinstance(other, Money):
            return self
        return self._same(other, "add") + self

    def __sub__(self, other: Money) -> Money:
        return Money(amount=self.amount - self._same(other, "subtract").amount, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other, "compare").amount

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


def money_totals(amounts: list[Money]) -> dict[str, Money]:
    """Sum amounts per currency (lifetime revenue across stores is never converted)."""
    totals: dict[str, Money] = {}
    for money in amounts:
        totals[money.currency] = totals[money.currency] + money if money.currency in totals else money
    return totals


# --------------------------------------------------------------------------- references


class Ref(Model):
    """Where a record lives: enough to route an action to the plugin that owns it."""

    platform: str
    id: str
    store: str | None = None
    kind: str | None = Field(default=None, description='"ticket", "conversation"...; None when unknown')


class Record(Model):
    """Base of every platform record."""

    _kind: ClassVar[str | None] = None

    platform: str
    id: str
    store: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(platform=self.platform, id=self.id, store=self.store, kind=self._kind)


# --------------------------------------------------------------------------- people


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"


class Consent(Model):
    """Marketing consent on one channel."""

    channel: Channel
    opted_in: bool
    updated_at: UtcDateTime | None = None


class Address(Model):
    name: str | None = None
    company: str | None = None
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = None
    country: str = Field(description="ISO 3166-1 alpha-2 code where the platform gives one")
    phone: str | None = None

    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, self.region, self.postal_code, self.country]
        return ", ".join(part for part in parts if part)


class Customer(Record):
    """A customer on a commerce platform."""

    email: str | None = None
    phone: str | None = Field(default=None, description="E.164 where it can be parsed")
    first_name: str | None = None
    last_name: str | None = None
    brand: str | None = None
    created_at: UtcDateTime | None = None
    lifetime_revenue: Money | None = Field(
        default=None, description="as the platform reports it; None when it has no such figure"
    )
    order_count: int | None = None
    last_order_at: UtcDateTime | None = None
    default_address: Address | None = None
    billing_address: Address | None = Field(
        default=None, description="the customer record's own billing address, where the platform keeps one"
    )
    consents: tuple[Consent, ...] = ()

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class Contact(Record):
    """A person on the helpdesk (a contact).

    ``phone`` is the number in E.164 where it parses (as written where it does not). A helpdesk
    mapping hands the number over as written with its workspace's region (``phone_as_written``,
    ``phone_region``) and it is normalised when first read, not when the contact is made: a
    look-up by email reads thousands of contacts whose phones nobody asks for, and a number not
    already in E.164 costs about 20 microseconds to parse (phonenumbers). ``Contact(phone=...)``
    takes a number as final, as before (no region: read back exactly as given).
    """

    email: str | None = None
    phone_as_written: str | None = Field(default=None, exclude=True, repr=False)
    phone_region: str | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="ISO 3166-1 region for numbers written without +; None: the number is final",
    )
    name: str | None = None
    role: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    updated_at: UtcDateTime | None = None

    @model_validator(mode="before")
    @classmethod
    def _phone_given(cls, data: Any) -> Any:
        """``phone=`` (what callers and dumps give) is a final number: kept as written."""
        if isinstance(data, dict) and "phone" in data:
            data = {**data}
            data["phone_as_written"] = data.pop("phone")
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def phone(self) -> str | None:
        written, region = self.phone_as_written, self.phone_region
        if not written or region is None:
            return written or None
        return phones.e164(written, None if written[0] == "+" else region) or written


class AgentStatus(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    UNAVAILABLE = "unavailable"


class Agent(Record):
    """A teammate: a helpdesk admin or a phone system's user."""

    name: str | None = None
    email: str | None = None
    status: AgentStatus = AgentStatus.AVAILABLE
    reason: str | None = Field(default=None, description="away reason or availability substatus")


# --------------------------------------------------------------------------- commerce


class FinancialStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    DECLINED = "declined"
    UNKNOWN = "unknown"


UNPAID = frozenset({FinancialStatus.PENDING, FinancialStatus.DECLINED, FinancialStatus.VOIDED})
"""An order in one of these brought no money in: it adds nothing to a customer's revenue or order
count where the hub works them out from the orders (an unknown status still counts: nothing says
it was not paid)."""


class FulfillmentStatus(StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIAL = "partial"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class LineItem(Model):
    id: str | None = None
    sku: str | None = None
    name: str
    quantity: int = Field(ge=0)
    price: Money = Field(description="unit price")

    @property
    def total(self) -> Money:
        return Money(amount=self.price.amount * self.quantity, currency=self.price.currency)


class RefundReason(StrEnum):
    """Refund reasons from the SOP."""

    DAMAGED = "damaged"
    NOT_RECEIVED = "not_received"
    NOT_AS_DESCRIBED = "not_as_described"
    QUALITY = "quality"
    CHANGED_MIND = "changed_mind"
    SUBSCRIPTION = "subscription"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Disposition(StrEnum):
    """What happens to the goods after a refund."""

    RETURN_TO_STOCK = "return_to_stock"
    DISPOSE = "dispose"
    KEEP = "keep"
    NO_RETURN = "no_return"


class RefundLine(Model):
    line_item_id: str
    quantity: int = Field(gt=0)


class RefundRequest(Model):
    """Ask the platform owning ``order`` to pay money back.

    ``amount`` None with no ``lines`` means the whole refundable balance. ``idempotency_key`` comes
    from the ledger; plugins pass it to platforms that deduplicate and use it to recognise a
    refund they already made.
    """

    order: Ref
    amount: Money | None = None
    lines: tuple[RefundLine, ...] = ()
    reason: RefundReason
    admin_reason: str | None = None
    disposition: Disposition | None = None
    note: str | None = None
    idempotency_key: str

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Money | None) -> Money | None:
        if value is not None and value.amount <= 0:
            raise ValueError("refund amount must be positive")
        return value

    @field_validator("lines")
    @classmethod
    def _one_entry_per_line(cls, lines: tuple[RefundLine, ...]) -> tuple[RefundLine, ...]:
        """A line named twice becomes one entry with the quantities added: plugins price and
        check each entry against the line as it stood before the request (its units and amount
        already refunded), so two entries for one line could each take its last units' worth."""
        merged: dict[str, int] = {}
        for line in lines:
            merged[line.line_item_id] = merged.get(line.line_item_id, 0) + line.quantity
        if len(merged) == len(lines):
            return lines
        return tuple(RefundLine(line_item_id=key, quantity=qty) for key, qty in merged.items())


class Refund(Record):
    order_id: str
    amount: Money
    reason: str | None = None
    note: str | None = None
    created_at: UtcDateTime | None = None


class Order(Record):
    number: str = Field(description="the order number people quote")
    customer_id: str | None = None
    email: str | None = None
    brand: str | None = None
    created_at: UtcDateTime
    total: Money
    financial_status: FinancialStatus = FinancialStatus.UNKNOWN
    fulfillment_status: FulfillmentStatus = FulfillmentStatus.UNKNOWN
    shipped_at: UtcDateTime | None = None
    tracking_numbers: tuple[str, ...] = ()
    line_items: tuple[LineItem, ...] = ()
    shipping_address: Address | None = None
    billing_address: Address | None = None
    is_subscription: bool = False
    refunds: tuple[Refund, ...] = ()

    @property
    def shipped(self) -> bool:
        return self.shipped_at is not None or self.fulfillment_status in (
            FulfillmentStatus.FULFILLED,
            FulfillmentStatus.PARTIAL,
        )

    @model_validator(mode="after")
    def _refunds_in_order_currency(self) -> Order:
        # A refund in another currency than the order cannot be counted against its balance
        # (it was once reported as that many dollars): refuse the record, a mapper names it.
        for refund in self.refunds:
            if refund.amount.currency != self.total.currency:
                raise ValueError(
                    f"refund {refund.id} is in {refund.amount.currency} on an order in "
                    f"{self.total.currency}; it cannot be counted against the order's balance"
                )
        return self

    @property
    def refunded(self) -> Money:
        """What was paid back, in the order's currency (Money arithmetic refuses any other)."""
        return sum((r.amount for r in self.refunds), Money(amount=Decimal(0), currency=self.total.currency))

    @property
    def refundable(self) -> Money:
        return self.total - self.refunded


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class Subscription(Record):
    customer_id: str | None = None
    product: str | None = None
    sku: str | None = None
    status: SubscriptionStatus
    price: Money | None = None
    next_billing_at: UtcDateTime | None = None
    created_at: UtcDateTime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED)


class CheckoutProduct(Model):
    sku: str
    quantity: int = Field(gt=0, le=MAX_QUANTITY)


class CheckoutLinkRequest(Model):
    """A cart for one customer on one store, to be paid through the link the platform gives.

    The customer (``first_name``, ``last_name``, ``email``, ``phone``), where to ship, the
    products by SKU (each checked against the store's catalogue: an unknown SKU is refused),
    who sold it (``sales_rep``) and the advanced options (``discount_code``, ``notes``,
    ``metadata``). Every platform carries every field it has a place for.
    """

    platform: str
    store: str | None = None
    email: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    shipping_address: Address | None = None
    products: tuple[CheckoutProduct, ...] = Field(min_length=1)
    sales_rep: str | None = Field(default=None, description="who sold it: the rep's name, id or code")
    discount_code: str | None = None
    notes: str | None = Field(default=None, description="the agent's notes, carried with the cart")
    metadata: dict[str, str] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        """The customer's full name as given ("" when neither part is)."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class CheckoutLink(Record):
    url: str
    total: Money | None = None


class ReplacementRequest(Model):
    order: Ref
    lines: tuple[RefundLine, ...] = Field(description="which items (and how many) to send again")
    reason: str
    shipping_address: Address | None = None
    idempotency_key: str


# --------------------------------------------------------------------------- helpdesk


class Conversation(Record):
    _kind = "conversation"
    contact_ids: tuple[str, ...] = ()
    title: str | None = None
    open: bool = True
    state: str = "open"
    tags: tuple[str, ...] = ()
    created_at: UtcDateTime
    updated_at: UtcDateTime
    notes: tuple[Note, ...] | None = Field(
        default=None,
        exclude=True,
        description=(
            "the conversation's notes as the read that made this conversation returned them, oldest "
            "first; None when that read did not hold them all (a search answer; then ask "
            "helpdesk_list_notes). As old as the read: never dumped, so a parked or queued "
            "conversation comes back without them"
        ),
    )


class Note(Record):
    """An internal note on a conversation or ticket."""

    parent: Ref
    body: str
    author_id: str | None = None
    created_at: UtcDateTime | None = None


class TicketType(StrEnum):
    REFUND = "refund"
    SUBSCRIPTION_CANCEL = "subscription_cancel"
    FULFILLMENT = "fulfillment"
    QUALITY = "quality"
    TRACKER = "tracker"


class TicketState(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"


class Ticket(Record):
    _kind = "ticket"
    number: str | None = Field(default=None, description="the number shown to agents")
    type: TicketType
    state: TicketState
    title: str | None = None
    contact_ids: tuple[str, ...] = ()
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="ticket attributes keyed by the hub's names: order_id, amount, reason, ...",
    )
    linked_conversation_ids: tuple[str, ...] = ()
    created_at: UtcDateTime
    updated_at: UtcDateTime
    notes: tuple[Note, ...] | None = Field(
        default=None,
        exclude=True,
        description=(
            "the ticket's notes as the read that made this ticket returned them, oldest first; "
            "None when that read did not hold them all (then ask helpdesk_list_notes). As old as "
            "the read: never dumped, so a parked or queued ticket comes back without them"
        ),
    )


class TicketDraft(Model):
    """A ticket to open on the helpdesk."""

    platform: str
    type: TicketType
    title: str
    description: str | None = None
    contact_id: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    conversation_id: str | None = None


# --------------------------------------------------------------------------- telephony


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    MISSED = "missed"
    VOICEMAIL = "voicemail"
    ABANDONED = "abandoned"


class CallComment(Model):
    """A comment an agent typed on a call in the phone system (during or after it)."""

    id: str
    content: str
    author: str | None = Field(default=None, description="the agent's name or email, when known")
    posted_at: UtcDateTime | None = None


class Call(Record):
    direction: CallDirection
    outcome: CallOutcome
    missed_reason: str | None = None
    agent: Agent | None = None
    customer_number: str | None = Field(default=None, description="E.164, None when hidden")
    line_number: str | None = None
    started_at: UtcDateTime
    answered_at: UtcDateTime | None = None
    ended_at: UtcDateTime | None = None
    duration_seconds: int = Field(ge=0)
    recording_url: str | None = None
    voicemail_url: str | None = None
    tags: tuple[str, ...] = ()
    comments: tuple[CallComment, ...] = ()


# --------------------------------------------------------------------------- CS Assist


class OrderSummary(Model):
    """One order as CS Assist shows it: the list line and, for the panel, its details."""

    platform: str
    store: str | None = None
    number: str
    ship_status: str = Field(description='"Not Shipped" or the ship date')
    tracking_numbers: tuple[str, ...] = ()
    total: Money
    created_at: UtcDateTime
    id: str | None = Field(default=None, description="the order's id on its platform")
    brand: str | None = None
    financial_status: FinancialStatus = FinancialStatus.UNKNOWN
    fulfillment_status: FulfillmentStatus = FulfillmentStatus.UNKNOWN
    refunded: Money | None = Field(default=None, description="paid back so far; None when nothing was")
    line_items: tuple[LineItem, ...] = ()
    shipping_address: Address | None = None
    billing_address: Address | None = None

    @property
    def status(self) -> str:
        """Payment and fulfilment in the SOP's words: ``paid, fulfilled``."""
        return f"{self.financial_status.value.replace('_', ' ')}, {self.fulfillment_status.value}"


class StoreConsent(Model):
    """One store's answer on one channel: a brand's campaign, as the panel lists it per campaign."""

    platform: str
    store: str | None = None
    brand: str | None = None
    customer_id: str = Field(description="the customer record holding it (its id on the platform)")
    channel: Channel
    opted_in: bool
    updated_at: UtcDateTime | None = None

    @property
    def campaign(self) -> str:
        """The campaign's name: the brand, else the store key, else the platform."""
        return self.brand or self.store or self.platform


class Unreadable(Model):
    """A platform record a view had to leave out because it could not be mapped, and why."""

    platform: str
    record: str = Field(description="the kind of record: order, customer, subscription...")
    record_id: str | None = None
    field: str = Field(description="dotted path of the culprit in the platform's JSON")
    reason: str
    payload: Any = Field(default=None, exclude=True, repr=False)
    """The raw record, for the dead-letter table; never serialised with the view."""

    @property
    def key(self) -> str:
        """The dead-letter record name: ``order:<platform>:123``."""
        return f"{self.record}:{self.platform}:{self.record_id or '?'}"

    def __str__(self) -> str:
        who = f" {self.record_id}" if self.record_id else ""
        return f"{self.platform} {self.record}{who}: field {self.field!r}: {self.reason}"


class CustomerSummary(Model):
    """The CS Assist view of one customer across every commerce platform."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    brands: tuple[str, ...] = ()
    lifetime_revenue: dict[str, Money] = Field(default_factory=dict, description="per currency")
    order_count: int = 0
    last_purchase_at: UtcDateTime | None = None
    open_subscriptions: tuple[Subscription, ...] = ()
    latest_order: OrderSummary | None = None
    recent_orders: tuple[OrderSummary, ...] = Field(default=(), description="newest first, the last N")
    shipping_address: Address | None = None
    billing_address: Address | None = Field(
        default=None, description="the newest order's billing address, else a customer record's"
    )
    consents: tuple[Consent, ...] = Field(default=(), description="per channel, merged across stores")
    store_consents: tuple[StoreConsent, ...] = Field(
        default=(), description="every store's own answer per channel (per brand campaign)"
    )
    sources: tuple[Ref, ...] = Field(default=(), description="the customer records summarised")
    unreadable: tuple[Unreadable, ...] = Field(
        default=(), description="records found but left out: they could not be mapped"
    )


def ship_status(order: Order) -> str:
    """The SOP's wording: "Not Shipped" or the ship date."""
    if order.shipped_at is not None:
        return order.shipped_at.date().isoformat()
    return "Shipped" if order.shipped else "Not Shipped"
