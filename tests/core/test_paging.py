"""Pagination styles (hub.core.paging): each paginator on the page shapes it serves, and ``stream``.

The page shapes are the ones the platforms' references describe (shared/reference/): page numbers
with a total, a Laravel-style page count, an opaque ``starting_after`` cursor, an absolute
``next_page_link``, ``_offset`` with ``result_set.more``/``next_offset``, and a GraphQL
connection's ``pageInfo``. None of it names a platform: the core only knows the shapes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hub.core.errors import FatalError
from hub.core.paging import (
    ConnectionPaginator,
    CursorPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    Paginator,
    PagingError,
    dig,
    stream,
)


def walk(paginator: Paginator[Any], pages: list[Any]) -> list[Any]:
    """The positions a paginator asks for while reading ``pages`` in turn (the first included)."""
    asked = [paginator.current]
    for page in pages:
        paginator.advance(page)
        if paginator.finished:
            return asked
        asked.append(paginator.current)
    return asked


class Server:
    """A fake API: ``pages`` by position; counts what was asked."""

    def __init__(self, pages: dict[Any, Any]) -> None:
        self.pages, self.asked = pages, []

    def fetch(self) -> Callable[[Any], Awaitable[Any]]:
        async def fetch(position: Any) -> Any:
            self.asked.append(position)
            return self.pages[position]

        return fetch


# --------------------------------------------------------------------------- locators


def test_dig_follows_keys_and_answers_none_where_a_step_is_missing() -> None:
    page = {"pages": {"next": {"starting_after": "abc"}}, "meta": None}
    assert dig(page, ("pages", "next", "starting_after")) == "abc"
    assert dig(page, ("meta", "next_page_link")) is None
    assert dig({"pages": {"next": "not a dict"}}, ("pages", "next", "starting_after")) is None
    assert dig([1, 2], ("x",)) is None


# --------------------------------------------------------------------------- page numbers


def test_page_numbers_stop_at_the_count_from_the_total() -> None:
    """``page`` until ``ceil(totalResults / resultsPerPage)`` (57 records, 25 a page: 3 pages)."""
    paginator = PageNumberPaginator(records=("data",), per_page=25, total_records=("totalResults",))
    pages = [
        {"totalResults": 57, "data": [{}] * 25},
        {"totalResults": "57", "data": [{}] * 25},
        {"totalResults": 57, "data": [{}] * 7},
    ]
    assert walk(paginator, pages) == [1, 2, 3]
    assert paginator.finished and paginator.pages == 3


def test_page_numbers_stop_at_a_given_page_count() -> None:
    """Laravel-style ``last_page``: the count is given, not computed."""
    paginator = PageNumberPaginator(records=("data",), per_page=25, total_pages=("last_page",))
    assert walk(paginator, [{"last_page": 2, "data": [{}]}, {"last_page": 2, "data": [{}]}]) == [1, 2]


def test_page_numbers_stop_on_an_empty_page_or_an_unknown_total() -> None:
    empty = PageNumberPaginator(records=("data",), per_page=10, total_records=("total",))
    assert walk(empty, [{"total": 100, "data": []}]) == [1]
    unknown = PageNumberPaginator(records=("data",), per_page=10, total_records=("total",))
    assert walk(unknown, [{"data": [{}] * 10}]) == [1]  # no count: no telling the last page
    not_a_list = PageNumberPaginator(records=("data",), per_page=10, total_records=("total",))
    assert walk(not_a_list, [{"total": 100, "data": None}]) == [1]


def test_page_numbers_take_a_function_for_records_kept_by_id() -> None:
    def records(page: dict[str, Any]) -> list[Any]:
        return list(page["data"].values())

    paginator = PageNumberPaginator(records=records, per_page=1, total_records=("total",))
    assert walk(paginator, [{"total": 2, "data": {"a": {}}}, {"total": 2, "data": {"b": {}}}]) == [1, 2]


def test_a_page_number_paginator_needs_a_count_and_a_page_size() -> None:
    with pytest.raises(ValueError, match="total_records or total_pages"):
        PageNumberPaginator(records=("data",), per_page=10)
    with pytest.raises(ValueError, match="per_page"):
        PageNumberPaginator(records=("data",), per_page=0, total_records=("total",))


# --------------------------------------------------------------------------- cursors


def test_an_opaque_cursor_is_sent_back_as_is_until_it_is_absent() -> None:
    """``pages.next.starting_after`` on every page but the last, where ``next`` is absent or null."""
    paginator = CursorPaginator(cursor=("pages", "next", "starting_after"))
    pages = [
        {"pages": {"next": {"page": 2, "starting_after": "WzE3MDAsMV0="}}},
        {"pages": {"next": {"page": 3, "starting_after": "WzE2MDAsMl0="}}},
        {"pages": {"next": None}},
    ]
    assert walk(paginator, pages) == [None, "WzE3MDAsMV0=", "WzE2MDAsMl0="]
    assert walk(CursorPaginator(cursor=("pages", "next", "starting_after")), [{"pages": {}}]) == [None]


def test_a_cursor_that_comes_back_unchanged_is_refused() -> None:
    paginator = CursorPaginator(cursor=("next",))
    paginator.advance({"next": "c1"})
    with pytest.raises(PagingError) as raised:
        paginator.advance({"next": "c1"})
    assert raised.value.code == "no_progress"


# --------------------------------------------------------------------------- next links


def test_next_links_are_followed_until_null() -> None:
    paginator = NextLinkPaginator(link=("meta", "next_page_link"), host="api.example.test")
    pages = [
        {"meta": {"next_page_link": "https://api.example.test/v1/calls?page=2&per_page=50"}},
        {"meta": {"next_page_link": None}},
    ]
    assert walk(paginator, pages) == [None, "https://api.example.test/v1/calls?page=2&per_page=50"]


def test_a_next_link_to_another_host_is_refused_naming_the_link() -> None:
    """The client's credentials go with every request: a link elsewhere is never followed."""
    paginator = NextLinkPaginator(link=("meta", "next_page_link"), host="api.example.test")
    with pytest.raises(PagingError, match=r"next_page_link points to another host \(evil\.test\)") as raised:
        paginator.advance({"meta": {"next_page_link": "https://evil.test/v1/calls?page=2"}})
    assert raised.value.code == "bad_link"
    relative = NextLinkPaginator(link=("next",), host="api.example.test")
    relative.advance({"next": "/v1/calls?page=2"})  # no host: the client's own
    assert relative.current == "/v1/calls?page=2"


