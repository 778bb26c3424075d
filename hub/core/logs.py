"""Logging set-up with secret redaction.

Every secret in the configuration is registered here; the formatter replaces any occurrence in
the final log line (message, arguments and tracebacks alike) with ``***``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_secrets: set[str] = set()
# Credentials that may appear without having been configured (e.g. echoed back by a server).
_PATTERNS = [
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[^\s'\",}]+"),
    re.compile(r"(?i)((?:password|loginId|token|secret)=)[^&\s'\"]+"),
]


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so that no log line ever shows them."""
    _secrets.update(v for v in values if v and len(v) >= 4)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


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
