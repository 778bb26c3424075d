"""The standard plugin tests (hub.testing) run against the konnektive emulator."""

from __future__ import annotations

from hub.testing import StandardPluginTests


class TestStandard(StandardPluginTests):
    plugin = "konnektive"
    settings_overrides = {"requests_per_window": 10_000}  # the emulator, not a real account: no pacing
    small_pages = {"page_size": 1}
