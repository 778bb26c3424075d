"""The fast E.164 path answers exactly what phonenumbers answers, or leaves the number to it."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hub.core.phones import e164, fast_e164, parsed_e164

REGIONS = st.sampled_from(["US", "us", "CA", "GB", "FR", None])
DIGIT = st.sampled_from("0123456789")
SEPARATOR = st.sampled_from(["", " ", "-", ".", "  ", "/", "--"])
OTHER_DIGITS = "\uff11\uff12\uff13\uff14\u0665\u0666"
"""Full-width and Arabic-Indic digits: phonenumbers reads them, the fast path must not."""
FULL_WIDTH_NUMBER = "".join(chr(0xFF10 + int(d)) for d in "14155550100")


@st.composite
def written_numbers(draw: st.DrawFn) -> str:
    """Numbers shaped like the fast path's, with every kind of near miss mixed in."""
    sizes = draw(st.sampled_from([(3, 3, 4)] * 6 + [(2, 3, 4), (3, 4, 4), (3, 3, 5), (3, 3, 3), (4, 3, 4)]))
    area, exchange, line = ("".join(draw(st.lists(DIGIT, min_size=n, max_size=n))) for n in sizes)
    if draw(st.booleans()):
        area = f"({area})"
    prefix = draw(st.sampled_from(["", "", "+1", "+1", "+1 ", "+1-", "1", "1 ", "+", "+44 ", "+11", "+ 1"]))
    return prefix + area + draw(SEPARATOR) + exchange + draw(SEPARATOR) + line


def test_many_generated_numbers_take_the_fast_path() -> None:
    """The strategy above reaches the fast path often enough to test it (not only near misses)."""
    import random

    generator = random.Random(7)
    taken = 0
    for _ in range(20_000):
        digits = "".join(generator.choice("0123456789") for _ in range(10))
        shape = generator.choice(["+1{}{}{}", "({}) {}-{}", "{}-{}-{}", "{}.{}.{}", "{}{}{}", "+1 {} {} {}"])
        text = shape.format(digits[:3], digits[3:6], digits[6:])
        fast = fast_e164(text, "US")
        if fast is not None:
            taken += 1
            assert fast == parsed_e164(text, "US"), text
    assert taken > 10_000


@settings(max_examples=3_000, deadline=None)
@given(text=written_numbers(), region=REGIONS)
@example(text="+14155550100", region="US")
@example(text="+11234567890", region="US")  # national number starting with the prefix 1
@example(text="+10155550100", region="US")
@example(text="(415) 555-0100", region="US")
@example(text="(415)555-0100", region="US")
@example(text="1 (415) 555-0100", region="US")
@example(text="415-555-0100", region="GB")
@example(text="+1 (415) 555-0100", region=None)
def test_the_fast_path_gives_phonenumbers_answer_or_none(text: str, region: str | None) -> None:
    fast = fast_e164(text, region)
    if fast is not None:
        assert fast == parsed_e164(text, region), text
    assert e164(text, region) == parsed_e164(text, region)


@settings(max_examples=2_000, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("0123456789+()-. x#*ext" + OTHER_DIGITS), max_size=18),
    region=REGIONS,
)
@example(text="+" + FULL_WIDTH_NUMBER, region="US")  # phonenumbers reads them, answers in ASCII
@example(text=FULL_WIDTH_NUMBER[1:], region="US")
def test_any_text_the_fast_path_takes_is_answered_as_phonenumbers_do(text: str, region: str | None) -> None:
    fast = fast_e164(text, region)
    if fast is not None:
        assert fast == parsed_e164(text, region), text


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+14155550100", "US", "+14155550100"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "US", "+14155550100"),
        ("+1 415 555 0100", None, "+14155550100"),
        ("+44 20 7946 0958", "US", "+442079460958"),  # not fast: phonenumbers answers
        ("020 7946 0958", "GB", "+442079460958"),
        ("+1415555", "US", None),  # too short to be possible
        ("not a number", "US", None),
    ],
)
def test_e164(text: str, region: str | None, expected: str | None) -> None:
    assert e164(text, region) == expected


def test_the_common_shapes_never_reach_phonenumbers() -> None:
    for text in ("+14155550100", "(415) 555-0100", "415-555-0100", "4155550100", "+1 (415) 555-0100"):
        assert fast_e164(text, "US") is not None, text
    for text in ("+44 20 7946 0958", "+4402079460958", "+33 6 12 34 56 78", "(415) 555-0100 x12"):
        assert fast_e164(text, "US") is None, text
