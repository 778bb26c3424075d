"""The standard plugin tests (hub.testing) run against the stickyio emulator."""

from __future__ import annotations

from hub.testing import StandardPluginTests


class TestStandard(StandardPluginTests):
    plugin = "stickyio"
    small_pages = {"order_view_batch": 1}
