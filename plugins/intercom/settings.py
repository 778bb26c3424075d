"""Settings of the Intercom plugin: the ``[plugins.intercom]`` section."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, SecretStr, field_validator, model_validator

from hub.core.models import TicketType
from hub.core.plugin import HttpPluginSettings


class Region(StrEnum):
    """The data-hosting region of the workspace; a token only works on its own region's host."""

    US = "us"
    EU = "eu"
    AU = "au"


REGION_URLS: dict[Region, str] = {
    Region.US: "https://api.intercom.io",
    Region.EU: "https://api.eu.intercom.io",
    Region.AU: "https://api.au.intercom.io",
}

# The hub relies on 2.14 features: away status reasons and conversation_to_link_id on ticket create
# (2.14), ticket_state_id on ticket update (2.12).
MINIMUM_API_VERSION = (2, 14)

DEFAULT_TICKET_TYPES: dict[TicketType, str] = {
    TicketType.REFUND: "Refund",
    TicketType.SUBSCRIPTION_CANCEL: "Subscription Cancel",
    TicketType.FULFILLMENT: "Fulfillment",
    TicketType.QUALITY: "Quality",
    TicketType.TRACKER: "Tracker",
}

# hub attribute key -> Intercom ticket attribute name
DEFAULT_TICKET_ATTRIBUTES: dict[str, str] = {
    "order_id": "Order ID",
    "platform": "Platform",
    "store": "Store",
    "amount": "Amount",
    "currency": "Currency",
    "refund_reason": "Refund Reason",
    "admin_reason": "Admin Reason",
    "disposition": "Disposition",
    "line_items": "Line Items",
    "subscription_id": "Subscription ID",
    "saved": "Saved",
    "new_address": "New Address",
    "replacement": "Replacement",
    "sku": "SKU",
    "lot": "Lot",
    "tracker_count": "Tracker Count",
}

# CS Assist summary field (hub.flows.summary.summary_attributes) -> Intercom contact custom attribute.
# "brand" keeps its plain name: the tracker report reads it for contacts CS Assist never touched.
DEFAULT_CS_ASSIST_ATTRIBUTES: dict[str, str] = {
    "brand": "brand",
    "lifetime_revenue": "cs_lifetime_revenue",
    "order_count": "cs_order_count",
    "last_purchase_date": "cs_last_purchase_date",
    "open_subscriptions": "cs_open_subscriptions",
    "latest_order_number": "cs_latest_order_number",
    "latest_order_status": "cs_latest_order_status",
    "tracking_numbers": "cs_tracking_numbers",
    "recent_orders": "cs_recent_orders",
    "shipping_address": "cs_shipping_address",
    "billing_address": "cs_billing_address",
    "consent_email": "cs_consent_email",
    "consent_sms": "cs_consent_sms",
    "consent_phone": "cs_consent_phone",
}


def parse_version(value: str) -> tuple[int, int] | None:
    """``"2.14"`` -> ``(2, 14)``; None for labels such as ``"Preview"``."""
    major, _, minor = value.partition(".")
    if major.isdigit() and minor.isdigit():
        return int(major), int(minor)
    return None


class IntercomSettings(HttpPluginSettings):
    """``[plugins.intercom]``: credentials, region, API version, names used on the workspace."""

    access_token: SecretStr = Field(
        default=SecretStr(""), description="the workspace's access token (Developer Hub > your app)"
    )
    client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="the app's client secret: signs webhooks (X-Hub-Signature) and inbox-app requests",
    )
    region: Region = Field(default=Region.US, description="where the workspace's data is hosted")
    base_url: str | None = Field(default=None, description="overrides the region host (sandbox)")
    api_version: str = Field(default="2.14", description="Intercom-Version sent (2.14 or later)")
    link_api_version: str = Field(
        default="2.16",
        description="version sent on POST /tickets/{id}/linked_conversations, which arrived after 2.14",
    )
    admin_id: str = Field(default="", description="the admin notes, tags and replies are written as")
    requests_per_minute: int = Field(default=10_000, ge=6, description="the app's published limit")
    window_seconds: float = Field(default=10.0, gt=0, description="Intercom splits the minute in 10 s")
    page_size: int = Field(default=150, ge=1, le=150, description="records a page (150 at most)")
    initial_days: int = Field(
        default=90,
        ge=1,
        description="how far back the first conversation sync reaches (later ones follow the cursor)",
    )
    lookback_minutes: float = Field(
        default=10.0,
        ge=0,
        description=(
            "each search re-reads this much before its cursor: the search index can show a record "
            "minutes after a later one"
        ),
    )
    default_phone_region: str = Field(default="US", description="for phones given without +country")
    away_mode_reassign: bool = Field(default=False, description="reassign an away admin's conversations")
    ticket_types: dict[TicketType, str] = Field(
        default_factory=lambda: dict(DEFAULT_TICKET_TYPES),
        description="the hub's ticket types -> their names on the workspace",
    )
    ticket_attributes: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_TICKET_ATTRIBUTES),
        description="the hub's ticket fields -> the ticket type attributes holding them",
    )
    cs_assist_attributes: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_CS_ASSIST_ATTRIBUTES),
        description="the CS Assist summary fields -> the contact data attributes holding them",
    )

    @field_validator("api_version")
    @classmethod
    def _recent_enough(cls, value: str) -> str:
        parsed = parse_version(value)
        if parsed is None or parsed < MINIMUM_API_VERSION:
            raise ValueError("must be 2.14 or later (away reasons and ticket links need 2.14)")
        return value

    @field_validator("ticket_types")
    @classmethod
    def _every_type_named(cls, value: dict[TicketType, str]) -> dict[TicketType, str]:
        merged = {**DEFAULT_TICKET_TYPES, **value}
        if len(set(merged.values())) != len(merged):
            raise ValueError("two ticket types share one Intercom name")
        return merged

    @field_validator("ticket_attributes", "cs_assist_attributes")
    @classmethod
    def _defaults_kept(cls, value: dict[str, str], info: object) -> dict[str, str]:
        name = getattr(info, "field_name", "")
        defaults = DEFAULT_TICKET_ATTRIBUTES if name == "ticket_attributes" else DEFAULT_CS_ASSIST_ATTRIBUTES
        return {**defaults, **value}

    @model_validator(mode="after")
    def _credentials_when_enabled(self) -> IntercomSettings:
        if self.enabled and not self.access_token.get_secret_value():
            raise ValueError("access_token is required when the plugin is enabled")
        if self.enabled and not self.admin_id:
            raise ValueError("admin_id (the admin notes are written as) is required when enabled")
        return self

    @property
    def url(self) -> str:
        return (self.base_url or REGION_URLS[self.region]).rstrip("/")

    @property
    def requests_per_window(self) -> int:
        """The per-10-second allowance Intercom enforces (10,000/min -> 1,666)."""
        return max(1, int(self.requests_per_minute * self.window_seconds // 60))
