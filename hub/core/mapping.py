"""Platform JSON to domain models: the one way a mapper fails, and the one way a page is mapped.

Every plugin's ``mapping.py`` turns platform JSON into domain models. Whatever nonsense a
record holds (a missing key, a number where an object was expected, ``direction: sideways``,
a date that does not parse, an amount that is not a number, a value the domain model refuses),
its mapper raises ``MappingError`` naming platform, record kind, record id and the field (a
dotted path into the platform's JSON) with the reason, and nothing else. Three tools:

* ``mapping_guard(platform, record)`` wraps a mapper: ``KeyError``/``TypeError``/
  ``ValueError``/pydantic ``ValidationError``... escaping it become ``MappingError``, and the
  record's id is filled in from its JSON;
* ``reading("path")`` names the field being read in a block, so an error inside it is
  reported against that path (nested blocks join into ``customer.address.zip``);
* ``map_records(items, mapper, ...)`` maps a page or a look-up's list: a record that cannot be
  mapped becomes a ``MappingError`` entry in its place (carrying the raw record and, when it
  can be read, its place in the page order), so the flow parks that record and goes on.

``split_unreadable`` separates those entries from the records again (``sorted_records`` sorts
the records and keeps the entries last). ``nested``, ``listed`` and ``map_each`` read a nested
object, a list, and each element of a list, naming the path when the JSON has another shape.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from hub.core.errors import MappingError

T = TypeVar("T")
Mapper = TypeVar("Mapper", bound=Callable[..., Any])

UNKNOWN_FIELD = "(record)"
"""The field of an error no ``reading`` block or helper named (the tests treat it as a bug)."""

# What a mapper handed odd JSON may raise on its own; anything else is a bug, not bad data.
DATA_ERRORS = (
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,
    ValidationError,
)
CAUGHT = (MappingError, *DATA_ERRORS)


def as_mapping_error(exc: BaseException, field: str | None = None) -> MappingError:
    """The ``MappingError`` an exception raised while mapping stands for.

    ``field`` is the dotted path being read when it was raised (``None``: unknown). Platform,
    record and id are left blank for the guard of the record to fill in.
    """
    if isinstance(exc, MappingError):
        return exc
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"])
        # The model's own field name (``direction``) is the best path there is: the platform
        # value was handed to it unchanged.
        path = join_path(field, loc) if loc else field
        shown = repr(first.get("input"))
        got = f" (got {shown[:80]}{'...' if len(shown) > 80 else ''})" if "input" in first else ""
        return MappingError("", "", path or UNKNOWN_FIELD, f"{first['msg']}{got}")
    if isinstance(exc, KeyError) and exc.args:
        # The missing key is the field (inside ``field`` when reading one, unless it is that one).
        key = str(exc.args[0])[:100]
        named = field if field and (field == key or field.endswith(f".{key}")) else join_path(field, key)
        return MappingError("", "", named, "missing")
    reason = str(exc) or type(exc).__name__
    return MappingError("", "", field or UNKNOWN_FIELD, f"{type(exc).__name__}: {reason}"[:300])


def join_path(outer: str | None, inner: str | None) -> str:
    """``customer`` + ``address.zip`` -> ``customer.address.zip``; ``items`` + ``[2]`` -> ``items[2]``."""
    if not outer or outer == UNKNOWN_FIELD:
        return inner or outer or UNKNOWN_FIELD
    if not inner or inner == UNKNOWN_FIELD:
        return outer
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


@contextmanager
def reading(path: str) -> Iterator[None]:
    """Report any error raised in the block against ``path`` (a dotted path of the record).

    A ``MappingError`` from a helper inside gets ``path`` in front of its own field; any other
    data error becomes a ``MappingError`` on ``path``.
    """
    try:
        yield
    except MappingError as exc:
        exc.field = join_path(path, exc.field)
        raise
    except DATA_ERRORS as exc:
        raise as_mapping_error(exc, path) from exc


def mapping_guard(platform: str, record: str, *, id_field: str | None = "id") -> Callable[[Mapper], Mapper]:
    """Make a mapper raise only ``MappingError``, naming ``platform``, ``record`` and the record's id.

    The mapper's first argument is the raw record; its ``id_field`` (``None``: none) gives the
    id the error names. A ``MappingError`` raised for another kind of record inside this one
    (a refund inside an order) is reported as this record's, the inner one named in the reason.
    """

    def decorate(mapper: Mapper) -> Mapper:
        @functools.wraps(mapper)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return mapper(*args, **kwargs)
            except CAUGHT as exc:
                raw = args[0] if args else None
                error = as_mapping_error(exc).within(platform, record, record_id_of(raw, id_field))
                if error is exc:
                    raise
                raise error from exc

        return guarded  # type: ignore[return-value]

    return decorate


def record_id_of(raw: Any, id_field: str | None = "id") -> str | None:
    """The record's id as text when ``raw`` holds a usable one (a string or an integer), else None."""
    if id_field is None or not isinstance(raw, Mapping):
        return None
    value = raw.get(id_field)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)[:200]


