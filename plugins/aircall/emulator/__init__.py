"""A local emulator of Aircall's public API (v1), faithful to shared/reference/aircall.md.

Covers: Basic (and Bearer) auth scoped to a company, named root keys (``{"calls": [...]}``,
``{"user": {...}}``), page-based pagination with ``meta`` and absolute ``next_page_link``,
``from``/``to``/``order`` on creation time, the 10,000-record window, the per-company request
limit with ``X-AircallApi-*`` headers (or, by switch, only on 429), 429s, comments stored on
calls, call search, users and their availability (PUT with ``availability_status`` and the v2
``substatus``), numbers, tags, JSON 404/405, and injected faults. Webhooks are not emulated.

Run standalone: ``python -m plugins.aircall.emulator --port 8082`` (credentials:
``DEMO_API_ID`` / ``DEMO_API_TOKEN`` below).
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import hmac
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.emulator import FaultMiddleware, Faults, FixedWindow, run_forever
from hub.sandbox.world import BRANDS

DEMO_API_ID = "demo-api-id"
DEMO_API_TOKEN = "demo-api-token"  # emulator-only credential, not a secret
AVAILABILITY_STATUSES = ("available", "custom", "unavailable")
SUBSTATUSES = ("out_for_lunch", "on_a_break", "in_training", "doing_back_office", "other")
MISSED_REASONS = (
    "out_of_opening_hours",
    "short_abandoned",
    "abandoned_in_ivr",
    "abandoned_in_classic",
    "no_available_agent",
    "agents_did_not_answer",
)
WRITABLE_USER_FIELDS = ("first_name", "last_name", "availability_status", "substatus",
                        "wrap_up_time", "time_zone", "language")
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 50


# --------------------------------------------------------------------------- error bodies


def error_response(status: int, title: str | None = None, troubleshoot: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """Aircall's error body: ``{"error": "<title>", "troubleshoot": "<hint>"}``."""
    titles = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
              405: "Method not allowed", 422: "Unprocessable entity", 429: "Too many requests",
              500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}
    body = {"error": title or titles.get(status, "Error"),
            "troubleshoot": troubleshoot or "Check the API reference at developer.aircall.io"}
    return JSONResponse(body, status_code=status, headers=headers)


def fault_body(status: int) -> Response:
    return error_response(status, troubleshoot="injected by the emulator")


class ApiError(Exception):
    """Raised by handlers; turned into the platform's error body."""

    def __init__(self, status: int, troubleshoot: str, title: str | None = None) -> None:
        super().__init__(troubleshoot)
        self.status, self.troubleshoot, self.title = status, troubleshoot, title


