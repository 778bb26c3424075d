"""Async Intercom REST client: Bearer auth, pinned version, cursor pagination, rate-limit headers."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from decimal import Decimal
from typing import Any, NamedTuple

import httpx

from hub.core.auth import BearerToken
from hub.core.errors import FatalError, NotFoundError
from hub.core.http import PlatformClient, RateLimiter, SlidingWindowLimiter, parse_retry_after
from hub.core.paging import CursorPaginator, dig, stream
from plugins.intercom.settings import IntercomSettings

PLATFORM = "intercom"
# Search endpoints and the date operators they accept (reference §5): whole-day comparisons only.
DAY = 86_400
NEXT_CURSOR = ("pages", "next", "starting_after")
"""Where a list or search page keeps the cursor of the next one (reference §4); absent on the last."""


def wire_value(value: Any) -> Any:
    """JSON-safe value for Intercom: a Decimal goes out as a JSON number.

    ``float(Decimal("12.34"))`` prints back as ``12.34`` (shortest repr), so the digits on the
    wire are exactly the Decimal's for any amount with up to 15 significant digits.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: wire_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [wire_value(item) for item in value]
    return value


def since_query_value(since_epoch: int) -> int:
    """The ``>`` value that covers every record updated on or after ``since``.

    Intercom compares dates by whole day in the workspace's timezone, and ``>`` starts at the
    next midnight. Two days back covers any workspace timezone (offsets up to +-14 h); the exact
    cut is then applied client-side.
    """
    return max(0, since_epoch - 2 * DAY)


