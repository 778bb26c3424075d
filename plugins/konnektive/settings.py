"""Settings of the Konnektive plugin: the ``[plugins.konnektive]`` section."""

from hub.core.plugin import PluginSettings


class KonnektiveSettings(PluginSettings):
    """Filled in by the Konnektive plugin issue."""