# --------------------------------------------------------------------------- state


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def human_digits(e164: str) -> str:
    """``+33612345678`` -> ``"+33 6 12 34 56 78"``: how Aircall shows ``raw_digits``."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise(number: str, region: str = "US") -> str:
    digits = number.strip()
    try:
        return phonenumbers.format_number(phonenumbers.parse(digits, region),
                                          phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return digits


@dataclass
class Company:
    """One Aircall account: its credentials, data and its own request window."""

    id: int
    name: str
    api_id: str
    api_token: str
    window: FixedWindow
    bearer_tokens: set[str] = field(default_factory=set)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    numbers: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    call_order: list[tuple[int, int]] = field(default_factory=list)
    """(created_at, id) of every call, kept sorted: from/to/order and the tiebreak on id."""


@dataclass
class AircallState:
    """Everything the emulator holds; tests read it to assert on the platform's resulting state."""

    rate_limit: int = 60
    rate_window: float = 60.0
    headers_only_on_429: bool = False
    record_cap: int = 10_000
    recording_ttl: int = 600
    clock: Callable[[], float] = time.time
    companies: dict[int, Company] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    refused: int = 0
    _next_id: int = 1000

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._signing_key = secrets.token_bytes(16)

    def now(self) -> int:
        return int(self.clock())

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    # ---- seeding helpers

    def add_company(self, api_id: str = DEMO_API_ID, api_token: str = DEMO_API_TOKEN,
                    name: str = "SupportHub", bearer_tokens: Iterable[str] = ()) -> Company:
        company = Company(id=self.new_id(), name=name, api_id=api_id, api_token=api_token,
                          window=FixedWindow(self.rate_limit, self.rate_window, clock=self.clock),
                          bearer_tokens=set(bearer_tokens))
        self.companies[company.id] = company
        return company

    def company(self, api_id: str = DEMO_API_ID) -> Company:
        return next(c for c in self.companies.values() if c.api_id == api_id)

    def add_user(self, company: Company, name: str, email: str, *, availability_status: str = "available",
                 substatus: str | None = None, available: bool | None = None,
                 created_at: int | None = None, user_id: int | None = None) -> dict[str, Any]:
        first, _, last = name.partition(" ")
        user = {"id": user_id or self.new_id(), "name": name, "first_name": first, "last_name": last,
                "email": email, "availability_status": availability_status, "substatus": substatus,
                "available": availability_status == "available" if available is None else available,
                "created_at": created_at or self.now(), "time_zone": "America/New_York",
                "language": "en-US", "wrap_up_time": 0, "number_ids": []}
        company.users[user["id"]] = user
        return user

    def add_number(self, company: Company, name: str, digits: str, country: str = "US",
                   number_id: int | None = None) -> dict[str, Any]:
        number = {"id": number_id or self.new_id(), "name": name, "digits": human_digits(digits),
                  "e164": normalise(digits, country), "country": country,
                  "time_zone": "America/New_York", "created_at": self.now()}
        company.numbers[number["id"]] = number
        return number

    def add_tag(self, company: Company, name: str, color: str = "#00B388",
                tag_id: int | None = None) -> dict[str, Any]:
        tag = {"id": tag_id or self.new_id(), "name": name, "color": color, "created_at": self.now()}
        company.tags[tag["id"]] = tag
        return tag

    def add_call(self, company: Company, *, direction: str, started_at: int, customer: str | None,
                 number_id: int | None = None, user_id: int | None = None, ring_seconds: int = 10,
                 talk_seconds: int = 0, missed_call_reason: str | None = None, voicemail: bool = False,
                 recording: bool | None = None, tag_ids: Sequence[int] = (),
                 call_id: int | None = None) -> dict[str, Any]:
        """Add a finished call. ``talk_seconds`` > 0 means answered; ``customer`` None = hidden."""
        if direction not in ("inbound", "outbound"):
            raise ValueError("direction must be inbound or outbound")
        if missed_call_reason is not None and missed_call_reason not in MISSED_REASONS:
            raise ValueError(f"unknown missed_call_reason {missed_call_reason!r}")
        answered = talk_seconds > 0 and not voicemail
        answered_at = started_at + ring_seconds if answered else None
        ended_at = started_at + ring_seconds + max(talk_seconds, 0)
        call = {
            "id": call_id or self.new_id(), "direction": direction, "status": "done",
            "created_at": started_at, "started_at": started_at, "answered_at": answered_at,
            "ended_at": ended_at, "duration": ended_at - started_at,
            "raw_digits": human_digits(customer) if customer else "anonymous",
            "customer_e164": customer, "user_id": user_id if answered or direction == "outbound" else None,
            "number_id": number_id,
            "missed_call_reason": None if answered or direction == "outbound" else
            (missed_call_reason or ("agents_did_not_answer" if not voicemail else "no_available_agent")),
            "has_recording": answered if recording is None else recording,
            "has_voicemail": voicemail, "archived": False, "tag_ids": list(tag_ids), "comments": [],
            "cost": "0.0", "country_code_a2": company_country(company, number_id),
        }
        company.calls[call["id"]] = call
        bisect.insort(company.call_order, (call["created_at"], call["id"]))
        return call

    def add_comment(self, company: Company, call_id: int, content: str,
                    user_id: int | None = None) -> dict[str, Any]:
        """A comment on a call; ``user_id`` is the agent typing it in the app (None: the API user)."""
        user = company.users.get(user_id) if user_id is not None else None
        posted_by = render_user(user, "https://api.aircall.io/v1", brief=True) if user else None
        comment = {"id": self.new_id(), "content": content, "posted_at": self.now(), "posted_by": posted_by}
        company.calls[call_id]["comments"].append(comment)
        return comment

    # ---- auth

    def authenticate(self, header: str | None) -> Company | None:
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                api_id, _, token = base64.b64decode(value, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            for company in self.companies.values():
                if hmac.compare_digest(company.api_id, api_id) and hmac.compare_digest(
                        company.api_token, token):
                    return company
        elif scheme.lower() == "bearer":
            for company in self.companies.values():
                if any(hmac.compare_digest(value, token) for token in company.bearer_tokens):
                    return company
        return None

    def signed(self, kind: str, call_id: int) -> str:
        """A fresh, expiring URL on every read, like Aircall's signed recording links."""
        expires = self.now() + self.recording_ttl
        signature = hmac.new(self._signing_key, f"{kind}:{call_id}:{expires}".encode(),
                             hashlib.sha256).hexdigest()[:24]
        return f"https://recordings.aircall.example/{kind}s/{call_id}.mp3?Expires={expires}&Signature={signature}"


def company_country(company: Company, number_id: int | None) -> str:
    number = company.numbers.get(number_id) if number_id else None
    return number["country"] if number else "US"


# --------------------------------------------------------------------------- rendering


def render_user(user: dict[str, Any], base: str, brief: bool = False) -> dict[str, Any]:
    body = {"id": user["id"], "direct_link": f"{base}/users/{user['id']}", "name": user["name"],
            "email": user["email"], "available": user["available"],
            "availability_status": user["availability_status"]}
    if brief:
        return body
    return {**body, "substatus": user["substatus"], "created_at": iso(user["created_at"]),
            "time_zone": user["time_zone"], "language": user["language"],
            "wrap_up_time": user["wrap_up_time"], "numbers": []}


def render_number(number: dict[str, Any], base: str) -> dict[str, Any]:
    return {"id": number["id"], "direct_link": f"{base}/numbers/{number['id']}", "name": number["name"],
            "digits": number["digits"], "country": number["country"], "time_zone": number["time_zone"],
            "open": True, "availability_status": "open", "is_ivr": False,
            "live_recording_activated": False, "priority": None, "created_at": iso(number["created_at"])}


def render_call(state: AircallState, company: Company, call: dict[str, Any], base: str,
                short_urls: bool) -> dict[str, Any]:
    user = company.users.get(call["user_id"]) if call["user_id"] else None
    number = company.numbers.get(call["number_id"]) if call["number_id"] else None
    body = {
        "id": call["id"], "direct_link": f"{base}/calls/{call['id']}", "direction": call["direction"],
        "status": call["status"], "started_at": call["started_at"], "answered_at": call["answered_at"],
        "ended_at": call["ended_at"], "duration": call["duration"], "raw_digits": call["raw_digits"],
        "user": render_user(user, base, brief=True) if user else None, "assigned_to": None,
        "number": render_number(number, base) if number else None, "contact": None,
        "recording": state.signed("recording", call["id"]) if call["has_recording"] else None,
        "voicemail": state.signed("voicemail", call["id"]) if call["has_voicemail"] else None,
        "asset": f"https://assets.aircall.example/calls/{call['id']}",
        "missed_call_reason": call["missed_call_reason"], "archived": call["archived"],
        "cost": call["cost"], "country_code_a2": call["country_code_a2"], "pricing_type": "pay_per_use",
        "comments": list(call["comments"]), "teams": [], "transferred_by": None, "transferred_to": None,
        "tags": [{"id": tag["id"], "name": tag["name"], "created_at": call["started_at"], "tagged_by": None}
                 for tag in (company.tags.get(tag_id) for tag_id in call["tag_ids"]) if tag],
    }
    if short_urls:
        body["recording_short_url"] = (f"https://short.aircall.example/r/{call['id']}"
                                       if call["has_recording"] else None)
        body["voicemail_short_url"] = (f"https://short.aircall.example/v/{call['id']}"
                                       if call["has_voicemail"] else None)
    return body


# --------------------------------------------------------------------------- request helpers


def int_param(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None


def api_base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/v1"


def paginate(request: Request, items: Sequence[Any], root: str,
             render: Callable[[Any], dict[str, Any]], cap: int) -> JSONResponse:
    """One page of ``items`` with Aircall's meta; only the first ``cap`` matches are reachable."""
    page = int_param(request, "page", 1)
    if page is None or page < 1:
        raise ApiError(400, "page must be 1 or more")
    asked = int_param(request, "per_page", DEFAULT_PER_PAGE)
    per_page = min(max(asked if asked is not None else DEFAULT_PER_PAGE, 1), MAX_PER_PAGE)
    reachable = min(len(items), cap)
    start = (page - 1) * per_page
    chunk = items[start:min(start + per_page, reachable)] if start < reachable else []
    has_next = page * per_page < reachable
    meta = {
        "count": len(chunk), "total": len(items), "current_page": page, "per_page": per_page,
        "next_page_link": str(request.url.include_query_params(page=page + 1, per_page=per_page))
        if has_next else None,
        "previous_page_link": str(request.url.include_query_params(page=page - 1, per_page=per_page))
        if page > 1 else None,
    }
    return JSONResponse({root: [render(item) for item in chunk], "meta": meta})


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "Body must be valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object")
    return body


def state_of(request: Request) -> AircallState:
    return request.app.state.emulator


def company_of(request: Request) -> Company:
    return request.state.company


def record(mapping: dict[int, dict[str, Any]], raw_id: str, kind: str) -> dict[str, Any]:
    item = mapping.get(int(raw_id)) if raw_id.isdigit() else None
    if item is None:
        raise ApiError(404, f"{kind} {raw_id} does not exist in this company")
    return item


# --------------------------------------------------------------------------- handlers


async def ping(request: Request) -> JSONResponse:
    return JSONResponse({"ping": "pong"})


async def get_company(request: Request) -> JSONResponse:
    company = company_of(request)
    return JSONResponse({"company": {"name": company.name, "users_count": len(company.users),
                                     "numbers_count": len(company.numbers)}})


def filtered_calls(request: Request, company: Company) -> list[dict[str, Any]]:
    """Calls matching from/to (inclusive, creation time), ordered with a tiebreak on id."""
    start = int_param(request, "from")
    end = int_param(request, "to")
    order = request.query_params.get("order", "asc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "order must be asc or desc")
    low = bisect.bisect_left(company.call_order, (start, -1)) if start is not None else 0
    high = bisect.bisect_right(company.call_order, (end, float("inf"))) if end is not None else None
    keys = company.call_order[low:high]
    if order == "desc":
        keys = keys[::-1]
    return [company.calls[call_id] for _, call_id in keys]


def call_renderer(request: Request) -> Callable[[dict[str, Any]], dict[str, Any]]:
    state, company, base = state_of(request), company_of(request), api_base(request)
    short = request.query_params.get("fetch_short_urls") == "true"
    return lambda call: render_call(state, company, call, base, short)


async def list_calls(request: Request) -> JSONResponse:
    calls = filtered_calls(request, company_of(request))
    return paginate(request, calls, "calls", call_renderer(request), state_of(request).record_cap)


async def search_calls(request: Request) -> JSONResponse:
    calls = filtered_calls(request, company_of(request))
    direction = request.query_params.get("direction")
    if direction is not None:
        if direction not in ("inbound", "outbound"):
            raise ApiError(400, "direction must be inbound or outbound")
        calls = [call for call in calls if call["direction"] == direction]
    user_id = int_param(request, "user_id")
    if user_id is not None:
        calls = [call for call in calls if call["user_id"] == user_id]
    phone = request.query_params.get("phone_number")
    if phone:
        wanted = normalise(phone)  # both sides normalised, as the reference asks
        calls = [call for call in calls
                 if call["customer_e164"] and normalise(call["customer_e164"]) == wanted]
    return paginate(request, calls, "calls", call_renderer(request), state_of(request).record_cap)


async def get_call(request: Request) -> JSONResponse:
    call = record(company_of(request).calls, request.path_params["call_id"], "Call")
    return JSONResponse({"call": call_renderer(request)(call)})


async def comment_call(request: Request) -> Response:
    company = company_of(request)
    call = record(company.calls, request.path_params["call_id"], "Call")
    body = await json_body(request)
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(400, "content is required and must be a non-empty string")
    state_of(request).add_comment(company, call["id"], content)
    return Response(status_code=201)  # the response body is unconfirmed; the client ignores it


async def list_users(request: Request) -> JSONResponse:
    base = api_base(request)
    users = sorted(company_of(request).users.values(), key=lambda user: user["id"])
    return paginate(request, users, "users", lambda user: render_user(user, base),
                    state_of(request).record_cap)


async def get_user(request: Request) -> JSONResponse:
    user = record(company_of(request).users, request.path_params["user_id"], "User")
    return JSONResponse({"user": render_user(user, api_base(request))})


async def update_user(request: Request) -> JSONResponse:
    user = record(company_of(request).users, request.path_params["user_id"], "User")
    body = await json_body(request)
    changes = {key: value for key, value in body.items() if key in WRITABLE_USER_FIELDS}
    status = changes.get("availability_status", user["availability_status"])
    if status not in AVAILABILITY_STATUSES:
        raise ApiError(400, f"availability_status must be one of {', '.join(AVAILABILITY_STATUSES)}")
    substatus = changes.get("substatus")
    if substatus is not None and substatus not in SUBSTATUSES:
        raise ApiError(400, f"substatus must be one of {', '.join(SUBSTATUSES)}")
    if substatus is not None and status != "unavailable":
        raise ApiError(400, "substatus is only allowed with availability_status unavailable")
    user.update(changes)
    if status != "unavailable" or ("availability_status" in changes and "substatus" not in changes):
        user["substatus"] = None  # a new status without a reason clears the old reason
    user["available"] = status == "available"
    if "first_name" in changes or "last_name" in changes:
        user["name"] = f"{user['first_name']} {user['last_name']}".strip()
    return JSONResponse({"user": render_user(user, api_base(request))})


async def list_availabilities(request: Request) -> JSONResponse:
    users = sorted(company_of(request).users.values(), key=lambda user: user["id"])
    return paginate(request, users, "users",
                    lambda user: {"id": user["id"], "availability": realtime(user)},
                    state_of(request).record_cap)


async def get_availability(request: Request) -> JSONResponse:
    user = record(company_of(request).users, request.path_params["user_id"], "User")
    return JSONResponse({"availability": realtime(user)})


def realtime(user: dict[str, Any]) -> str:
    return "available" if user["available"] else "do_not_disturb"


async def list_numbers(request: Request) -> JSONResponse:
    base = api_base(request)
    numbers = sorted(company_of(request).numbers.values(), key=lambda number: number["id"])
    return paginate(request, numbers, "numbers", lambda number: render_number(number, base),
                    state_of(request).record_cap)


async def get_number(request: Request) -> JSONResponse:
    number = record(company_of(request).numbers, request.path_params["number_id"], "Number")
    return JSONResponse({"number": render_number(number, api_base(request))})


async def list_tags(request: Request) -> JSONResponse:
    tags = sorted(company_of(request).tags.values(), key=lambda tag: tag["id"])
    return paginate(request, tags, "tags", lambda tag: {key: tag[key] for key in ("id", "name", "color")},
                    state_of(request).record_cap)


# --------------------------------------------------------------------------- middleware


class AircallGate:
    """Auth, the per-company request window and its headers, and JSON errors for every route."""

    def __init__(self, app: Any, state: AircallState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        self.state.requests.append((request.method, request.url.path))
        company = self.state.authenticate(request.headers.get("authorization"))
        if company is None:
            await error_response(401, troubleshoot="Check your API ID and API token (Basic auth)")(
                scope, receive, send)
            return
        allowed, remaining, reset = company.window.hit()
        headers = {"X-AircallApi-Limit": str(company.window.limit),
                   "X-AircallApi-Remaining": str(remaining), "X-AircallApi-Reset": str(reset)}
        if not allowed:
            self.state.refused += 1
            await error_response(429, troubleshoot="Rate limit reached; retry after X-AircallApi-Reset",
                                 headers=headers)(scope, receive, send)
            return
        scope.setdefault("state", {})["company"] = company
        send_headers = {} if self.state.headers_only_on_429 else headers
        await self.app(scope, receive, _with_headers(send, send_headers))


def _with_headers(send: Any, headers: dict[str, str]) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and headers:
            extra = [(key.lower().encode(), value.encode()) for key, value in headers.items()]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)
    return wrapped


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.title, exc.troubleshoot)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    hint = "Unknown path" if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, troubleshoot=hint)


