"""Test kit for plugins: the standard tests every plugin runs against its own emulator.

``StandardPluginTests`` is the suite (subclass it as ``Test...``); ``hub.testing.checks`` holds
the checks as plain functions and ``hub.sandbox.emulator`` the httpx transports they use.
"""

from hub.testing.standard import Emulator, Reads, StandardPluginTests

__all__ = ["Emulator", "Reads", "StandardPluginTests"]
