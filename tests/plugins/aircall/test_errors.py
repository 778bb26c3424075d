"""Aircall's documented error bodies and rate-limit headers, each answered as the reference says.

Reference (shared/reference/aircall.md): 4xx bodies are ``{"error": "<title>", "troubleshoot":
"<hint>"}``; anything but valid Basic or Bearer credentials is a 401 with that body; unknown ids
and paths are 404 with a JSON body; ``X-AircallApi-Limit``/``-Remaining``/``-Reset`` (UNIX
seconds) come with answers, and 429 when the allowance is spent.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from hub.sandbox.emulator import Faults
from plugins.aircall.emulator import create_app

BASE = "https://api.aircall.io/v1/"
AUTH = ("demo-api-id", "demo-api-token")


def client(app: Any, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, **kwargs)


def assert_error_body(response: httpx.Response, status: int, title: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "troubleshoot"} and body["error"] == title
    assert isinstance(body["troubleshoot"], str) and body["troubleshoot"]


async def test_every_4xx_the_emulator_answers_has_the_error_and_troubleshoot_body() -> None:
    app = create_app(rate_limit=4)  # the fifth request is over the allowance
    async with client(app, auth=AUTH) as api:
        bad_request = await api.get("calls", params={"per_page": "many"})
        not_found = await api.get("calls/999999")
        no_route = await api.get("nothing/here")
        wrong_method = await api.delete("calls")
        limited = await api.get("users")
    assert_error_body(bad_request, 400, "Bad request")
    assert_error_body(not_found, 404, "Not found")
    assert_error_body(no_route, 404, "Not found")
    assert_error_body(wrong_method, 405, "Method not allowed")
    assert_error_body(limited, 429, "Too many requests")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Token demo-api-token"},
        {"Authorization": "Basic not-base64!"},
        {"Authorization": ""},
    ],
    ids=["unknown bearer", "other scheme", "garbled basic", "empty"],
)
async def test_anything_but_basic_or_a_known_bearer_is_401_with_the_error_body(headers: dict) -> None:
    async with client(create_app(rate_limit=100), headers=headers) as api:
        response = await api.get("calls")
    assert_error_body(response, 401, "Unauthorized")


async def test_contacts_are_not_updated_with_put() -> None:
    # Aircall updates a contact with POST /contacts/:id; a PUT there is refused (404/405).
    async with client(create_app(rate_limit=100), auth=AUTH) as api:
        response = await api.put("contacts/1", json={"first_name": "Ann"})
    assert response.status_code in (404, 405) and "error" in response.json()


async def test_rate_limit_headers_read_as_documented() -> None:
    app = create_app(rate_limit=2)
    before = int(time.time())
    async with client(app, auth=AUTH) as api:
        answers = [await api.get("users") for _ in range(3)]
    for answer in answers:
        assert int(answer.headers["X-AircallApi-Limit"]) == 2
        assert int(answer.headers["X-AircallApi-Remaining"]) >= 0
        reset = int(answer.headers["X-AircallApi-Reset"])  # UNIX seconds when the window refills
        assert before < reset <= before + 61
    assert [a.status_code for a in answers] == [200, 200, 429]


async def test_injected_faults_carry_the_error_body() -> None:
    app = create_app(faults=Faults(schedule=[500, 503, 429]))
    async with client(app, auth=AUTH) as api:
        answers = [await api.get("users") for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 503, 429]
    for answer in answers:
        assert set(answer.json()) == {"error", "troubleshoot"}