def map_records(
    items: Iterable[Any],
    mapper: Callable[[Any], T],
    *,
    platform: str,
    record: str,
    id_field: str | None = "id",
    record_id: Callable[[Any], str | None] | None = None,
    stamp: Callable[[Any], datetime | None] | None = None,
) -> list[T | MappingError]:
    """Map each raw record; one that cannot be mapped becomes a ``MappingError`` in its place.

    The entry carries ``payload`` (the raw record, for the dead-letter table), ``record_id``
    (from ``record_id(raw)`` or ``raw[id_field]``) and ``at``: the record's place in the order
    the page is sorted by (``stamp(raw)``, UTC), when it can still be read, so a flow's cursor
    can move past a record it parked. Order is kept. Errors other than data errors propagate.
    """
    mapped: list[T | MappingError] = []
    for raw in items:
        try:
            mapped.append(mapper(raw))
        except CAUGHT as exc:
            ident = _safely(record_id, raw) if record_id else record_id_of(raw, id_field)
            error = as_mapping_error(exc).within(platform, record, ident)
            mapped.append(error.parked_as(payload=raw, at=_safely(stamp, raw) if stamp else None))
    return mapped


def split_unreadable(items: Iterable[T | MappingError]) -> tuple[list[T], list[MappingError]]:
    """``(records, unreadable)`` of a list ``map_records`` (or a list hook) returned."""
    records: list[T] = []
    unreadable: list[MappingError] = []
    for item in items:
        (unreadable if isinstance(item, MappingError) else records).append(item)  # type: ignore[arg-type]
    return records, unreadable


def sorted_records(
    items: Iterable[T | MappingError], key: Callable[[T], Any], *, reverse: bool = False
) -> list[T | MappingError]:
    """The records sorted by ``key``, then the unreadable entries (which have no key) in their order."""
    records, unreadable = split_unreadable(items)
    return [*sorted(records, key=key, reverse=reverse), *unreadable]


def _safely(read: Callable[[Any], T], raw: Any) -> T | None:
    """``read(raw)``, or None when the record is too broken for it (the error is reported already)."""
    try:
        value = read(raw)
    except CAUGHT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def map_each(items: Any, path: str, convert: Callable[[Any], T]) -> tuple[T, ...]:
    """``convert`` every element of a JSON list (``None``: no elements), in order.

    An error on element ``i`` is reported as ``path[i].<field>``; anything but a list is a
    ``MappingError`` on ``path`` itself.
    """
    if items is None:
        return ()
    if not isinstance(items, list | tuple):
        raise MappingError("", "", path, f"not a list: {type(items).__name__}")
    converted: list[T] = []
    for index, item in enumerate(items):
        with reading(f"{path}[{index}]"):
            converted.append(convert(item))
    return tuple(converted)


def nested(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The JSON object under ``key`` (``{}`` when absent, null or empty); else ``MappingError`` on ``key``."""
    value = record.get(key)
    if _empty(value):
        return {}
    if not isinstance(value, Mapping):
        raise MappingError("", "", key, f"not an object: {type(value).__name__}")
    return value


def listed(record: Mapping[str, Any], key: str) -> list[Any]:
    """The JSON list under ``key`` (``[]`` when absent, null or empty); else ``MappingError`` on ``key``."""
    value = record.get(key)
    if _empty(value):
        return []
    if not isinstance(value, list):
        raise MappingError("", "", key, f"not a list: {type(value).__name__}")
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)
