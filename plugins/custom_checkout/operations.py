"""What the hook does on one store: check the cart against the catalogue, then build the link.

``url_template`` stores build it here (each value URL-encoded into its placeholder);
``endpoint`` stores ask the team's endpoint with a signed POST (``client.py`` says the contract).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote, urlencode

from hub.core.doctor import Check, CheckStatus
from hub.core.errors import FatalError
from hub.core.models import CheckoutLink, CheckoutLinkRequest
from hub.core.plugin import HubContext
from plugins.custom_checkout import mapping
from plugins.custom_checkout.client import PLATFORM, EndpointClient
from plugins.custom_checkout.settings import CustomCheckoutSettings, CustomCheckoutStoreSettings


def reference(request: CheckoutLinkRequest) -> str:
    """The request's digest: the same request gives the same reference (the endpoint's key)."""
    text = json.dumps(request.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class NoClient:
    """A template store talks to nobody; ``stop`` closes this."""

    async def aclose(self) -> None:
        return None


class CustomCheckoutStore:
    """One brand's cart (a template or an endpoint)."""

    def __init__(
        self, key: str, settings: CustomCheckoutStoreSettings, client: EndpointClient | None
    ) -> None:
        self.key, self.settings = key, settings
        self.endpoint = client
        self.client: EndpointClient | NoClient = client or NoClient()

    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink:
        """The link for ``request``; ``FatalError`` naming every SKU the catalogue lacks."""
        if self.settings.url_template is None and self.endpoint is None:
            raise FatalError(
                PLATFORM,
                f"store {self.key}: set url_template (and its catalogue) or endpoint to make checkout links",
                code="not_configured",
            )
        self.check_catalogue(request)
        ref = reference(request)
        if self.endpoint is not None:
            body = {**request.model_dump(mode="json"), "reference": ref}
            answer = await self.endpoint.link(body, ref)
            return mapping.link_from_answer(answer, store=self.key, fallback_id=ref)
        url = render(self.settings, request, self.key, ref)
        return CheckoutLink(platform=PLATFORM, id=ref, store=self.key, url=url)

    def check(self) -> list[Check]:
        """``hub doctor``'s row for this store: its mode, read from the settings (nothing is sent:
        the endpoint's one operation makes a link, so it is tried with ``hub checkout-link``)."""
        settings = self.settings
        if settings.url_template is not None:
            detail = f"URL template, {len(settings.catalogue)} SKU(s) in the catalogue"
            return [self._row(CheckStatus.OK, detail)]
        if self.endpoint is not None:
            detail = f"signed endpoint {settings.endpoint}: not probed (it would make a link)"
            return [
                self._row(CheckStatus.WARN, detail, "try it: hub checkout-link --platform custom_checkout")
            ]
        fix = f"set [plugins.custom_checkout.stores.{self.key}] url_template (and catalogue) or endpoint"
        return [self._row(CheckStatus.WARN, "not set up: its links are refused", fix)]

    def _row(self, status: CheckStatus, detail: str, fix: str = "") -> Check:
        return Check(
            plugin=PLATFORM, target=self.key, check="configuration", status=status, detail=detail, fix=fix
        )

    def check_catalogue(self, request: CheckoutLinkRequest) -> None:
        catalogue = self.settings.catalogue
        if not catalogue:  # an endpoint store without one: the endpoint checks (422 when unknown)
            return
        unknown = [p.sku for p in request.products if p.sku not in catalogue]
        if unknown:
            raise FatalError(
                PLATFORM,
                f"store {self.key} has no product with SKU {', '.join(unknown)} (its catalogue)",
                field="products.sku",
                code="unknown_sku",
            )


def render(settings: CustomCheckoutStoreSettings, request: CheckoutLinkRequest, store: str, ref: str) -> str:
    """The template filled in: every value URL-encoded, absent ones empty, metadata appended."""
    assert settings.url_template is not None
    items = settings.item_separator.join(
        settings.item_format.format(
            sku=quote(p.sku, safe=""),
            id=quote(settings.catalogue.get(p.sku, p.sku), safe=""),
            quantity=p.quantity,
        )
        for p in request.products
    )
    address = request.shipping_address
    values: dict[str, Any] = {
        "email": request.email,
        "first_name": request.first_name,
        "last_name": request.last_name,
        "name": request.name or (address.name if address else None),
        "phone": request.phone,
        "sales_rep": request.sales_rep,
        "discount_code": request.discount_code,
        "notes": request.notes,
        "address1": address.line1 if address else None,
        "address2": address.line2 if address else None,
        "city": address.city if address else None,
        "region": address.region if address else None,
        "postal_code": address.postal_code if address else None,
        "country": address.country if address else None,
        "store": store,
        "brand": settings.brand,
        "reference": ref,
    }
    encoded = {key: quote(str(value), safe="") if value else "" for key, value in values.items()}
    url = settings.url_template.format(items=items, **encoded)
    if settings.append_metadata and request.metadata:
        extra = urlencode({f"meta_{key}": value for key, value in sorted(request.metadata.items())})
        url += ("&" if "?" in url else "?") + extra
    return url


def open_store(
    key: str, store: CustomCheckoutStoreSettings, settings: CustomCheckoutSettings, context: HubContext
) -> CustomCheckoutStore:
    """The store ``[plugins.custom_checkout.stores.<key>]``, its endpoint's client open if it has one."""
    client = None
    if store.endpoint is not None and store.signing_secret is not None:
        client = EndpointClient(
            endpoint=store.endpoint,
            secret=store.signing_secret,
            policy=settings.retry_policy(),
            transport=context.transport_for(PLATFORM),
            timeout=settings.timeout_seconds,
        )
    return CustomCheckoutStore(key, store, client)
