"""Settings of the Ultracart plugin: the ``[plugins.ultracart]`` section."""

from hub.core.plugin import PluginSettings


class UltracartSettings(PluginSettings):
    """Filled in by the Ultracart plugin issue."""