# --------------------------------------------------------------------------- app


@dataclass
class AircallSeed:
    """Seed data for one company: plain dicts given to the ``AircallState.add_*`` helpers.

    ``users`` / ``numbers`` / ``tags`` entries carry an explicit ``id`` so ``calls`` can refer
    to them (``user_id``, ``number_id``, ``tag_ids``).
    """

    api_id: str = DEMO_API_ID
    api_token: str = DEMO_API_TOKEN
    company_name: str = "SupportHub"
    users: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)


def load_seed(state: AircallState, seed: AircallSeed) -> Company:
    company = state.add_company(seed.api_id, seed.api_token, seed.company_name)
    for user in seed.users:
        state.add_user(company, **{k: v for k, v in user.items() if k != "id"}, user_id=user.get("id"))
    for number in seed.numbers:
        state.add_number(company, **{k: v for k, v in number.items() if k != "id"},
                         number_id=number.get("id"))
    for tag in seed.tags:
        state.add_tag(company, tag["name"], tag.get("color", "#00B388"), tag_id=tag.get("id"))
    for call in seed.calls:
        state.add_call(company, **call)
    return company


def create_app(seed: AircallSeed | None = None, *, rate_limit: int = 60, rate_window: float = 60.0,
               headers_only_on_429: bool = False, record_cap: int = 10_000, faults: Faults | None = None,
               clock: Callable[[], float] = time.time) -> Starlette:
    """The emulator app; ``app.state.emulator`` is the ``AircallState`` tests assert on.

    With no seed, one empty company answers to ``DEMO_API_ID`` / ``DEMO_API_TOKEN``.
    """
    state = AircallState(rate_limit=rate_limit, rate_window=rate_window,
                         headers_only_on_429=headers_only_on_429, record_cap=record_cap, clock=clock)
    load_seed(state, seed or AircallSeed())
    routes = [
        Route("/v1/ping", ping),
        Route("/v1/company", get_company),
        Route("/v1/calls", list_calls),
        Route("/v1/calls/search", search_calls),
        Route("/v1/calls/{call_id}", get_call),
        Route("/v1/calls/{call_id}/comments", comment_call, methods=["POST"]),
        Route("/v1/users", list_users),
        Route("/v1/users/availabilities", list_availabilities),
        Route("/v1/users/{user_id}", get_user, methods=["GET"]),
        Route("/v1/users/{user_id}", update_user, methods=["PUT"]),
        Route("/v1/users/{user_id}/availability", get_availability),
        Route("/v1/numbers", list_numbers),
        Route("/v1/numbers/{number_id}", get_number),
        Route("/v1/tags", list_tags),
    ]
    app = Starlette(routes=routes, exception_handlers={ApiError: _api_error, HTTPException: _http_error})
    app.state.emulator = state
    app.add_middleware(AircallGate, state=state)
    app.add_middleware(FaultMiddleware, faults=faults or Faults(), error_body=fault_body)
    return app


