"""Settings of the Intercom plugin: the ``[plugins.intercom]`` section."""

from hub.core.plugin import PluginSettings


class IntercomSettings(PluginSettings):
    """Filled in by the Intercom plugin issue."""
