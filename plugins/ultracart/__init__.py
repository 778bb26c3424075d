"""The Ultracart plugin."""