class IntercomClient(PlatformClient):
    """Intercom's REST API for one workspace."""

    platform = PLATFORM

    def __init__(
        self,
        settings: IntercomSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.own_limiter = limiter is None
        super().__init__(
            base_url=settings.url,
            headers={"Intercom-Version": settings.api_version, "Accept": "application/json"},
            auth=BearerToken(settings.access_token),
            limiter=limiter or SlidingWindowLimiter(settings.requests_per_window, settings.window_seconds),
            transport=transport,
            timeout=settings.timeout_seconds,
            policy=settings.retry_policy(),
        )
        self._ticket_types: list[dict[str, Any]] | None = None
        self._ticket_ids: set[str] = set()
        self._conversation_ids: set[str] = set()

    # ---- platform knowledge for the core HTTP layer

    def observe(self, response: httpx.Response) -> None:
        """Pace by Intercom's window: adopt its limit and stop when its window is spent."""
        limit = _int_header(response, "x-ratelimit-limit")
        remaining = _int_header(response, "x-ratelimit-remaining")
        reset = _int_header(response, "x-ratelimit-reset")
        if limit and self.own_limiter and isinstance(self.limiter, SlidingWindowLimiter):
            self.limiter.update(limit=limit)  # the app's real allowance (plans differ)
        if remaining == 0 and reset is not None:
            self.limiter.pause_until(time.monotonic() + max(0.0, reset - time.time()))

    def retry_after(self, response: httpx.Response) -> float | None:
        """``Retry-After`` when sent, else the time until ``X-RateLimit-Reset`` (reference §2)."""
        explicit = parse_retry_after(response.headers.get("retry-after"))
        if explicit is not None:
            return explicit
        reset = _int_header(response, "x-ratelimit-reset")
        if reset is None:
            return None
        return max(0.0, reset - time.time())

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """The first entry of Intercom's ``error.list`` body, with its request id."""
        try:
            body = response.json()
        except ValueError:
            return (response.text[:300] or response.reason_phrase), None, None
        errors = body.get("errors") if isinstance(body, dict) else None
        if not errors:
            return str(body)[:300], None, None
        first = errors[0]
        message = first.get("message") or first.get("code") or "error"
        if body.get("request_id"):
            message = f"{message} (request_id {body['request_id']})"
        return message, first.get("code"), first.get("field")

    # ---- plumbing

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        version: str | None = None,
    ) -> Any:
        """Send one request and decode the JSON answer with exact decimals."""
        content = await self.call_raw(
            method, path, params=params, body=body, idempotent=idempotent, version=version
        )
        return decode_json(content) if content else None

    async def call_raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        version: str | None = None,
    ) -> bytes:
        """Send one request and return the answer's bytes, undecoded (``b""`` when empty)."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if version:
            headers["Intercom-Version"] = version
        response = await self.request(
            method,
            path,
            params=params,
            json=wire_value(body) if body is not None else None,
            headers=headers,
            idempotent=idempotent,
        )
        return response.content

    async def search(self, resource: str, query: dict[str, Any], key: str) -> AsyncIterator[list[dict]]:
        """Pages of ``POST /{resource}/search``, each the list under ``key`` of decoded records."""
        where = f"POST /{resource}/search"
        async for page in self.search_pages(resource, query, lambda body: json_search_page(body, key, where)):
            yield page.records

    async def search_pages(
        self,
        resource: str,
        query: dict[str, Any],
        decode: Callable[[bytes], SearchPage],
        *,
        read_ahead: bool = False,
    ) -> AsyncIterator[SearchPage]:
        """Pages of ``POST /{resource}/search``, each decoded by ``decode`` from the answer's bytes.

        The cursor travels in the body. ``decode`` may map records straight from the bytes
        (``mapping.ContactReader.page``) rather than through decoded dicts. The next request is
        sent when the consumer asks for the next page, or with ``read_ahead`` as soon as this
        one is handed on (``hub.core.paging.stream``), for a read that is always drained.
        """

        async def fetch(cursor: str | None) -> SearchPage:
            pagination: dict[str, Any] = {"per_page": self.settings.page_size}
            if cursor:
                pagination["starting_after"] = cursor
            # A search reads; repeating it is harmless, so it is retried like a GET.
            content = await self.call_raw(
                "POST",
                f"/{resource}/search",
                body={"query": query, "pagination": pagination},
                idempotent=True,
            )
            return decode(content)

        paginator = CursorPaginator(cursor=_cursor_of)
        async with aclosing(
            stream(paginator, fetch, platform=PLATFORM, where=f"/{resource}/search", read_ahead=read_ahead)
        ) as pages:
            async for page in pages:
                yield page

    # ---- contacts

    async def get_contact(self, contact_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/contacts/{contact_id}")

    async def update_contact(self, contact_id: str, custom_attributes: dict[str, Any]) -> dict[str, Any]:
        # Setting the same attributes twice gives the same contact: safe to retry.
        return await self.call(
            "PUT", f"/contacts/{contact_id}", body={"custom_attributes": custom_attributes}, idempotent=True
        )

    # ---- conversations

    async def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        conversation = await self.call(
            "GET", f"/conversations/{conversation_id}", params={"display_as": "plaintext"}
        )
        self._conversation_ids.add(conversation_id)
        return conversation

    async def create_conversation(self, contact_id: str, body: str) -> dict[str, Any]:
        """``POST /conversations`` answers with the message; the conversation is read after."""
        message = await self.call(
            "POST", "/conversations", body={"from": {"type": "contact", "id": contact_id}, "body": body}
        )
        conversation_id = str(message.get("conversation_id") or "")
        if not conversation_id:
            raise FatalError(PLATFORM, "POST /conversations answered without a conversation_id")
        return await self.get_conversation(conversation_id)

    async def reply_note(self, kind: str, target_id: str, body: str) -> dict[str, Any]:
        """An internal note as the configured admin (never retried blindly: notes would double)."""
        payload = {"message_type": "note", "type": "admin", "admin_id": self.settings.admin_id, "body": body}
        return await self.call("POST", f"/{kind}s/{target_id}/reply", body=payload)

    # ---- tags

    async def list_tags(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/tags")).get("data") or [])

    async def create_tag(self, name: str) -> dict[str, Any]:
        # POST /tags with an existing name returns that tag: repeating it creates nothing new.
        return await self.call("POST", "/tags", body={"name": name}, idempotent=True)

    async def attach_tag(self, kind: str, target_id: str, tag_id: str) -> dict[str, Any]:
        # Attaching a tag already there changes nothing: safe to retry.
        return await self.call(
            "POST",
            f"/{kind}s/{target_id}/tags",
            body={"id": tag_id, "admin_id": self.settings.admin_id},
            idempotent=True,
        )

    # ---- tickets

    async def ticket_types(self, refresh: bool = False) -> list[dict[str, Any]]:
        """Ticket types with their attributes and states, read once per run."""
        if self._ticket_types is None or refresh:
            self._ticket_types = list((await self.call("GET", "/ticket_types")).get("data") or [])
        return self._ticket_types

    async def ticket_states(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/ticket_states")).get("data") or [])

    async def get_ticket(self, ticket_id: str) -> dict[str, Any]:
        ticket = await self.call("GET", f"/tickets/{ticket_id}")
        self._ticket_ids.add(ticket_id)
        return ticket

    async def create_ticket(self, payload: dict[str, Any]) -> dict[str, Any]:
        ticket = await self.call("POST", "/tickets", body=payload)
        self._ticket_ids.add(str(ticket.get("id")))
        return ticket

    async def update_ticket(self, ticket_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        # A PUT to the same state and attributes lands in the same place: safe to retry.
        return await self.call("PUT", f"/tickets/{ticket_id}", body=payload, idempotent=True)

    async def link_conversation(self, ticket_id: str, conversation_id: str) -> dict[str, Any]:
        """``POST /tickets/{id}/linked_conversations`` (tracker tickets; newer than 2.14)."""
        return await self.call(
            "POST",
            f"/tickets/{ticket_id}/linked_conversations",
            body={"conversation_id": conversation_id},
            version=self.settings.link_api_version,
        )

    def remember(self, kind: str, record_id: str) -> None:
        (self._ticket_ids if kind == "ticket" else self._conversation_ids).add(record_id)

    async def kind_of(self, record_id: str, known: str | None = None) -> str:
        """``"ticket"`` or ``"conversation"``, from the ``Ref`` when it says, else found out.

        Ids seen this run answer at once; otherwise ``GET /tickets/{id}`` decides (404 means a
        conversation). Intercom tickets and conversations share one id space.
        """
        if known in ("ticket", "conversation"):
            return known
        if record_id in self._ticket_ids:
            return "ticket"
        if record_id in self._conversation_ids:
            return "conversation"
        try:
            await self.get_ticket(record_id)
        except NotFoundError:
            self._conversation_ids.add(record_id)
            return "conversation"
        return "ticket"

    # ---- admins

    async def list_admins(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/admins")).get("admins") or [])

    async def away_reasons(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/away_status_reasons")).get("data") or [])

    async def set_away(self, admin_id: str, away: bool, reason_id: str | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "away_mode_enabled": away,
            "away_mode_reassign": self.settings.away_mode_reassign and away,
        }
        if away and reason_id is not None:
            payload["away_status_reason_id"] = int(reason_id)
        # Setting the same away state again is harmless: safe to retry.
        return await self.call("PUT", f"/admins/{admin_id}/away", body=payload, idempotent=True)

    # ---- the workspace itself: hub doctor and hub setup

    async def me(self) -> dict[str, Any]:
        """``GET /me``: the token's admin and its app (workspace id, name, region)."""
        return await self.call("GET", "/me")

    async def get_admin(self, admin_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/admins/{admin_id}")

    async def data_attributes(self, model: str) -> list[dict[str, Any]]:
        """``GET /data_attributes?model=``, archived ones included (setup may unarchive them)."""
        params = {"model": model, "include_archived": "true"}
        return list((await self.call("GET", "/data_attributes", params=params)).get("data") or [])

    async def send_setup(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One request of ``hub setup`` (a create is not retried blindly: it would answer
        "already exists" the second time, which the next plan reads as done)."""
        answer = await self.call(method, path, body=body, idempotent=method == "PUT")
        if path.startswith("/ticket_types"):
            self._ticket_types = None  # read again: the types (or their attributes) changed
        return answer or {}


class SearchPage(NamedTuple):
    """One search answer: its records (decoded or already mapped) and the next page's cursor."""

    records: list[Any]
    cursor: str | None


def decode_json(content: bytes) -> Any:
    """Intercom's JSON with exact decimals: a float in it becomes a ``Decimal``, never a float."""
    return json.loads(content, parse_float=Decimal)


def json_search_page(content: bytes, key: str, where: str) -> SearchPage:
    """A search answer decoded into dicts: the records under ``key``, the cursor under ``pages``."""
    page = decode_json(content) if content else None
    if not isinstance(page, dict):
        raise FatalError(PLATFORM, f"{where}: answer is not a JSON object")
    return SearchPage(list(page.get(key) or []), next_cursor(page))


def next_cursor(page: Any) -> str | None:
    """The ``starting_after`` of the next page (``pages.next``); None on the last page."""
    value = dig(page, NEXT_CURSOR)
    return str(value) if value else None


def _cursor_of(page: SearchPage) -> str | None:
    return page.cursor


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
