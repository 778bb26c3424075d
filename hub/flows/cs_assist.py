"""CS Assist: write each active contact's store summary onto the helpdesk contact.

For contacts with conversation activity since the cursor, look the customer up on every
enabled store (email, then phone), build the ``CustomerSummary`` and write it as contact
attributes, only when something changed.

The options (``[flows.cs_assist]``) also shape the inbox app and ``hub lookup``: how many
orders a summary lists, where phones typed without ``+country`` are read, and each brand's
retention scripts page.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import phonenumbers
from pydantic import Field, field_validator

from hub.core.errors import FatalError, MappingError
from hub.core.limits import CONTACT_TEXT, fit_values
from hub.core.models import Contact, Conversation, Ref, Unreadable
from hub.flows.base import Flow, FlowOptions, RunContext, together
from hub.flows.needs import CS_ASSIST
from hub.flows.summary import DEFAULT_REGION, RECENT_ORDERS, build_summary, summary_attributes


class CsAssistOptions(FlowOptions):
    concurrency: int = 8
    """Contacts summarised at once (their look-ups overlap; the limiters keep the pace)."""
    recent_orders: int = Field(default=RECENT_ORDERS, ge=1, le=9)
    """How many of the newest orders the summary lists (contact attribute, panel, ``hub lookup``);
    at most 9: the panel's order dropdown adds "Choose the order", and Canvas Kit takes 10."""
    phone_region: str = DEFAULT_REGION
    """ISO 3166-1 alpha-2 region of phones typed without ``+country`` (``hub lookup``, the panel's
    search): ``(415) 555-0000`` in ``US`` is ``+14155550000``."""
    retention_scripts: dict[str, str] = Field(default_factory=dict)
    """Each brand's retention scripts page, keyed by brand name or store key (``"*"``: any other
    brand); the inbox app links the customer's brands to theirs."""

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phone numbers are read in (US, GB, CA, AU, ...)")
        return region

    @field_validator("retention_scripts")
    @classmethod
    def _web_links(cls, value: dict[str, str]) -> dict[str, str]:
        for brand, url in value.items():
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"{brand}: {url!r} is not a web address (https://...)")
        return value

    def retention_script(self, brand: str | None, store: str | None = None) -> str | None:
        """The retention scripts page of a brand (by its name, any case, or its store key)."""
        wanted = {key.casefold() for key in (brand, store) if key}
        for key, url in self.retention_scripts.items():
            if key.casefold() in wanted:
                return url
        return self.retention_scripts.get("*")


