"""Settings of the Aircall plugin: the ``[plugins.aircall]`` section."""

from hub.core.plugin import PluginSettings


class AircallSettings(PluginSettings):
    """Filled in by the Aircall plugin issue."""
