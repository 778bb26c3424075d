"""Settings of the Shopify plugin: the ``[plugins.shopify]`` section."""

from hub.core.plugin import PluginSettings


class ShopifySettings(PluginSettings):
    """Filled in by the Shopify plugin issue."""
