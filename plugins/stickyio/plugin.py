"""Stickyio hook implementations."""

from hub.core.plugin import Kind, Plugin
from plugins.stickyio.settings import StickyioSettings


class StickyioPlugin(Plugin):
    name = "stickyio"
    kinds = (Kind.COMMERCE,)
    capabilities = frozenset()
    settings_model = StickyioSettings
    description = "Stickyio (hooks arrive with the plugin issue)"
