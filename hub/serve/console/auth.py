"""Who is using the console, and whether a form really comes from it.

- **Login**: the admin password or the read-only one, each checked against its scrypt hash
  (``passwords``), at most ``MAX_FAILURES`` wrong tries per client a minute; or the user an
  authenticating proxy names in ``proxy_user_header``, believed only from ``proxy_trusted_ips``.
- **Sessions**: a cookie signed by starlette's ``SessionMiddleware`` (itsdangerous, HMAC),
  scoped to the console's path, HttpOnly, SameSite=Lax, expiring ``session_minutes`` after
  login. It holds the role, a fingerprint of the configured hashes (a changed password ends
  every session made with the old one) and the CSRF token; never a secret.
- **Cross-site forms**: every POST must carry the session's CSRF token, and come from the
  console's own origin (``Origin``, else ``Referer``; a missing or ``null`` one is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.requests import Request

from hub.core.config import ConsoleSection
from hub.core.errors import ConfigError
from hub.serve.console.passwords import BadHash, Scrypt, parse_hash, verify_password

log = logging.getLogger("hub.serve.console")

ADMIN = "admin"
READ_ONLY = "read-only"
MAX_FAILURES = 5
"""Wrong passwords a client may send per ``FAILURE_WINDOW`` seconds before it must wait."""
FAILURE_WINDOW = 60.0
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class User:
    """Who is logged in: a name (``admin``, ``read-only`` or the proxy's user) and a role."""

    name: str
    role: str
    via: str
    """``password`` or ``proxy``."""

    @property
    def can_change(self) -> bool:
        """Whether this user may retry and drop (the read-only role may only view)."""
        return self.role == ADMIN


class Throttle:
    """Counts wrong passwords per client over a sliding window (in memory, per process)."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, client: str) -> bool:
        return len(self._recent(client)) >= self.limit

    def failed(self, client: str) -> None:
        self._recent(client)
        self._failures.setdefault(client, deque()).append(time.monotonic())

    def _recent(self, client: str) -> deque[float]:
        recent = self._failures.get(client, deque())
        while recent and time.monotonic() - recent[0] > self.window:
            recent.popleft()
        if not recent:  # forget quiet clients: the table holds only the last minute's
            self._failures.pop(client, None)
        return recent


class ConsoleAuth:
    """The console's login, sessions and form checks, from the ``[console]`` section."""

    def __init__(self, settings: ConsoleSection) -> None:
        self.settings = settings
        self.passwords: list[tuple[str, Scrypt]] = [
            (role, _parsed(key, value))
            for role, key, value in (
                (ADMIN, "password_hash", settings.password_hash),
                (READ_ONLY, "read_only_password_hash", settings.read_only_password_hash),
            )
            if value
        ]
        configured = settings.session_secret.get_secret_value() if settings.session_secret else None
        self.session_secret = configured or secrets.token_urlsafe(32)
        hashes = "\n".join(
            value for value in (settings.password_hash, settings.read_only_password_hash) if value
        )
        self.fingerprint = hashlib.sha256(hashes.encode()).hexdigest()[:16]
        self.throttle = Throttle()
        self._limiter: anyio.CapacityLimiter | None = None

    # ---- who is there

    def user(self, request: Request) -> User | None:
        """The logged-in user of this request, or None."""
        proxied = self.proxy_user(request)
        if proxied is not None:
            return proxied
        session = request.session
        role = session.get("role")
        if role in (ADMIN, READ_ONLY) and session.get("fp") == self.fingerprint:
            return User(str(session.get("user") or role), role, "password")
        return None

    def proxy_user(self, request: Request) -> User | None:
        """The user the trusted proxy names, when a proxy header is configured and the request
        came from the proxy itself (anyone else could set the header)."""
        header = self.settings.proxy_user_header
        if not header:
            return None
        name = request.headers.get(header, "").strip()
        if not name:
            return None
        peer = request.client.host if request.client else ""
        if peer not in self.settings.proxy_trusted_ips:
            log.warning("console: %s header from %s ignored (not in proxy_trusted_ips)", header, peer)
            return None
        role = ADMIN if name in self.settings.proxy_admins else READ_ONLY
        return User(name, role, "proxy")

    @property
    def takes_passwords(self) -> bool:
        return bool(self.passwords)

    async def check_password(self, password: str) -> str | None:
        """The role ``password`` opens, or None. Every configured hash is tried (the time taken
        says nothing about which one matched); two checks at most run at once (each takes
        128 MiB and a third of a second), in worker threads."""
        if not password:
            return None
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(2)
        found = None
        for role, stored in self.passwords:
            matched = await anyio.to_thread.run_sync(verify_password, password, stored, limiter=self._limiter)
            if matched and found is None:
                found = role
        return found

    def log_in(self, request: Request, role: str) -> None:
        """Start a fresh session for ``role`` (nothing of the session before it is kept)."""
        request.session.clear()
        request.session.update(
            {"role": role, "user": role, "fp": self.fingerprint, CSRF_FIELD: secrets.token_urlsafe(32)}
        )

    @staticmethod
    def log_out(request: Request) -> None:
        request.session.clear()

    # ---- forms

    @staticmethod
    def csrf_token(request: Request) -> str:
        """This session's token for forms (made on first use)."""
        token = request.session.get(CSRF_FIELD)
        if not token:
            token = secrets.token_urlsafe(32)
            request.session[CSRF_FIELD] = token
        return str(token)

    def form_refusal(self, request: Request, form: Any) -> str | None:
        """Why a POST must be refused as cross-site (None when it is the console's own form)."""
        if not self.same_origin(request):
            return "the form did not come from this console (Origin)"
        expected = request.session.get(CSRF_FIELD)
        sent = form.get(CSRF_FIELD)
        if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, str(expected)):
            return "the form's CSRF token is missing or wrong: reload the page"
        return None

    def same_origin(self, request: Request) -> bool:
        """Whether the request's ``Origin`` (or, without one, ``Referer``) is the console's host
        or one of ``trusted_origins``. Neither, or ``null``: refused (browsers send one)."""
        origin = request.headers.get("origin") or request.headers.get("referer")
        if not origin or origin == "null":
            return False
        parts = urlsplit(origin)
        if f"{parts.scheme}://{parts.netloc}" in self.settings.trusted_origins:
            return True
        return bool(parts.netloc) and parts.netloc == request.headers.get("host")


def client_of(request: Request) -> str:
    """The address wrong passwords are counted against."""
    return request.client.host if request.client else "unknown"


def _parsed(key: str, value: str) -> Scrypt:
    try:
        return parse_hash(value)
    except BadHash as exc:
        raise ConfigError("console", f"console.{key}", str(exc)) from None
