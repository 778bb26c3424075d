"""Holding HTTP traffic to a platform's published OpenAPI description (test tooling only).

Two uses, both through openapi-core:

- ``SpecCheckedTransport`` wraps the httpx transport a plugin's client is given in its tests and
  checks every request the client sends against the description, so a client that drifts from
  the platform's API fails a test. It records problems instead of raising, because a plugin may
  retry or swallow a transport error; the test asserts ``problems == []`` at the end.
- ``request_problems`` and ``response_problems`` check one exchange, for contract tests that
  send requests to an emulator and hold its answers to the description.

Nothing here is imported by the hub at run time (``tests/core/test_imports.py``); openapi-core
comes with the ``test`` extra.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

Skip = Callable[[httpx.Request], str | None]
"""Why a request is not checked (an operation newer than the description), or None to check it."""


@functools.cache
def load_description(
    path: Path, format_validators: tuple[tuple[str, Callable[[Any], bool]], ...] = ()
) -> OpenAPI:
    """The description at ``path`` (YAML or JSON), loaded once per process.

    The description's own validity is not checked: vendors' files often fail
    openapi-spec-validator on details that do not matter to the operations used.
    ``format_validators`` replaces a ``format``'s check where the vendor's schema contradicts its
    API (Intercom types 24-hex contact ids as ``uuid``), as ``(format, check)`` pairs.
    """
    config = Config(spec_validator_cls=None, extra_format_validators=dict(format_validators) or None)
    return OpenAPI.from_file_path(str(path), config=config)


@dataclass
class SpecRequest:
    """openapi-core's Request protocol over an httpx request."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str


@dataclass
class SpecResponse:
    """openapi-core's Response protocol over a status, headers and body."""

    status_code: int
    headers: Headers
    content_type: str
    data: bytes


def spec_request(request: httpx.Request, host_url: str) -> SpecRequest:
    """``request`` as openapi-core reads it, its server taken as ``host_url``."""
    url = request.url
    return SpecRequest(
        host_url=host_url,
        path=url.path,
        method=request.method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(parse_qsl(url.query.decode(), keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
        ),
        body=request.content or None,
        content_type=request.headers.get("content-type", "application/json"),
    )


def spec_response(status: int, headers: httpx.Headers, body: bytes) -> SpecResponse:
    return SpecResponse(
        status, Headers(list(headers.items())), headers.get("content-type", "application/json"), body
    )


def _messages(errors: Iterable[Exception]) -> list[str]:
    found = []
    for error in errors:
        cause = error.__cause__ or error
        details = getattr(cause, "schema_errors", None)
        if details:
            found.extend(
                f"{type(error).__name__}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in details
            )
        else:
            found.append(f"{type(error).__name__}: {cause}")
    return found


def request_problems(openapi: OpenAPI, request: httpx.Request, host_url: str) -> list[str]:
    """What is wrong with ``request`` for the description: unknown path, bad parameter or body."""
    return _messages(openapi.iter_request_errors(spec_request(request, host_url)))


def response_problems(
    openapi: OpenAPI, request: httpx.Request, status: int, headers: httpx.Headers, body: bytes, host_url: str
) -> list[str]:
    """What is wrong with an answer to ``request`` for the description (status, content, schema)."""
    return _messages(
        openapi.iter_response_errors(spec_request(request, host_url), spec_response(status, headers, body))
    )


class SpecCheckedTransport(httpx.AsyncBaseTransport):
    """Passes every request on to ``inner`` after checking it against the description.

    ``problems`` collects ``"METHOD /path: what is wrong"`` for each request that does not follow
    the description; ``skipped`` the requests ``skip`` gave a reason for, with the reason.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, openapi: OpenAPI, host_url: str, skip: Skip | None = None
    ) -> None:
        self.inner, self.openapi, self.host_url = inner, openapi, host_url
        self.skip = skip or (lambda _request: None)
        self.checked = 0
        self.problems: list[str] = []
        self.skipped: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()  # the body is checked, then sent as it was
        reason = self.skip(request)
        if reason is not None:
            self.skipped.append(f"{request.method} {request.url.path}: {reason}")
        else:
            self.checked += 1
            label = f"{request.method} {request.url.path}"
            self.problems.extend(
                f"{label}: {p}" for p in request_problems(self.openapi, request, self.host_url)
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
