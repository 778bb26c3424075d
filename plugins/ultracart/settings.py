"""Settings of the UltraCart plugin: the ``[plugins.ultracart]`` section.

One UltraCart merchant account per brand, side by side::

    [plugins.ultracart]
    enabled = true
    [plugins.ultracart.stores.paleohacks]
    brand = "PaleoHacks"
    merchant_id = "PHACK"
    simple_key = "..."            # secret
    storefront_host = "secure.paleohacks.com"
    webhook_username = "hub"      # the webhook's basic_username (authentication_type "basic")
    webhook_password = "..."      # secret: its basic_password
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hub.core.plugin import HttpPluginSettings

DEFAULT_BASE_URL = "https://secure.ultracart.com/rest/v2"
API_VERSION = "2017-03-01"
MAX_PAGE_SIZE = 200  # UltraCart refuses _limit above 200


class UltracartStoreSettings(BaseModel):
    """One UltraCart merchant account (one brand)."""

    model_config = ConfigDict(extra="forbid")

    brand: str = Field(min_length=1, description="the brand this store sells (as customers see it)")
    merchant_id: str | None = Field(
        default=None, description="UltraCart merchant id; routes webhook events to this store"
    )
    base_url: str = Field(default=DEFAULT_BASE_URL, description="the REST API's root")
    simple_key: SecretStr = Field(description="x-ultracart-simple-key of the hub's application")
    browser_key: SecretStr | None = Field(
        default=None,
        description="x-ultracart-browser-key for the checkout endpoints, which UltraCart intends for "
        "browser keys; when unset the simple key is used (unconfirmed that UltraCart accepts it there)",
    )
    storefront_host: str | None = Field(
        default=None, description="StoreFront host name handed to /checkout/cart/handoff"
    )
    currency: str = Field(
        default="USD",
        min_length=3,
        max_length=3,
        description="currency of figures UltraCart gives as bare numbers (orders_summary.total, "
        "auto order item prices)",
    )
    marketing_email_list_uuid: str | None = Field(
        default=None, description="email list whose membership is the customer's email consent"
    )
    sales_rep_custom_field: int = Field(
        default=1, ge=1, le=7, description="cart checkout.custom_fieldN that carries the sales rep"
    )
    webhook_username: str | None = Field(
        default=None,
        description="basic_username set on this account's UltraCart webhook (authentication_type "
        "basic); its deliveries are refused until it, webhook_password and merchant_id are set",
    )
    webhook_password: SecretStr | None = Field(
        default=None, description="basic_password set on this account's UltraCart webhook"
    )


class UltracartSettings(HttpPluginSettings):
    """The UltraCart plugin: API version, pacing and the stores (one per brand)."""

    api_version: str = Field(default=API_VERSION, description="X-UltraCart-Api-Version sent")
    stores: dict[str, UltracartStoreSettings] = Field(default_factory=dict)
    # UltraCart publishes no numeric limit (429 is documented, the numbers are not): pace each
    # application key conservatively; raise these once the account's real allowance is known.
    requests_per_window: int = Field(default=5, ge=1, description="requests a window, per store key")
    window_seconds: float = Field(default=1.0, gt=0, description="the window (none is published)")
    page_size: int = Field(
        default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="records a page (200 at most)"
    )
    skip_customer_notification: bool = Field(
        default=False, description="refunds: do not send UltraCart's refund email to the customer"
    )
