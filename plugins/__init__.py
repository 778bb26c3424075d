"""Built-in platform plugins: one folder per platform, registered through entry points."""
