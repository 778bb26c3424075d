"""The hub's error classes.

Two families matter to the retry policy and to flows: ``RetriableError`` (429, 5xx, timeouts,
dropped connections: worth another try) and ``FatalError`` (anything else a platform refuses, or
data that cannot be used: retrying would fail the same way).
"""

from __future__ import annotations

from datetime import datetime

from hub.core.redact import redact


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
        # Error text travels into logs, the ledger, run errors and ticket notes: never a credential.
        super().__init__(redact(f"{platform}{where}{what}: {message}"))


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
    """A platform record cannot become a domain model: platform, record kind, record id, field, reason.

    ``field`` is a dotted path into the platform's JSON (``customer.address.zip``,
    ``line_items[2].price``). List hooks put a ``MappingError`` in place of a record they
    cannot map (see ``hub.core.mapping.map_records``), with ``payload`` (the raw record) and
    ``at`` (its place in the page order, when readable), so the flow parks that one record and
    the page goes on. The message is built when shown, as context is filled in on the way up.
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
        at: datetime | None = None,
    ) -> None:
        self.platform, self.record, self.field, self.reason = platform, record, field, reason
        self.payload, self.record_id, self.at = payload, record_id, at
        super().__init__(platform, record, field, reason)

    def __str__(self) -> str:
        who = f" {self.record_id}" if self.record_id else ""
        return f"{self.platform} {self.record}{who}: field {self.field!r}: {self.reason}"

    @property
    def key(self) -> str:
        """The dead-letter record name: ``call:<platform>:123`` (``?`` when the id is unreadable)."""
        return f"{self.record}:{self.platform}:{self.record_id or '?'}"

    def within(self, platform: str, record: str, record_id: str | None) -> MappingError:
        """This error as one about the ``record`` being mapped (blanks filled in).

        An error about another kind of record met inside this one (a refund inside an order)
        becomes this record's error, the inner record named at the front of the reason: the
        dead-letter entry must name what the page holds.
        """
        if self.record and self.record != record:
            inner = f"{self.record} {self.record_id}" if self.record_id else self.record
            reason = f"{inner}: {self.reason}"
            return MappingError(self.platform or platform, record, self.field, reason, record_id=record_id)
        self.platform = self.platform or platform
        self.record = record
        self.record_id = self.record_id or record_id
        return self

    def parked_as(self, *, payload: object, at: datetime | None) -> MappingError:
        """This error carrying the raw record and its place in the page order, for the flow."""
        self.payload, self.at = payload, at
        return self


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


class ServiceUnavailable(HubError):
    """A service the hub itself depends on (its database, Redis) cannot be reached.

    Not a platform's answer: flows never park a record for it, the run fails with one line
    naming the service, cursors stay, and the next run catches up.
    """

    def __init__(self, service: str, reason: str) -> None:
        self.service = service
        super().__init__(f"{service} unreachable ({' '.join(reason.split())[:200]})")


def __getattr__(name: str) -> object:
    """``mapping_guard`` moved to ``hub.core.mapping``; imports from here keep working."""
    if name == "mapping_guard":
        from hub.core.mapping import mapping_guard

        return mapping_guard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
