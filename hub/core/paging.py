"""Pagination styles: where the next page starts, read from the page just received.

In the spirit of singer-sdk's paginators (``BaseAPIPaginator`` and its page-number, offset,
HATEOAS and JSONPath kinds), a paginator holds the position of the page to ask for
(``current``) and ``advance(page)`` moves it on, or marks it ``finished``. It reads decoded
pages, not responses: the client keeps the wire (how a position becomes a request, how a body
is decoded, which answer means "nothing here"). ``stream`` joins the two into the async
iterator of pages the plugins' ``list_*`` hooks hand on, one request per page, each sent only
when the consumer asks for the next page.

The styles:

- ``PageNumberPaginator``: ``page`` 1, 2, ... until the page count (given, or from the total
  and the page size) is reached or a page comes back empty;
- ``CursorPaginator``: an opaque cursor from each page (``starting_after``, ``next_token``...);
- ``NextLinkPaginator``: the URL of the next page from each page, followed only on the API's
  own host;
- ``OffsetPaginator``: ``offset`` advanced by the page's size or by the next offset it names;
- ``ConnectionPaginator``: a GraphQL connection's ``pageInfo { hasNextPage endCursor }``.

Where a page keeps a value is a ``Locator``: a path of keys (``("meta", "next_page_link")``)
or a function of the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence, Sized
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from hub.core.errors import FatalError

Page = TypeVar("Page")
Position = TypeVar("Position")
Locator = Sequence[str] | Callable[[Any], Any]
"""Where a page keeps a value: a path of keys into nested dicts, or a function of the page."""


class PagingError(Exception):
    """A page that cannot be followed: the position did not move, or a link leaves the API."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def dig(page: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in nested dicts, or None where a step is missing or not a dict."""
    value = page
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def locate(page: Any, locator: Locator) -> Any:
    """The value ``locator`` points at in ``page``."""
    return locator(page) if callable(locator) else dig(page, locator)


