"""Reading an amount of money a person typed: one parser, which refuses rather than guesses.

Accepted (for USD): ``1.50``, ``$1.50``, ``1,234.50``, ``1234.5``, ``1,234``, ``.50``,
``USD 1.50``, ``1.50 usd``. Refused, each with a one-line message naming the value:
``1,50`` and ``1,2345`` (a comma that is not a thousands separator: a decimal comma?),
``1.234,50`` (European grouping), negative or zero amounts, more decimals than the currency has
(two for USD), ``NaN``/``inf``/exponents, empty text, another currency's symbol or code.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from hub.core.errors import HubError

# Minor units per ISO 4217 code where they are not 2 (cents).
MINOR_UNITS: dict[str, int] = {
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2,
    "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "IQD": 3, "LYD": 3,
}
# Symbols a person may put in front of an amount, and the currencies each may stand for.
SYMBOLS: dict[str, frozenset[str]] = {
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
}
MAX_INTEGER_DIGITS = 12  # nobody refunds a trillion; a longer number is a slip of the keyboard
MAX_QUANTITY = 10_000
"""Units of one product a person may type for one line (a checkout link, a refund's line items).

Platforms take a line's quantity as a 32-bit integer (GraphQL's ``Int``); past a few thousand
units a typed quantity is a slip of the keyboard, not an order a support agent makes."""

# ASCII digits only: \d would also take other scripts' digits, which Decimal() reads too.
_PLAIN = r"[0-9]+"
_GROUPED = r"[1-9][0-9]{0,2}(?:,[0-9]{3})+"  # "0,001" is not grouping: someone's decimal comma
_NUMBER = re.compile(rf"(?P<int>{_GROUPED}|{_PLAIN})?(?:\.(?P<frac>[0-9]+))?")
_CODE_FIRST = re.compile(r"(?P<code>[A-Za-z]{3})\s*(?P<rest>[-(]?[0-9.,$€£¥].*)", re.DOTALL)
_CODE_LAST = re.compile(r"(?P<rest>.*[0-9.])\s*(?P<code>[A-Za-z]{3})", re.DOTALL)


class AmountError(HubError, ValueError):
    """A typed amount that cannot be read without guessing; the message names the value."""


def parse_quantity(raw: object, *, field: str = "quantity") -> int:
    """The whole number of units a person meant by ``raw`` (text as typed, or an int a form sent).

    ASCII digits only, 1 to ``MAX_QUANTITY``: ``int()`` alone would also read ``"1_0"`` (10),
    ``" 12 "`` or other scripts' digits. Raises ``AmountError`` (a ``ValueError``) naming
    ``field`` and the value otherwise.
    """
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_QUANTITY:
        raise AmountError(f"{field} {_shown(raw)}: a whole number of units from 1 to {MAX_QUANTITY:,}")
    return int(text)


def minor_units(currency: str) -> int:
    """Decimal places of ``currency`` (2 unless listed in ``MINOR_UNITS``)."""
    return MINOR_UNITS.get(currency.upper(), 2)


def parse_amount(raw: object, currency: str = "USD", *, field: str = "amount") -> Decimal:
    """The exact, positive ``Decimal`` a person meant by ``raw`` in ``currency``.

    ``raw`` is text as typed, or a number a form sent (int, Decimal, or a float as JSON numbers
    arrive; a float is read through its shortest repr, so ``10.5`` is ``Decimal("10.5")``).
    Raises ``AmountError`` (a ``ValueError``) naming ``field`` and the value when the text is
    empty, ambiguous, negative or zero, not finite, or more precise than the currency allows.
    """
    shown = _shown(raw)
    text = _as_text(shown, raw, field)
    number = _strip_currency(text, currency.upper(), shown, field)
    match = _NUMBER.fullmatch(number)
    if not number or match is None or (match["int"] is None and match["frac"] is None):
        raise AmountError(_why_not(shown, number, field))
    places = minor_units(currency)
    if match["int"] and "," in match["int"] and places >= 3:
        # "1,234" could be 1.234 in a three-decimal currency: refuse rather than choose.
        raise AmountError(f"{field} {shown} is ambiguous in {currency.upper()}: write it without commas")
    digits = (match["int"] or "0").replace(",", "")
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountError(f"{field} {shown} is too large")
    fraction = match["frac"] or ""
    if len(fraction) > places:
        raise AmountError(f"{field} {shown} has more than {places} decimals for {currency.upper()}")
    value = Decimal(f"{digits}.{fraction}" if fraction else digits)
    if value <= 0:
        raise AmountError(f"{field} {shown} must be more than zero")
    return value


def symbol_fits(symbol: str | None, currency: str) -> bool:
    """False when ``symbol`` (``"$"``, ``"€"``, or an ISO code) surely names another currency.

    An unknown or missing symbol proves nothing and fits; used by mappers that get only a symbol.
    """
    mark = (symbol or "").strip()
    if len(mark) == 3 and mark.isalpha():
        return mark.upper() == currency.upper()
    return mark not in SYMBOLS or currency.upper() in SYMBOLS[mark]


def _shown(raw: object) -> str:
    """How a value is named in messages: quoted text, numbers as their digits (``'-1.50'``)."""
    if isinstance(raw, Decimal | float | int) and not isinstance(raw, bool):
        return repr(str(raw))
    return repr(raw)


def _as_text(shown: str, raw: object, field: str) -> str:
    """``raw`` as stripped text; numbers that are not amounts (bool, NaN, inf) refused here."""
    if isinstance(raw, bool) or raw is None:
        raise AmountError(f"{field} {shown} is not an amount")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise AmountError(f"{field} {shown} is not a finite amount")
        return repr(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise AmountError(f"{field} {shown} is not a finite amount")
        return str(raw)  # "1E+5" stays visible as an exponent, which is refused below
    if isinstance(raw, int):
        return str(raw)
    if not isinstance(raw, str):
        raise AmountError(f"{field} {shown} is not an amount")
    text = raw.strip()
    if not text:
        raise AmountError(f"{field} {shown} is empty: type an amount such as 19.99")
    return text


def _strip_currency(text: str, currency: str, shown: str, field: str) -> str:
    """``text`` without one leading symbol or one ISO code (either side); a foreign one refused."""
    coded = _CODE_FIRST.fullmatch(text) or _CODE_LAST.fullmatch(text)
    if coded is not None:
        code = coded["code"].upper()
        if code != currency:
            raise AmountError(f"{field} {shown} is in {code}, not {currency}")
        text = coded["rest"].strip()
    if text[:1] in SYMBOLS:
        if currency not in SYMBOLS[text[0]]:
            raise AmountError(f"{field} {shown}: {text[0]} is not a symbol of {currency}")
        text = text[1:].strip()
    return text


def _why_not(shown: str, number: str, field: str) -> str:
    """The one-line reason an unreadable amount is refused."""
    if number.startswith(("-", "(")) or number.endswith("-"):
        return f"{field} {shown} is negative: type the amount to pay back, such as 19.99"
    if re.fullmatch(r"[0-9.,]+", number or "x") and "," in number:
        return (
            f"{field} {shown} is ambiguous: use a point for decimals and commas only between "
            "thousands (1,234.50)"
        )
    try:
        if not Decimal(number).is_finite():
            return f"{field} {shown} is not a finite amount"
    except InvalidOperation:
        pass
    return f"{field} {shown} is not an amount: type it as 19.99 or 1,234.50"
