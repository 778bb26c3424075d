"""The Konnektive plugin."""
