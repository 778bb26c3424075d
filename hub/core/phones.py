"""Phone numbers to E.164, cheaply: a fast path for the shapes most records hold, phonenumbers for the rest.

Parsing with ``phonenumbers`` costs about 20 microseconds a number, most of the cost of mapping
a helpdesk contact. Most numbers a workspace holds are already canonical North American E.164
(``+14155550100``) or a US national number written the usual ways (``(415) 555-0100``,
``415-555-0100``); for those the answer is known without parsing, and is exactly the answer
``phonenumbers`` gives (``tests/core/test_phones.py`` checks it on generated numbers). Anything
else goes to ``phonenumbers`` (imported on first need), its answers cached.

``e164(text, region)`` is what every caller means by "the E.164 of this text": parse with
``region`` for numbers written without ``+`` and a country code, keep the number only when its
length is possible for its country, format as E.164; ``None`` when it does not parse or is not
possible.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NANP_E164 = re.compile(r"\+1[2-9][0-9]{9}")
"""Canonical North American E.164: ``+1``, then ten digits, the area code not starting 0 or 1.

``phonenumbers`` gives such a string back unchanged: country code 1, a ten-digit national
number (the only possible length), nothing to strip (the national prefix "1" cannot start it)."""
_NANP_WRITTEN = re.compile(
    r"\+1[ .-]?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ .-]?([0-9]{3})[ .-]?([0-9]{4})"
)
"""``+1`` written with the usual separators: ``+1 415 555 0100``, ``+1 (415) 555-0100``."""
_US_NATIONAL = re.compile(r"(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})[ .-]?)([0-9]{3})[ .-]?([0-9]{4})")
"""A US number without country code: ``(415) 555-0100``, ``415-555-0100``, ``415.555.0100``,
``4155550100``; read in region US it is ``+1`` and those ten digits."""
_NANP_REGIONS = frozenset({"US"})
"""Regions whose national numbers ``_US_NATIONAL`` reads (checked against phonenumbers for US).
Region codes are matched as phonenumbers matches them: ``"us"`` is no region to it."""


def is_canonical_e164(text: str) -> bool:
    """True for canonical North American E.164 (``+14155550100``): its own E.164, no parse needed."""
    return _NANP_E164.fullmatch(text) is not None


def fast_e164(text: str, region: str | None = "US") -> str | None:
    """The E.164 of ``text`` when its shape alone tells it, else None (then ask ``e164``).

    Only ASCII digits count (``[0-9]``, never ``\\d``): phonenumbers reads other scripts' digits
    too, and would answer with ASCII ones.
    """
    if _NANP_E164.fullmatch(text):
        return text
    if text.startswith("+"):
        written = _NANP_WRITTEN.fullmatch(text)
        if written is None:
            return None
        area = written[1] or written[2]
        return f"+1{area}{written[3]}{written[4]}"
    if region not in _NANP_REGIONS:  # as phonenumbers reads regions: upper case only
        return None
    national = _US_NATIONAL.fullmatch(text)
    if national is None:
        return None
    area = national[1] or national[2]
    return f"+1{area}{national[3]}{national[4]}"


def e164(text: str, region: str | None = "US") -> str | None:
    """``text`` as E.164 (``"(512) 555-0101"`` in region US -> ``"+15125550101"``).

    ``region`` (ISO 3166-1 alpha-2) reads numbers written without ``+`` and a country code; None
    when ``text`` does not parse or its length is not possible for its country.
    """
    return fast_e164(text, region) or parsed_e164(text, region)


@lru_cache(maxsize=8_192)
def parsed_e164(text: str, region: str | None = "US") -> str | None:
    """``e164`` through ``phonenumbers`` alone (no fast path); cached, as the same numbers recur."""
    import phonenumbers  # imported on first need: most numbers never get here

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
