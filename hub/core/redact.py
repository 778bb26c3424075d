"""The one redactor: every string that leaves the process or is stored passes through ``redact``.

It knows three kinds of credential:

- **secrets**, registered when a configuration is validated and when a client's auth style is
  built (``register``): each in every encoding it travels in: plain, base64 (padded or not,
  standard and URL-safe), URL-encoded, and HTTP Basic ``base64(user:secret)`` for every
  user-like value of the same plugin (an API id with its token, a user name with its password);
- **credential shapes**, known or not: ``Authorization:`` header values, ``Basic``/``Bearer``
  tokens, credentials in query strings or forms (``password=``, ``api_key=``, ...), and
  secret-named fields in JSON or Python reprs (``"access_token": "..."``), so a server echoing
  a header back, or a trace printing a settings dict before any configuration was read, still
  shows ``***``;
- **credential names** registered by the plugins (``register_names``): the header and parameter
  names of their auth styles (``hub.core.auth``) and the names of their settings' ``SecretStr``
  fields. The core itself knows only the generic words; which header or parameter a platform
  reads its key from is the plugin's knowledge.

Choke points that call it: the log formatter (``hub.core.logs``), ``PlatformError`` and the
HTTP layer's error bodies (``hub.core.errors``, ``hub.core.http``), the store's error, reason
and outcome writes, the back-office note writer, pluggy's trace writer and the CLI's consoles.
Registration is process-wide and only grows: a secret seen once stays masked.
"""

from __future__ import annotations

import base64
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_CHARS = 4
"""Shorter values are not registered: masking every ``abc`` would mangle ordinary text."""

_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "api[_-]?key",
    "apikey",
    "private[_-]?key",
    "credential",
)
"""Words that make any field, parameter or header name a credential's, on every platform."""


def _compile(names: Iterable[str]) -> list[tuple[re.Pattern[str], str]]:
    """The shape patterns for the generic words plus the registered ``names`` (escaped)."""
    words = "(?:" + "|".join([*_SECRET_WORDS, *(re.escape(name) for name in sorted(names))]) + ")"
    patterns = [
        # Authorization: Basic dXNlcjpwYXNz / "authorization": "Bearer abc" / authorization=...
        (re.compile(r"(?i)\b((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)[^\r\n'\",}]+"), r"\1" + MASK),
        # A Basic/Bearer token anywhere (echoed by an error page, cut by truncation): tokens have
        # a digit or a symbol, which keeps "Basic information" readable.
        (
            re.compile(r"(?i)\b(basic|bearer)(\s+)(?=[A-Za-z0-9+/=._~-]*[0-9+/=._~-])[A-Za-z0-9+/=._~-]{8,}"),
            r"\1\2" + MASK,
        ),
        # ?api_key=... &password=... in URLs, forms and log lines.
        (
            re.compile(
                rf"(?i)((?:^|[?&;\s\"'(,])(?:[a-z0-9_-]*{words}[a-z0-9_-]*|key|sig|signature)=)[^&\s'\"#;,)]+"
            ),
            r"\1" + MASK,
        ),
        # token='...' / api_token="..." in Python reprs of dataclasses and keyword arguments.
        (
            re.compile(rf"(?i)(\b[a-z0-9_]*{words}[a-z0-9_]*=)(['\"])(?:(?!\2)[^\\]|\\.)*\2"),
            r"\1\2" + MASK + r"\2",
        ),
        # "password": "..." / 'access_token': '...' in JSON bodies and Python reprs.
        (
            re.compile(rf"(?i)(['\"][a-z0-9_-]*{words}[a-z0-9_-]*['\"]\s*:\s*)(['\"])(?:(?!\2)[^\\]|\\.)*\2"),
            r"\1\2" + MASK + r"\2",
        ),
    ]
    if names:
        # X-Acme-Key: abc in a header dump: registered names only (a generic word such as
        # "token: " in prose is not a header).
        alternation = "|".join(re.escape(name) for name in sorted(names))
        patterns.append(
            (re.compile(rf"(?i)(?<![\w-])((?:{alternation})\s*:\s*)(?!['\"])[^\r\n'\",}}]+"), r"\1" + MASK)
        )
    return patterns


