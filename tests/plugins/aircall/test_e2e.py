"""The plugin driven through the hub against its emulator, asserting on the emulator's state."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hub.core.errors import AuthError
from hub.core.http import SlidingWindowLimiter
from hub.core.models import AgentStatus, CallDirection, CallOutcome, Ref
from hub.sandbox.emulator import Faults
from plugins.aircall.client import AircallClient
from plugins.aircall.emulator import BRAND_CUSTOMER_NUMBERS, build_seed, create_app
from plugins.aircall.settings import AircallSettings

T0 = 1_767_225_600


def fill(app: Any, count: int, *, start: int = T0, step: int = 7) -> None:
    state = app.state.emulator
    company = state.company()
    for i in range(count):
        state.add_call(company, direction="inbound" if i % 3 else "outbound", started_at=start + i * step,
                       customer="+12125550101", talk_seconds=30 if i % 2 else 0)


def transport(app: Any) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=app)


async def all_calls(hub: Any, since: datetime | None = None) -> list[Any]:
    return [call async for page in hub.telephony.list_calls(since=since) for call in page]


async def test_seeded_calls_map_with_every_outcome(make_hub: Any) -> None:
    app = create_app(build_seed(7, calls=60), rate_limit=10_000)
    async with make_hub(transport(app)) as hub:
        calls = await all_calls(hub)
    assert len(calls) == 62
    assert [c.started_at for c in calls] == sorted(c.started_at for c in calls)
    assert {c.outcome for c in calls} == set(CallOutcome)
    customers = {n for numbers in BRAND_CUSTOMER_NUMBERS.values() for n in numbers}
    assert any(c.customer_number in customers for c in calls)
    assert any(c.customer_number is None for c in calls)  # the hidden caller
    missed = [c for c in calls if c.outcome is CallOutcome.MISSED and c.direction is CallDirection.INBOUND]
    assert missed and all(c.missed_reason for c in missed)
    answered = [c for c in calls if c.outcome is CallOutcome.ANSWERED]
    assert all(c.agent is not None and c.recording_url for c in answered)
    assert all(c.voicemail_url for c in calls if c.outcome is CallOutcome.VOICEMAIL)
    outbound = [c for c in calls if c.direction is CallDirection.OUTBOUND]
    assert len({c.customer_number for c in outbound}) == 1 and len(outbound) == 2


async def test_pagination_over_1200_calls_with_a_cursor(make_hub: Any) -> None:
    app = create_app(rate_limit=10_000)
    fill(app, 1_250)
    since = datetime.fromtimestamp(T0 + 50 * 7, UTC)  # skips the first 50
    async with make_hub(transport(app)) as hub:
        calls = await all_calls(hub, since=since)
    assert len(calls) == 1_200 and len({c.id for c in calls}) == 1_200
    assert calls[0].started_at == since
    assert len([path for _, path in app.state.emulator.requests if path == "/v1/calls"]) == 24


async def test_listing_above_the_record_cap_is_split_by_time(make_hub: Any) -> None:
    app = create_app(rate_limit=10_000, record_cap=200)
    fill(app, 1_000, step=13)
    async with make_hub(transport(app), record_cap=200) as hub:
        calls = await all_calls(hub)
    expected = sorted(app.state.emulator.company().calls.values(), key=lambda c: (c["started_at"], c["id"]))
    assert [c.id for c in calls] == [str(c["id"]) for c in expected]


async def test_comment_lands_on_the_call(make_hub: Any) -> None:
    app = create_app(rate_limit=10_000)
    fill(app, 3)
    call_id = min(app.state.emulator.company().calls)
    async with make_hub(transport(app)) as hub:
        await hub.telephony.comment_call(ref=Ref(platform="aircall", id=str(call_id)),
                        body="Call log written to Intercom")
    comments = app.state.emulator.company().calls[call_id]["comments"]
    assert [c["content"] for c in comments] == ["Call log written to Intercom"]


async def test_agents_and_availability_round_trip(make_hub: Any) -> None:
    app = create_app(build_seed(7, calls=0), rate_limit=10_000)
    users = app.state.emulator.company().users
    async with make_hub(transport(app)) as hub:
        agents = {a.email: a for a in await hub.telephony.list_agents()}
        assert agents["chloe@supporthub.example"].status is AgentStatus.AWAY
        assert agents["chloe@supporthub.example"].reason == "out_for_lunch"
        assert agents["ana@supporthub.example"].status is AgentStatus.AVAILABLE
        ana = agents["ana@supporthub.example"].ref
        away = await hub.telephony.set_availability(ref=ana, status=AgentStatus.AWAY,
                               reason="Coaching")
        assert (users[int(ana.id)]["availability_status"], users[int(ana.id)]["substatus"]) == (
            "unavailable", "in_training")
        assert (away.status, away.reason) == (AgentStatus.AWAY, "in_training")
        back = await hub.telephony.set_availability(ref=ana, status=AgentStatus.AVAILABLE,
                               reason=None)
    assert back.status is AgentStatus.AVAILABLE
    assert (users[int(ana.id)]["availability_status"], users[int(ana.id)]["substatus"]) == ("available", None)


async def test_wrong_credentials_give_auth_error(make_hub: Any) -> None:
    app = create_app()
    async with make_hub(transport(app), api_token="not-the-token") as hub:
        with pytest.raises(AuthError, match="Unauthorized"):
            await all_calls(hub)


async def test_rate_limited_run_finishes_without_refusals(make_hub: Any) -> None:
    """30 requests a second on both sides: paced by the client, never refused by the emulator."""
    app = create_app(rate_limit=30, rate_window=1)
    fill(app, 1_100)
    async with make_hub(transport(app), requests_per_window=30, window_seconds=1) as hub:
        calls = await all_calls(hub)
        for call in calls[:25]:
            await hub.telephony.comment_call(ref=call.ref, body="attempt 1/2")
    state = app.state.emulator
    assert len(calls) == 1_100
    assert sum(len(c["comments"]) for c in state.company().calls.values()) == 25
    assert state.refused == 0 and state.company().window.peak <= 30


async def test_limit_learned_from_429_headers_when_they_come_only_then(make_hub: Any) -> None:
    """The client thinks it may send 100/s; the company allows 20/s and says so only on 429."""
    app = create_app(rate_limit=20, rate_window=1, headers_only_on_429=True)
    fill(app, 600)
    company = app.state.emulator.company()
    async with make_hub(transport(app), requests_per_window=100, window_seconds=1, page_size=25) as hub:
        for call_id in sorted(company.calls)[:25]:  # the 21st is refused, then sent again
            await hub.telephony.comment_call(ref=Ref(platform="aircall", id=str(call_id)),
                            body="attempt 1/2")
        calls = await all_calls(hub)
        limiter = hub.pm.get_plugin("aircall").account.client.limiter
    assert len(calls) == 600 and len({c.id for c in calls}) == 600
    assert [len(company.calls[i]["comments"]) for i in sorted(company.calls)[:26]] == [1] * 25 + [0]
    assert app.state.emulator.refused >= 1 and limiter.limit == 20  # adopted from X-AircallApi-Limit


async def test_injected_faults_are_retried(make_hub: Any) -> None:
    app = create_app(rate_limit=10_000, faults=Faults(schedule=[None, 503, 502, 429], retry_after=0))
    fill(app, 120)
    async with make_hub(transport(app)) as hub:
        calls = await all_calls(hub)
    assert len(calls) == 120 and app.state.emulator.refused == 0


async def test_remaining_zero_pauses_the_limiter_until_reset() -> None:
    settings = AircallSettings(enabled=True, api_id="demo-api-id", api_token="demo-api-token",
                               requests_per_window=60, window_seconds=60)
    limiter = SlidingWindowLimiter(60, 60)
    client = AircallClient(settings, limiter=limiter)
    request = httpx.Request("GET", "https://api.aircall.io/v1/calls")
    reset = int(time.time()) + 30
    client.observe(httpx.Response(200, request=request, headers={
        "X-AircallApi-Limit": "120", "X-AircallApi-Remaining": "0", "X-AircallApi-Reset": str(reset)}))
    assert limiter.limit == 120
    assert limiter._paused_until - time.monotonic() == pytest.approx(reset - time.time() + 0.05, abs=0.5)
    quiet = httpx.Response(200, request=request)  # headers may be absent: nothing changes
    client.observe(quiet)
    assert limiter.limit == 120 and client.retry_after(quiet) is None
    await client.aclose()
