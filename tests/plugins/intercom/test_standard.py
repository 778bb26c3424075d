"""The standard plugin tests (hub.testing) run against the intercom emulator."""

from __future__ import annotations

import httpx

from hub.testing import StandardPluginTests
from tests.plugins.intercom.conftest import checked_transport


class TestStandard(StandardPluginTests):
    plugin = "intercom"
    small_pages = {"page_size": 1}

    def client_transport(self, transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return checked_transport(transport)  # every request held to Intercom's description
