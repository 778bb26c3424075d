"""Back-office tickets read once into typed requests: every missing or malformed field named.

Pure tests (no sandbox): ``read_ticket`` over attribute dicts as the helpdesk plugin maps
them, and ``RefundTicket.for_order`` over hand-built orders in several currencies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.amounts import AmountError, parse_amount
from hub.core.models import (
    Address,
    Disposition,
    LineItem,
    Money,
    Order,
    Ref,
    RefundLine,
    RefundReason,
    Ticket,
    TicketState,
    TicketType,
)
from hub.flows.ticket_requests import (
    CancelTicket,
    FulfillmentTicket,
    OrderNamed,
    QualityTicket,
    RefundTicket,
    TicketUnreadable,
    read_ticket,
    store_named,
)
from hub.flows.tickets import ADDRESS_FORMAT, SkuQuantity, TicketProblem

REFUND = {
    "order_id": "#1001",
    "platform": "ultracart",
    "store": "paleohacks",
    "amount": Decimal("10.00"),  # Intercom's decimal attribute, as the plugin maps it
    "refund_reason": "Damaged",
    "admin_reason": "Arrived broken",
    "disposition": "dispose",
}
CANCEL = {"subscription_id": 42, "platform": "konnektive", "store": "paleohacks"}
ADDRESS_CHANGE = {"order_id": "#1001", "new_address": "1 New Rd, Austin, TX, 78701, US"}
REPLACEMENT = {"order_id": "#1001", "replacement": True, "line_items": "MUG:1"}
QUALITY = {"sku": "MUG", "lot": "L-7"}


def ticket(kind: TicketType, attributes: dict[str, Any]) -> Ticket:
    return Ticket(
        platform="intercom",
        id="t1",
        type=kind,
        state=TicketState.SUBMITTED,
        attributes=attributes,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )


def unreadable(kind: TicketType, attributes: dict[str, Any]) -> TicketUnreadable:
    with pytest.raises(TicketUnreadable) as caught:
        read_ticket(ticket(kind, attributes))
    return caught.value


def without(attributes: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if k not in keys}


# ---- complete tickets


def test_a_complete_refund_ticket_is_read_into_its_typed_request() -> None:
    asked = read_ticket(ticket(TicketType.REFUND, REFUND))
    assert asked == RefundTicket(
        order_id="#1001",
        platform="ultracart",
        store="paleohacks",
        refund_reason=RefundReason.DAMAGED,
        admin_reason="Arrived broken",
        disposition=Disposition.DISPOSE,
        amount=Decimal("10.00"),  # kept as it arrived: read in the order's currency later
        line_items=(),
    )
    assert asked.order == OrderNamed(id="#1001", platform="ultracart", store="paleohacks")


def test_a_refund_by_line_items_needs_no_amount() -> None:
    attributes = {**without(REFUND, "amount"), "line_items": "MUG:2; SPOON, MUG:1"}
    asked = read_ticket(ticket(TicketType.REFUND, attributes))
    assert isinstance(asked, RefundTicket) and asked.amount is None
    assert asked.line_items == (SkuQuantity("MUG", 3), SkuQuantity("SPOON", 1))


@pytest.mark.parametrize(
    "typed", ["MUG:1_0", "MUG:\u0661\u0662", "MUG:0", "MUG:-1", "MUG:100000000000000000000", ":2"]
)
def test_line_items_quantities_are_plain_units(typed: str) -> None:
    with pytest.raises(TicketProblem, match="line_items"):
        read_ticket(ticket(TicketType.REFUND, {**without(REFUND, "amount"), "line_items": typed}))


def test_a_complete_cancel_ticket_is_read_into_its_typed_request() -> None:
    asked = read_ticket(ticket(TicketType.SUBSCRIPTION_CANCEL, {**CANCEL, "Unrelated": "x"}))
    assert asked == CancelTicket(subscription_id="42", platform="konnektive", store="paleohacks")
    assert asked.subscription == Ref(platform="konnektive", id="42", store="paleohacks")
    assert asked.saved is False and asked.admin_reason is None


@pytest.mark.parametrize(("typed", "saved"), [(True, True), ("yes", True), ("no", False), (False, False)])
def test_saved_is_read_as_a_flag(typed: object, saved: bool) -> None:
    asked = read_ticket(ticket(TicketType.SUBSCRIPTION_CANCEL, {**CANCEL, "saved": typed}))
    assert isinstance(asked, CancelTicket) and asked.saved is saved


def test_a_complete_address_change_ticket_is_read_into_its_typed_request() -> None:
    asked = read_ticket(ticket(TicketType.FULFILLMENT, ADDRESS_CHANGE))
    assert isinstance(asked, FulfillmentTicket)
    assert asked.new_address == Address(
        line1="1 New Rd", city="Austin", region="TX", postal_code="78701", country="US"
    )
    assert asked.order == OrderNamed(id="#1001")


def test_a_complete_replacement_ticket_is_read_into_its_typed_request() -> None:
    asked = read_ticket(ticket(TicketType.FULFILLMENT, REPLACEMENT))
    assert isinstance(asked, FulfillmentTicket)
    assert asked.new_address is None and asked.replacement is True
    assert asked.line_items == (SkuQuantity("MUG", 1),)


def test_a_complete_quality_ticket_is_read_into_its_typed_request() -> None:
    asked = read_ticket(ticket(TicketType.QUALITY, {"sku": " MUG ", "lot": 7}))
    assert asked == QualityTicket(sku="MUG", lot="7")
    assert asked.sku_lot == "SKU MUG lot 7"


def test_a_tracker_ticket_is_no_back_office_request() -> None:
    assert read_ticket(ticket(TicketType.TRACKER, {"store": "paleohacks"})) is None


def test_the_store_a_ticket_names_is_read_for_routing() -> None:
    assert store_named(ticket(TicketType.REFUND, REFUND)) == "paleohacks"
    assert store_named(ticket(TicketType.REFUND, {"store": "  "})) is None


# ---- every missing field named


REQUIRED = [
    (TicketType.REFUND, REFUND, ["order_id", "refund_reason", "admin_reason", "disposition"]),
    (TicketType.SUBSCRIPTION_CANCEL, CANCEL, ["subscription_id", "platform"]),
    (TicketType.FULFILLMENT, ADDRESS_CHANGE, ["order_id"]),
    (TicketType.QUALITY, QUALITY, ["sku", "lot"]),
]


@pytest.mark.parametrize(
    ("kind", "complete", "key"),
    [(kind, complete, key) for kind, complete, keys in REQUIRED for key in keys],
)
def test_each_missing_field_is_named(kind: TicketType, complete: dict[str, Any], key: str) -> None:
    for absent in (without(complete, key), {**complete, key: "   "}, {**complete, key: None}):
        problem = unreadable(kind, absent)
        assert problem.missing == (key,) and not problem.malformed
        assert str(problem) == f"Missing: {key}. Fill them in and submit the ticket again."


@pytest.mark.parametrize(("kind", "complete", "keys"), REQUIRED)
def test_all_missing_fields_are_named_in_one_error_in_the_types_order(
    kind: TicketType, complete: dict[str, Any], keys: list[str]
) -> None:
    problem = unreadable(kind, without(complete, *keys))
    assert list(problem.missing) == keys
    assert str(problem).startswith(f"Missing: {', '.join(keys)}.")


def test_a_refund_needs_an_amount_or_line_items() -> None:
    problem = unreadable(TicketType.REFUND, {**REFUND, "amount": " "})
    assert problem.missing == ("amount or line_items",)


def test_a_fulfillment_needs_a_new_address_or_a_replacement() -> None:
    for attributes in ({"order_id": "#1001"}, {"order_id": "#1001", "replacement": "no"}):
        assert unreadable(TicketType.FULFILLMENT, attributes).missing == ("new_address or replacement",)


def test_an_empty_refund_ticket_names_everything_it_lacks() -> None:
    problem = unreadable(TicketType.REFUND, {})
    assert str(problem) == (
        "Missing: order_id, refund_reason, admin_reason, disposition, amount or line_items. "
        "Fill them in and submit the ticket again."
    )


# ---- malformed fields named, together with the missing ones


@pytest.mark.parametrize(
    ("key", "typed", "says"),
    [
        ("refund_reason", "broken", "refund_reason 'broken' is not one of: damaged,"),
        ("disposition", "burn it", "disposition 'burn it' is not one of: return_to_stock,"),
        ("line_items", "MUG:two", "line_items 'MUG:two': write them as"),
        ("line_items", "MUG:0", "line_items 'MUG:0': write them as"),
        ("amount", "1,50", "amount '1,50' is ambiguous"),
        ("amount", "1.234,50", "amount '1.234,50' is ambiguous"),
        ("amount", "-1.50", "amount '-1.50' is negative"),
        ("amount", "0", "amount '0' must be more than zero"),
        ("amount", "abc", "amount 'abc' is not an amount"),
        ("amount", "NaN", "amount 'NaN' is not a finite amount"),
        ("amount", Decimal("NaN"), "amount 'NaN' is not a finite amount"),
        ("amount", "€1,50", "amount '€1,50' is ambiguous"),
        ("amount", "10.0001", "amount '10.0001' has more than 2 decimals for USD"),  # for any currency
        ("amount", True, "amount True is not an amount"),
    ],
)
def test_a_malformed_refund_field_is_named_with_its_value(key: str, typed: object, says: str) -> None:
    problem = unreadable(TicketType.REFUND, {**REFUND, key: typed})
    assert list(problem.malformed) == [key] and not problem.missing
    assert says in problem.malformed[key] and says in str(problem)


def test_a_malformed_address_is_named() -> None:
    problem = unreadable(TicketType.FULFILLMENT, {**ADDRESS_CHANGE, "new_address": "Austin"})
    assert problem.malformed == {"new_address": f"new_address 'Austin': write it as {ADDRESS_FORMAT}"}


def test_missing_and_malformed_fields_come_in_one_error() -> None:
    attributes = {**without(REFUND, "disposition", "order_id"), "refund_reason": "x", "amount": "1,50"}
    problem = unreadable(TicketType.REFUND, attributes)
    assert problem.missing == ("order_id", "disposition")
    assert list(problem.malformed) == ["refund_reason", "amount"]
    text = str(problem)
    assert text.startswith("Missing: order_id, disposition. refund_reason 'x' is not one of")
    assert "; amount '1,50' is ambiguous" in text
    assert text.endswith("correct the rest and submit the ticket again.")
    assert isinstance(problem, TicketProblem)  # the flow notes it like any ticket problem


# ---- the amount: checked at reading, read in the order's currency


def order(currency: str = "USD", total: str = "100.00", refunded: str | None = None) -> Order:
    price = Money(amount=Decimal("20"), currency=currency)
    return Order(
        platform="ultracart",
        id="o1",
        store="paleohacks",
        number="#1001",
        created_at="2026-01-01T00:00:00Z",
        total=Money(amount=Decimal(total), currency=currency),
        line_items=(
            LineItem(id="li1", sku="MUG", name="Mug", quantity=2, price=price),
            LineItem(id="li2", sku="SPOON", name="Spoon", quantity=1, price=price),
        ),
    )


def refund(**attributes: Any) -> RefundTicket:
    asked = read_ticket(ticket(TicketType.REFUND, {**REFUND, **attributes}))
    assert isinstance(asked, RefundTicket)
    return asked


@pytest.mark.parametrize(
    ("typed", "currency", "meant"),
    [
        (Decimal("10.00"), "USD", "10.00"),
        (19.99, "USD", "19.99"),
        ("$1,234.50", "USD", "1234.50"),
        ("10.001", "KWD", "10.001"),
        ("1500", "JPY", "1500"),
        ("€12.50", "EUR", "12.50"),
    ],
)
def test_the_amount_is_read_exactly_in_the_orders_currency(typed: object, currency: str, meant: str) -> None:
    plan = refund(amount=typed).for_order(order(currency, total="5000"))
    assert plan.amount == Money(amount=Decimal(meant), currency=currency)
    assert plan.lines == () and plan.order.number == "#1001"


@pytest.mark.parametrize(
    ("typed", "currency", "says"),
    [
        ("10.001", "USD", "amount '10.001' has more than 2 decimals for USD"),
        ("10.5", "JPY", "amount '10.5' has more than 0 decimals for JPY"),
        ("€10", "USD", "amount '€10': € is not a symbol of USD"),
        ("GBP 10", "USD", "amount 'GBP 10' is in GBP, not USD"),
        ("1,234", "KWD", "amount '1,234' is ambiguous in KWD"),
    ],
)
def test_an_amount_another_currency_could_read_is_refused_for_this_order(
    typed: str, currency: str, says: str
) -> None:
    asked = refund(amount=typed)  # readable in some currency: no problem when the ticket is read
    with pytest.raises(TicketProblem, match=says):
        asked.for_order(order(currency, total="5000"))


def test_line_items_are_matched_and_refund_their_worth_without_an_amount() -> None:
    plan = refund(amount=None, line_items="MUG:2").for_order(order())
    assert plan.lines == (RefundLine(line_item_id="li1", quantity=2),)
    assert plan.amount == Money(amount=Decimal("40"), currency="USD")


def test_an_amount_above_the_line_items_worth_is_refused() -> None:
    with pytest.raises(TicketProblem, match=r"Amount 45.00 is more than the line items are worth \(40\)"):
        refund(amount="45.00", line_items="MUG:2").for_order(order())


def test_every_line_item_and_amount_problem_with_the_order_is_named_at_once() -> None:
    with pytest.raises(TicketProblem) as caught:
        refund(amount="10.001", line_items="KNIFE:1").for_order(order())
    assert str(caught.value) == (
        "line_items: SKU KNIFE is not on order #1001; amount '10.001' has more than 2 decimals for USD"
    )


def test_line_items_worth_nothing_refund_nothing() -> None:
    gift = LineItem(id="li1", sku="GIFT", name="Gift", quantity=1, price=Money(amount=0, currency="USD"))
    free = order().model_copy(update={"line_items": (gift,)})
    with pytest.raises(TicketProblem, match="nothing to refund"):
        refund(amount=None, line_items="GIFT:1").for_order(free)


# ---- properties

CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KWD", "CNY", "CAD"]
typed_text = st.text(alphabet="0123456789.,$€£¥- UuSsDdKkWwJjPpYyEeRr", max_size=12)
typed_numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**15), max_value=10**15),
)


def outcome(raw: object, currency: str) -> Decimal | str:
    try:
        return parse_amount(raw, currency)
    except AmountError as refused:
        return str(refused)


@settings(deadline=None)  # a shared CI machine: no per-example time limit
@given(st.one_of(typed_numbers, typed_text), st.sampled_from(CURRENCIES))
def test_a_refund_pays_exactly_what_the_amount_parser_reads_in_the_orders_currency(
    raw: object, currency: str
) -> None:
    expected = outcome(raw, currency)
    blank = isinstance(raw, str) and not raw.strip()
    try:
        asked = refund(amount=raw)
    except TicketUnreadable as problem:
        # Refused on reading: then no order, in any currency, could have read it either.
        assert blank or all(isinstance(outcome(raw, c), str) for c in CURRENCIES), problem
        return
    assert not blank
    try:
        plan = asked.for_order(order(currency, total="10000000000000000"))
    except TicketProblem as problem:
        assert isinstance(expected, str) and str(problem) == expected
        return
    assert plan.amount == Money(amount=expected, currency=currency)
