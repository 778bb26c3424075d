"""The hub's error classes.

Two families matter to the retry policy and to flows: ``RetriableError`` (429, 5xx, timeouts,
dropped connections: worth another try) and ``FatalError`` (anything else a platform refuses, or
data that cannot be used: retrying would fail the same way).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class ConfigError(HubError):
    """A configuration file, key or value is wrong; the message names file, key and reason."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}")


class PlatformError(HubError):
    """A platform answered with an error (or not at all)."""

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        self.platform, self.status, self.code, self.field = platform, status, code, field
        where = f" {status}" if status else ""
        what = f" [{code}]" if code else ""
        super().__init__(f"{platform}{where}{what}: {message}")


class RetriableError(PlatformError):
    """Worth retrying: rate limited, server error, timeout, dropped connection."""

    def __init__(
        self, platform: str, message: str, *, retry_after: float | None = None, **kwargs: object
    ) -> None:
        super().__init__(platform, message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RateLimitedError(RetriableError):
    """The platform refused the request for exceeding its rate limit (HTTP 429 or THROTTLED)."""


class FatalError(PlatformError):
    """The platform refused the request for good (4xx other than 429, business rule, bad data)."""


class AuthError(FatalError):
    """Credentials were refused (401/403 or the platform's equivalent)."""


class NotFoundError(FatalError):
    """The record asked for does not exist on the platform."""


class MappingError(HubError):
    """A platform record cannot become a domain model; ``field`` names the culprit.

    List hooks yield a ``MappingError`` (with ``payload`` and ``record_id`` set) in place of a
    record they cannot map, so the flow parks that one record and the page goes on.
    """

    def __init__(
        self,
        platform: str,
        record: str,
        field: str,
        reason: str,
        *,
        payload: object = None,
        record_id: str | None = None,
    ) -> None:
        self.platform, self.record, self.field, self.reason = platform, record, field, reason
        self.payload, self.record_id = payload, record_id
        super().__init__(f"{platform} {record}: field {field!r}: {reason}")


Mapper = TypeVar("Mapper", bound=Callable[..., Any])


def mapping_guard(platform: str, record: str) -> Callable[[Mapper], Mapper]:
    """Make a mapper raise only ``MappingError``, whatever shape of nonsense it is handed.

    A field of the wrong type (a number where an object was expected, text for a list) would
    otherwise escape as ``AttributeError``/``TypeError`` and fail a whole page instead of
    parking one record.
    """

    def decorate(mapper: Mapper) -> Mapper:
        @functools.wraps(mapper)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return mapper(*args, **kwargs)
            except MappingError:
                raise
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "(record)"
                raise MappingError(platform, record, field, first["msg"]) from exc
            except (AttributeError, TypeError, KeyError, IndexError, ValueError, ArithmeticError) as exc:
                raise MappingError(platform, record, "(structure)", f"{type(exc).__name__}: {exc}") from exc

        return guarded  # type: ignore[return-value]

    return decorate


class CurrencyMismatch(HubError, ValueError):
    """Money of two currencies met in one sum or comparison; amounts are never converted."""


class CapabilityMissing(HubError):
    """No enabled plugin implements what was asked for the given platform."""

    def __init__(self, capability: str, platform: str | None = None) -> None:
        self.capability, self.platform = capability, platform
        target = f" for platform {platform!r}" if platform else ""
        super().__init__(f"no enabled plugin provides {capability}{target}")


class IdempotencyConflict(HubError):
    """An idempotency key was reused with different request parameters."""


class LeaseBusy(HubError):
    """Another process holds the lease for this flow."""