# --------------------------------------------------------------------------- realistic seed


AGENTS = (
    ("Ana Souza", "ana@supporthub.example", "available", None),
    ("Ben Carter", "ben@supporthub.example", "available", None),
    ("Chloe Martin", "chloe@supporthub.example", "unavailable", "out_for_lunch"),
    ("Dev Patel", "dev@supporthub.example", "custom", None),
    ("Eli Moreno", "eli@supporthub.example", "unavailable", None),
)
# Fictional-range numbers (NANP 555-01xx, Ofcom drama 07700 900xxx, ACMA 0491 570xxx).
BRAND_CUSTOMER_NUMBERS: dict[str, tuple[str, ...]] = {
    "Ava Jane's Kitchen": ("+12125550101", "+13105550102", "+447700900101"),
    "Bright Naturals": ("+14155550111", "+16175550112", "+61491570111"),
    "Earth Echo": ("+17185550121", "+12065550122", "+447700900121"),
    "Mesa Cookware": ("+16025550131", "+15125550132", "+13035550133"),
    "PaleoHacks": ("+13125550141", "+14045550142", "+61491570141"),
    "Paleo Plan": ("+15035550151", "+17025550152", "+447700900151"),
    "PhysioTru": ("+16465550161", "+18185550162", "+12145550163"),
}
UNKNOWN_NUMBERS = ("+19175550190", "+33612345678", "+4915112345678")


