"""The Shopify plugin."""
