"""The hub's Intercom client is held to Intercom's description in every test of this folder.

``conftest.checked_transport`` sits under the client in ``running_hub`` and in the standard
tests; ``conftest.the_client_follows_the_description`` fails any test whose client sent a request
the description does not allow. These tests show that the hook sees the traffic and bites.
"""

from __future__ import annotations

from typing import Any

import httpx

from plugins.intercom.client import IntercomClient
from plugins.intercom.emulator import Workspace
from plugins.intercom.settings import IntercomSettings
from tests.plugins.intercom.conftest import (
    ADMIN_ID,
    BASE_URL,
    CLIENT_TRAFFIC,
    TOKEN,
    Recorder,
    checked_transport,
)
from tests.plugins.intercom.test_openapi import run_tour


async def test_every_request_of_a_tour_of_the_hooks_is_checked(
    workspace: Workspace, recorder: Recorder
) -> None:
    await run_tour(workspace, recorder)
    checked = sum(transport.checked for transport in CLIENT_TRAFFIC)
    skipped = [reason for transport in CLIENT_TRAFFIC for reason in transport.skipped]
    assert checked == len(recorder.exchanges) - len(skipped) and checked > 25
    # Only the tracker link, which arrived after 2.14, is beyond the description.
    assert skipped and all("linked_conversations" in reason for reason in skipped)


class OutdatedClient(IntercomClient):
    """Sets away mode the way the API took it before ``away_mode_reassign`` was required."""

    async def set_away(self, admin_id: str, away: bool, reason_id: str | None) -> dict[str, Any]:
        return await self.call("PUT", f"/admins/{admin_id}/away", body={"away_mode_enabled": away})


async def test_a_client_that_drifts_fails_even_where_the_answer_is_mocked() -> None:
    answered = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"type": "admin", "id": ADMIN_ID})
    )
    transport = checked_transport(answered)
    settings = IntercomSettings(enabled=True, access_token=TOKEN, admin_id=ADMIN_ID, base_url=BASE_URL)  # type: ignore[arg-type]
    async with OutdatedClient(settings, transport=transport) as client:
        await client.set_away(ADMIN_ID, True, None)  # the mock answers 200 whatever is sent
    CLIENT_TRAFFIC.remove(transport)  # caught here, so the autouse check does not fail this test
    assert transport.problems == [
        f"PUT /admins/{ADMIN_ID}/away: InvalidRequestBody: : 'away_mode_reassign' is a required property"
    ]
