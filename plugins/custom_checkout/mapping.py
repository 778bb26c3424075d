"""The endpoint's answer as a ``CheckoutLink`` (``MappingError`` naming the field when it is not)."""

from __future__ import annotations

from typing import Any

from hub.core.errors import MappingError
from hub.core.mapping import mapping_guard
from hub.core.models import CheckoutLink, Money
from plugins.custom_checkout.client import PLATFORM


@mapping_guard(PLATFORM, "checkout_link")
def link_from_answer(answer: dict[str, Any], *, store: str, fallback_id: str) -> CheckoutLink:
    """``{"url", "id"?, "total"?: {"amount", "currency"}}``; ``fallback_id`` when it names no id."""
    url = answer.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MappingError(PLATFORM, "checkout_link", "url", f"not an http(s) URL: {url!r}")
    link_id = answer.get("id")
    total = answer.get("total")
    return CheckoutLink(
        platform=PLATFORM,
        id=str(link_id) if isinstance(link_id, str | int) and str(link_id) else fallback_id,
        store=store,
        url=url,
        total=_money(total) if total is not None else None,
    )


def _money(total: Any) -> Money:
    if not isinstance(total, dict) or isinstance(total.get("amount"), float):
        raise MappingError(PLATFORM, "checkout_link", "total", "expected {amount: text, currency}")
    try:
        return Money(amount=str(total.get("amount")), currency=str(total.get("currency")))
    except ValueError as exc:
        raise MappingError(PLATFORM, "checkout_link", "total", str(exc)) from None
