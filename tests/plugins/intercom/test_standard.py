"""The standard plugin tests (hub.testing) run against the intercom emulator."""

from __future__ import annotations

from hub.testing import StandardPluginTests


class TestStandard(StandardPluginTests):
    plugin = "intercom"
    small_pages = {"page_size": 1}
