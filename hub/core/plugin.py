"""What a plugin is: its description, its settings base class and a convenience base class.

A plugin is any object with ``@hookimpl`` functions. The built-ins (and the scaffold) subclass
``Plugin``, which answers the lifecycle hooks from class attributes. Action hooks reach a plugin
only for its own records (the facade routes them), so each is one ``async def``; a commerce
plugin with several stores finds the record's store with ``store_of(ref)``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.core.auth import register_credential_fields
from hub.core.doctor import Check, CheckStatus
from hub.core.errors import FatalError, MappingError
from hub.core.hookspecs import hookimpl
from hub.core.models import (
    Address,
    CheckoutLink,
    CheckoutLinkRequest,
    Consent,
    Customer,
    Order,
    Ref,
    Refund,
    RefundRequest,
    ReplacementRequest,
    Subscription,
)

log = logging.getLogger("hub.plugins")

if TYPE_CHECKING:
    from hub.core.config import HubConfig
    from hub.core.http import RateLimiter, RetryPolicy
    from hub.core.shared_limits import SharedLimits
    from hub.sandbox.world import SandboxApp, SandboxWorld


class Kind(StrEnum):
    HELPDESK = "helpdesk"
    COMMERCE = "commerce"
    TELEPHONY = "telephony"


class PluginSettings(BaseModel):
    """Base of every ``[plugins.<name>]`` section: ``enabled`` plus the plugin's own keys."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=False, description="use this plugin (its keys are checked either way)")

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
    limits: Mapping[str, int] = {}
    """What the platform keeps of what the hub writes, by kind of value (``hub.core.limits``:
    ``contact_text`` -> 255 characters); flows shorten values to fit before comparing them."""


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
    limits: ClassVar[Mapping[str, int]] = {}
    """``PluginInfo.limits``: the most the platform keeps of a value, by kind (``hub.core.limits``)."""

    def __init__(self) -> None:
        self.settings: Any = None
        self.context: HubContext | None = None
        self.ready = False
        """True from the end of ``start`` to the beginning of ``stop`` (``/healthz`` reads it)."""

    @property
    def enabled(self) -> bool:
        return self.settings is not None and self.settings.enabled

    @hookimpl
    def hub_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name=self.name,
            platform=self.name,
            kinds=self.kinds,
            description=self.description,
            unsupported=dict(self.unsupported),
            limits=dict(self.limits),
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

    @hookimpl
    def hub_sandbox(self, world: SandboxWorld, kind: Kind) -> SandboxApp | None:
        """This plugin's emulator, from ``sandbox_app(world)`` in ``<package>.emulator.sandbox``.

        Imported here and nowhere else, so a production hub never loads emulator code; a plugin
        without that module has no sandbox (``None``).
        """
        if kind not in self.kinds:
            return None
        package = type(self).__module__.rpartition(".")[0]
        try:
            module = importlib.import_module(f"{package}.emulator.sandbox")
        except ModuleNotFoundError as missing:
            if missing.name not in (f"{package}.emulator", f"{package}.emulator.sandbox"):
                raise
            return None
        return module.sandbox_app(world)

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


class HasClient(Protocol):
    """A platform account or store: what ``stop`` closes."""

    client: Closable


class CustomerFinder(HasClient, Protocol):
    """What a multi-store plugin keeps per store: its client and a customer look-up."""

    async def find_customers(self, email: str | None, phone: str | None) -> list[Customer | MappingError]: ...


class CommerceStore(CustomerFinder, Protocol):
    """The operations of one store, named after the ``commerce_*`` hooks they serve.

    Every commerce plugin's per-store class (``plugins/<platform>/operations.py``) uses these
    names, taking the record's platform id where the hook takes a ``Ref``; a platform that cannot
    do one leaves it out and names it in ``Plugin.unsupported``. Shapes and errors as in
    ``hub.core.hookspecs``.
    """

    def list_orders(self, customer_id: str) -> AsyncIterator[list[Order | MappingError]]: ...
    async def get_order(self, order_id: str) -> Order: ...
    async def refund_order(self, request: RefundRequest) -> Refund: ...
    async def list_subscriptions(self, customer_id: str) -> list[Subscription | MappingError]: ...
    async def cancel_subscription(
        self, subscription_id: str, reason: str, idempotency_key: str
    ) -> Subscription: ...
    async def change_shipping_address(self, order_id: str, address: Address) -> Order: ...
    async def create_replacement_order(self, request: ReplacementRequest) -> Order: ...
    async def create_checkout_link(self, request: CheckoutLinkRequest) -> CheckoutLink: ...
    async def update_consent(self, customer_id: str, consent: Consent) -> Customer: ...


