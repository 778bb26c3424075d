"""Custom checkout: checkout links on the team's own cart, driven by configuration."""
