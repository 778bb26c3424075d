"""The standard plugin tests (hub.testing) run against the shopify emulator."""

from __future__ import annotations

from hub.testing import StandardPluginTests


class TestStandard(StandardPluginTests):
    plugin = "shopify"
