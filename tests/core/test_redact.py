"""The redactor's shortcut: strings it lets through unpatterned are those no pattern changes."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hub.core import redact as redactor

PIECES = st.sampled_from(
    [
        *("basic ", "Bearer ", "BAS\u0130C ", "ba\u017fic ", "token", "password", "api_key"),
        *("=", ":", '"', "'", " ", "abc123/+=", "x-acme-key", "authorization", "\u212aey", "\u0131"),
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=8).map("".join)


def patterned(text: str) -> str:
    for pattern, replacement in redactor._PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@settings(max_examples=2_000, deadline=None)
@given(text=TEXT)
@example(text="Bearer abc.def-123456")
@example(text="ba\u017fic abcdef12345")
@example(text="Jane Doe, 12.50 USD, order 1001")
def test_a_string_the_shortcut_passes_is_one_no_pattern_changes(text: str) -> None:
    if redactor._shapeless(text):
        assert patterned(text) == text


def test_the_shortcut_passes_plain_values_and_stops_at_every_shape() -> None:
    assert redactor._shapeless("Jane Doe, 12.50 USD, order 1001")
    assert not redactor._shapeless("password=hunter2")
    assert not redactor._shapeless('{"token": "x"}')
    assert not redactor._shapeless("Bearer abc.def-123456")
    assert redactor.redact("Bearer abc.def-123456") == "Bearer ***"
