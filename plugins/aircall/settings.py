"""Settings of the Aircall plugin: the ``[plugins.aircall]`` section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from hub.core.plugin import HttpPluginSettings

# Substatus values the Aircall app offers for "unavailable" (shared/reference/aircall.md, Users).
SUBSTATUSES = ("out_for_lunch", "on_a_break", "in_training", "doing_back_office", "other")

# Intercom away reasons (the SOP's labels) -> Aircall substatus. Keys are compared lower-cased.
DEFAULT_SUBSTATUS_MAP: dict[str, str] = {
    "break/lunch": "out_for_lunch",
    "lunch": "out_for_lunch",
    "out for lunch": "out_for_lunch",
    "break": "on_a_break",
    "on a break": "on_a_break",
    "coaching": "in_training",
    "training": "in_training",
    "in a meeting": "other",
    "meeting": "other",
    "back office": "doing_back_office",
    "back-office": "doing_back_office",
}


class AircallSettings(HttpPluginSettings):
    """Credentials, endpoint and pacing of one Aircall company.

    The published limit is per company (every integration shares it): 60 requests a minute in
    older documents, 120 in newer ones; the default is the lower figure and the client adopts
    ``X-AircallApi-Limit`` whenever the API sends it.
    """

    RENAMED: ClassVar[Mapping[str, str]] = {
        **HttpPluginSettings.RENAMED,
        "per_page": "page_size",
        "default_region": "default_phone_region",
    }

    api_id: SecretStr = Field(default=SecretStr(""), description="API ID of an admin's API key")
    api_token: SecretStr = Field(default=SecretStr(""), description="API token of that key")
    webhook_token: SecretStr = Field(
        default=SecretStr(""), description="the token Aircall returned when the webhook was created"
    )
    base_url: str = Field(default="https://api.aircall.io/v1", description="the public API's root")
    requests_per_window: int = Field(default=60, ge=1, description="the company's request allowance")
    window_seconds: float = Field(default=60.0, gt=0, description="Aircall counts per minute")
    page_size: int = Field(default=50, ge=1, le=50, description="Aircall serves at most 50 a page")
    lookback_minutes: float = Field(
        default=10.0,
        ge=0,
        description="each call read re-reads this much before its cursor, for calls listed late",
    )
    record_cap: int = Field(
        default=10_000, ge=1, description="list endpoints serve only this many matches; past it we split"
    )
    fetch_short_urls: bool = Field(
        default=True, description="ask for the longer-lived recording/voicemail short URLs"
    )
    default_phone_region: str = Field(
        default="US", min_length=2, max_length=2, description="region for numbers written without +"
    )
    available_as: Literal["available", "custom"] = Field(
        default="available", description="what 'available' means: always, or by working hours"
    )
    substatus_map: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SUBSTATUS_MAP),
        description="helpdesk away reason (lower case) -> Aircall unavailability substatus",
    )

    @model_validator(mode="after")
    def _credentials_when_enabled(self) -> AircallSettings:
        if self.enabled and not (self.api_id.get_secret_value() and self.api_token.get_secret_value()):
            raise ValueError("api_id and api_token are required when the plugin is enabled")
        unknown = sorted(set(self.substatus_map.values()) - set(SUBSTATUSES))
        if unknown:
            raise ValueError(f"substatus_map values must be one of {', '.join(SUBSTATUSES)}: {unknown}")
        return self
