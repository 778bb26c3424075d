"""Agent status: Intercom away mode and its reason set the agent's telephony availability.

Agents are matched by email. The reason-to-availability mapping lives in config; an agent
already in the wanted state is left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hub.core.models import Agent, AgentStatus
from hub.flows import register
from hub.flows.base import Flow, FlowOptions, RunContext


class AgentStatusOptions(FlowOptions):
    reasons: dict[str, AgentStatus] = {
        "Break/Lunch": AgentStatus.UNAVAILABLE,
        "Coaching": AgentStatus.UNAVAILABLE,
        "In a Meeting": AgentStatus.UNAVAILABLE,
    }
    """Away reason label -> telephony availability."""
    away_without_reason: AgentStatus = AgentStatus.UNAVAILABLE


@register
class AgentStatusSync(Flow):
    name = "agent_status"
    description = "Helpdesk away mode sets telephony availability"
    requires = frozenset({"helpdesk_list_agents", "telephony_list_agents", "telephony_set_availability"})
    options_model = AgentStatusOptions
    options: AgentStatusOptions

    async def run(self, ctx: RunContext) -> None:
        teammates = await ctx.hub.collect("helpdesk_list_agents")
        users = {u.email.lower(): u for u in await ctx.hub.collect("telephony_list_agents") if u.email}
        for teammate in teammates:
            ctx.count("read")
            user = users.get((teammate.email or "").lower())
            if user is None:
                ctx.count("unmatched")
                ctx.report.append(f"{teammate.name or teammate.id}: no telephony user with {teammate.email}")
                continue
            await self.align(ctx, teammate, user)
        ctx.advance(ctx.counts["read"], len(teammates))

    def wanted(self, teammate: Agent) -> tuple[AgentStatus, str | None]:
        if teammate.status is AgentStatus.AVAILABLE:
            return AgentStatus.AVAILABLE, None
        if teammate.reason is None:
            return self.options.away_without_reason, None
        return self.options.reasons.get(teammate.reason, self.options.away_without_reason), teammate.reason

    async def align(self, ctx: RunContext, teammate: Agent, user: Agent) -> None:
        status, reason = self.wanted(teammate)
        if user.status is status and (status is AgentStatus.AVAILABLE or user.reason == reason):
            ctx.count("in_step")
            return

        async def set_availability() -> dict[str, str | None]:
            await ctx.hub.first("telephony_set_availability", ref=user.ref, status=status, reason=reason)
            return {"user": user.id, "status": status.value, "reason": reason}

        # Setting availability is idempotent; the minute in the key keeps a later change back
        # to the same state from being mistaken for this one.
        minute = datetime.now(UTC).strftime("%Y%m%dT%H%M")
        await ctx.perform(
            f"agent_status:{user.platform}:{user.id}:{status.value}:{reason}:{minute}",
            platform=user.platform,
            action="set_availability",
            intent={"user": user.id, "teammate": teammate.id, "status": status.value, "reason": reason},
            do=set_availability,
        )
