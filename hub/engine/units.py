"""Units of work: one per flow and scope, with the schedule each follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.core.config import FlowSettings
from hub.store import RunRecord

if TYPE_CHECKING:
    from hub.engine.runtime import Runtime


@dataclass(frozen=True)
class Unit:
    """One flow in one scope (a store's brand for flows that split by store, else "")."""

    flow: str
    scope: str = ""

    def __str__(self) -> str:
        return f"{self.flow}[{self.scope}]" if self.scope else self.flow

    @property
    def lease(self) -> str:
        """The lease (and fencing token) name of this unit."""
        return f"flow:{self.flow}:{self.scope}"


def units(runtime: Runtime) -> list[Unit]:
    """Every enabled flow's units, in the flows' dependency order."""
    from hub.flows import load_flows, order

    known = load_flows()
    enabled = [name for name, s in runtime.config.flows.items() if s.enabled]
    ordered = order([n for n in enabled if n in known]) + [n for n in enabled if n not in known]
    return [Unit(name, scope) for name in ordered for scope in runtime.flow(name).scopes(runtime.config)]


def trigger_for(settings: FlowSettings) -> BaseTrigger | None:
    """The APScheduler trigger of a flow's ``every`` or ``cron`` (None: run only on demand)."""
    if settings.cron:
        return CronTrigger.from_crontab(settings.cron, timezone=UTC)
    if settings.interval:
        return IntervalTrigger(seconds=settings.interval.total_seconds(), timezone=UTC)
    return None


def is_due(runtime: Runtime, unit: Unit, last: RunRecord | None, now: datetime) -> bool:
    """Due when it never ran, or its schedule fired since its last run started."""
    if last is None:
        return True
    trigger = trigger_for(runtime.config.flow(unit.flow))
    if trigger is None:
        return False
    next_fire = trigger.get_next_fire_time(None, last.started_at)
    return next_fire is not None and next_fire <= now
