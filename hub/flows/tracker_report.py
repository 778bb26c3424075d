"""Tracker report: how many customer conversations are linked to each tracker ticket, by brand.

The brand comes from the contact's CS Assist attributes (written by ``cs_assist``). The count
is written back onto the tracker ticket, only when it changed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from hub.core.errors import FatalError, MappingError
from hub.core.mapping import split_unreadable
from hub.core.models import Ref, Ticket, TicketType
from hub.flows.base import Flow, FlowOptions, RunContext, together
from hub.flows.needs import TRACKER

UNKNOWN_BRAND = "(no brand)"


class TrackerReportOptions(FlowOptions):
    concurrency: int = 8
    """Linked conversations read at once (the limiters keep the pace)."""


class TrackerReport(Flow):
    name = "tracker_report"
    after = ("cs_assist",)  # it reads the brands the summaries carry
    description = "Count linked conversations per tracker ticket, by brand"
    requires = frozenset(
        {
            "helpdesk_list_tickets",
            "helpdesk_update_ticket",
            "helpdesk_get_conversation",
            "helpdesk_get_contact",
        }
    )
    options_model = TrackerReportOptions
    needs = TRACKER
    options: TrackerReportOptions

    async def run(self, ctx: RunContext) -> None:
        limit = asyncio.Semaphore(self.options.concurrency)
        brands: dict[str, str] = {}  # contact id -> brand, looked up once per run
        async for page in ctx.hub.helpdesk.list_tickets(types=[TicketType.TRACKER], since=None):
            trackers, unreadable = split_unreadable(page)
            for broken in unreadable:  # no cursor here: every run reads every tracker again
                ctx.dead_letter(broken.key, broken.payload, str(broken))
            for tracker in trackers:
                ctx.count("read")
                by_brand = await self.count_by_brand(ctx, tracker, brands, limit)
                total = sum(by_brand.values())
                breakdown = ", ".join(f"{brand}: {n}" for brand, n in sorted(by_brand.items()))
                ctx.report.append(
                    f"{tracker.title or tracker.id}: {total} conversation(s) ({breakdown or 'none'})"
                )
                await self.write_count(ctx, tracker, total, breakdown)

    async def count_by_brand(
        self, ctx: RunContext, tracker: Ticket, brands: dict[str, str], limit: asyncio.Semaphore
    ) -> Counter[str]:
        async def brand_of(conversation_id: str) -> str:
            async with limit:
                conversation = await ctx.hub.helpdesk.get_conversation(
                    ref=Ref(platform=tracker.platform, id=conversation_id)
                )
                if not conversation.contact_ids:
                    return UNKNOWN_BRAND
                contact_id = conversation.contact_ids[0]
                if contact_id not in brands:
                    contact = await ctx.hub.helpdesk.get_contact(
                        ref=Ref(platform=tracker.platform, id=contact_id)
                    )
                    brands[contact_id] = str(contact.attributes.get("brand") or UNKNOWN_BRAND)
                return brands[contact_id]

        try:
            found = await together(*(brand_of(c) for c in tracker.linked_conversation_ids))
        except (FatalError, MappingError) as exc:
            ctx.dead_letter(
                f"tracker:{tracker.platform}:{tracker.id}", tracker.model_dump(mode="json"), str(exc)
            )
            return Counter()
        return Counter(found)

    async def write_count(self, ctx: RunContext, tracker: Ticket, total: int, breakdown: str) -> None:
        if str(tracker.attributes.get("tracker_count")) == str(total):
            ctx.count("unchanged")
            return
        attributes: dict[str, Any] = {"tracker_count": total}

        async def write() -> dict[str, Any]:
            await ctx.hub.helpdesk.update_ticket(ref=tracker.ref, state=None, attributes=attributes)
            return {"tracker": tracker.id, "count": total, "brands": breakdown}

        await ctx.perform(
            f"tracker_report:{tracker.platform}:{tracker.id}:{total}",
            platform=tracker.platform,
            action="update_ticket",
            intent={"tracker": tracker.id, "count": total},
            do=write,
            park=(f"tracker:{tracker.platform}:{tracker.id}", tracker.model_dump(mode="json")),
        )
