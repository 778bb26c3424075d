"""Checkout links: an action, not a scheduled flow.

The same request made twice (a double click, a retried command) returns the first link rather
than building a second draft order: the ledger key is derived from the request itself.
"""

from __future__ import annotations

import hashlib
import json

from hub.core.errors import HubError
from hub.core.models import CheckoutLink, CheckoutLinkRequest
from hub.flows.base import RunContext

FLOW = "checkout_link"


async def create_checkout_link(ctx: RunContext, request: CheckoutLinkRequest) -> CheckoutLink:
    digest = hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[
        :24
    ]

    async def create() -> dict[str, object]:
        link: CheckoutLink = await ctx.hub.commerce.create_checkout_link(request=request)
        return link.model_dump(mode="json")

    result = await ctx.perform(
        f"checkout_link:{request.platform}:{request.store or ''}:{digest}",
        platform=request.platform,
        action="create_checkout_link",
        intent=request.model_dump(mode="json"),
        do=create,
    )
    if not result.ok or result.outcome is None:
        raise HubError(f"checkout link refused by {request.platform}: {result.error}")
    return CheckoutLink.model_validate(result.outcome)
