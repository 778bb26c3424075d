"""Settings of the Konnektive plugin: the ``[plugins.konnektive]`` section.

One Konnektive (Checkout Champ) account per brand, side by side under ``stores.<store key>``::

    [plugins.konnektive]
    enabled = true
    requests_per_window = 5

    [plugins.konnektive.stores.paleohacks]
    brand = "PaleoHacks"
    login_id = "..."        # API user (Admin -> Users, access level "Api User")
    password = "..."
    campaign_id = "12"
    checkout_url = "https://shop.paleohacks.com/checkout"   # the funnel's checkout page
    sku_product_ids = { "PH-BARS" = "101" }
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from hub.core.plugin import HttpPluginSettings

DEFAULT_BASE_URL = "https://api.konnektive.com"
MAX_RESULTS_PER_PAGE = 200  # the API refuses larger pages


class KonnektiveStoreSettings(BaseModel):
    """One brand's Konnektive account: where it is, who we log in as, how to read its values."""

    model_config = ConfigDict(extra="forbid")

    brand: str = Field(min_length=1, description="the brand this store sells (as customers see it)")
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        description="https://api.konnektive.com or the rebranded https://api.checkoutchamp.com",
    )
    login_id: SecretStr = Field(description="API user login id (max 32 characters)")
    password: SecretStr = Field(description="API user password (max 32 characters, no '&')")
    currency: str = Field(
        default="USD", min_length=3, max_length=3,
        description="ISO 4217 currency of the account (orders only carry a currency symbol)",
    )
    timezone: str = Field(
        default="UTC",
        description="the CRM account's time zone: Konnektive timestamps and m/d/Y filters are local",
    )
    history_start: date = Field(
        default=date(2010, 1, 1),
        description="start of the date range sent with look-ups (the API requires one without an id)",
    )
    campaign_id: str | None = Field(
        default=None,
        description="campaign used for replacement orders when the original order names none, and "
        "for checkout links unless checkout_campaign_id is set",
    )
    checkout_url: str | None = Field(
        default=None,
        description="the brand's checkout page (a Checkout Champ funnel or form-code lander): "
        "Konnektive mints no checkout URL, so a checkout link is this page with the cart and the "
        "customer in its query (Konnektive's own parameter names)",
    )
    checkout_campaign_id: str | None = Field(
        default=None, description="campaign of checkout links (default: campaign_id)"
    )
    checkout_creates_lead: bool = Field(
        default=True,
        description="import the customer as a lead first (/leads/import/: a partial order the "
        "funnel completes, its orderId in the link); false for funnels that take the query only",
    )
    sku_product_ids: dict[str, str] = Field(
        default_factory=dict,
        description="SKU -> the campaign's product id: the catalogue of checkout links (the API has "
        "no product look-up the hub can rely on), an unknown SKU is refused",
    )
    sales_rep_param: str = Field(
        default="affId",
        min_length=1,
        description="lead and link parameter carrying the sales rep: affId credits the affiliate "
        "whose passed value it is; e.g. custom1 keeps it in a customer field instead",
    )

    @field_validator("login_id", "password")
    @classmethod
    def _credential_shape(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if not secret or len(secret) > 32:
            raise ValueError("must be 1 to 32 characters")
        if "&" in secret:
            # Many Konnektive integrations pass it unescaped in query strings; the CRM refuses it.
            raise ValueError("must not contain '&'")
        return value

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown IANA time zone") from None
        return value

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("checkout_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL of the brand's checkout page")
        return value


class KonnektiveSettings(HttpPluginSettings):
    """``[plugins.konnektive]``: pacing, paging and the stores (one per brand)."""

    RENAMED: ClassVar[Mapping[str, str]] = {**HttpPluginSettings.RENAMED, "results_per_page": "page_size"}
    stores: dict[str, KonnektiveStoreSettings] = Field(default_factory=dict)
    # No rate limit is published; the reference asks to stay gentle (about 5 requests a second).
    requests_per_window: int = Field(default=5, ge=1, description="requests a window, per account")
    window_seconds: float = Field(default=1.0, gt=0, description="the window (none is published: be gentle)")
    page_size: int = Field(
        default=MAX_RESULTS_PER_PAGE, ge=1, le=MAX_RESULTS_PER_PAGE, description="records a page (200 max)"
    )
    compute_customer_summary: bool = Field(
        default=False,
        description=(
            "also fill lifetime revenue / order count / last order on the customer records a look-up"
            " finds (two more reads per customer; the CS Assist summary needs none of it: it works"
            " the same figures out from the orders it lists)"
        ),
    )