# --------------------------------------------------------------------------- offsets


def test_offsets_follow_the_next_offset_the_page_names_while_more() -> None:
    """``metadata.result_set`` with ``more`` and ``next_offset``; the last page says no more."""
    paginator = OffsetPaginator(
        records=("orders",),
        page_size=200,
        more=("metadata", "result_set", "more"),
        next_offset=("metadata", "result_set", "next_offset"),
    )
    pages = [
        {"orders": [{}] * 200, "metadata": {"result_set": {"more": True, "next_offset": 200}}},
        {"orders": [{}] * 200, "metadata": {"result_set": {"more": True, "next_offset": None}}},
        {"orders": [{}] * 12, "metadata": {"result_set": {"more": False, "next_offset": None}}},
    ]
    assert walk(paginator, pages) == [0, 200, 400]  # no next_offset: this offset plus the page's size


def test_offsets_without_a_more_flag_go_on_while_pages_are_full() -> None:
    paginator = OffsetPaginator(records=("items",), page_size=2)
    assert walk(paginator, [{"items": [1, 2]}, {"items": [3, 4]}, {"items": [5]}]) == [0, 2, 4]


def test_an_offset_that_does_not_advance_is_refused() -> None:
    paginator = OffsetPaginator(records=("items",), page_size=2, more=("more",), next_offset=("next",))
    paginator.advance({"items": [1, 2], "more": True, "next": 2})
    with pytest.raises(PagingError, match="did not advance past offset 2"):
        paginator.advance({"items": [3, 4], "more": True, "next": 1})


# --------------------------------------------------------------------------- GraphQL connections


def test_a_connection_follows_end_cursor_while_has_next_page() -> None:
    paginator = ConnectionPaginator()
    pages = [
        {"nodes": [{}], "pageInfo": {"hasNextPage": True, "endCursor": "eyJsYXN0X2lkIjoxfQ"}},
        {"nodes": [{}], "pageInfo": {"hasNextPage": False, "endCursor": "eyJsYXN0X2lkIjoyfQ"}},
    ]
    assert walk(paginator, pages) == [None, "eyJsYXN0X2lkIjoxfQ"]


