"""The emulator behaves like Aircall: auth, envelopes, paging, the cap, limits, errors, writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.sandbox.emulator import Faults
from plugins.aircall.emulator import (
    AGENTS,
    BRAND_CUSTOMER_NUMBERS,
    BRANDS,
    UNKNOWN_NUMBERS,
    AircallSeed,
    Company,
    build_seed,
    create_app,
)

BASE = "https://api.aircall.io/v1/"
AUTH = ("demo-api-id", "demo-api-token")
T0 = 1_767_225_600


def seed_calls(
    app: Any, count: int, *, start: int = T0, step: int = 60, company: Company | None = None
) -> None:
    state = app.state.emulator
    company = company or state.company()
    for i in range(count):
        state.add_call(company, direction="inbound", started_at=start + i * step, customer="+12125550101",
                       talk_seconds=30)


@pytest.fixture
def app() -> Any:
    return create_app(rate_limit=10_000)


@pytest.fixture
async def api(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as client:
        yield client


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize("auth", [None, ("demo-api-id", "wrong"), ("someone", "demo-api-token")])
async def test_bad_credentials_get_401_with_the_error_body(app: Any, auth: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=auth) as client:
        response = await client.get("calls")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized" and "troubleshoot" in response.json()


async def test_bearer_tokens_and_company_isolation(app: Any, api: httpx.AsyncClient) -> None:
    state = app.state.emulator
    other = state.add_company("other-id", "other-token", "Other Co", bearer_tokens=["oauth-token"])
    seed_calls(app, 2)
    seed_calls(app, 3, company=other)
    mine = (await api.get("calls")).json()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE,
                                 headers={"Authorization": "Bearer oauth-token"}) as client:
        theirs = (await client.get("calls")).json()
        foreign_id = mine["calls"][0]["id"]
        assert (await client.get(f"calls/{foreign_id}")).status_code == 404
    assert mine["meta"]["total"] == 2 and theirs["meta"]["total"] == 3


async def test_ping_and_unknown_paths(api: httpx.AsyncClient) -> None:
    assert (await api.get("ping")).json() == {"ping": "pong"}
    missing = await api.get("nothing/here")
    assert missing.status_code == 404 and missing.json()["error"] == "Not found"
    wrong_method = await api.delete("calls")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()


# --------------------------------------------------------------------------- pagination


async def test_pagination_meta_and_absolute_links(app: Any, api: httpx.AsyncClient) -> None:
    seed_calls(app, 45)
    first = (await api.get("calls", params={"from": T0})).json()
    assert first["meta"] == {"count": 20, "total": 45, "current_page": 1, "per_page": 20,
                             "next_page_link": f"{BASE}calls?from={T0}&page=2&per_page=20",
                             "previous_page_link": None}
    second = (await api.get(first["meta"]["next_page_link"])).json()
    third = (await api.get(second["meta"]["next_page_link"])).json()
    assert second["meta"]["current_page"] == 2 and second["meta"]["count"] == 20
    assert third["meta"]["count"] == 5 and third["meta"]["next_page_link"] is None
    assert third["meta"]["previous_page_link"].endswith("page=2&per_page=20")
    clamped = (await api.get("calls", params={"per_page": 500})).json()
    assert clamped["meta"]["per_page"] == 50 and len(clamped["calls"]) == 45


async def test_bad_paging_input_is_refused(api: httpx.AsyncClient) -> None:
    for params in ({"page": "0"}, {"page": "x"}, {"from": "yesterday"}, {"order": "sideways"}):
        response = await api.get("calls", params=params)
        assert response.status_code == 400 and response.json()["error"] == "Bad request"


async def test_from_to_are_inclusive_and_order_desc_ties_on_id(app: Any, api: httpx.AsyncClient) -> None:
    seed_calls(app, 5, step=10)  # T0, +10, +20, +30, +40
    seed_calls(app, 1, start=T0 + 20)  # a tie on T0+20
    body = (await api.get("calls", params={"from": T0 + 10, "to": T0 + 30, "order": "desc"})).json()
    stamps = [(c["started_at"], c["id"]) for c in body["calls"]]
    assert [s for s, _ in stamps] == [T0 + 30, T0 + 20, T0 + 20, T0 + 10]
    assert stamps[1][1] > stamps[2][1]


async def test_only_the_first_records_of_the_cap_are_reachable() -> None:
    app = create_app(rate_limit=10_000, record_cap=30)
    seed_calls(app, 100)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        page = (await api.get("calls", params={"per_page": 20, "page": 2})).json()
        beyond = (await api.get("calls", params={"per_page": 20, "page": 3})).json()
    assert page["meta"]["total"] == 100 and page["meta"]["count"] == 10
    assert page["meta"]["next_page_link"] is None and beyond["calls"] == []


# --------------------------------------------------------------------------- rate limit


async def test_rate_limit_headers_and_429() -> None:
    app = create_app(rate_limit=3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        answers = [await api.get("users") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-AircallApi-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["X-AircallApi-Limit"] == "3"
    assert int(answers[3].headers["X-AircallApi-Reset"]) % 60 == 0
    assert answers[3].json()["error"] == "Too many requests"
    assert app.state.emulator.refused == 1


async def test_headers_only_on_429_switch() -> None:
    app = create_app(rate_limit=1, headers_only_on_429=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        ok, refused = await api.get("users"), await api.get("users")
    assert "X-AircallApi-Limit" not in ok.headers
    assert refused.status_code == 429 and refused.headers["X-AircallApi-Remaining"] == "0"


async def test_injected_faults_use_the_platform_error_body() -> None:
    app = create_app(faults=Faults(schedule=[503, 429]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        first, second, third = [await api.get("users") for _ in range(3)]
    assert (first.status_code, second.status_code, third.status_code) == (503, 429, 200)
    assert first.json()["error"] == "Service unavailable" and "Retry-After" in second.headers


# --------------------------------------------------------------------------- writes


async def test_comments_are_stored_on_the_call(app: Any, api: httpx.AsyncClient) -> None:
    seed_calls(app, 1)
    call_id = (await api.get("calls")).json()["calls"][0]["id"]
    created = await api.post(f"calls/{call_id}/comments", json={"content": "attempt 1/2"})
    assert created.status_code == 201
    call = (await api.get(f"calls/{call_id}")).json()["call"]
    assert [c["content"] for c in call["comments"]] == ["attempt 1/2"]
    assert isinstance(call["comments"][0]["posted_at"], int)


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": 5}, ["content"]])
async def test_bad_comments_are_refused(app: Any, api: httpx.AsyncClient, body: Any) -> None:
    seed_calls(app, 1)
    call_id = (await api.get("calls")).json()["calls"][0]["id"]
    response = await api.post(f"calls/{call_id}/comments", json=body)
    assert response.status_code == 400 and response.json()["error"] == "Bad request"


async def test_comment_on_unknown_call_is_404(api: httpx.AsyncClient) -> None:
    response = await api.post("calls/424242/comments", json={"content": "x"})
    assert response.status_code == 404 and response.json()["error"] == "Not found"


async def test_user_availability_updates_and_validation() -> None:
    app = create_app(build_seed(1, calls=0), rate_limit=10_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        away = await api.put("users/101",
                             json={"availability_status": "unavailable", "substatus": "on_a_break"})
        assert away.json()["user"]["substatus"] == "on_a_break"
        assert (await api.get("users/101/availability")).json() == {"availability": "do_not_disturb"}
        back = await api.put("users/101", json={"availability_status": "available"})
        assert back.json()["user"]["substatus"] is None and back.json()["user"]["available"] is True
        for bad in ({"availability_status": "asleep"},
                    {"availability_status": "unavailable", "substatus": "nap"},
                    {"availability_status": "available", "substatus": "other"}):
            refused = await api.put("users/101", json=bad)
            assert refused.status_code == 400 and refused.json()["error"] == "Bad request"
        assert (await api.put("users/999", json={"availability_status": "available"})).status_code == 404
        availabilities = (await api.get("users/availabilities")).json()
    assert {"id": 101, "availability": "available"} in availabilities["users"]
    user = app.state.emulator.company().users[101]
    assert (user["availability_status"], user["substatus"]) == ("available", None)


async def test_search_normalises_phone_numbers(app: Any, api: httpx.AsyncClient) -> None:
    state = app.state.emulator
    state.add_call(state.company(), direction="outbound", started_at=T0, customer="+33612345678")
    seed_calls(app, 2)
    found = (await api.get("calls/search", params={"phone_number": "+33 6 12 34 56 78"})).json()
    assert [c["raw_digits"] for c in found["calls"]] == ["+33 6 12 34 56 78"]
    outbound = (await api.get("calls/search", params={"direction": "outbound"})).json()
    assert outbound["meta"]["total"] == 1


async def test_recording_links_are_fresh_on_each_read() -> None:
    now = [float(T0)]
    app = create_app(rate_limit=10_000, clock=lambda: now[0])
    seed_calls(app, 1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        first = (await api.get("calls")).json()["calls"][0]["recording"]
        now[0] += 120
        second = (await api.get("calls")).json()["calls"][0]["recording"]
        short = (await api.get("calls", params={"fetch_short_urls": "true"})).json()["calls"][0]
    assert first != second and f"Expires={T0 + 600}" in first
    assert short["recording_short_url"].startswith("https://short.aircall.example/")


# --------------------------------------------------------------------------- seed


def test_build_seed_is_deterministic_and_realistic() -> None:
    seed = build_seed(7, now=T0 + 30 * 86400)
    assert seed == build_seed(7, now=T0 + 30 * 86400)
    assert [u["email"] for u in seed.users] == [email for _, email, _, _ in AGENTS]
    assert "ana@supporthub.example" in [u["email"] for u in seed.users]
    assert len(seed.numbers) == len(BRANDS)
    customers = {n for numbers in BRAND_CUSTOMER_NUMBERS.values() for n in numbers}
    dialled = [c["customer"] for c in seed.calls]
    assert any(n in customers for n in dialled) and any(n in UNKNOWN_NUMBERS for n in dialled)
    assert None in dialled  # a hidden caller
    assert {c.get("missed_call_reason") for c in seed.calls} >= {"short_abandoned", None}
    assert any(c.get("voicemail") for c in seed.calls)
    outbound = [c for c in seed.calls if c["direction"] == "outbound"]
    assert len(outbound) == 2 and outbound[0]["customer"] == outbound[1]["customer"]
    assert outbound[0]["started_at"] // 86400 == outbound[1]["started_at"] // 86400


async def test_seeded_app_serves_valid_e164_numbers() -> None:
    app = create_app(build_seed(3, calls=30), rate_limit=10_000)
    assert isinstance(app.state.emulator.company(), Company)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=AUTH) as api:
        calls = (await api.get("calls", params={"per_page": 50})).json()["calls"]
    assert len(calls) == 32
    assert all(c["raw_digits"] == "anonymous" or c["raw_digits"].startswith("+") for c in calls)


def test_custom_seed_dataclass_loads() -> None:
    seed = AircallSeed(api_id="a", api_token="b", users=[{"id": 5, "name": "Zoe Q", "email": "z@x.example"}],
                       numbers=[{"id": 6, "name": "Line", "digits": "+12125550100"}],
                       tags=[{"id": 7, "name": "vip"}],
                       calls=[{"direction": "inbound", "started_at": T0, "customer": "+12125550101",
                               "user_id": 5, "number_id": 6, "talk_seconds": 10, "tag_ids": [7]}])
    company = create_app(seed).state.emulator.company("a")
    call = next(iter(company.calls.values()))
    assert (call["user_id"], call["number_id"], call["tag_ids"]) == (5, 6, [7])
