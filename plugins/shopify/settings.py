"""Settings of the Shopify plugin: the ``[plugins.shopify]`` section.

One app installation per store (one store per brand), all on the same pinned Admin API version::

    [plugins.shopify]
    enabled = true
    api_version = "2026-01"

    [plugins.shopify.stores.paleohacks]
    brand = "PaleoHacks"
    shop = "paleohacks.myshopify.com"
    access_token = "shpat_..."
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub.core.plugin import HttpPluginSettings

API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
# refundCreate accepts @idempotent(key:) from 2026-01 and requires it from 2026-04 (reference §4).
IDEMPOTENT_REFUNDS_SINCE = "2026-01"
DEFAULT_API_VERSION = "2026-01"


def version_at_least(version: str, minimum: str) -> bool:
    """Compare quarterly ``YYYY-MM`` names; ``unstable`` is newer than every release."""
    if version == "unstable":
        return True
    return version >= minimum


class ShopifyStoreSettings(BaseModel):
    """One store (one brand): its shop domain, optional base URL override and app token."""

    model_config = ConfigDict(extra="forbid")

    brand: str = Field(min_length=1, description="the brand this store sells (as customers see it)")
    shop: str = Field(
        description="the permanent domain, e.g. paleohacks.myshopify.com", examples=["{store}.myshopify.com"]
    )
    base_url: str | None = Field(
        default=None, description="where to send requests; defaults to https://<shop> (emulator: its URL)"
    )
    access_token: SecretStr = Field(description="the custom app's Admin API access token")
    webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="the app's client secret that signs webhooks (X-Shopify-Hmac-Sha256)",
    )
    previous_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="the secret before a rotation; Shopify may sign with it for an hour",
    )

    @field_validator("shop")
    @classmethod
    def _bare_domain(cls, value: str) -> str:
        value = value.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
        if not value or "/" in value:
            raise ValueError("must be a bare shop domain like brand.myshopify.com")
        return value

    @property
    def url(self) -> str:
        return (self.base_url or f"https://{self.shop}").rstrip("/")


class ShopifySettings(HttpPluginSettings):
    """The Admin API version every store is called with, the stores, and throttling knobs."""

    api_version: str = Field(default=DEFAULT_API_VERSION, description="Admin API version (YYYY-MM)")
    stores: dict[str, ShopifyStoreSettings] = Field(default_factory=dict)
    # The cost bucket. Shopify reports the real figures on every response and the client adopts
    # them; these only pace the first requests. Older docs say 1000 points restoring 50/s (newer:
    # 100/s on Standard) — start from the smaller, safer pair.
    bucket_size: float = Field(default=1000.0, gt=0, description="query cost points the bucket holds (plan)")
    restore_rate: float = Field(default=50.0, gt=0, description="points restored a second (plan)")
    max_query_cost: int = Field(default=1000, gt=0, description="Shopify's single-query cost cap")

    @field_validator("api_version")
    @classmethod
    def _quarterly(cls, value: str) -> str:
        if not API_VERSION.match(value):
            raise ValueError('must be a quarterly release like "2026-01" (or "unstable")')
        return value

    @model_validator(mode="after")
    def _stores_when_enabled(self) -> ShopifySettings:
        if self.enabled and not self.stores:
            raise ValueError("at least one store is needed under plugins.shopify.stores")
        return self

    @property
    def idempotent_refunds(self) -> bool:
        return version_at_least(self.api_version, IDEMPOTENT_REFUNDS_SINCE)