def build_seed(seed: int = 7, *, now: int | None = None, days: int = 14, calls: int = 60,
               customer_numbers: dict[str, Sequence[str]] | None = None) -> AircallSeed:
    """A realistic, deterministic company: five agents, one line per brand, ``calls`` calls.

    Calls over the last ``days`` days: answered with recordings, missed with each reason,
    voicemails, abandoned, hidden numbers, unknown callers, and on the latest day two outbound
    attempts to the same customer (the SOP's "call attempt 1/2"). ``customer_numbers`` (brand
    -> E.164) lets the sandbox use the commerce emulators' customers.
    """
    rng = random.Random(seed)
    now = now if now is not None else int(time.time())
    source = customer_numbers or BRAND_CUSTOMER_NUMBERS
    phonebook = {brand: list(numbers) for brand, numbers in source.items()}
    users = [{"id": 101 + i, "name": name, "email": email, "availability_status": status, "substatus": sub,
              "created_at": now - 400 * 86400} for i, (name, email, status, sub) in enumerate(AGENTS)]
    numbers = [{"id": 201 + i, "name": f"{brand} Support", "digits": f"+1888555{i + 1:02d}{i + 1:02d}",
                "country": "US"} for i, brand in enumerate(BRANDS)]
    tags = [{"id": 301, "name": "refund"}, {"id": 302, "name": "order status"},
            {"id": 303, "name": "subscription"}, {"id": 304, "name": "vip"}]
    line_of = {brand: 201 + i for i, brand in enumerate(BRANDS)}
    seeded: list[dict[str, Any]] = []
    for index in range(calls):
        brand = rng.choice(BRANDS)
        started = now - rng.randint(3600, days * 86400)
        seeded.append(_random_call(rng, index, started, brand, phonebook, line_of[brand], users))
    seeded.extend(_attempts_on_one_day(rng, now, phonebook, line_of, users))
    return AircallSeed(users=users, numbers=numbers, tags=tags, calls=seeded)