def test_a_connection_without_a_cursor_to_ask_with_ends() -> None:
    paginator = ConnectionPaginator()
    assert walk(paginator, [{"nodes": [], "pageInfo": {"hasNextPage": True, "endCursor": None}}]) == [None]


# --------------------------------------------------------------------------- stream


async def test_stream_asks_for_each_page_only_when_the_consumer_wants_it() -> None:
    server = Server({None: {"next": "b"}, "b": {"next": "c"}, "c": {"next": None}})
    pages = stream(CursorPaginator(cursor=("next",)), server.fetch(), platform="acme")
    first = await anext(pages)
    assert first == {"next": "b"} and server.asked == [None]
    await pages.aclose()
    assert server.asked == [None]  # stopped early: no further request
    every = [
        page async for page in stream(CursorPaginator(cursor=("next",)), server.fetch(), platform="acme")
    ]
    assert len(every) == 3 and server.asked == [None, None, "b", "c"]


async def test_stream_ends_when_fetch_finds_nothing() -> None:
    """The client's "nothing here" (a missing parent, an empty-result error) is None: no page."""
    server = Server({1: None})
    paginator = PageNumberPaginator(records=("data",), per_page=10, total_records=("total",))
    assert [page async for page in stream(paginator, server.fetch(), platform="acme")] == []


async def test_stream_turns_a_paging_error_into_a_fatal_error_of_the_platform() -> None:
    server = Server({0: {"items": [1], "more": True, "next": 0}})
    paginator = OffsetPaginator(records=("items",), page_size=1, more=("more",), next_offset=("next",))
    seen = []
    with pytest.raises(FatalError) as raised:
        async for page in stream(paginator, server.fetch(), platform="acme", where="/orders/query"):
            seen.append(page)
    assert seen == [{"items": [1], "more": True, "next": 0}]  # the page itself was handed on
    error = raised.value
    assert error.platform == "acme" and error.code == "no_progress"
    assert "/orders/query: pagination did not advance past offset 0" in str(error)


async def test_reading_ahead_hands_on_the_same_pages_and_asks_for_the_next_one_early() -> None:
    pages = {None: {"next": "b"}, "b": {"next": "c"}, "c": {}}
    plain, ahead = Server(pages), Server(pages)
    one_by_one = stream(CursorPaginator(cursor=("next",)), plain.fetch(), platform="acme")
    read_ahead = stream(CursorPaginator(cursor=("next",)), ahead.fetch(), platform="acme", read_ahead=True)
    assert [p async for p in one_by_one] == [p async for p in read_ahead]
    assert ahead.asked == plain.asked == [None, "b", "c"]
    early = Server(pages)
    reading = stream(CursorPaginator(cursor=("next",)), early.fetch(), platform="acme", read_ahead=True)
    assert await anext(reading) == {"next": "b"}
    await asyncio.sleep(0)  # the request ahead goes out while the consumer handles the first page
    assert early.asked == [None, "b"]
    await reading.aclose()
    assert early.asked == [None, "b"]  # stopped early: one request ahead, nothing more


async def test_reading_ahead_raises_a_paging_error_only_when_its_page_is_asked_for() -> None:
    server = Server({0: {"items": [1], "more": True, "next": 0}})
    paginator = OffsetPaginator(records=("items",), page_size=1, more=("more",), next_offset=("next",))
    reading = stream(paginator, server.fetch(), platform="acme", where="/orders/query", read_ahead=True)
    assert await anext(reading) == {"items": [1], "more": True, "next": 0}
    with pytest.raises(FatalError, match="did not advance past offset 0"):
        await anext(reading)


async def test_a_failed_request_ahead_surfaces_when_its_page_is_asked_for() -> None:
    asked: list[Any] = []

    async def fetch(position: Any) -> Any:
        asked.append(position)
        if position == "b":
            raise FatalError("acme", "503 three times")
        return {"next": "b"}

    reading = stream(CursorPaginator(cursor=("next",)), fetch, platform="acme", read_ahead=True)
    assert await anext(reading) == {"next": "b"}
    with pytest.raises(FatalError, match="503 three times"):
        await anext(reading)
    assert asked == [None, "b"]
