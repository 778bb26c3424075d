"""Aircall hook implementations."""

from hub.core.plugin import Kind, Plugin
from plugins.aircall.settings import AircallSettings


class AircallPlugin(Plugin):
    name = "aircall"
    kinds = (Kind.TELEPHONY,)
    capabilities = frozenset()
    settings_model = AircallSettings
    description = "Aircall (hooks arrive with the plugin issue)"
