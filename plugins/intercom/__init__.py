"""The Intercom plugin."""
