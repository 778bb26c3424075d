"""Ultracart hook implementations."""

from hub.core.plugin import Kind, Plugin
from plugins.ultracart.settings import UltracartSettings


class UltracartPlugin(Plugin):
    name = "ultracart"
    kinds = (Kind.COMMERCE,)
    capabilities = frozenset()
    settings_model = UltracartSettings
    description = "Ultracart (hooks arrive with the plugin issue)"
