"""The plugin kit's generator: ``hub plugin new NAME --kind ...`` and the hook reference."""
