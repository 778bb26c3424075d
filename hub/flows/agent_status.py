"""Agent status: Intercom away mode and its reason set the agent's telephony availability.

Agents are matched by email. The reason-to-availability mapping lives in config; an agent
already in the wanted state is left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hub.core.errors import MappingError
from hub.core.mapping import split_unreadable
from hub.core.models import Agent, AgentStatus
from hub.flows.base import Flow, FlowOptions, RunContext
from hub.store import Status


class AgentStatusOptions(FlowOptions):
    reasons: dict[str, AgentStatus] = {
        "Break/Lunch": AgentStatus.AWAY,
        "Coaching": AgentStatus.AWAY,
        "In a Meeting": AgentStatus.AWAY,
    }
    """Away reason label -> telephony availability (``away`` keeps the reason as a substatus)."""
    away_without_reason: AgentStatus = AgentStatus.UNAVAILABLE
    """Telephony availability of a teammate away with no reason (or one not listed above)."""


class AgentStatusSync(Flow):
    name = "agent_status"
    description = "Helpdesk away mode sets telephony availability"
    requires = frozenset({"helpdesk_list_agents", "telephony_list_agents", "telephony_set_availability"})
    options_model = AgentStatusOptions
    options: AgentStatusOptions

    async def run(self, ctx: RunContext) -> None:
        teammates = self._readable(ctx, await ctx.hub.helpdesk.list_agents())
        telephony = self._readable(ctx, await ctx.hub.telephony.list_agents())
        users = {u.email.lower(): u for u in telephony if u.email}
        for teammate in teammates:
            ctx.count("read")
            user = users.get((teammate.email or "").lower())
            if user is None:
                ctx.count("unmatched")
                ctx.report.append(f"{teammate.name or teammate.id}: no telephony user with {teammate.email}")
                continue
            await self.align(ctx, teammate, user)
        self.settle_interrupted(ctx)
        ctx.advance(ctx.counts["read"], len(teammates))

    def settle_interrupted(self, ctx: RunContext) -> None:
        """Close the entries a run that died mid-change left pending, once this run has aligned.

        Their keys carry the minute they were made in, so a run in a later minute never asks
        for them again (one in the same minute takes its entry up and recovers it): left alone
        they would stay pending for good. Whether the change was applied cannot be
        read back whole (the telephony platform keeps its own substatus for a reason), so each
        is closed as not confirmed, and this run aligns on what the platforms show now: setting
        an availability again is harmless, leaving a wrong one is not. A live holder's entry is
        left to it.
        """
        if ctx.dry_run:
            return
        for entry in ctx.store.ledger.entries(flow=self.name, status=Status.PENDING):
            taken = ctx.store.ledger.begin(
                entry.key,
                flow=entry.flow,
                platform=entry.platform,
                action=entry.action,
                intent=entry.intent,
                holder=ctx.holder,
                hold=ctx.hold,
                fence=ctx.fence,
            )
            if not taken.in_flight:
                why = "not confirmed before its run stopped; the next alignment decides"
                ctx.store.ledger.failed(entry.key, why, holder=ctx.holder, fence=ctx.fence)
                ctx.count("superseded")

    @staticmethod
    def _readable(ctx: RunContext, listed: list[Agent | MappingError]) -> list[Agent]:
        """The agents of a list; one that could not be mapped is parked and left alone."""
        agents, unreadable = split_unreadable(listed)
        for broken in unreadable:
            ctx.dead_letter(broken.key, broken.payload, str(broken))
        return agents

    @staticmethod
    def in_step(ctx: RunContext, user: Agent, status: AgentStatus, reason: str | None) -> bool:
        """Whether the telephony user already shows what the helpdesk asks for.

        The telephony platform keeps its own substatus for a reason (Aircall's "out_for_lunch"
        for "Break/Lunch"), so the reason is compared with the one the hub last applied.
        """
        if user.status is not status:
            return False
        if status is AgentStatus.AVAILABLE:
            return True
        last = ctx.store.ledger.latest(_key_prefix(user))
        # Only a change the platform confirmed counts: an entry a crash left pending may never
        # have been sent.
        if last is None or last.status is not Status.DONE or last.intent.get("status") != status.value:
            return user.reason == reason
        return last.intent.get("reason") == reason

    def wanted(self, teammate: Agent) -> tuple[AgentStatus, str | None]:
        if teammate.status is AgentStatus.AVAILABLE:
            return AgentStatus.AVAILABLE, None
        if teammate.reason is None:
            return self.options.away_without_reason, None
        return self.options.reasons.get(teammate.reason, self.options.away_without_reason), teammate.reason

    async def align(self, ctx: RunContext, teammate: Agent, user: Agent) -> None:
        status, reason = self.wanted(teammate)
        if self.in_step(ctx, user, status, reason):
            ctx.count("in_step")
            return

        async def set_availability() -> dict[str, str | None]:
            await ctx.hub.telephony.set_availability(ref=user.ref, status=status, reason=reason)
            return {"user": user.id, "status": status.value, "reason": reason}

        # Setting availability is idempotent; the minute in the key keeps a later change back
        # to the same state from being mistaken for this one.
        minute = datetime.now(UTC).strftime("%Y%m%dT%H%M")
        await ctx.perform(
            f"{_key_prefix(user)}{status.value}:{reason}:{minute}",
            platform=user.platform,
            action="set_availability",
            intent={"user": user.id, "teammate": teammate.id, "status": status.value, "reason": reason},
            do=set_availability,
            park=(f"agent:{user.platform}:{user.id}", user.model_dump(mode="json")),
        )


def _key_prefix(user: Agent) -> str:
    return f"agent_status:{user.platform}:{user.id}:"
