"""A ticket amount typed as text reaches the hub's one amount parser exactly as typed.

The Intercom mapper used to read text amounts with ``Decimal()``, which takes exponents,
underscores, a ``+`` and other scripts' digits: a ticket saying ``1.5e1`` refunded 15.00 and
``1_000`` refunded 1,000.00, although ``hub.core.amounts`` refuses both (and the inbox app,
which calls the parser directly, did refuse them).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.flows.tickets import TicketProblem, read_amount
from plugins.intercom import mapping
from plugins.intercom.settings import DEFAULT_TICKET_ATTRIBUTES

ODD = ["1.5e1", "1234e-2", "0.5E1", "1_000", "+5", "\u0661\u0662.\u0665", "\uff11\uff12.\uff15", "12.50e0"]
"""Exponents, underscores, a plus sign, Arabic-Indic and fullwidth digits."""


def amount_of(typed: object) -> object:
    return mapping.ticket_attributes_from({"Amount": typed}, DEFAULT_TICKET_ATTRIBUTES)["amount"]


@pytest.mark.parametrize("typed", ODD)
def test_text_the_parser_refuses_is_kept_as_typed_and_refused(typed: str) -> None:
    assert amount_of(typed) == typed
    with pytest.raises(TicketProblem, match="amount"):
        read_amount(amount_of(typed), "USD")  # type: ignore[arg-type]


def test_plain_text_and_numbers_read_as_before() -> None:
    assert read_amount(amount_of(" 12.50 "), "USD") == Decimal("12.50")  # type: ignore[arg-type]
    assert amount_of(Decimal("19.99")) == Decimal("19.99")
    assert amount_of(20) == Decimal("20")