def _as_int(value: Any) -> int | None:
    """An integer from a JSON number or numeric string (APIs send both); None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Paginator(ABC, Generic[Position]):
    """The position of the next page to ask for, moved on by each page received.

    ``current`` is where the next request starts (the first one: ``start``); ``finished`` is
    True once a page said there is no other; ``pages`` counts the pages seen.
    """

    def __init__(self, start: Position) -> None:
        self.current: Position = start
        self.finished = False
        self.pages = 0

    def advance(self, page: Any) -> None:
        """Move past ``page``; ``PagingError`` when the next position would not move."""
        self.pages += 1
        following = self.next_position(page) if self.has_more(page) else None
        if following is None:
            self.finished = True
            return
        self.check_progress(following)
        self.current = following

    def has_more(self, page: Any) -> bool:
        """Whether ``page`` says another follows (by default: ask ``next_position``)."""
        return True

    @abstractmethod
    def next_position(self, page: Any) -> Position | None:
        """Where the page after ``page`` starts; None when there is none."""

    def check_progress(self, following: Position) -> None:
        """A server handing back the same position would be asked for the same page forever."""
        if following == self.current:
            raise PagingError(f"pagination did not advance past {self.current!r}", code="no_progress")


class PageNumberPaginator(Paginator[int]):
    """``page`` 1, 2, ...: stops on an empty page or when the page count is reached.

    The count is ``total_pages`` when the API gives it, else ``ceil(total_records / per_page)``.
    A page that gives neither ends the walk: without a count there is no telling the last page
    from a full one, and asking on and on could loop on an API that repeats its last page.
    """

    def __init__(
        self,
        *,
        records: Locator,
        per_page: int,
        total_records: Locator | None = None,
        total_pages: Locator | None = None,
        start: int = 1,
    ) -> None:
        if per_page < 1:
            raise ValueError("per_page must be >= 1")
        if total_records is None and total_pages is None:
            raise ValueError("a page-number paginator needs total_records or total_pages")
        super().__init__(start)
        self.records, self.per_page = records, per_page
        self.total_records, self.total_pages = total_records, total_pages

    def has_more(self, page: Any) -> bool:
        records = locate(page, self.records)
        if not isinstance(records, Sized) or not len(records):
            return False
        count = self.page_count(page)
        return count is not None and self.current < count

    def page_count(self, page: Any) -> int | None:
        """How many pages the listing has, as ``page`` tells it (None when it does not)."""
        if self.total_pages is not None:
            return _as_int(locate(page, self.total_pages))
        assert self.total_records is not None  # checked in __init__
        total = _as_int(locate(page, self.total_records))
        return None if total is None else math.ceil(total / self.per_page)

    def next_position(self, page: Any) -> int:
        return self.current + 1


class CursorPaginator(Paginator[str | None]):
    """An opaque cursor read from each page and sent back as is; a missing or empty one ends."""

    def __init__(self, *, cursor: Locator) -> None:
        super().__init__(None)
        self.cursor = cursor

    def next_position(self, page: Any) -> str | None:
        value = locate(page, self.cursor)
        return str(value) if value else None


class NextLinkPaginator(Paginator[str | None]):
    """The next page's URL, read from each page (HATEOAS); a missing or null link ends.

    ``host``: the API's own host. The client's credentials go with every request it sends,
    so a link to another host is refused (``PagingError`` code ``bad_link``) instead of followed.
    """

    def __init__(self, *, link: Locator, host: str | None = None) -> None:
        super().__init__(None)
        self.link, self.host = link, host
        self.label = link[-1] if not callable(link) and link else "next page link"

    def next_position(self, page: Any) -> str | None:
        value = locate(page, self.link)
        if not value:
            return None
        url = str(value)
        elsewhere = urlsplit(url).netloc
        if self.host is not None and elsewhere and elsewhere != self.host:
            raise PagingError(f"{self.label} points to another host ({elsewhere})", code="bad_link")
        return url


class OffsetPaginator(Paginator[int]):
    """``offset`` 0, n, 2n, ...: the next offset the page names, else this one plus its size.

    ``more``: where the page says whether another follows; without it, a full page
    (``page_size`` records) means there may be more. A next offset that does not move past the
    current one is refused (``PagingError``), whatever the server says.
    """

    def __init__(
        self,
        *,
        records: Locator,
        page_size: int,
        more: Locator | None = None,
        next_offset: Locator | None = None,
        start: int = 0,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        super().__init__(start)
        self.records, self.page_size = records, page_size
        self.more, self.next_offset = more, next_offset

    def _records(self, page: Any) -> Sized:
        records = locate(page, self.records)
        return records if isinstance(records, Sized) else ()

    def has_more(self, page: Any) -> bool:
        if self.more is not None:
            return bool(locate(page, self.more))
        return len(self._records(page)) >= self.page_size

    def next_position(self, page: Any) -> int:
        named = _as_int(locate(page, self.next_offset)) if self.next_offset is not None else None
        return named if named is not None else self.current + len(self._records(page))

    def check_progress(self, following: int) -> None:
        if following <= self.current:
            raise PagingError(f"pagination did not advance past offset {self.current}", code="no_progress")


class ConnectionPaginator(Paginator[str | None]):
    """A GraphQL cursor connection: ``pageInfo.hasNextPage`` and ``pageInfo.endCursor``.

    Each page is the connection object (``{"nodes": [...], "pageInfo": {...}}``); the next
    request passes ``endCursor`` as ``after``. No next page, or no cursor to ask for it, ends.
    """

    def __init__(self) -> None:
        super().__init__(None)

    def has_more(self, page: Any) -> bool:
        return bool(dig(page, ("pageInfo", "hasNextPage")))

    def next_position(self, page: Any) -> str | None:
        cursor = dig(page, ("pageInfo", "endCursor"))
        return str(cursor) if cursor else None


async def stream(
    paginator: Paginator[Position],
    fetch: Callable[[Position], Awaitable[Page | None]],
    *,
    platform: str,
    where: str = "",
    read_ahead: bool = False,
) -> AsyncIterator[Page]:
    """Pages from ``fetch(position)`` until ``paginator`` is finished or ``fetch`` answers None.

    A page is yielded before the paginator reads it, so a consumer that stops early sends no
    further request and never sees a complaint about a page it did not ask for. A
    ``PagingError`` becomes a ``FatalError`` of ``platform`` (prefixed with ``where``, e.g. the
    path), with the paginator's code: following on would repeat pages or leak credentials.

    ``read_ahead``: ask for the next page as soon as this one is handed on, so the platform
    prepares it while the consumer maps and handles this one (a read that is drained to the
    end: a look-up, a sync). One page more is held, and a consumer stopping early has sent one
    request it did not use (cancelled if still in flight). A failed request or a paging error
    still surfaces only when the consumer asks for the page it concerns.
    """
    if read_ahead:
        async for page in _read_ahead(paginator, fetch, platform=platform, where=where):
            yield page
        return
    while not paginator.finished:
        page = await fetch(paginator.current)
        if page is None:  # the client's "nothing here" (a missing parent, an empty-result error)
            return
        yield page
        _advance(paginator, page, platform, where)


async def _read_ahead(
    paginator: Paginator[Position],
    fetch: Callable[[Position], Awaitable[Page | None]],
    *,
    platform: str,
    where: str,
) -> AsyncIterator[Page]:
    following: asyncio.Future[Page | None] | None = asyncio.ensure_future(fetch(paginator.current))
    try:
        while following is not None:
            page = await following
            following = None
            if page is None:
                return
            try:
                _advance(paginator, page, platform, where)
            except FatalError as error:
                yield page  # the complaint is about the page after this one: raised when it is asked for
                raise error from None
            if not paginator.finished:
                following = asyncio.ensure_future(fetch(paginator.current))
            yield page
    finally:
        if following is not None:  # stopped early: the request ahead is not wanted
            following.cancel()
            with contextlib.suppress(BaseException):
                await following


def _advance(paginator: Paginator[Any], page: Any, platform: str, where: str) -> None:
    try:
        paginator.advance(page)
    except PagingError as error:
        message = f"{where}: {error}" if where else str(error)
        raise FatalError(platform, message, code=error.code) from None
