"""Exact look-ups: the one place that says when a record returned by a search is the one asked for.

Platform searches are fuzzy: an order search for ``#1-A`` may also find ``#12-A``, an email search may
match a prefix, a phone search digits anywhere. A search used as a look-up therefore goes through
here: every hit is compared with what was asked, both normalised the same way, and more than one
exact hit is refused (``AmbiguousMatch``), never resolved by taking the first.

Keys, normalised:
- email: surrounding blanks dropped, case folded (``" Ann@X.com"`` -> ``"ann@x.com"``);
- phone: E.164 (``"(512) 555-0101"`` in region US -> ``"+15125550101"``); a number that does not
  parse has no key and matches nothing;
- order number: blanks and one leading ``#`` dropped, case folded (``"#1001-a"`` -> ``"1001-a"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from hub.core.errors import FatalError, NotFoundError
from hub.core.phones import e164

T = TypeVar("T")
Normaliser = Callable[[object], str | None]


class AmbiguousMatch(FatalError):
    """A look-up found several records with exactly the key asked for; acting on one is a guess."""


def email_key(value: object) -> str | None:
    """``value`` as an email key (stripped, case folded); None when blank or not text."""
    if not isinstance(value, str):
        return None
    key = value.strip().casefold()
    return key or None


def phone_key(value: object, region: str | None = "US") -> str | None:
    """``value`` as an E.164 key; None when blank or not a possible phone number.

    ``region`` (ISO 3166-1 alpha-2) reads numbers written without a country code; a number
    starting with ``+`` carries its own.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    home = (region or "US").upper() if region and len(region) == 2 else "US"
    return e164(text, None if text.startswith("+") else home)


def order_number_key(value: object) -> str | None:
    """``value`` as an order-number key: no blanks, no leading ``#``, case folded; None if blank."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    key = value.strip().removeprefix("#").strip().casefold()
    return key or None


def same_email(a: object, b: object) -> bool:
    """True when both are emails and equal once normalised (blank never equals blank)."""
    key = email_key(a)
    return key is not None and key == email_key(b)


def same_phone(a: object, b: object, region: str | None = "US") -> bool:
    """True when both parse to the same E.164 number."""
    key = phone_key(a, region)
    return key is not None and key == phone_key(b, region)


def is_person(
    record_email: object,
    record_phone: object,
    email: str | None,
    phone: str | None,
    region: str | None = "US",
) -> bool:
    """True when a record's email equals ``email`` or its phone equals ``phone`` (normalised).

    What a customer/contact search by email *or* phone keeps of the hits it got back.
    """
    return bool(email and same_email(record_email, email)) or bool(
        phone and same_phone(record_phone, phone, region)
    )


def person_matcher(
    email: str | None, phone: str | None, region: str | None = "US"
) -> Callable[[object, object], bool]:
    """``is_person`` with the asked-for keys normalised once: ``matcher(record_email, record_phone)``.

    What a look-up reading many records uses (a page of search hits at a time).
    """
    wanted_email = email_key(email) if email else None
    wanted_phone = phone_key(phone, region) if phone else None

    def matches(record_email: object, record_phone: object) -> bool:
        # The same text as asked has the same key: most hits of an email search are that text.
        if wanted_email is not None and (record_email == email or email_key(record_email) == wanted_email):
            return True
        return wanted_phone is not None and phone_key(record_phone, region) == wanted_phone

    return matches


def exact_matches(
    records: Iterable[T], wanted: object, key_of: Callable[[T], object], normalise: Normaliser
) -> list[T]:
    """The records whose key, normalised, equals ``wanted`` normalised (search order kept).

    A ``wanted`` without a key (blank, unparsable phone) matches nothing.
    """
    target = normalise(wanted)
    if target is None:
        return []
    return [record for record in records if normalise(key_of(record)) == target]


def one_exact(
    records: Iterable[T],
    wanted: object,
    key_of: Callable[[T], object],
    normalise: Normaliser,
    *,
    platform: str,
    what: str,
) -> T:
    """The single record whose key is exactly ``wanted``.

    Raises ``NotFoundError`` when none is (whatever the search returned), and ``AmbiguousMatch``
    when two or more are: ``what`` names the look-up in the message (``"order #1001"``).
    """
    found = exact_matches(records, wanted, key_of, normalise)
    if not found:
        raise NotFoundError(platform, f"{what} not found (no record with exactly that key)")
    if len(found) > 1:
        raise AmbiguousMatch(
            platform,
            f"{what} is ambiguous: {len(found)} records have exactly that key; "
            "nothing was done, name the record by its id",
            code="ambiguous",
        )
    return found[0]