def _random_call(rng: random.Random, index: int, started: int, brand: str,
                 phonebook: dict[str, list[str]], line: int, users: list[dict[str, Any]]) -> dict[str, Any]:
    known = phonebook.get(brand) or list(UNKNOWN_NUMBERS)
    customer: str | None = rng.choice(known) if rng.random() < 0.8 else rng.choice(UNKNOWN_NUMBERS)
    if index % 17 == 5:
        customer = None  # a hidden caller
    agent = rng.choice(users)["id"]
    kind = index % 6
    call: dict[str, Any] = {"direction": "inbound", "started_at": started, "customer": customer,
                            "number_id": line, "ring_seconds": rng.randint(3, 25)}
    if kind in (0, 1, 2):
        call.update(user_id=agent, talk_seconds=rng.randint(45, 900), tag_ids=rng.sample([301, 302, 303], 1))
    elif kind == 3:
        call.update(missed_call_reason=rng.choice(["out_of_opening_hours", "no_available_agent",
                                                   "agents_did_not_answer"]))
    elif kind == 4:
        call.update(voicemail=True, talk_seconds=rng.randint(15, 90))
    else:
        call.update(missed_call_reason=rng.choice(["short_abandoned", "abandoned_in_ivr",
                                                   "abandoned_in_classic"]))
    return call


