"""Every Aircall hook against respx: request shape, mapping, paging, 429, errors."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest
import respx

from hub.core.errors import (
    AuthError,
    CapabilityMissing,
    ConfigError,
    FatalError,
    NotFoundError,
    RetriableError,
)
from hub.core.models import AgentStatus, CallOutcome, Ref

BASE = "https://api.aircall.io/v1"
BASIC = "Basic " + base64.b64encode(b"demo-api-id:demo-api-token").decode()
STARTED = 1_767_225_600


def call_json(call_id: int, started_at: int = STARTED, **extra: Any) -> dict[str, Any]:
    return {"id": call_id, "direction": "inbound", "started_at": started_at, "answered_at": started_at + 5,
            "ended_at": started_at + 65, "duration": 65, "raw_digits": "+1 212-555-0101",
            "user": {"id": 101, "name": "Ana Souza", "email": "ana@supporthub.example",
                     "availability_status": "available", "available": True},
            "number": {"id": 201, "digits": "+1 888-555-0101", "country": "US"}, "tags": [], **extra}


def page(items: list[dict[str, Any]], root: str, total: int, next_link: str | None) -> dict[str, Any]:
    return {root: items, "meta": {"count": len(items), "total": total, "current_page": 1, "per_page": 50,
                                  "next_page_link": next_link, "previous_page_link": None}}


def user_json(user_id: int, status: str = "available", substatus: str | None = None) -> dict[str, Any]:
    return {"id": user_id, "name": f"User {user_id}", "email": f"u{user_id}@supporthub.example",
            "available": status == "available", "availability_status": status, "substatus": substatus}


async def all_calls(hub: Any, since: Any = None) -> list[Any]:
    return [call async for page_ in hub.telephony.list_calls(since=since) for call in page_]


# --------------------------------------------------------------------------- list calls


async def test_list_calls_request_shape_and_pages(make_hub: Any) -> None:
    since = STARTED
    with respx.mock(base_url=BASE) as mock:
        second = f"{BASE}/calls?from={since}&order=asc&per_page=50&fetch_short_urls=true&page=2"
        third = f"{BASE}/calls?from={since}&order=asc&per_page=50&fetch_short_urls=true&page=3"
        route = mock.get("/calls").mock(side_effect=[
            httpx.Response(200, json=page([call_json(1), call_json(2)], "calls", 5, second)),
            httpx.Response(200, json=page([call_json(3), call_json(4)], "calls", 5, third)),
            httpx.Response(200, json=page([call_json(5, missed_call_reason="no_available_agent",
                                                     answered_at=None, user=None)], "calls", 5, None)),
        ])
        async with make_hub() as hub:
            from datetime import UTC, datetime
            calls = await all_calls(hub, since=datetime.fromtimestamp(since + 0.7, UTC))
    assert [c.id for c in calls] == ["1", "2", "3", "4", "5"]
    assert calls[-1].outcome is CallOutcome.MISSED and calls[-1].missed_reason == "no_available_agent"
    assert calls[0].customer_number == "+12125550101"
    first = route.calls[0].request
    assert first.method == "GET" and first.url.path == "/v1/calls"
    assert dict(first.url.params) == {"from": str(since), "order": "asc", "per_page": "50",
                                      "fetch_short_urls": "true"}
    assert first.headers["authorization"] == BASIC
    assert [str(c.request.url) for c in route.calls[1:]] == [second, third]


async def test_list_calls_without_cursor_sends_no_from(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/calls").respond(200, json=page([], "calls", 0, None))
        async with make_hub(fetch_short_urls=False, page_size=20) as hub:
            assert await all_calls(hub) == []
    assert dict(route.calls[0].request.url.params) == {"order": "asc", "per_page": "20"}


async def test_list_calls_splits_the_range_above_the_record_cap(make_hub: Any) -> None:
    """A listing with more matches than the cap is split with from/to until each part fits."""
    stamps = [STARTED + 10 * i for i in range(12)]

    def answer(request: httpx.Request) -> httpx.Response:
        low = int(request.url.params.get("from", 0))
        high = int(request.url.params.get("to", 2**40))
        matches = [call_json(i + 1, stamp) for i, stamp in enumerate(stamps) if low <= stamp <= high]
        return httpx.Response(200, json=page(matches[:4], "calls", len(matches), None))

    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/calls").mock(side_effect=answer)
        async with make_hub(record_cap=4, page_size=4) as hub:
            calls = await all_calls(hub)
    assert [c.id for c in calls] == [str(i) for i in range(1, 13)]  # all, in order, none twice
    ranges = [(r.request.url.params.get("from"), r.request.url.params.get("to")) for r in route.calls]
    assert ranges[0] == (None, None)
    assert all(low is not None for low, _ in ranges[1:])


async def test_list_calls_refuses_a_page_link_to_another_host(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/calls").respond(200, json=page([call_json(1)], "calls", 2, "https://evil.example/v1/calls?page=2"))
        async with make_hub() as hub:
            with pytest.raises(FatalError, match="another host"):
                await all_calls(hub)


async def test_list_calls_missing_root_key_is_fatal(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/calls").respond(200, json={"data": [], "meta": {}})
        async with make_hub() as hub:
            with pytest.raises(FatalError, match="'calls'"):
                await all_calls(hub)


# --------------------------------------------------------------------------- rate limit and errors


async def test_429_then_success_waits_for_the_reset_header(make_hub: Any) -> None:
    reset = str(int(time.time()))  # already reached: retry at once
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/calls").mock(side_effect=[
            httpx.Response(429, json={"error": "Too many requests", "troubleshoot": "slow down"},
                           headers={"X-AircallApi-Limit": "60", "X-AircallApi-Remaining": "0",
                                    "X-AircallApi-Reset": reset}),
            httpx.Response(200, json=page([call_json(1)], "calls", 1, None)),
        ])
        async with make_hub() as hub:
            calls = await all_calls(hub)
    assert [c.id for c in calls] == ["1"] and route.call_count == 2


async def test_429_without_headers_backs_off_and_succeeds(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/users").mock(side_effect=[
            httpx.Response(429, json={"error": "Too many requests"}),
            httpx.Response(200, json=page([user_json(1)], "users", 1, None)),
        ])
        async with make_hub() as hub:
            agents = await hub.telephony.list_agents()
    assert [a.id for a in agents] == ["1"] and route.call_count == 2


async def test_401_gives_an_auth_error_with_the_platform_message(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/users").respond(401, json={"error": "Unauthorized", "troubleshoot": "Check your API key"})
        async with make_hub() as hub:
            with pytest.raises(AuthError) as caught:
                await hub.telephony.list_agents()
    assert caught.value.status == 401 and caught.value.code == "Unauthorized"
    assert "Check your API key" in str(caught.value)


async def test_500_on_a_read_is_retried(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/users").mock(side_effect=[
            httpx.Response(503, json={"error": "Service unavailable"}, headers={"Retry-After": "0"}),
            httpx.Response(200, json=page([], "users", 0, None)),
        ])
        async with make_hub() as hub:
            assert await hub.telephony.list_agents() == []
    assert route.call_count == 2


# --------------------------------------------------------------------------- comment


async def test_comment_call_posts_the_content(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/calls/812/comments").respond(201)
        async with make_hub() as hub:
            result = await hub.telephony.comment_call(ref=Ref(platform="aircall", id="812"),
                                     body="Logged to Intercom conversation 42")
    assert result is None
    request = route.calls[0].request
    assert request.method == "POST" and request.headers["authorization"] == BASIC
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"content": "Logged to Intercom conversation 42"}


async def test_comment_is_never_blindly_retried(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/calls/812/comments").respond(503, json={"error": "Service unavailable"})
        async with make_hub() as hub:
            with pytest.raises(RetriableError):
                await hub.telephony.comment_call(ref=Ref(platform="aircall", id="812"), body="x")
    assert route.call_count == 1  # Aircall cannot deduplicate a comment: the flow decides


async def test_comment_refused_with_429_is_sent_again(make_hub: Any) -> None:
    """A 429 means nothing was written, so the comment is safe to send once more."""
    refused = httpx.Response(429, json={"error": "Too many requests"},
                             headers={"X-AircallApi-Reset": str(int(time.time()))})
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/calls/812/comments").mock(side_effect=[refused, httpx.Response(201)])
        async with make_hub() as hub:
            await hub.telephony.comment_call(ref=Ref(platform="aircall", id="812"), body="x")
    assert route.call_count == 2


async def test_comment_on_unknown_call_is_not_found(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/calls/999/comments").respond(404, json={"error": "Not found", "troubleshoot": "No call"})
        async with make_hub() as hub:
            with pytest.raises(NotFoundError, match="Not found"):
                await hub.telephony.comment_call(ref=Ref(platform="aircall", id="999"), body="x")


async def test_hooks_ignore_records_of_other_platforms(make_hub: Any) -> None:
    with respx.mock(base_url=BASE):
        async with make_hub() as hub:
            with pytest.raises(CapabilityMissing):
                await hub.telephony.comment_call(ref=Ref(platform="intercom", id="1"), body="x")
            with pytest.raises(CapabilityMissing):
                await hub.telephony.set_availability(ref=Ref(platform="intercom", id="1"),
                                status=AgentStatus.AVAILABLE, reason=None)


async def test_a_non_numeric_id_is_refused_before_sending(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        async with make_hub() as hub:
            with pytest.raises(FatalError, match="not an Aircall id"):
                await hub.telephony.comment_call(ref=Ref(platform="aircall", id="../users"),
                                body="x")
    assert mock.calls.call_count == 0


# --------------------------------------------------------------------------- agents


async def test_list_agents_pages_through_users(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/users").mock(side_effect=[
            httpx.Response(200, json=page([user_json(1), user_json(2, "unavailable", "out_for_lunch")],
                                          "users", 3, f"{BASE}/users?page=2&per_page=50")),
            httpx.Response(200, json=page([user_json(3, "unavailable")], "users", 3, None)),
        ])
        async with make_hub() as hub:
            agents = await hub.telephony.list_agents()
    assert [(a.id, a.status, a.reason) for a in agents] == [
        ("1", AgentStatus.AVAILABLE, None), ("2", AgentStatus.AWAY, "out_for_lunch"),
        ("3", AgentStatus.UNAVAILABLE, None)]
    assert route.calls[0].request.url.params["per_page"] == "50"


async def test_set_availability_away_sends_unavailable_with_substatus(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        away = user_json(101, "unavailable", "out_for_lunch")
        route = mock.put("/users/101").respond(200, json={"user": away})
        async with make_hub() as hub:
            agent = await hub.telephony.set_availability(ref=Ref(platform="aircall", id="101"),
                                    status=AgentStatus.AWAY, reason="Break/Lunch")
    assert (agent.status, agent.reason) == (AgentStatus.AWAY, "out_for_lunch")
    request = route.calls[0].request
    assert request.headers["authorization"] == BASIC
    assert json.loads(request.content) == {"availability_status": "unavailable", "substatus": "out_for_lunch"}


async def test_set_availability_available_reads_back_when_put_has_no_body(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        put = mock.put("/users/101").respond(204)
        get = mock.get("/users/101").respond(200, json={"user": user_json(101, "custom")})
        async with make_hub(available_as="custom") as hub:
            agent = await hub.telephony.set_availability(ref=Ref(platform="aircall", id="101"),
                                    status=AgentStatus.AVAILABLE, reason=None)
    assert json.loads(put.calls[0].request.content) == {"availability_status": "custom"}
    assert get.call_count == 1 and agent.status is AgentStatus.UNAVAILABLE  # custom, outside hours


async def test_set_availability_validation_error_is_fatal(make_hub: Any) -> None:
    with respx.mock(base_url=BASE) as mock:
        body = {"error": "Bad request", "troubleshoot": "substatus invalid"}
        mock.put("/users/101").respond(400, json=body)
        async with make_hub() as hub:
            with pytest.raises(FatalError) as caught:
                await hub.telephony.set_availability(ref=Ref(platform="aircall", id="101"),
                                status=AgentStatus.AWAY, reason="Coaching")
    assert caught.value.status == 400 and "substatus invalid" in str(caught.value)


# --------------------------------------------------------------------------- settings


async def test_enabled_without_credentials_is_a_config_error(make_hub: Any) -> None:
    with pytest.raises(ConfigError, match="api_id and api_token"):
        async with make_hub(api_token=""):
            pass


async def test_secrets_stay_out_of_repr(make_hub: Any) -> None:
    with respx.mock(base_url=BASE):
        async with make_hub() as hub:
            settings = hub.config.plugins["aircall"]
            assert "demo-api-token" not in repr(settings) and "demo-api-id" not in repr(settings)
