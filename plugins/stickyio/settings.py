"""Settings of the Stickyio plugin: the ``[plugins.stickyio]`` section."""

from hub.core.plugin import PluginSettings


class StickyioSettings(PluginSettings):
    """Filled in by the Stickyio plugin issue."""
