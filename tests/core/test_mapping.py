"""The core's one way of mapping platform JSON: guard, field paths, pages with unreadable entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.core.errors import MappingError
from hub.core.mapping import (
    UNKNOWN_FIELD,
    listed,
    map_each,
    map_records,
    mapping_guard,
    nested,
    reading,
    sorted_records,
    split_unreadable,
)
from hub.core.models import CallDirection, Ref


@mapping_guard("demo", "parcel")
def parcel(raw: dict[str, Any]) -> tuple[str, int, tuple[int, ...]]:
    """A toy mapper: the id, the weight (an int), and the sizes of its boxes."""
    with reading("weight"):
        weight = int(raw["weight"])
    boxes = map_each(raw.get("boxes"), "boxes", lambda box: int(box["size"]))
    return str(raw["id"]), weight, boxes


@mapping_guard("demo", "shipment")
def shipment(raw: dict[str, Any]) -> list[Any]:
    """A mapper calling another kind's mapper for a nested record."""
    with reading("parcel"):
        return [parcel(nested(raw, "parcel"))]


def test_a_good_record_maps() -> None:
    assert parcel({"id": 7, "weight": "3", "boxes": [{"size": 1}, {"size": 2}]}) == ("7", 3, (1, 2))


@pytest.mark.parametrize(
    ("raw", "field", "reason"),
    [
        ({"id": 7, "weight": "heavy"}, "weight", "ValueError"),
        ({"id": 7, "weight": []}, "weight", "TypeError"),
        ({"id": 7}, "weight", "missing"),
        ({"id": 7, "weight": 1, "boxes": [{"size": 1}, {"size": "big"}]}, "boxes[1]", "ValueError"),
        ({"id": 7, "weight": 1, "boxes": [{"size": 1}, {}]}, "boxes[1].size", "missing"),
        ({"id": 7, "weight": 1, "boxes": 5}, "boxes", "not a list"),
    ],
)
def test_any_data_error_becomes_a_mapping_error_naming_the_field(raw: dict, field: str, reason: str) -> None:
    with pytest.raises(MappingError) as caught:
        parcel(raw)
    error = caught.value
    assert (error.platform, error.record, error.record_id, error.field) == ("demo", "parcel", "7", field)
    assert reason in error.reason
    assert str(error).startswith(f"demo parcel 7: field '{field}': ")


def test_a_key_error_outside_any_reading_block_names_the_key() -> None:
    with pytest.raises(MappingError) as caught:
        parcel({"weight": 1})
    assert caught.value.field == "id" and caught.value.record_id is None


def test_a_pydantic_error_names_the_model_field() -> None:
    @mapping_guard("demo", "ref")
    def to_ref(raw: dict[str, Any]) -> Ref:
        return Ref(platform="demo", id=raw["id"], kind=raw.get("kind"))

    with pytest.raises(MappingError) as caught:
        to_ref({"id": 12})
    assert (caught.value.field, caught.value.record_id) == ("id", "12")


def test_an_enum_value_out_of_range_names_its_field() -> None:
    @mapping_guard("demo", "call")
    def direction(raw: dict[str, Any]) -> CallDirection:
        with reading("direction"):
            return CallDirection(raw["direction"])

    with pytest.raises(MappingError) as caught:
        direction({"id": 1, "direction": "sideways"})
    assert caught.value.field == "direction" and "sideways" in caught.value.reason


def test_an_inner_record_is_reported_as_the_outer_one_with_the_inner_named() -> None:
    with pytest.raises(MappingError) as caught:
        shipment({"id": "S1", "parcel": {"id": 7, "weight": "heavy"}})
    error = caught.value
    assert (error.record, error.record_id, error.field) == ("shipment", "S1", "parcel.weight")
    assert error.reason.startswith("parcel 7: ") and error.key == "shipment:demo:S1"


def test_nested_and_listed_refuse_other_shapes() -> None:
    assert nested({"a": None}, "a") == {} and listed({"a": ""}, "a") == []
    with pytest.raises(MappingError, match="not an object"):
        nested({"a": [1]}, "a")
    with pytest.raises(MappingError, match="not a list"):
        listed({"a": {"b": 1}}, "a")


def test_only_data_errors_are_converted() -> None:
    @mapping_guard("demo", "thing")
    def buggy(raw: dict[str, Any]) -> None:
        raise RuntimeError("a bug, not bad data")

    with pytest.raises(RuntimeError):
        buggy({"id": 1})


def stamp(raw: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(raw["at"], UTC)


def test_a_page_keeps_its_order_with_unreadable_entries_in_place() -> None:
    page = [
        {"id": 1, "weight": 1, "at": 100},
        {"id": 2, "weight": "x", "at": 200},
        {"id": 3, "weight": 3, "at": 300},
        {"weight": 4, "at": "not a time"},
    ]
    mapped = map_records(page, parcel, platform="demo", record="parcel", stamp=stamp)
    assert mapped[0] == ("1", 1, ()) and mapped[2] == ("3", 3, ())
    second, fourth = mapped[1], mapped[3]
    assert isinstance(second, MappingError) and isinstance(fourth, MappingError)
    assert (second.record_id, second.field, second.payload) == ("2", "weight", page[1])
    assert second.at == datetime.fromtimestamp(200, UTC)  # its place, for the flow's cursor
    assert (fourth.record_id, fourth.field, fourth.at) == (None, "id", None)
    records, unreadable = split_unreadable(mapped)
    assert [r[0] for r in records] == ["1", "3"] and unreadable == [second, fourth]


def test_sorted_records_puts_unreadable_entries_last() -> None:
    error = MappingError("demo", "parcel", "weight", "bad")
    assert sorted_records([3, error, 1, 2], key=lambda n: n, reverse=True) == [3, 2, 1, error]


def test_unknown_field_is_only_the_last_resort() -> None:
    @mapping_guard("demo", "thing")
    def unguarded(raw: dict[str, Any]) -> int:
        return raw["n"] + 1

    with pytest.raises(MappingError) as caught:
        unguarded({"id": 1, "n": "one"})
    assert caught.value.field == UNKNOWN_FIELD  # the bad-record tests refuse this in plugins
