"""Async client of the Konnektive (Checkout Champ) CRM API, one per store (account).

What the API expects (shared/reference/konnektive.md): ``POST /{section}/{action}/`` with every
parameter, ``loginId`` and ``password`` included, in the query string; answers are HTTP 200
``{"result": "SUCCESS"|"ERROR", "message": ...}`` whatever happened. This module turns that
envelope into the core's error classes, walks page-based queries and paces requests.

The credentials travel in the URL because that is how the API reads them (the core's
``CredentialParams`` auth style). They never reach a log: the core logs paths only, the style
registers ``loginId`` and ``password`` (names and values) with the redactor, and the core passes
the ``httpx`` logger's lines (full URLs at INFO) through it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from hub.core.auth import CredentialParams
from hub.core.errors import AuthError, FatalError, RetriableError
from hub.core.http import PlatformClient, RateLimiter, RetryPolicy
from hub.core.paging import PageNumberPaginator, stream
from plugins.konnektive.settings import MAX_RESULTS_PER_PAGE, KonnektiveStoreSettings

PLATFORM = "konnektive"

# Wording of ERROR messages that mean "these credentials may not do this". The exact texts are
# unconfirmed; any of these words in an ERROR message is treated as an authentication failure.
_AUTH_MARKERS = (
    "login",
    "credential",
    "password",
    "whitelist",
    "not authorized",
    "unauthorized",
    "permission",
    "access denied",
)
# "No orders matching those parameters could be found": an empty result, not a failure.
_NO_RESULTS_MARKERS = ("matching those parameters", "no results", "could not be found", "no records found")


def format_query_date(day: date) -> str:
    """The API's m/d/Y date format (``01/31/2025``)."""
    return day.strftime("%m/%d/%Y")


def is_no_results(message: str) -> bool:
    lowered = message.lower()
    return any(marker in lowered for marker in _NO_RESULTS_MARKERS)


def is_auth_failure(message: str) -> bool:
    lowered = message.lower()
    return any(marker in lowered for marker in _AUTH_MARKERS)


def credentials(store: KonnektiveStoreSettings) -> CredentialParams:
    """``loginId`` and ``password`` in the query string of every call, after its own parameters."""
    return CredentialParams({"loginId": store.login_id, "password": store.password}, location="query")


