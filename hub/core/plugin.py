"""What a plugin is: its description, its settings base class and a convenience base class.

A plugin is any object with ``@hookimpl`` functions. The built-ins (and the scaffold) subclass
``Plugin``, which answers the lifecycle hooks from class attributes and routes by platform:
an action hook first asks ``self.owns(ref)`` and returns ``None`` for records it does not own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.core.auth import register_credential_fields
from hub.core.errors import FatalError, MappingError
from hub.core.hookspecs import hookimpl
from hub.core.models import Customer, Ref

log = logging.getLogger("hub.plugins")

if TYPE_CHECKING:
    from hub.core.config import HubConfig
    from hub.core.http import RateLimiter, RetryPolicy
    from hub.core.shared_limits import SharedLimits


class Kind(StrEnum):
    HELPDESK = "helpdesk"
    COMMERCE = "commerce"
    TELEPHONY = "telephony"


class PluginSettings(BaseModel):
    """Base of every ``[plugins.<name>]`` section: ``enabled`` plus the plugin's own keys."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # A hook trace may print a plugin's settings before any configuration registered their
        # values: the names of its SecretStr fields are masked from the moment the class exists.
        super().__pydantic_init_subclass__(**kwargs)
        register_credential_fields(cls)


class HttpPluginSettings(PluginSettings):
    """The keys every plugin that talks HTTP shares, under one name each.

    Old names are still read, with a warning naming the new key (``timeout`` -> ``timeout_seconds``).
    """

    RENAMED: ClassVar[Mapping[str, str]] = {"timeout": "timeout_seconds"}

    timeout_seconds: float = Field(default=30.0, gt=0, description="per request")
    max_attempts: int = Field(default=5, ge=1, description="tries of a request on 429/5xx/timeouts")
    retry_after_cap: float = Field(
        default=120.0, gt=0, description="a longer Retry-After fails the run instead of sleeping"
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in cls.RENAMED.items():
                if old in data:
                    log.warning("setting %r is deprecated: use %r", old, new)
                    data = {**data, new: data.get(new, data[old])}
                    data.pop(old)
        return data

    def retry_policy(self) -> RetryPolicy:
        from hub.core.http import RetryPolicy

        return RetryPolicy(max_attempts=self.max_attempts, retry_after_cap=self.retry_after_cap)


class PluginInfo(BaseModel):
    """How a plugin describes itself to ``hub plugins`` and to the capability check."""

    model_config = ConfigDict(frozen=True)

    name: str
    platform: str
    kinds: tuple[Kind, ...]
    capabilities: frozenset[str] = frozenset()
    """The hooks it implements: derived by the plugin manager (``plugin_infos``), never listed."""
    description: str = ""
    unsupported: Mapping[str, str] = {}
    """Hooks of its kinds the platform cannot do, with the reason shown to users."""


@dataclass
class HubContext:
    """What ``hub_startup`` receives: validated settings and shared infrastructure.

    ``transports`` lets the sandbox and tests plug an emulator (``httpx.ASGITransport``) in
    place of the network, per plugin name. ``limiters`` lets a deployment share rate-limit
    buckets (Redis) across workers; a plugin falls back to its own in-process limiter.
    """

    config: HubConfig
    transports: dict[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    shared: SharedLimits | None = None

    def rate_limiter(
        self, key: str, limit: float, period: float, local: Callable[[], RateLimiter]
    ) -> RateLimiter:
        """The limiter of one platform account (``"<platform>"``, ``"<platform>.<store>"``).

        A limiter given in ``limiters`` wins; with ``[hub] redis_url`` set, every hub process
        draws from one Redis window per key; otherwise the plugin's own in-process ``local()``.
        """
        if key not in self.limiters:
            self.limiters[key] = self.shared.window(key, limit, period) if self.shared else local()
        return self.limiters[key]

    def settings_for(self, name: str) -> PluginSettings | None:
        return self.config.plugins.get(name)

    def transport_for(self, name: str) -> httpx.AsyncBaseTransport | None:
        return self.transports.get(name)


class Plugin:
    """Convenience base: lifecycle hooks from class attributes, ownership routing, settings."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[Kind, ...]]
    settings_model: ClassVar[type[PluginSettings]]
    description: ClassVar[str] = ""
    unsupported: ClassVar[Mapping[str, str]] = {}

    def __init__(self) -> None:
        self.settings: Any = None
        self.context: HubContext | None = None
        self.ready = False
        """True from the end of ``start`` to the beginning of ``stop`` (``/healthz`` reads it)."""

    @property
    def enabled(self) -> bool:
        return self.settings is not None and self.settings.enabled

    def owns(self, ref: Any) -> bool:
        """True when this (enabled) plugin is the platform ``ref`` lives on."""
        return self.enabled and getattr(ref, "platform", None) == self.name

    @hookimpl
    def hub_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name=self.name,
            platform=self.name,
            kinds=self.kinds,
            description=self.description,
            unsupported=dict(self.unsupported),
        )

    @hookimpl
    def hub_settings_model(self) -> tuple[str, type[PluginSettings]]:
        return self.name, self.settings_model

    @hookimpl
    def hub_startup(self, context: HubContext) -> Awaitable[None] | None:
        settings = context.settings_for(self.name)
        if settings is None or not settings.enabled:
            return None
        self.settings, self.context = settings, context
        return self._started(context)

    @hookimpl
    def hub_shutdown(self) -> Awaitable[None] | None:
        if not self.enabled:
            return None
        self.ready = False
        return self.stop()

    async def _started(self, context: HubContext) -> None:
        await self.start(context)
        self.ready = True

    async def start(self, context: HubContext) -> None:
        """Open clients; override in plugins that talk to a platform."""

    async def stop(self) -> None:
        """Close clients; override alongside ``start``."""


Store = TypeVar("Store", bound="CustomerFinder")


class Closable(Protocol):
    async def aclose(self) -> None: ...


class CustomerFinder(Protocol):
    """What a multi-store plugin keeps per store: its client and a customer look-up."""

    client: Closable

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer | MappingError]: ...


class MultiStorePlugin(Plugin, Generic[Store]):
    """A commerce plugin serving several stores of one platform (one per brand).

    ``stores`` maps each configured store key to the plugin's per-store object; records carry
    their store key, and ``store_for`` finds the one an action belongs to.
    """

    platform_label: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self.stores: dict[str, Store] = {}

    async def stop(self) -> None:
        stores, self.stores = self.stores, {}
        await asyncio.gather(*(store.client.aclose() for store in stores.values()))

    def store_for(self, key: str | None) -> Store:
        """The store ``key`` names; with one store configured, a record naming none means it."""
        label = self.platform_label or self.name
        known = ", ".join(sorted(self.stores)) or "none"
        if key is None and len(self.stores) == 1:
            return next(iter(self.stores.values()))
        if key is None:
            raise FatalError(
                self.name,
                f"the record names no store and several {label} stores are configured ({known})",
                field="store",
            )
        if key not in self.stores:
            raise FatalError(self.name, f"unknown {label} store {key!r} (configured: {known})", field="store")
        return self.stores[key]

    @hookimpl
    def commerce_find_customers(
        self, email: str | None, phone: str | None
    ) -> Awaitable[list[Customer]] | None:
        if not self.enabled or not (email or phone):
            return None
        return self.find_in_every_store(email, phone)

    async def find_in_every_store(
        self, email: str | None, phone: str | None
    ) -> list[Customer | MappingError]:
        """Look a person up in every store at once (their waits overlap).

        A customer record that cannot be mapped is a ``MappingError`` entry in the list (the
        stores map record by record); a store whose look-up fails on one anyway contributes
        that error, so the other stores' customers still come back.
        """
        stores = self.stores.values()
        found = await asyncio.gather(*(_mapped(store.find_customers(email, phone)) for store in stores))
        return [customer for batch in found for customer in batch]


async def _mapped(look_up: Awaitable[list[Any]]) -> list[Any]:
    """A look-up's records, or its ``MappingError`` as the only entry."""
    try:
        return await look_up
    except MappingError as error:
        return [error]


def ref_of(record: Any) -> Ref:
    """The routing reference of any record or ref."""
    return record if isinstance(record, Ref) else record.ref
