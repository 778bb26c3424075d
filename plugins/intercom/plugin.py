"""Intercom hook implementations."""

from hub.core.plugin import Kind, Plugin
from plugins.intercom.settings import IntercomSettings


class IntercomPlugin(Plugin):
    name = "intercom"
    kinds = (Kind.HELPDESK,)
    capabilities = frozenset()
    settings_model = IntercomSettings
    description = "Intercom (hooks arrive with the plugin issue)"