class KonnektiveClient(PlatformClient):
    """One Konnektive account (store): envelopes, pages, credentials, pacing."""

    platform = PLATFORM

    def __init__(
        self,
        store_key: str,
        store: KonnektiveStoreSettings,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        results_per_page: int = MAX_RESULTS_PER_PAGE,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            base_url=store.base_url,
            auth=credentials(store),
            limiter=limiter,
            transport=transport,
            timeout=timeout,
            policy=policy,
        )
        self.store_key, self.store = store_key, store
        self.results_per_page = min(results_per_page, MAX_RESULTS_PER_PAGE)
        self.zone = ZoneInfo(store.timezone)

    # ---- envelope

    async def call(
        self, endpoint: str, params: Mapping[str, Any] | None = None, *, repeatable: bool = True
    ) -> Any:
        """Call ``/{endpoint}/`` and return the SUCCESS ``message``.

        Reads (and writes that set a value) are retried on 429/5xx/timeouts. Writes that would
        act twice if repeated (refunds, cancels, imports, notes) pass ``repeatable=False`` and
        are sent once: Konnektive has no idempotency keys, so the plugin reads the platform's
        state before writing instead.
        """
        sent = {key: _as_param(value) for key, value in (params or {}).items() if value is not None}
        response = await self.request(
            "POST",
            f"/{endpoint.strip('/')}/",
            params=sent,
            idempotent=repeatable,
        )
        return self._unwrap(endpoint, response)

    def raise_for_status(self, response: httpx.Response) -> None:
        """HTTP errors as the core classifies them, plus non-JSON 200s (proxy or maintenance
        pages) as retriable, so reads try again inside the retry loop."""
        super().raise_for_status(response)
        try:
            response.json()
        except ValueError:
            raise RetriableError(
                PLATFORM, f"{response.request.url.path}: answer is not JSON", status=response.status_code
            ) from None

    def _unwrap(self, endpoint: str, response: httpx.Response) -> Any:
        body = response.json()
        if not isinstance(body, dict) or "result" not in body:
            raise FatalError(
                PLATFORM, f"/{endpoint}/: answer has no result envelope", status=response.status_code
            )
        if str(body["result"]).upper() == "SUCCESS":
            return body.get("message")
        message = str(body.get("message") or "unknown error")
        raise self._envelope_error(endpoint, message)

    def _envelope_error(self, endpoint: str, message: str) -> FatalError:
        where = f"/{endpoint}/ [{self.store_key}]: {message}"
        if is_no_results(message):
            return NoResults(PLATFORM, where, code="no_results")
        if is_auth_failure(message):
            return AuthError(PLATFORM, where, code="auth")
        return FatalError(PLATFORM, where, code="error")

    def error_details(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """HTTP errors (429, 5xx) may still carry the envelope; otherwise show a short text."""
        try:
            body = response.json()
        except ValueError:
            return (response.reason_phrase or f"HTTP {response.status_code}"), None, None
        if isinstance(body, dict) and "message" in body:
            return str(body["message"]), str(body.get("result") or "") or None, None
        return str(body)[:300], None, None

    # ---- queries

    async def query_by_id(
        self, endpoint: str, params: Mapping[str, Any], *, limit: int = 2
    ) -> list[dict[str, Any]]:
        """The first ``limit`` records of an id query ([] when the CRM finds nothing).

        Two by default: the caller compares ids exactly, and a second exact hit must be seen
        (and refused) rather than hidden behind a one-record page.
        """
        try:
            message = await self.call(endpoint, {**params, "resultsPerPage": limit, "page": 1})
        except NoResults:
            return []
        return page_records(message)

    async def query_pages(
        self, endpoint: str, params: Mapping[str, Any], *, date_range: bool = True
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield pages of records until ``page == ceil(totalResults / resultsPerPage)``.

        ``date_range`` adds the m/d/Y range the API requires for queries without a record id.
        """
        base = dict(params)
        if date_range:
            base.setdefault("startDate", format_query_date(self.store.history_start))
            base.setdefault("endDate", format_query_date(self._tomorrow()))

        async def fetch(page: int) -> Any:
            try:
                return await self.call(
                    endpoint, {**base, "resultsPerPage": self.results_per_page, "page": page}
                )
            except NoResults:  # the CRM's "nothing matches" is an ERROR envelope, not an empty page
                return None

        paginator = PageNumberPaginator(
            records=page_records, per_page=self.results_per_page, total_records=("totalResults",)
        )
        async with aclosing(stream(paginator, fetch, platform=PLATFORM, where=f"/{endpoint}/")) as pages:
            async for message in pages:
                records = page_records(message)
                if records:
                    yield records

    async def query_all(
        self, endpoint: str, params: Mapping[str, Any], *, date_range: bool = True
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        async for page in self.query_pages(endpoint, params, date_range=date_range):
            records.extend(page)
        return records

    def _tomorrow(self) -> date:
        # The end date is inclusive and in account-local time; tomorrow covers any clock skew.
        return datetime.now(self.zone).date() + timedelta(days=1)


class NoResults(FatalError):
    """Konnektive's ERROR envelope for an empty result; callers turn it into an empty list."""


def page_records(message: Any) -> list[dict[str, Any]]:
    """The records of a query page (``message.data``), tolerant of a bare list."""
    data = message.get("data", []) if isinstance(message, dict) else message
    if isinstance(data, dict):  # some endpoints key records by id
        data = list(data.values())
    return [record for record in data or [] if isinstance(record, dict)]


def _as_param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_query_date(value)
    return str(value)
