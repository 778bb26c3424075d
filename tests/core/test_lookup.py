"""Exact look-ups: keys normalised one way, the asked-for record or nothing, never a near match."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import FatalError, NotFoundError
from hub.core.lookup import (
    AmbiguousMatch,
    email_key,
    exact_matches,
    is_person,
    one_exact,
    order_number_key,
    person_matcher,
    phone_key,
    same_email,
    same_phone,
)


def by_name(records: list[dict], wanted: str) -> dict:
    return one_exact(
        records, wanted, lambda r: r["name"], order_number_key, platform="shop", what=f"order {wanted}"
    )


def test_asked_for_1_a_a_search_answering_12_a_is_not_found_never_12_a():
    # The search engine's answer for "#1-A": another buyer's 240.00 USD order.
    hits = [{"name": "#12-A", "total": "240.00"}]
    with pytest.raises(NotFoundError, match="order #1-A not found"):
        by_name(hits, "#1-A")


def test_the_exact_order_is_picked_whatever_the_search_order():
    hits = [{"name": "#12-A"}, {"name": "#1-a"}, {"name": "#1-AB"}]
    assert by_name(hits, "#1-A") == {"name": "#1-a"}
    assert by_name(hits, "1-A") == {"name": "#1-a"}  # people quote the number without "#"


def test_two_orders_named_1001_are_refused_as_ambiguous():
    hits = [{"name": "#1001", "id": 1}, {"name": "#1001", "id": 2}]
    with pytest.raises(AmbiguousMatch, match="ambiguous") as refused:
        by_name(hits, "#1001")
    assert isinstance(refused.value, FatalError)  # the back office turns it into "waiting"


@pytest.mark.parametrize(
    ("raw", "key"),
    [("#1001", "1001"), (" #1001 ", "1001"), ("1001", "1001"), ("#ab-7", "ab-7"), (1001, "1001"), ("", None),
     ("#", None), (None, None), ("##1", "#1")],
)
def test_order_number_key(raw, key):
    assert order_number_key(raw) == key


def test_email_and_phone_keys():
    assert email_key("  Ann.Lee@Example.COM ") == "ann.lee@example.com"
    assert email_key("") is None and email_key(None) is None
    assert phone_key("(512) 555-0101") == "+15125550101"
    assert phone_key("+44 20 7946 0958") == "+442079460958"
    assert phone_key("020 7946 0958", "GB") == "+442079460958"
    assert phone_key("not a phone") is None and phone_key("") is None


def test_blank_keys_never_match_each_other():
    assert not same_email(None, None) and not same_email("", "")
    assert not same_phone("x", "x")
    assert exact_matches([{"email": None}], None, lambda r: r["email"], email_key) == []


def test_is_person_keeps_exact_email_or_phone_only():
    assert is_person("Ann@x.com", None, "ann@x.com", None)
    assert not is_person("ann@x.com.evil", None, "ann@x.com", None)
    assert not is_person("joann@x.com", None, "ann@x.com", None)
    assert is_person(None, "+1 512 555 0101", None, "+15125550101")
    assert not is_person(None, "+15125550102", None, "+15125550101")
    assert not is_person("ann@x.com", "+15125550101", None, None)


PEOPLE = st.sampled_from(
    [None, "", "ann@x.com", " Ann@X.com", "bob@x.com", "+15125550101", "(512) 555-0101", "+1 512 555 0102",
     "+44 20 7946 0958", "020 7946 0958", "x"]
)


@given(PEOPLE, PEOPLE, PEOPLE, PEOPLE, st.sampled_from(["US", "GB", None]))
def test_person_matcher_answers_as_is_person(record_email, record_phone, email, phone, region):
    matches = person_matcher(email, phone, region)
    assert matches(record_email, record_phone) == is_person(record_email, record_phone, email, phone, region)


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"
NUMBERS = st.text(alphabet=ALPHABET, min_size=1, max_size=12)


@given(NUMBERS, NUMBERS)
def test_a_longer_or_different_number_is_never_the_one_asked(asked, extra):
    hits = [{"name": f"#{asked}{extra}"}, {"name": f"#{extra}{asked}"}, {"name": f"{asked}-{extra}"}]
    assert exact_matches(hits, f"#{asked}", lambda r: r["name"], order_number_key) == []


@given(NUMBERS)
def test_case_and_a_leading_hash_do_not_matter(asked):
    hits = [{"name": f"#{asked.upper()}"}]
    assert by_name(hits, asked.lower()) == hits[0]
    assert by_name(hits, f" #{asked} ") == hits[0]
