"""Checkout links: an action, not a scheduled flow.

The request is tidied first (text stripped, blank optional fields left out, the phone in
E.164 when it reads as a number), so a form's empty boxes and a CLI's spacing make the same
request. The same request made twice (a double click, a retried command) returns the first link
rather than building a second cart: the ledger key is derived from the tidied request itself.
Each platform carries every field it has a place for (``docs/checkout-links.md``).
"""

from __future__ import annotations

import hashlib
import json

from hub.core.errors import HubError
from hub.core.lookup import phone_key
from hub.core.models import CheckoutLink, CheckoutLinkRequest
from hub.flows.base import RunContext

FLOW = "checkout_link"
OPTIONAL_TEXT = ("first_name", "last_name", "phone", "sales_rep", "discount_code", "notes")


def tidy(request: CheckoutLinkRequest) -> CheckoutLinkRequest:
    """``request`` with its text stripped, blank optional fields None, the phone E.164 if it parses."""
    changes: dict[str, object] = {"email": request.email.strip()}
    for name in OPTIONAL_TEXT:
        value = getattr(request, name)
        changes[name] = value.strip() or None if isinstance(value, str) else value
    phone = changes["phone"]
    if isinstance(phone, str):
        changes["phone"] = phone_key(phone) or phone  # kept as typed when it is no number we know
    return request.model_copy(update=changes)


async def create_checkout_link(ctx: RunContext, request: CheckoutLinkRequest) -> CheckoutLink:
    """The link ``request`` asks for, once per request (``HubError`` with the platform's refusal)."""
    request = tidy(request)
    body = json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()[:24]

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