class CsAssist(Flow):
    name = "cs_assist"
    after = ("back_office", "call_log")  # refunds, cancels and calls change what the summary says
    description = "Store summaries of active customers onto their helpdesk contacts"
    requires = frozenset(
        {
            "helpdesk_list_conversations",
            "helpdesk_get_contact",
            "helpdesk_update_contact",
            "commerce_find_customers",
        }
    )
    options_model = CsAssistOptions
    options: CsAssistOptions
    needs = CS_ASSIST

    async def run(self, ctx: RunContext) -> None:
        seen: set[str] = set()
        limit = asyncio.Semaphore(self.options.concurrency)
        async for page in ctx.new_records(ctx.hub.helpdesk.list_conversations, lambda c: c.updated_at):
            todo = {}
            for conversation in page:
                for contact_id in conversation.contact_ids:
                    if contact_id not in seen:
                        seen.add(contact_id)
                        todo[contact_id] = conversation
            await together(*(self._guarded(ctx, limit, cid, conv) for cid, conv in todo.items()))
            ctx.advance(ctx.counts["read"])

    async def _guarded(
        self, ctx: RunContext, limit: asyncio.Semaphore, contact_id: str, conversation: Conversation
    ) -> None:
        async with limit:
            try:
                await self.refresh_contact(
                    ctx, Ref(platform=conversation.platform, id=contact_id), conversation
                )
            except (MappingError, FatalError) as exc:
                payload = {
                    "platform": conversation.platform,
                    "contact": contact_id,
                    "conversation": conversation.id,
                }
                ctx.dead_letter(f"contact:{conversation.platform}:{contact_id}", payload, str(exc))

    async def refresh_contact(self, ctx: RunContext, ref: Ref, source: Conversation) -> None:
        contact: Contact = await ctx.hub.helpdesk.get_contact(ref=ref)
        ctx.count("contacts")
        summary = await build_summary(
            ctx.hub,
            contact.email,
            contact.phone,
            recent=self.options.recent_orders,
            region=self.options.phone_region,
        )
        if summary is None:
            ctx.count("not_in_any_store")
            return
        self._park_unreadable(ctx, contact, source, summary.unreadable)
        if not summary.sources:
            return  # nothing readable: keep what the contact shows rather than blank it
        # Shortened as the helpdesk keeps them, before comparing: a value it cuts would never
        # equal the computed one, and the contact would be written again on every run.
        attributes = fit_values(summary_attributes(summary), ctx.hub.limit(contact.platform, CONTACT_TEXT))
        if not _changed(contact.attributes, attributes):
            ctx.count("unchanged")
            return
        version = f"{source.id}@{int(source.updated_at.timestamp())}"
        key = f"cs_assist:{contact.platform}:{contact.id}:{version}:{_digest(attributes)}"

        async def write() -> dict[str, Any]:
            await ctx.hub.helpdesk.update_contact(ref=contact.ref, attributes=attributes)
            return {"contact": contact.id, "attributes": attributes}

        payload = {"platform": contact.platform, "contact": contact.id, "conversation": source.id}
        result = await ctx.perform(
            key,
            platform=contact.platform,
            action="update_contact",
            intent={"contact": contact.id, "attributes": attributes},
            do=write,
            park=(f"contact:{contact.platform}:{contact.id}", payload),  # a refusal is retried, never "ok"
        )
        if result.ok and not result.duplicate:
            ctx.count("contacts_updated")

    @staticmethod
    def _park_unreadable(
        ctx: RunContext, contact: Contact, source: Conversation, unreadable: tuple[Unreadable, ...]
    ) -> None:
        """Park each store record the summary had to leave out (the rest is still written).

        The entry names the record, field and reason; its payload names the contact too, so
        ``hub dead-letters retry`` refreshes that contact once the record reads again.
        """
        for record in unreadable:
            payload = {
                "platform": contact.platform,
                "contact": contact.id,
                "conversation": source.id,
                "record": record.key,
                "raw": record.payload,
            }
            ctx.dead_letter(record.key, payload, f"summary of contact {contact.id} without {record}")
            ctx.report.append(f"contact {contact.id}: summary without {record}")

    async def retry_dead_letter(self, ctx: RunContext, payload: Any) -> bool:
        """Refresh the contact again; True only when nothing had to be parked this time.

        A conversation parked because it could not be mapped holds the platform's raw JSON, not
        a contact to refresh: it is read again when the platform changes it (its ``updated_at``
        moves past the cursor), so its retry here does nothing (False).
        """
        if not isinstance(payload, dict) or not {"platform", "contact", "conversation"} <= payload.keys():
            return False
        platform = str(payload["platform"])
        conversation = await ctx.hub.helpdesk.get_conversation(
            ref=Ref(platform=platform, id=str(payload["conversation"]))
        )
        before = ctx.counts["dead_letters"]
        await self.refresh_contact(ctx, Ref(platform=platform, id=str(payload["contact"])), conversation)
        return ctx.counts["dead_letters"] == before


def _changed(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return any(_blank(current.get(key)) != _blank(value) for key, value in wanted.items())


def _blank(value: Any) -> Any:
    """Treat missing, None and "" alike: the helpdesk may drop empty attributes."""
    return None if value in (None, "") else value


def _digest(attributes: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(attributes, sort_keys=True, default=str).encode()).hexdigest()[:16]
