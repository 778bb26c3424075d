"""A path naming no enabled plugin is refused before its name is used anywhere.

``/webhooks/{platform}`` and ``/inbox-app/{platform}/...`` take any name, unsigned: the name is
the sender's to choose. Used as a metrics label it made one new series per name (300 requests
with 3,000-character names grew ``/metrics`` from 100 KB to 16 MB, for the life of the process),
written to the log a newline in it forged log lines, and each name got an entry in the hub's
hook-route cache.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from tests.serve.conftest import Served

FORGED = "nope\n2026-01-01 00:00:00,000 ERROR hub.serve: FORGED LINE " + "x" * 2_000


async def test_webhooks_for_an_unknown_platform_leave_no_trace_of_the_name(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for n in range(3):
        response = await served.client.post(f"/webhooks/{quote(FORGED)}{n}", content=b"{}")
        assert response.status_code == 404
        assert "FORGED" not in response.text
    metrics = (await served.client.get("/metrics")).text
    assert "FORGED" not in metrics and "x" * 100 not in metrics
    assert 'platform="unknown",result="refused_404"' in metrics
    assert "FORGED" not in caplog.text
    assert not any(isinstance(p, str) and "FORGED" in p for _, p in served.server.hub._owner_callers)


async def test_inbox_app_requests_for_an_unknown_platform_leave_no_trace_of_the_name(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await served.client.post(f"/inbox-app/{quote(FORGED)}/initialize", content=b"{}")
    assert response.status_code == 404
    assert "FORGED" not in response.text and "FORGED" not in caplog.text
    assert not any(isinstance(p, str) and "FORGED" in p for _, p in served.server.hub._owner_callers)


async def test_an_enabled_plugin_without_webhooks_is_still_named(served: Served) -> None:
    response = await served.client.post("/webhooks/konnektive", content=b"{}")
    assert response.status_code == 404
    assert "konnektive" in response.json()["error"]
    metrics = (await served.client.get("/metrics")).text
    assert 'platform="konnektive",result="refused_404"' in metrics