def _attempts_on_one_day(rng: random.Random, now: int, phonebook: dict[str, list[str]],
                         line_of: dict[str, int], users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two outbound attempts to one customer the same morning: no answer, then answered."""
    brand = "PaleoHacks" if phonebook.get("PaleoHacks") else next(iter(phonebook))
    customer = phonebook[brand][0]
    day_start = (now - 86400) // 86400 * 86400 + 14 * 3600
    agent = users[0]["id"]
    first = {"direction": "outbound", "started_at": day_start, "customer": customer,
             "number_id": line_of.get(brand), "user_id": agent, "ring_seconds": 30}
    second = {"direction": "outbound", "started_at": day_start + 2 * 3600 + rng.randint(0, 600),
              "customer": customer, "number_id": line_of.get(brand), "user_id": agent,
              "ring_seconds": 8, "talk_seconds": 240, "tag_ids": [301]}
    return [first, second]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Aircall API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--rate-limit", type=int, default=60)
    parser.add_argument("--rate-window", type=float, default=60.0)
    parser.add_argument("--headers-only-on-429", action="store_true")
    args = parser.parse_args(argv)
    app = create_app(build_seed(args.seed, calls=args.calls), rate_limit=args.rate_limit,
                     rate_window=args.rate_window, headers_only_on_429=args.headers_only_on_429)
    print(f"Aircall emulator on http://{args.host}:{args.port}/v1 (api id {DEMO_API_ID})")
    run_forever(app, args.host, args.port)


if __name__ == "__main__":
    main()
