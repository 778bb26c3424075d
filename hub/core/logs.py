"""Logging set-up with secret redaction.

The formatter passes the final log line (message, arguments and tracebacks alike) through the
hub's one redactor (``hub.core.redact``), which knows every configured secret in every encoding
and the generic credential shapes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from hub.core.redact import redact, register

__all__ = ["RedactingFormatter", "configure_logging", "redact", "register_secrets"]


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so that no log line ever shows them (see ``hub.core.redact``)."""
    register(values)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    register_secrets(secrets)
    root = logging.getLogger()
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        root.addHandler(handler)
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
