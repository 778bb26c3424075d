"""Konnektive hook implementations."""

from hub.core.plugin import Kind, Plugin
from plugins.konnektive.settings import KonnektiveSettings


class KonnektivePlugin(Plugin):
    name = "konnektive"
    kinds = (Kind.COMMERCE,)
    capabilities = frozenset()
    settings_model = KonnektiveSettings
    description = "Konnektive (hooks arrive with the plugin issue)"
