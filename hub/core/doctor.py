"""Live checks of each enabled plugin (``hub doctor``): credentials, permissions, clock.

Every plugin answers ``hub_check`` for itself with ``Check`` rows: one cheap authenticated call
per account (or store), what the platform says about the permissions the hub's flows need, and
the clock skew read from the answer's ``Date`` header. ``probe`` turns one call into those rows,
so a plugin only says which call and how to fix what it refuses. Nothing here names a platform.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from hub.core.errors import AuthError, PlatformError, RetriableError
from hub.core.setup import SetupAction, SetupItem

T = TypeVar("T")

SKEW_TOLERANCE = 60.0
"""Seconds of clock difference with a platform before it is reported: signatures and replay
windows (webhooks, the inbox app) and "updated since" cursors compare the hub's clock with it."""


class CheckStatus(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


class Check(BaseModel):
    """One row of ``hub doctor``: what was checked on which account, the answer, the fix."""

    model_config = ConfigDict(frozen=True)

    plugin: str
    target: str = ""
    """The account or store checked (``paleohacks``); empty for the plugin's one account."""
    check: str
    """``credentials``, ``permissions``, ``clock``, ``setup`` ..."""
    status: CheckStatus
    detail: str = ""
    fix: str = ""


def clock_skew(date_header: str | None, *, now: float | None = None) -> float | None:
    """Seconds the platform's clock is ahead of ours (negative: behind), from an HTTP ``Date``.

    ``None`` when the answer carried no readable ``Date``. The header drops the fraction of its
    second, so half a second is added back (the middle of the second it names): a skew under a
    second or two is noise either way.
    """
    if not date_header:
        return None
    try:
        sent = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    return sent.timestamp() + 0.5 - (time.time() if now is None else now)


def clock_check(plugin: str, target: str, date_header: str | None) -> Check:
    """The ``clock`` row for one answer's ``Date`` header."""
    skew = clock_skew(date_header)
    if skew is None:
        return Check(
            plugin=plugin,
            target=target,
            check="clock",
            status=CheckStatus.WARN,
            detail="the answer carried no Date header: skew unknown",
        )
    # Date has one-second precision and a server may cache it for its second: under 2 s is noise.
    detail = "in step (within 2s)" if abs(skew) < 2 else f"skew {round(skew):+d}s"
    if abs(skew) <= SKEW_TOLERANCE:
        return Check(plugin=plugin, target=target, check="clock", status=CheckStatus.OK, detail=detail)
    return Check(
        plugin=plugin,
        target=target,
        check="clock",
        status=CheckStatus.FAIL,
        detail=f"{detail} (more than {SKEW_TOLERANCE:.0f}s)",
        fix="sync this machine's clock (NTP: timedatectl set-ntp true); signatures and cursors compare times",
    )


async def probe(
    plugin: str,
    target: str,
    call: Callable[[], Awaitable[T]],
    *,
    auth_fix: str,
    date: Callable[[], str | None],
    describe: Callable[[T], str] = lambda _: "",
) -> tuple[list[Check], T | None]:
    """Make one authenticated call and turn its answer into ``credentials`` and ``clock`` rows.

    ``auth_fix`` is what to do when the platform refuses the credentials (where the token comes
    from, which setting holds it); ``date`` reads the ``Date`` header of the answer just
    received; ``describe`` names what the answer shows (the account, the shop). Returns the rows
    and the answer (``None`` when the call failed). Never raises for a platform's answer.
    """
    try:
        answer = await call()
    except AuthError as refused:
        row = _failed(plugin, target, "credentials", refused, auth_fix)
        return [row], None
    except RetriableError as down:
        fix = "check the base URL and the network; try again (the platform may be down)"
        return [_failed(plugin, target, "credentials", down, fix)], None
    except PlatformError as refused:
        fix = "check the settings this call uses (base URL, account id, API version)"
        return [_failed(plugin, target, "credentials", refused, fix)], None
    detail = describe(answer)
    rows = [
        Check(plugin=plugin, target=target, check="credentials", status=CheckStatus.OK, detail=detail),
        clock_check(plugin, target, date()),
    ]
    return rows, answer


def _failed(plugin: str, target: str, check: str, error: Any, fix: str) -> Check:
    return Check(
        plugin=plugin, target=target, check=check, status=CheckStatus.FAIL, detail=str(error), fix=fix
    )


def permissions_note(plugin: str, target: str, needed: str) -> Check:
    """A ``permissions`` row for a platform that does not report them: what the hub needs."""
    return Check(
        plugin=plugin,
        target=target,
        check="permissions",
        status=CheckStatus.OK,
        detail=f"not reported by the platform; the flows need {needed}",
    )


def setup_checks(items: list[SetupItem]) -> list[Check]:
    """The ``setup`` rows of a setup plan, per helpdesk: what differs (one row each, with its
    fix), what is missing (one row: run ``hub setup``), or that everything the flows need is there."""
    rows: list[Check] = []
    for platform in sorted({item.platform for item in items}):
        mine = [item for item in items if item.platform == platform]
        for item in mine:
            if item.action is SetupAction.DIFFERS:
                detail = f"{item.kind} {item.name!r}: {item.detail}"
                rows.append(
                    Check(
                        plugin=platform, check="setup", status=CheckStatus.FAIL, detail=detail, fix=item.fix
                    )
                )
        pending = [item for item in mine if item.pending]
        if pending:
            rows.append(
                Check(
                    plugin=platform,
                    check="setup",
                    status=CheckStatus.FAIL,
                    detail=f"missing for the flows: {_counted(pending)}",
                    fix="hub setup (hub setup --dry-run lists each)",
                )
            )
        elif not any(item.action is SetupAction.DIFFERS for item in mine):
            detail = f"everything the flows need is there ({_counted(mine)})"
            rows.append(Check(plugin=platform, check="setup", status=CheckStatus.OK, detail=detail))
    return rows


def _counted(items: list[SetupItem]) -> str:
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    return ", ".join(f"{count} {kind}{'s' if count > 1 else ''}" for kind, count in kinds.items())
