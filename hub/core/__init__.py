"""What every plugin and flow shares: hookspecs, domain models, settings, HTTP, state store."""
