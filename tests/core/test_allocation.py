"""An order-level discount shared over the lines: exact to the cent, never more than a line."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hub.core.allocation import after_discount, spread, unit_price

D = Decimal
cents = st.integers(min_value=0, max_value=500_000).map(lambda n: D(n).scaleb(-2))


def test_a_discount_that_does_not_divide_puts_the_last_cents_on_the_last_line() -> None:
    # 6.15 over 18.00, 36.00 and 7.49: exact shares 1.8003.., 3.6006.., 0.7491..
    assert spread(D("6.15"), [D("18.00"), D("36.00"), D("7.49")], "USD") == (D("1.80"), D("3.60"), D("0.75"))
    assert after_discount([D("18.00"), D("36.00"), D("7.49")], D("55.34"), "USD") == (
        D("16.20"),
        D("32.40"),
        D("6.74"),
    )


def test_a_last_line_too_small_for_the_remainder_passes_it_back() -> None:
    # 0.29 over 1.00, 1.00, 1.00 and 0.01: floors 0.09, 0.09, 0.09 and 0.00 leave 0.02, of
    # which the last line can take only 0.01.
    weights = [D("1.00"), D("1.00"), D("1.00"), D("0.01")]
    assert spread(D("0.29"), weights, "USD") == (D("0.09"), D("0.09"), D("0.10"), D("0.01"))
    assert spread(D("0.05"), [D("1.00"), D("0.00")], "USD") == (D("0.05"), D("0.00"))


def test_no_discount_leaves_the_lines_as_they_are() -> None:
    assert after_discount([D("10.00"), D("5.00")], D("15.00"), "USD") == (D("10.00"), D("5.00"))
    assert after_discount([D("10.00"), D("5.00")], D("20.00"), "USD") == (D("10.00"), D("5.00"))
    assert after_discount([D("10.00"), D("5.00")], D("-1"), "USD") == (D("0.00"), D("0.00"))


def test_minor_units_follow_the_currency() -> None:
    assert spread(D("100"), [D("1000"), D("1000"), D("1000")], "JPY") == (D("33"), D("33"), D("34"))


def test_a_unit_price_is_rounded_down() -> None:
    assert unit_price(D("32.40"), 3, "USD") == D("10.80")
    assert unit_price(D("10.00"), 3, "USD") == D("3.33")
    assert unit_price(D("6.74"), 1, "USD") == D("6.74")


@given(st.lists(cents, min_size=1, max_size=8), cents)
def test_shares_add_up_exactly_and_stay_within_each_line(weights: list[Decimal], amount: Decimal) -> None:
    shares = spread(amount, weights, "USD")
    assert sum(shares, D(0)) == min(amount, sum(weights, D(0)))
    assert all(D(0) <= share <= weight for share, weight in zip(shares, weights, strict=True))
    assert all(share == share.quantize(D("0.01")) for share in shares)


@given(st.lists(cents, min_size=1, max_size=8), cents)
def test_lines_after_the_discount_add_up_to_what_was_paid(listed: list[Decimal], paid: Decimal) -> None:
    lines = after_discount(listed, paid, "USD")
    assert sum(lines, D(0)) == min(paid, sum(listed, D(0)))
    assert all(D(0) <= line <= before for line, before in zip(lines, listed, strict=True))
