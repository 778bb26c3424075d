"""Console password hashes: scrypt from the standard library, with a random salt per hash.

Format (one line, safe in TOML): ``scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>``. The cost
parameters travel with the hash, so raising them later leaves the old hashes readable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from hub.core.config import PASSWORD_HASH_SCHEME

N, R, P = 2**17, 8, 1
"""OWASP's minimum for scrypt: 128 MiB and about a third of a second per hash on one core."""
SALT_BYTES, KEY_BYTES = 16, 32
MAX_MEMORY = 1024 * 1024 * 1024
"""The most one verification may take (``128 * r * n`` bytes); a hash asking for more is refused."""


class BadHash(ValueError):
    """The configured value is not a hash this module made."""


@dataclass(frozen=True)
class Scrypt:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """A new hash of ``password`` with a fresh salt (two calls never give the same string)."""
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, n, r, p, KEY_BYTES)
    return "$".join([PASSWORD_HASH_SCHEME, str(n), str(r), str(p), _b64(salt), _b64(key)])


def parse_hash(text: str) -> Scrypt:
    """The parameters of a hash; ``BadHash`` naming what is wrong (never echoing the value)."""
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != PASSWORD_HASH_SCHEME:
        raise BadHash("not a password hash: make one with `hub console hash-password`")
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        raise BadHash("password hash damaged: make a new one with `hub console hash-password`") from None
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or 128 * r * n * p > MAX_MEMORY or not salt or not key:
        raise BadHash("password hash with impossible parameters: make a new one")
    return Scrypt(n, r, p, salt, key)


def verify_password(password: str, stored: Scrypt) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time comparison)."""
    key = _derive(password, stored.salt, stored.n, stored.r, stored.p, len(stored.key))
    return hmac.compare_digest(key, stored.key)


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * n * p + 1024 * 1024
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