Account = TypeVar("Account", bound=HasClient)


class AccountPlugin(Plugin, Generic[Account]):
    """A plugin serving one account of its platform (one workspace, one company).

    ``open_account(settings, context)`` (a function of the plugin's ``operations.py``) builds the
    per-account object with its client open; hooks call ``self.account``.
    """

    open_account: Callable[[Any, HubContext], Account]

    def __init__(self) -> None:
        super().__init__()
        self._account: Account | None = None

    @property
    def account(self) -> Account:
        if self._account is None:
            raise RuntimeError(f"{self.name} plugin used before hub_startup")
        return self._account

    async def start(self, context: HubContext) -> None:
        self._account = self.open_account(self.settings, context)

    async def stop(self) -> None:
        account, self._account = self._account, None
        if account is not None:
            await account.client.aclose()


class MultiStorePlugin(Plugin, Generic[Store]):
    """A commerce plugin serving several stores of one platform (one per brand).

    ``stores`` maps each configured store key to the plugin's per-store object; records carry
    their store key, and ``store_for`` finds the one an action belongs to.
    """

    platform_label: ClassVar[str] = ""
    open_store: Callable[[str, Any, Any, HubContext], Store]
    """``open_store(key, store settings, plugin settings, context)``: one store, its client open
    (a function of the plugin's ``operations.py``, set as a ``staticmethod``)."""

    def __init__(self) -> None:
        super().__init__()
        self.stores: dict[str, Store] = {}

    async def start(self, context: HubContext) -> None:
        for key, store in self.settings.stores.items():
            self.stores[key] = self.open_store(key, store, self.settings, context)

    async def stop(self) -> None:
        stores, self.stores = self.stores, {}
        await asyncio.gather(*(store.client.aclose() for store in stores.values()))

    @hookimpl
    def hub_check(self) -> Awaitable[list[Check]] | None:
        if not self.enabled:
            return None
        return self.check_stores()

    async def check_stores(self) -> list[Check]:
        """Every store's ``check()`` rows (``hub.core.doctor``), the stores asked at once; a store
        class without ``check`` gets one row saying its plugin does not check it."""
        found = await asyncio.gather(
            *(_store_check(self.name, key, store) for key, store in self.stores.items())
        )
        return _once_for_all_stores([row for rows in found for row in rows])

    def store_of(self, record: Any) -> Store:
        """The store a record (a ``Ref``, or a request naming ``store``) belongs to."""
        return self.store_for(getattr(record, "store", None))

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


def _once_for_all_stores(rows: list[Check]) -> list[Check]:
    """The stores' rows, a ``permissions`` note every store gives alike shown once, for all."""
    notes = [row for row in rows if row.check == "permissions"]
    if len(notes) < 2 or len({(row.status, row.detail) for row in notes}) > 1:
        return rows
    return [row for row in rows if row.check != "permissions"] + [notes[0].model_copy(update={"target": ""})]


async def _store_check(plugin: str, key: str, store: Any) -> list[Check]:
    check = getattr(store, "check", None)
    if check is None:
        detail = "this plugin does not check its stores: run a flow with --dry-run to try them"
        return [Check(plugin=plugin, target=key, check="credentials", status=CheckStatus.WARN, detail=detail)]
    return list(await check())


async def _mapped(look_up: Awaitable[list[Any]]) -> list[Any]:
    """A look-up's records, or its ``MappingError`` as the only entry."""
    try:
        return await look_up
    except MappingError as error:
        return [error]


def ref_of(record: Any) -> Ref:
    """The routing reference of any record or ref."""
    return record if isinstance(record, Ref) else record.ref
