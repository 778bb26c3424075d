"""Auth styles: how a platform client proves who it is, and which of its values are secrets.

In the spirit of singer-sdk's authenticators (bearer token, API key, HTTP Basic), each style is
an ``httpx.Auth`` that a client hands to ``PlatformClient(auth=...)``. The plugin declares the
style and its names (``ApiKeyHeader("X-Acme-Key", key)``); the core only knows the shapes:

- ``BearerToken``: ``Authorization: Bearer <token>``;
- ``ApiKeyHeader``: the key in a header the platform names;
- ``BasicAuth``: ``Authorization: Basic base64(user:password)``;
- ``CredentialParams``: credentials as request parameters, in the query string or a form body.

A style knows what it sends that must never be shown: building one registers its secret values
(in every encoding, Basic pairs included) and the header or parameter names that carry them with
the redactor (``hub.core.redact``), so logs, error bodies echoed by a server and stored errors
mask them whichever way the client was built (configuration, sandbox, a test or a script).

``credential_fields`` finds the names of a settings model's ``SecretStr`` fields, so a settings
dictionary printed before any configuration was read (a hook trace) is masked by name too.
"""

from __future__ import annotations

import base64
import types
import typing
from collections.abc import Generator, Iterable, Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

import httpx
from pydantic import BaseModel, SecretStr

from hub.core import redact

Secret = str | SecretStr
"""A credential as given: plain text, or a pydantic ``SecretStr`` straight from settings."""


def reveal(value: Secret) -> str:
    """The text of a credential, unwrapped from ``SecretStr`` when it is one."""
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class AuthStyle(httpx.Auth):
    """Base of every auth style: an ``httpx.Auth`` that knows its secrets.

    ``secrets`` are the values never to show, ``users`` the plain values Basic auth pairs with
    them (``base64(user:secret)`` holds neither in a form the redactor would find), ``names`` the
    header or parameter names whose values are credentials. All three are registered with the
    redactor when the style is built; ``repr`` shows only the names.
    """

    def __init__(
        self, *, secrets: Iterable[str], users: Iterable[str] = (), names: Iterable[str] = ()
    ) -> None:
        self.secrets: tuple[str, ...] = tuple(secret for secret in secrets if secret)
        self.users: tuple[str, ...] = tuple(user for user in users if user)
        self.names: frozenset[str] = frozenset(names)
        redact.register(self.secrets, self.users)
        redact.register_names(self.names)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self.apply(request)

    def apply(self, request: httpx.Request) -> httpx.Request:
        """``request`` carrying the credentials (the same object, or a rebuilt one)."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """The headers this style adds to every request (``{}`` when it adds none)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(names={sorted(self.names)})"


class _HeaderStyle(AuthStyle):
    """A style whose credentials are whole headers."""

    def apply(self, request: httpx.Request) -> httpx.Request:
        request.headers.update(self.headers())
        return request


class BearerToken(_HeaderStyle):
    """``Authorization: Bearer <token>`` (OAuth access tokens, personal app tokens)."""

    def __init__(self, token: Secret) -> None:
        self._token = reveal(token)
        super().__init__(secrets=[self._token], names=["authorization"])

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}


class ApiKeyHeader(_HeaderStyle):
    """An API key in a header the platform names (``header`` as the platform spells it)."""

    def __init__(self, header: str, key: Secret) -> None:
        if not header:
            raise ValueError("an API key header needs a name")
        self.header, self._key = header, reveal(key)
        super().__init__(secrets=[self._key], names=[header])

    def headers(self) -> dict[str, str]:
        return {self.header: self._key}


class BasicAuth(_HeaderStyle):
    """HTTP Basic: ``Authorization: Basic base64(username:password)`` (RFC 7617, UTF-8).

    ``username_is_secret``: some platforms hand out the user name as a credential too (an API
    id issued with its token); it is then masked as well as paired.
    """

    def __init__(self, username: Secret, password: Secret, *, username_is_secret: bool = False) -> None:
        user, self._password = reveal(username), reveal(password)
        pair = f"{user}:{self._password}".encode()
        self._header = "Basic " + base64.b64encode(pair).decode("ascii")
        secrets = [self._password, user] if username_is_secret else [self._password]
        super().__init__(secrets=secrets, users=[user], names=["authorization"])

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header}


class CredentialParams(AuthStyle):
    """Credentials sent as request parameters, added after the caller's own.

    ``location``: ``"query"`` appends them to the query string of every request; ``"form"``
    adds them to an ``application/x-www-form-urlencoded`` body (a request without a body gets
    one). ``public`` names parameters that identify without being secret (an account id):
    they are sent but not masked.
    """

    def __init__(
        self,
        params: Mapping[str, Secret],
        *,
        location: Literal["query", "form"] = "query",
        public: Iterable[str] = (),
    ) -> None:
        if location not in ("query", "form"):
            raise ValueError(f"credentials go in the query or a form body, not {location!r}")
        self.location = location
        self._params = {name: reveal(value) for name, value in params.items()}
        shown = set(public)
        hidden = {name: value for name, value in self._params.items() if name not in shown}
        # The form body must be read before the flow can add to it.
        self.requires_request_body = location == "form"
        super().__init__(
            secrets=hidden.values(),
            users=[value for name, value in self._params.items() if name in shown],
            names=hidden,
        )

    def apply(self, request: httpx.Request) -> httpx.Request:
        if self.location == "query":
            request.url = request.url.copy_merge_params(self._params)
            return request
        return self._with_form_fields(request)

    def _with_form_fields(self, request: httpx.Request) -> httpx.Request:
        kind = request.headers.get("content-type", "")
        if request.content and not kind.startswith("application/x-www-form-urlencoded"):
            raise ValueError(
                f"credentials go in a form body, but the request's body is {kind or 'not a form'}"
            )
        fields = [
            (k, v)
            for k, v in parse_qsl(request.content.decode(), keep_blank_values=True)
            if k not in self._params
        ]
        body = urlencode([*fields, *self._params.items()]).encode()
        headers = httpx.Headers(request.headers)
        headers.pop("content-length", None)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return httpx.Request(
            request.method, request.url, headers=headers, content=body, extensions=request.extensions
        )


# --------------------------------------------------------------------------- settings models


def credential_fields(model: type[BaseModel]) -> set[str]:
    """Names of every ``SecretStr`` field of ``model`` and of the models nested in it.

    Nested models are found through the annotations (``dict[str, StoreSettings]``,
    ``SecretStr | None``), so a multi-store plugin's per-store credentials are included.
    """
    return _fields_of(model, set())


def _fields_of(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, field in model.model_fields.items():
        if _holds_secret(field.annotation, seen, names):
            names.add(name)
    return names


def _holds_secret(annotation: Any, seen: set[type[BaseModel]], names: set[str]) -> bool:
    """True when ``annotation`` is (or may be) a ``SecretStr``; nested models add to ``names``."""
    if isinstance(annotation, type) and issubclass(annotation, SecretStr):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        names |= _fields_of(annotation, seen)
        return False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any([_holds_secret(arg, seen, names) for arg in typing.get_args(annotation)])
    for arg in typing.get_args(annotation):  # dict[str, Model], list[Model]: the items' fields
        _holds_secret(arg, seen, names)
    return False


def register_credential_fields(model: type[BaseModel]) -> None:
    """Mask, by name, the values of ``model``'s secret fields wherever they are printed."""
    redact.register_names(credential_fields(model))
