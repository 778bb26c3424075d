"""Settings of the Sticky.io plugin: the ``[plugins.stickyio]`` section.

Sticky.io is one CRM instance per merchant account (``https://{app_key}.sticky.io``), so every brand
is its own store with its own base URL and API user::

    [plugins.stickyio]
    enabled = true
    [plugins.stickyio.stores.paleohacks]
    brand = "PaleoHacks"
    base_url = "https://paleohacks.sticky.io"
    username = "hub_api"
    password = "..."          # better: HUB_STICKYIO__STORES__PALEOHACKS__PASSWORD
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from hub.core.plugin import HttpPluginSettings

#: Published v1 limits (requests per minute per method): 120 for most, 60 for these.
DEFAULT_METHOD_LIMITS: dict[str, int] = {"subscription_order_update": 60, "product_bundle_index": 60}


class StickyioStoreSettings(BaseModel):
    """One Sticky.io CRM instance (one brand)."""

    model_config = ConfigDict(extra="forbid")

    brand: str = Field(min_length=1, description="the brand this store sells (as customers see it)")
    base_url: str = Field(
        description="https://{app_key}.sticky.io (the instance sub-domain)", examples=["https://{store}.sticky.io"]
    )
    username: str = Field(min_length=1, description="API user (Admin > API Accounts)", examples=["hub_api"])
    password: SecretStr = Field(description="the API user's password")
    currency: str = Field(default="USD", min_length=3, max_length=3,
                          description="order_view carries no currency; the instance's one")
    timezone: str = Field(
        default="UTC",
        description="zone of the CRM's `YYYY-MM-DD HH:MM:SS` timestamps; the API does not say which "
        "(unconfirmed), so set the instance's configured zone",
    )
    history_start: date = Field(default=date(2015, 1, 1),
                                description="start_date of order_find/customer_find searches")
    campaign_id: str | None = Field(default=None,
                                    description="campaign for replacement orders and prospects")
    shipping_id: str | None = Field(default=None, description="shipping method of replacement orders")
    replacement_offer_id: str | None = Field(default=None, description="offer of replacement orders")
    replacement_billing_model_id: str | None = Field(
        default=None, description="billing model of replacement orders (straight sale)"
    )
    funnel_url: str | None = Field(
        default=None,
        description="the merchant's checkout funnel page; Sticky.io has no hosted checkout, so a "
        "checkout link is this URL carrying the prospect the hub created",
    )
    sku_product_ids: dict[str, str] = Field(
        default_factory=dict,
        description="SKU -> Sticky.io product id, for checkout links and replacements of unknown SKUs",
    )

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://mybrand.sticky.io")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class StickyioSettings(HttpPluginSettings):
    """``[plugins.stickyio]``: the stores and the client-side pacing of the per-method limits."""

    stores: dict[str, StickyioStoreSettings] = Field(default_factory=dict)
    requests_per_window: int = Field(default=120, ge=1,
                                     description="per-method limit for methods not listed below")
    method_limits: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_METHOD_LIMITS),
        description="requests a window for the methods with their own published limit",
    )
    window_seconds: float = Field(default=60.0, gt=0, description="the limits' window (a minute)")
    window_margin_seconds: float = Field(
        default=0.1, ge=0,
        description="slack added to the client's window: the server counts at arrival, so a request "
        "delayed in transit must not land in the next request's window",
    )
    order_view_batch: int = Field(default=50, ge=1, le=500,
                                  description="order ids per order_view call")

    def limit_for(self, method: str) -> int:
        """The per-minute (per-window) limit of one v1 method."""
        return self.method_limits.get(method, self.requests_per_window)
