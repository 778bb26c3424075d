"""Tracker report: how many customers reported each tracker ticket's problem, by brand.

A tracker ticket links the conversations of every customer who reported the problem; one
customer may write twice (two conversations), so the count is of distinct customers (the
conversation's contact), with the conversations beside it. The brand comes from the contact's
CS Assist attributes (written by ``cs_assist``). The customer count is written back onto the
tracker ticket, only when it changed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.core.errors import FatalError, MappingError
from hub.core.mapping import split_unreadable
from hub.core.models import Ref, Ticket, TicketType
from hub.flows.base import Flow, FlowOptions, RunContext, together
from hub.flows.needs import TRACKER

UNKNOWN_BRAND = "(no brand)"


@dataclass
class TrackerCounts:
    """One tracker ticket's reports: the customers (contact ids) and conversations per brand."""

    customers: dict[str, set[str]] = field(default_factory=dict)
    conversations: Counter[str] = field(default_factory=Counter)

    def add(self, brand: str, contact_id: str | None) -> None:
        """One linked conversation of ``brand``; ``contact_id`` None when it has no contact."""
        self.conversations[brand] += 1
        people = self.customers.setdefault(brand, set())
        if contact_id is not None:
            people.add(contact_id)

    @property
    def total_customers(self) -> int:
        """Distinct customers across brands (a contact is counted once whatever its brand)."""
        return len(set().union(*self.customers.values())) if self.customers else 0

    @property
    def total_conversations(self) -> int:
        return sum(self.conversations.values())

    def breakdown(self) -> str:
        """``"Earth Echo 1 in 1; PaleoHacks 1 in 2"`` (customers in conversations) by brand."""
        return "; ".join(
            f"{brand} {len(self.customers.get(brand, ()))} in {count}"
            for brand, count in sorted(self.conversations.items())
        )


class TrackerReportOptions(FlowOptions):
    concurrency: int = 8
    """Linked conversations read at once (the limiters keep the pace)."""


class TrackerReport(Flow):
    name = "tracker_report"
    after = ("cs_assist",)  # it reads the brands the summaries carry
    description = "Count the distinct customers (and conversations) per tracker ticket, by brand"
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
                counts = await self.count_by_brand(ctx, tracker, brands, limit)
                if counts is None:
                    continue  # parked: a linked conversation or contact could not be read
                ctx.report.append(
                    f"{tracker.title or tracker.id}: {counts.total_customers} customer(s) in "
                    f"{counts.total_conversations} conversation(s) ({counts.breakdown() or 'none'})"
                )
                await self.write_count(ctx, tracker, counts)

    async def count_by_brand(
        self, ctx: RunContext, tracker: Ticket, brands: dict[str, str], limit: asyncio.Semaphore
    ) -> TrackerCounts | None:
        """The tracker's customers and conversations by brand; None when it had to be parked."""

        async def reporter(conversation_id: str) -> tuple[str, str | None]:
            """The conversation's customer (its first contact) and their brand."""
            async with limit:
                conversation = await ctx.hub.helpdesk.get_conversation(
                    ref=Ref(platform=tracker.platform, id=conversation_id)
                )
                if not conversation.contact_ids:
                    return UNKNOWN_BRAND, None
                contact_id = conversation.contact_ids[0]
                if contact_id not in brands:
                    contact = await ctx.hub.helpdesk.get_contact(
                        ref=Ref(platform=tracker.platform, id=contact_id)
                    )
                    brands[contact_id] = str(contact.attributes.get("brand") or UNKNOWN_BRAND)
                return brands[contact_id], contact_id

        try:
            found = await together(*(reporter(c) for c in tracker.linked_conversation_ids))
        except (FatalError, MappingError) as exc:
            ctx.dead_letter(
                f"tracker:{tracker.platform}:{tracker.id}", tracker.model_dump(mode="json"), str(exc)
            )
            return None
        counts = TrackerCounts()
        for brand, contact_id in found:
            counts.add(brand, contact_id)
        return counts

    async def write_count(self, ctx: RunContext, tracker: Ticket, counts: TrackerCounts) -> None:
        """Write the distinct customers onto the tracker's ``tracker_count`` when it changed."""
        total = counts.total_customers
        if str(tracker.attributes.get("tracker_count")) == str(total):
            ctx.count("unchanged")
            return
        attributes: dict[str, Any] = {"tracker_count": total}

        async def write() -> dict[str, Any]:
            await ctx.hub.helpdesk.update_ticket(ref=tracker.ref, state=None, attributes=attributes)
            return {
                "tracker": tracker.id,
                "count": total,
                "conversations": counts.total_conversations,
                "brands": counts.breakdown(),
            }

        await ctx.perform(
            f"tracker_report:{tracker.platform}:{tracker.id}:{total}",
            platform=tracker.platform,
            action="update_ticket",
            intent={"tracker": tracker.id, "count": total},
            do=write,
            park=(f"tracker:{tracker.platform}:{tracker.id}", tracker.model_dump(mode="json")),
        )
