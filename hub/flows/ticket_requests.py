"""Back-office tickets as typed requests: each ticket read once, every problem named at once.

A Refund, Subscription Cancel, Fulfillment or Quality ticket carries its fields as loose
attributes (``Ticket.attributes``, keyed by the hub's names: ``order_id``, ``amount``...).
``read_ticket`` turns one into the request its type stands for (``RefundTicket``,
``CancelTicket``, ``FulfillmentTicket``, ``QualityTicket``) or raises ``TicketUnreadable``
naming every missing field and every malformed one in one message, which the back office
notes on the ticket before sending it to waiting. The flow then works on the typed request
only; nothing reads the attributes again.

What needs the order itself is done once the order is found and known to be the customer's:
``RefundTicket.for_order`` reads the amount in the order's currency (``hub.core.amounts``) and
matches the line items to the order's, giving the ``RefundPlan`` that is paid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    ValidationError,
    ValidationInfo,
)

from hub.core.models import (
    Address,
    Disposition,
    Money,
    Order,
    Ref,
    RefundLine,
    RefundReason,
    Ticket,
    TicketType,
)
from hub.flows.tickets import (
    E,
    SkuQuantity,
    TicketProblem,
    TypedAmount,
    amount_problem,
    flag,
    lines_total,
    order_lines,
    parse_address,
    parse_choice,
    parse_lines,
    read_amount,
    text,
)


class TicketUnreadable(TicketProblem):
    """A ticket missing fields its type needs, or holding values that cannot be read.

    ``missing``: the attribute keys (or ``"a or b"`` alternatives) absent, in the type's order;
    ``malformed``: attribute key -> why its value is refused (the message names key and value).
    """

    def __init__(self, missing: Sequence[str], malformed: Mapping[str, str]) -> None:
        self.missing = tuple(missing)
        self.malformed = dict(malformed)
        super().__init__(_say(self.missing, self.malformed))


def _say(missing: tuple[str, ...], malformed: dict[str, str]) -> str:
    """The note for the agent: the "Missing: ..." sentence, each refusal, and what to do."""
    refusals = "; ".join(malformed.values())
    if not malformed:
        return f"Missing: {', '.join(missing)}. Fill them in and submit the ticket again."
    if not missing:
        return refusals
    return (
        f"Missing: {', '.join(missing)}. {refusals}. "
        "Fill in what is missing, correct the rest and submit the ticket again."
    )


# ---- how each kind of field is read (pydantic validators over the attribute values)

Validator = Callable[[Any, ValidationInfo], Any]


def _field(parse: Callable[[Any, str], Any]) -> Validator:
    """A validator calling ``parse(value, field name)``; its ``TicketProblem`` is a field error."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        try:
            return parse(value, info.field_name or "")
        except TicketProblem as problem:
            raise ValueError(str(problem)) from None

    return validate


def _text(parse: Callable[[str, str], Any]) -> Validator:
    """``_field`` for text as typed; a value already of the field's type is left to pydantic."""
    return _field(lambda value, key: parse(value, key) if isinstance(value, str) else value)


def _choice(enum: type[E]) -> Validator:
    return _text(lambda value, key: parse_choice(enum, key, value))


def _amount(typed: TypedAmount, key: str) -> TypedAmount:
    problem = amount_problem(typed)
    if problem is not None:
        raise TicketProblem(problem)
    return typed


Reason = Annotated[RefundReason, BeforeValidator(_choice(RefundReason))]
DispositionChoice = Annotated[Disposition, BeforeValidator(_choice(Disposition))]
AsTyped = Annotated[TypedAmount, PlainValidator(_field(_amount))]
"""The amount as typed (text, or a decimal attribute's number), kept as is: checked readable
in some currency here, read in the order's currency by ``RefundTicket.for_order``."""
Lines = Annotated[tuple[SkuQuantity, ...], BeforeValidator(_text(lambda value, key: parse_lines(value)))]
OneLineAddress = Annotated[Address, BeforeValidator(_text(lambda value, key: parse_address(value)))]
Flag = Annotated[bool, BeforeValidator(flag)]


