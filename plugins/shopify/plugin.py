"""Shopify hook implementations."""

from hub.core.plugin import Kind, Plugin
from plugins.shopify.settings import ShopifySettings


class ShopifyPlugin(Plugin):
    name = "shopify"
    kinds = (Kind.COMMERCE,)
    capabilities = frozenset()
    settings_model = ShopifySettings
    description = "Shopify (hooks arrive with the plugin issue)"
