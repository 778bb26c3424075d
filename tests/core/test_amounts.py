"""Money read right: one parser for typed amounts, and Money that never mixes currencies."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.core.amounts import AmountError, parse_amount, parse_quantity
from hub.core.errors import CurrencyMismatch
from hub.core.models import Money, Order, Refund, money_totals


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("1.50", "1.50"),
        ("$1.50", "1.50"),
        ("1,234.50", "1234.50"),
        ("1234.5", "1234.5"),
        ("1,234", "1234"),
        ("1,234,567.89", "1234567.89"),
        (" 7 ", "7"),
        (".50", "0.50"),
        ("USD 12.00", "12.00"),
        ("12.00 usd", "12.00"),
        (Decimal("10.50"), "10.50"),
        (10.5, "10.5"),  # a JSON number read as float: its shortest repr
        (7, "7"),
    ],
)
def test_well_formed_amounts_are_read_exactly(typed, meant):
    assert parse_amount(typed, "USD") == Decimal(meant)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("1,50", "ambiguous"),  # refunded 150.00 before: the comma was dropped
        ("1,2345", "ambiguous"),
        ("1.234,50", "ambiguous"),
        ("12,34.5", "ambiguous"),
        ("-1.50", "negative"),
        ("$-1.50", "negative"),
        ("1.505", "more than 2 decimals"),
        ("NaN", "not a finite"),
        ("inf", "not a finite"),
        ("Infinity", "not a finite"),
        (float("nan"), "not a finite"),
        (Decimal("Infinity"), "not a finite"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "not an amount"),
        (True, "not an amount"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("1e5", "not an amount"),
        (Decimal("1E+5"), "not an amount"),
        ("twelve", "not an amount"),
        ("1.2.3", "not an amount"),
        ("EUR 5", "in EUR, not USD"),
        ("€5", "not a symbol of USD"),
        ("1\u0660", "not an amount"),  # an Arabic-Indic zero: Decimal() would read it, we do not
        ("1234567890123.00", "too large"),
    ],
)
def test_ambiguous_or_bad_amounts_are_refused_with_a_message_naming_the_value(typed, why):
    with pytest.raises(AmountError, match=why) as refused:
        parse_amount(typed, "USD")
    message = str(refused.value)
    assert "\n" not in message
    assert (repr(str(typed)) if isinstance(typed, Decimal | float) else repr(typed)) in message


def test_decimals_follow_the_currency():
    assert parse_amount("1500", "JPY") == Decimal(1500)
    with pytest.raises(AmountError, match="more than 0 decimals"):
        parse_amount("15.5", "JPY")
    assert parse_amount("1.234", "KWD") == Decimal("1.234")
    with pytest.raises(AmountError, match="ambiguous in KWD"):
        parse_amount("1,234", "KWD")  # 1234 or 1.234 dinars?
    assert parse_amount("€5.10", "EUR") == Decimal("5.10")


# ---- property tests


@st.composite
def typed_amounts(draw) -> tuple[str, Decimal]:
    """An amount with 0-2 decimals, written the ways people write one, and what they meant."""
    cents = draw(st.integers(min_value=1, max_value=10**14 - 1))
    places = draw(st.sampled_from([0, 1, 2]))
    if places == 0:
        cents -= cents % 100
        cents = cents or 100
    elif places == 1:
        cents -= cents % 10
        cents = cents or 10
    value = Decimal(cents) / 100
    whole, fraction = divmod(cents, 100)
    digits = f"{whole:,}" if draw(st.booleans()) else str(whole)
    text = digits + ("" if places == 0 else "." + f"{fraction:02d}"[:places])
    before, after = draw(
        st.sampled_from([("", ""), ("$", ""), ("USD ", ""), ("", " USD"), (" ", " "), ("$ ", "")])
    )
    return before + text + after, value


@given(typed_amounts())
def test_a_well_formed_amount_is_exactly_what_was_meant(case):
    text, meant = case
    assert parse_amount(text, "USD") == meant


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99),
       st.sampled_from(["", "$", "USD "]))
def test_a_decimal_comma_d_comma_dd_is_never_read(whole, fraction, prefix):
    for written in (f"{whole},{fraction:02d}", f"{whole},{fraction % 10}"):
        with pytest.raises(AmountError, match="ambiguous"):
            parse_amount(prefix + written, "USD")


@given(st.text(alphabet="0123456789.,$- eE€", max_size=14))
def test_any_text_is_refused_or_read_as_a_positive_two_decimal_amount(text):
    try:
        value = parse_amount(text, "USD")
    except AmountError as refused:
        assert "\n" not in str(refused)
        return
    assert value > 0 and value == value.quantize(Decimal("0.01"))
    # A value came back: the text had no decimal comma, so removing the grouping commas is
    # exactly what the person wrote.
    plain = text.replace("$", "").replace(" ", "").replace(",", "")
    assert Decimal(plain) == value
    if "." in text:
        assert "," not in text.rpartition(".")[2]  # no comma among the decimals


def test_a_zero_group_is_a_decimal_comma_not_grouping() -> None:
    with pytest.raises(AmountError):
        parse_amount("0,001", "USD")  # hypothesis found it read as 1.00
    assert parse_amount("1,000", "USD") == Decimal("1000")


# ---- Money of two currencies


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def test_money_arithmetic_in_one_currency():
    assert usd("1.50") + usd("2.25") == usd("3.75")
    assert usd("5.00") - usd("1.25") == usd("3.75")
    assert sum([usd("1"), usd("2")]) == usd("3")
    assert usd("1") < usd("2") and usd("2") >= usd("2") and usd("3") > usd("2")


@pytest.mark.parametrize(
    "operation",
    [
        lambda: usd("1") + eur("1"),
        lambda: usd("1") - eur("1"),
        lambda: usd("1") < eur("2"),
        lambda: usd("1") <= eur("2"),
        lambda: usd("1") > eur("2"),
        lambda: usd("1") >= eur("2"),
        lambda: sum([usd("1"), eur("1")]),
    ],
)
def test_money_of_two_currencies_never_meets(operation):
    with pytest.raises(CurrencyMismatch, match="different currencies"):
        operation()


def test_totals_stay_per_currency():
    assert money_totals([usd("1"), eur("2"), usd("3")]) == {"USD": usd("4"), "EUR": eur("2")}


def order_with(*refunds: Money, total: str = "100.00") -> Order:
    return Order(
        platform="shop",
        id="o1",
        number="#1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        total=usd(total),
        refunds=tuple(
            Refund(platform="shop", id=f"r{i}", order_id="o1", amount=amount)
            for i, amount in enumerate(refunds)
        ),
    )


def test_refunded_and_refundable_stay_in_the_order_currency():
    order = order_with(usd("50.00"), usd("4.00"), total="100.00")
    assert order.refunded == usd("54.00")
    assert order.refundable == usd("46.00")


def test_a_refund_in_another_currency_is_refused_not_added():
    with pytest.raises(ValidationError, match="refund r0 is in EUR on an order in USD"):
        order_with(eur("50.00"))


@pytest.mark.parametrize(
    "typed", ["1_0", "\u0661\u0662", "0", "-2", "1e3", "", " ", "2.0", "10001", True, 1.0]
)
def test_a_typed_quantity_that_is_not_plain_units_is_refused(typed: object) -> None:
    with pytest.raises(AmountError, match="a whole number of units from 1 to 10,000"):
        parse_quantity(typed)


@pytest.mark.parametrize(
    ("typed", "units"), [("1", 1), (" 12 ", 12), ("0012", 12), ("10000", 10_000), (3, 3)]
)
def test_a_typed_quantity_reads_as_its_units(typed: object, units: int) -> None:
    assert parse_quantity(typed) == units
