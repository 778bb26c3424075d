"""Konnektive's documented error answers: every business error is HTTP 200 with
``{"result": "ERROR", "message": "<text>"}``; "no results" is such an error on every query
endpoint; a gateway failure is not JSON at all (shared/reference/konnektive.md)."""

from __future__ import annotations

import httpx
import pytest

from hub.sandbox.emulator import Faults

LOGIN, PASSWORD = "hub_api_user", "s3cret-Pass!"
WINDOW = {"startDate": "01/01/2000", "endDate": "12/31/2000"}  # before anything was seeded


async def post(world, path: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=world.transport, base_url="https://api.konnektive.com") as http:
        return await http.post(path, params=params)


def assert_error_envelope(response: httpx.Response, message: str | None = None) -> str:
    assert response.status_code == 200  # never a 4xx for a business error
    body = response.json()
    assert set(body) == {"result", "message"} and body["result"] == "ERROR"
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert body["message"] == message
    return body["message"]


@pytest.mark.parametrize(
    ("path", "noun"),
    [
        ("/customer/query/", "customers"),
        ("/order/query/", "orders"),
        ("/purchase/query/", "purchases"),
        ("/transactions/query/", "transactions"),
    ],
)
async def test_no_results_is_an_error_on_every_query_endpoint(world, path: str, noun: str) -> None:
    response = await post(world, path, loginId=LOGIN, password=PASSWORD, **WINDOW)
    assert_error_envelope(response, f"No {noun} matching those parameters could be found")


@pytest.mark.parametrize(
    "credentials",
    [{}, {"loginId": LOGIN}, {"password": PASSWORD}, {"loginId": "nobody", "password": PASSWORD}],
    ids=["none", "no password", "no login", "unknown login"],
)
async def test_missing_or_unknown_credentials_are_an_error_envelope(world, credentials: dict) -> None:
    response = await post(world, "/order/query/", orderId="1", **credentials)
    assert_error_envelope(response, "Invalid login credentials")


async def test_business_errors_are_200_with_a_string_message(world) -> None:
    auth = {"loginId": LOGIN, "password": PASSWORD}
    answers = [
        await post(world, "/order/teleport/", **auth),  # an endpoint Konnektive does not have
        await post(world, "/order/query/", **auth, startDate="2025-01-01", endDate="01/31/2025"),
        await post(world, "/order/refund/", **auth, orderId=world.shipped["orderId"]),
        await post(world, "/purchase/cancel/", **auth, purchaseId=world.purchase["purchaseId"]),
        await post(world, "/order/import/", **auth, paySource="ACCTONFILE"),
    ]
    messages = [assert_error_envelope(answer) for answer in answers]
    assert messages[0].startswith("Invalid API endpoint")


async def test_gateway_failures_are_not_json_and_429_keeps_the_envelope(world_factory) -> None:
    world = world_factory(faults=Faults(schedule=[502, 429], retry_after=0))
    first = await post(world, "/order/query/", loginId=LOGIN, password=PASSWORD, orderId="1")
    second = await post(world, "/order/query/", loginId=LOGIN, password=PASSWORD, orderId="1")
    assert first.status_code == 502 and not first.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        first.json()  # a client must treat a non-JSON body as a failure
    assert second.status_code == 429 and second.json() == {"result": "ERROR", "message": "Too many requests"}