_lock = threading.Lock()
_needles: list[str] = []
"""Every registered encoding of every secret, longest first (a longer one may hold a shorter)."""
_names: set[str] = set()
"""Credential names registered by plugins (auth styles, secret settings fields), lower-cased."""
_PATTERNS = _compile(_names)
_GENERIC_NAME = re.compile("(?:" + "|".join(_SECRET_WORDS) + "|authorization)")


def encodings(secret: str, users: Iterable[str] = ()) -> set[str]:
    """The forms ``secret`` may travel in: plain, base64, URL-encoded, Basic pairs with ``users``."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    for raw in [secret, *(f"{user}:{secret}" for user in users if user)]:
        encoded = raw.encode()
        for coded in (base64.b64encode(encoded), base64.urlsafe_b64encode(encoded)):
            forms.add(coded.decode().rstrip("="))
    return {form for form in forms if len(form) >= MIN_SECRET_CHARS}


def register(secrets: Iterable[str], users: Iterable[str] = ()) -> None:
    """Mask ``secrets`` from now on, in every encoding, and as Basic pairs with each of ``users``.

    ``users`` are the other text values of the same plugin's settings (an API id, a login):
    Basic auth sends ``base64(user:secret)``, which contains neither in plain or base64 form.
    """
    wanted = [secret for secret in secrets if secret and len(secret) >= MIN_SECRET_CHARS]
    if not wanted:
        return
    pair_users = [user for user in {*users, *wanted} if user and len(user) <= 200]
    found: set[str] = set()
    for secret in wanted:
        found |= encodings(secret, pair_users)
    with _lock:
        merged = found | set(_needles)
        _needles[:] = sorted(merged, key=len, reverse=True)


def register_names(names: Iterable[str]) -> None:
    """Treat ``names`` (header, parameter or field names) as credential names from now on.

    Their values are masked in ``name=value``, ``name='value'``, ``"name": "value"`` and
    ``Name: value`` forms, like those of the generic words (``password``, ``api_key``...).
    """
    global _PATTERNS
    wanted = {name.lower() for name in names if name and not is_secret_name(name)}
    if not wanted:
        return
    with _lock:
        _names.update(wanted)
        _PATTERNS = _compile(_names)


def is_secret_name(name: str) -> bool:
    """True when a value under ``name`` is a credential: a generic word or a registered name."""
    lowered = name.lower()
    return lowered in _names or _GENERIC_NAME.search(lowered) is not None


def registered() -> int:
    """How many encoded forms are masked (for tests and ``hub config check``)."""
    return len(_needles)


def redact(text: str) -> str:
    """``text`` with every registered secret and every credential shape replaced by ``***``."""
    if not text:
        return text
    for needle in _needles:
        if needle in text:
            text = text.replace(needle, MASK)
    if _shapeless(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _shapeless(text: str) -> bool:
    """True when no credential shape can be in ``text``, so the patterns need not run.

    Every shape but one needs ``=`` or ``:`` (``name=value``, ``"name": "value"``, ``Header:``);
    the one that does not is a ``Basic``/``Bearer`` token. Most strings the hub stores (names,
    amounts, ids, emails) have none of these, and running the patterns on each was most of the
    cost of recording an action's outcome (``tests/core/test_redact.py`` checks the shortcut
    against the patterns).
    """
    if "=" in text or ":" in text or not text.isascii():  # (?i) also folds a few non-ASCII letters
        return False
    lowered = text.lower()
    return "basic" not in lowered and "bearer" not in lowered


def redact_value(value: Any) -> Any:
    """``value`` with every string inside (dict keys and values, list items) redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(key): redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)


def trace_writer(text: str) -> None:
    """pluggy's trace writer (``HUB_TRACE_PLUGINS=1``): hook calls and results, redacted."""
    print(redact(text))


class RedactingStream:
    """A text stream that writes through ``redact``; the target is looked up on every write, so
    a test runner swapping ``sys.stdout`` still sees the output (the CLI's rich consoles)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def target(self) -> TextIO:
        stream: TextIO = getattr(sys, self.name)
        return stream

    def write(self, text: str) -> int:
        self.target.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.target, "encoding", "utf-8") or "utf-8"
