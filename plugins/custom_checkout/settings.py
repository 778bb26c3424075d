"""Settings of the custom checkout plugin: the ``[plugins.custom_checkout]`` section.

One store per brand, each in one of two modes::

    [plugins.custom_checkout]
    enabled = true

    # A URL template: the link is built here, from the request (every value URL-encoded).
    [plugins.custom_checkout.stores.mesa_cookware]
    brand = "Mesa Cookware"
    url_template = "https://shop.mesa.example/cart?items={items}&email={email}&name={name}&rep={sales_rep}"
    item_format = "{id}:{quantity}"          # one cart item; {sku}, {id} (the catalogue's) and {quantity}
    catalogue = { "MC-SKILLET" = "4411", "MC-DUTCH" = "4412" }   # SKU -> the id the cart takes

    # A signed POST to the team's own endpoint, which answers the URL (see plugins.custom_checkout).
    [plugins.custom_checkout.stores.paleohacks]
    brand = "PaleoHacks"
    endpoint = "https://sales.paleohacks.example/hub/checkout-links"
    signing_secret = "..."                   # secret: HMAC-SHA256 key of the signature header
"""

from __future__ import annotations

import string
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub.core.plugin import HttpPluginSettings

URL_FIELDS = frozenset(
    {
        "items",
        "email",
        "first_name",
        "last_name",
        "name",
        "phone",
        "sales_rep",
        "discount_code",
        "notes",
        "address1",
        "address2",
        "city",
        "region",
        "postal_code",
        "country",
        "store",
        "brand",
        "reference",
    }
)
"""What a ``url_template`` may name: the request's fields (``items`` is the cart, one
``item_format`` per product joined by ``item_separator``; ``reference`` the request's digest)."""
ITEM_FIELDS = frozenset({"sku", "id", "quantity"})


def template_fields(template: str) -> set[str]:
    """The ``{names}`` a template uses (``ValueError`` when it is not a format string)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class CustomCheckoutStoreSettings(BaseModel):
    """One brand's cart: a URL template, or the team's endpoint that answers the URL."""

    model_config = ConfigDict(extra="forbid")

    brand: str = Field(min_length=1, description="the brand this store sells (as customers see it)")
    url_template: str | None = Field(
        default=None,
        description=f"the link, with {{field}} placeholders from: {', '.join(sorted(URL_FIELDS))}",
        examples=["https://shop.example/cart?items={items}&email={email}&name={name}&rep={sales_rep}"],
    )
    item_format: str = Field(default="{sku}:{quantity}", description="one cart item: {sku}, {id}, {quantity}")
    item_separator: str = Field(default=",", description="between the cart's items")
    append_metadata: bool = Field(
        default=True, description="add the request's metadata to the template's link as meta_<key>=<value>"
    )
    endpoint: str | None = Field(
        default=None,
        description="or: the team's endpoint answering a signed POST with the link",
        examples=["https://sales.example/hub/checkout-links"],
    )
    signing_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key of the endpoint's X-Hub-Signature header"
    )
    catalogue: dict[str, str] = Field(
        default_factory=dict,
        description="SKU -> the id the cart takes: an SKU not here is refused (with an endpoint, an "
        "empty catalogue leaves the check to the endpoint)",
    )

    @field_validator("url_template")
    @classmethod
    def _known_fields(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        unknown = template_fields(value) - URL_FIELDS
        if unknown:
            raise ValueError(f"unknown field {sorted(unknown)[0]!r} (known: {', '.join(sorted(URL_FIELDS))})")
        return value

    @field_validator("item_format")
    @classmethod
    def _item_fields(cls, value: str) -> str:
        unknown = template_fields(value) - ITEM_FIELDS
        if unknown:
            raise ValueError(
                f"unknown field {sorted(unknown)[0]!r} (known: {', '.join(sorted(ITEM_FIELDS))})"
            )
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> Self:
        # Neither is a store not set up yet: it loads, and its links are refused until it is.
        if self.url_template is not None and self.endpoint is not None:
            raise ValueError("set one of url_template and endpoint, not both")
        if self.endpoint is not None and self.signing_secret is None:
            raise ValueError("an endpoint needs a signing_secret (the endpoint checks the signature)")
        if self.url_template is not None and not self.catalogue:
            raise ValueError("a url_template needs a catalogue: unknown SKUs are refused against it")
        return self


class CustomCheckoutSettings(HttpPluginSettings):
    """``[plugins.custom_checkout]``: the stores (one per brand)."""

    stores: dict[str, CustomCheckoutStoreSettings] = Field(default_factory=dict)
