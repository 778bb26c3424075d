"""The ops console: server-rendered pages at ``/console`` of ``hub serve`` (``hub.serve.console.app``).

This package's ``__init__`` imports nothing, so that ``hub console hash-password`` (the command
line, which must not load starlette) can use ``passwords`` alone.
"""