class TicketRequest(BaseModel):
    """Base of the typed requests: read from a ticket's attributes by ``read``.

    Every field is named after its attribute key. Text values are stripped and a blank one is
    absent, so a required field left blank is reported missing, not empty.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    AMOUNT_KEYS: ClassVar[frozenset[str]] = frozenset({"amount"})

    @classmethod
    def read(cls, ticket: Ticket) -> Self:
        """The request ``ticket`` makes; raises ``TicketUnreadable`` naming every problem."""
        values = _values(ticket.attributes, cls.model_fields, cls.AMOUNT_KEYS)
        missing: list[str] = []
        malformed: dict[str, str] = {}
        request: Self | None = None
        try:
            request = cls.model_validate(values)
        except ValidationError as error:
            missing, malformed = _problems(error)
        missing += cls.missing_alternatives(values)
        if missing or malformed or request is None:
            raise TicketUnreadable(missing, malformed)
        return request

    @classmethod
    def missing_alternatives(cls, values: Mapping[str, Any]) -> list[str]:
        """``"a or b"`` for each pair of fields of which the ticket needs one and has neither."""
        return []


def _values(attributes: Mapping[str, Any], fields: Iterable[str], amounts: frozenset[str]) -> dict[str, Any]:
    """The attributes the request reads, blank ones left out (they are missing).

    Text is stripped; an amount is kept as it arrived (text as typed, or a number), so the
    amount parser reads and names exactly what the agent typed.
    """
    values: dict[str, Any] = {}
    for key in fields:
        raw = attributes.get(key)
        if raw is None or not str(raw).strip():
            continue
        values[key] = raw if key in amounts else str(raw).strip()
    return values


def _problems(error: ValidationError) -> tuple[list[str], dict[str, str]]:
    """The missing fields, and each malformed field's message, out of pydantic's errors."""
    missing: list[str] = []
    malformed: dict[str, str] = {}
    for item in error.errors():
        key = str(item["loc"][0]) if item["loc"] else "ticket"
        if item["type"] == "missing":
            missing.append(key)
            continue
        cause = (item.get("ctx") or {}).get("error")
        malformed.setdefault(key, str(cause) if cause is not None else f"{key}: {item['msg']}")
    return missing, malformed


# ---- the four ticket types


@dataclass(frozen=True)
class OrderNamed:
    """The order a ticket names: its number or id as typed, and where, when the agent said."""

    id: str
    platform: str | None = None
    store: str | None = None


class _NamesOrder(TicketRequest):
    order_id: str
    platform: str | None = None
    store: str | None = None

    @property
    def order(self) -> OrderNamed:
        return OrderNamed(id=self.order_id, platform=self.platform, store=self.store)


class RefundTicket(_NamesOrder):
    """Pay money back on an order: an amount, or line items (worth their price), or both."""

    refund_reason: Reason
    admin_reason: str
    disposition: DispositionChoice
    amount: AsTyped | None = None
    line_items: Lines = ()

    @classmethod
    def missing_alternatives(cls, values: Mapping[str, Any]) -> list[str]:
        return [] if "amount" in values or "line_items" in values else ["amount or line_items"]

    def for_order(self, order: Order) -> RefundPlan:
        """The refund this ticket asks of ``order`` (found, and known to be the customer's).

        The amount is read in the order's currency; without one, the line items' worth is
        refunded. Raises ``TicketProblem`` naming every line item or amount that does not fit
        the order, an amount above what the line items are worth, or nothing to refund.
        """
        problems: list[str] = []
        lines: tuple[RefundLine, ...] = ()
        asked: Decimal | None = None
        try:
            lines = order_lines(order, self.line_items)
        except TicketProblem as problem:
            problems.append(str(problem))
        try:
            asked = read_amount(self.amount, order.total.currency)
        except TicketProblem as problem:
            problems.append(str(problem))
        if problems:
            raise TicketProblem("; ".join(problems))
        worth = lines_total(order, lines)
        value = asked or worth
        if lines and value > worth:
            raise TicketProblem(
                f"Amount {value} is more than the line items are worth ({worth}); "
                "leave line_items empty to refund an amount against the whole order."
            )
        if value <= 0:  # line items priced at nothing: the platform would refuse a 0 refund
            raise TicketProblem(f"line_items are worth {worth}: there is nothing to refund.")
        return RefundPlan(order=order, amount=Money(amount=value, currency=order.total.currency), lines=lines)


@dataclass(frozen=True)
class RefundPlan:
    """What a refund ticket pays on its order: the exact amount, in the order's currency."""

    order: Order
    amount: Money
    lines: tuple[RefundLine, ...]


class CancelTicket(TicketRequest):
    """Stop a subscription's rebills, unless the customer took a retention offer (``saved``)."""

    subscription_id: str
    platform: str
    store: str | None = None
    saved: Flag = False
    admin_reason: str | None = None

    @property
    def subscription(self) -> Ref:
        return Ref(platform=self.platform, id=self.subscription_id, store=self.store)


class FulfillmentTicket(_NamesOrder):
    """Ship an order elsewhere (``new_address``, before it ships) or send it again (``replacement``)."""

    new_address: OneLineAddress | None = None
    replacement: Flag = False
    line_items: Lines = ()
    """For a replacement: which items to send again; none means the whole order."""
    admin_reason: str | None = None

    @classmethod
    def missing_alternatives(cls, values: Mapping[str, Any]) -> list[str]:
        asked = "new_address" in values or flag(values.get("replacement"))
        return [] if asked else ["new_address or replacement"]


class QualityTicket(TicketRequest):
    """A product problem to count in the quality report, by SKU and lot."""

    sku: str
    lot: str

    @property
    def sku_lot(self) -> str:
        return f"SKU {self.sku} lot {self.lot}"


BackOfficeRequest = RefundTicket | CancelTicket | FulfillmentTicket | QualityTicket

REQUESTS: dict[TicketType, type[BackOfficeRequest]] = {
    TicketType.REFUND: RefundTicket,
    TicketType.SUBSCRIPTION_CANCEL: CancelTicket,
    TicketType.FULFILLMENT: FulfillmentTicket,
    TicketType.QUALITY: QualityTicket,
}
"""The typed request each back-office ticket type stands for."""


def read_ticket(ticket: Ticket) -> BackOfficeRequest | None:
    """The typed request ``ticket`` makes; None for a type the back office does not carry out.

    Raises ``TicketUnreadable`` (a ``TicketProblem``) naming every missing or malformed field.
    """
    kind = REQUESTS.get(ticket.type)
    return kind.read(ticket) if kind is not None else None


def store_named(ticket: Ticket) -> str | None:
    """The store a ticket names: which unit carries it is decided before the ticket is read."""
    return text(ticket.attributes, "store")
