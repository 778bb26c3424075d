"""The Aircall plugin."""
