"""The Stickyio plugin."""
