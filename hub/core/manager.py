"""Plugin discovery and the ``Hub`` facade flows call hooks through.

Plugins are found through the entry-point group ``hub.plugins``; the six built-ins are declared
there in ``pyproject.toml`` exactly like a third party's, and nowhere else (the hub is used
installed: ``pip install -e .``). ``HUB_LOAD_PLUGINS=a,b`` loads only the named plugins;
``HUB_TRACE_PLUGINS=1`` prints every hook call.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from importlib.metadata import entry_points
from typing import Any

import httpx
import pluggy

from hub.core import facade, hookspecs
from hub.core.config import HubConfig
from hub.core.errors import CapabilityMissing, ConfigError
from hub.core.plugin import HubContext, PluginInfo
from hub.core.redact import trace_writer

log = logging.getLogger("hub.plugins")

ENTRY_POINT_GROUP = "hub.plugins"
Hook = str | Callable[..., Any]
"""A hook: its hookspec function (what the facade passes) or its name."""
BUILT_IN_DISTRIBUTION = "support-hub"


def built_in_plugins() -> tuple[str, ...]:
    """Names of the plugins this project's own distribution registers (the built-ins)."""
    return tuple(
        sorted(
            ep.name
            for ep in entry_points(group=ENTRY_POINT_GROUP)
            if ep.dist is not None and ep.dist.name == BUILT_IN_DISTRIBUTION
        )
    )


def _instantiate(obj: Any) -> Any:
    """Entry points may name a class (instantiated per manager) or a module of functions."""
    return obj() if inspect.isclass(obj) else obj


def get_plugin_manager(only: Iterable[str] | None = None) -> pluggy.PluginManager:
    """A fresh manager with every discovered plugin registered under its entry-point name."""
    wanted = set(only) if only is not None else _env_only()
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    targets = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    _check_wanted(wanted, targets, "HUB_LOAD_PLUGINS" if only is None else "plugin list")
    for name, target in sorted(targets.items()):
        if wanted is not None and name not in wanted:
            continue
        pm.register(_instantiate(target.load()), name=name)
    pm.check_pending()  # a misspelled hook implementation fails here, at start
    if os.environ.get("HUB_TRACE_PLUGINS"):
        pm.trace.root.setwriter(trace_writer)  # hook arguments and results hold settings: redacted
        pm.enable_tracing()
    return pm


def _check_wanted(wanted: set[str] | None, found: dict[str, Any], source: str) -> None:
    """A name asked for that no plugin has is a ``ConfigError``, not a plugin silently left out."""
    missing = sorted((wanted or set()) - set(found))
    if missing:
        raise ConfigError(source, missing[0], f"no such plugin (installed: {', '.join(sorted(found))})")


def _env_only() -> set[str] | None:
    names = os.environ.get("HUB_LOAD_PLUGINS")
    return {n.strip() for n in names.split(",") if n.strip()} if names else None


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every plugin's description, its capabilities being the hooks it implements."""
    infos = [
        info.model_copy(update={"capabilities": frozenset(implemented_hooks(pm, info.name))})
        for info in pm.hook.hub_plugin_info()
    ]
    return sorted(infos, key=lambda info: info.name)


def settings_models(pm: pluggy.PluginManager) -> dict[str, type]:
    return dict(item for item in pm.hook.hub_settings_model() if item)


def implemented_hooks(pm: pluggy.PluginManager, plugin_name: str) -> set[str]:
    """Hooks a registered plugin actually implements (lifecycle hooks excluded)."""
    plugin = pm.get_plugin(plugin_name)
    callers = pm.get_hookcallers(plugin) or []
    return {caller.name for caller in callers if not caller.name.startswith("hub_")}


class Hub:
    """The running hub: configured plugins started, hooks called and awaited.

    Flows call hooks through the typed facade (``hub.commerce.refund_order(request)``), which
    uses ``route`` for actions on one record (only its owner is asked), ``collect`` for look-ups
    across platforms and ``pages`` for cursor reads.
    """

    def __init__(
        self,
        pm: pluggy.PluginManager,
        config: HubConfig,
        *,
        transports: dict[str, httpx.AsyncBaseTransport] | None = None,
        limiters: dict[str, Any] | None = None,
    ) -> None:
        self.pm, self.config = pm, config
        # ``is None``, not ``or``: an empty mapping may mean something (``NoLimits()`` is one).
        self.context = HubContext(
            config=config,
            transports=transports or {},
            limiters=limiters if limiters is not None else {},
            shared=_shared_limits(config),
        )
        self.running = False
        unknown = set(config.plugins) - {name for name, _ in pm.list_name_plugin()}
        if unknown:
            raise ConfigError(config.source, f"plugins.{sorted(unknown)[0]}", "unknown plugin")

    async def start(self) -> None:
        await _gather(self.pm.hook.hub_startup(context=self.context))
        self.running = True

    async def stop(self) -> None:
        self.running = False
        await _gather(self.pm.hook.hub_shutdown())

    def plugin_health(self) -> dict[str, str]:
        """``ok`` or why not, for each enabled plugin (a plugin object may say ``ready``)."""
        health = {}
        for info in self.enabled():
            ready = getattr(self.pm.get_plugin(info.name), "ready", True)
            health[info.name] = "ok" if self.running and ready else "not started"
        return health

    async def __aenter__(self) -> Hub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- what is there

    def infos(self) -> list[PluginInfo]:
        return self._infos

    @functools.cached_property
    def _infos(self) -> list[PluginInfo]:
        # The plugins are registered before a Hub exists: describe them once, not on every
        # capability question (back_office asks one per ticket).
        return plugin_infos(self.pm)

    def enabled(self) -> list[PluginInfo]:
        return [info for info in self.infos() if self.config.plugin_enabled(info.name)]

    def providers(self, capability: str) -> list[str]:
        return [info.name for info in self.enabled() if capability in info.capabilities]

    def missing(self, required: Iterable[str]) -> list[str]:
        """Capabilities no enabled plugin provides."""
        return [cap for cap in required if not self.providers(cap)]

    def lookback(self, hook: Hook) -> timedelta:
        """How far before its cursor a read through ``hook`` starts again (0 by default).

        The longest ``lookback_minutes`` setting of the enabled plugins implementing it: a
        platform whose lists can show a record late (a search index lagging behind writes)
        declares that key, and the cursor reads re-read that overlap (``RunContext.new_records``).
        """
        minutes = [
            float(getattr(self.config.plugins[name], "lookback_minutes", 0) or 0)
            for name in self.providers(_hook_name(hook))
        ]
        return timedelta(minutes=max(minutes, default=0))

    def limit(self, platform: str, kind: str) -> int | None:
        """The most ``platform`` keeps of one value of ``kind`` (``hub.core.limits``), or None."""
        info = next((i for i in self.infos() if i.name == platform), None)
        return info.limits.get(kind) if info is not None else None

    # ---- calling hooks (through the typed facade: ``hub.commerce.refund_order(request)``)

    @functools.cached_property
    def helpdesk(self) -> facade.Helpdesk:
        return facade.Helpdesk(self)

    @functools.cached_property
    def commerce(self) -> facade.Commerce:
        return facade.Commerce(self)

    @functools.cached_property
    def telephony(self) -> facade.Telephony:
        return facade.Telephony(self)

    @functools.cached_property
    def admin(self) -> facade.Admin:
        return facade.Admin(self)

    @functools.cached_property
    def serving(self) -> facade.Serving:
        return facade.Serving(self)

    async def route(self, hook: Hook, owner: Any, **kwargs: Any) -> Any:
        """Call an action hook on the one plugin that owns the record and await its answer.

        ``owner`` is the record's ``Ref`` (or anything with ``platform``) or a platform name.
        Only that plugin is asked, so an implementation never sees another platform's record
        and needs no "is this mine?" preamble. Raises ``CapabilityMissing`` when the platform
        is not an enabled plugin or the plugin does not implement the hook.
        """
        name = _hook_name(hook)
        platform = owner if isinstance(owner, str) else getattr(owner, "platform", None)
        caller = self._owner_callers.get((name, platform)) or self._owner_caller(name, platform)
        result = caller(**kwargs) if caller is not None else None
        if result is None:
            raise CapabilityMissing(name, platform)
        return await result if inspect.isawaitable(result) else result

    @functools.cached_property
    def _owner_callers(self) -> dict[tuple[str, str | None], Any]:
        return {}

    def _owner_caller(self, name: str, platform: str | None) -> Any:
        """A hook caller reaching only ``platform``'s plugin (``None`` when it cannot answer)."""
        caller = None
        if platform and self.config.plugin_enabled(platform) and self._implements(platform, name):
            others = [plugin for known, plugin in self.pm.list_name_plugin() if known != platform]
            caller = self.pm.subset_hook_caller(name, remove_plugins=others)
        self._owner_callers[(name, platform)] = caller
        return caller

    def _implements(self, platform: str, name: str) -> bool:
        return any(impl.plugin_name == platform for impl in getattr(self.pm.hook, name).get_hookimpls())

    async def collect(self, hook: Hook, **kwargs: Any) -> list[Any]:
        """Call a collecting hook, await every answer concurrently and flatten lists."""
        answers = await _gather(getattr(self.pm.hook, _hook_name(hook))(**kwargs))
        flat: list[Any] = []
        for answer in answers:
            if isinstance(answer, list | tuple):
                flat.extend(answer)
            elif answer is not None:
                flat.append(answer)
        return flat

    async def pages(self, hook: Hook, **kwargs: Any) -> AsyncIterator[list[Any]]:
        """Stream pages from every plugin answering a paged hook, one plugin after another."""
        for answer in getattr(self.pm.hook, _hook_name(hook))(**kwargs):
            if answer is not None:
                async for page in _as_pages(answer):
                    yield page

    async def routed_pages(self, hook: Hook, owner: Any, **kwargs: Any) -> AsyncIterator[list[Any]]:
        """Stream the pages of a first-result paged hook from the one plugin owning the record.

        As ``route`` (``CapabilityMissing`` when no enabled plugin owns it), raised when the
        first page is asked for.
        """
        async for page in _as_pages(await self.route(hook, owner, **kwargs)):
            yield page


async def _as_pages(answer: Any) -> AsyncIterator[list[Any]]:
    """A paged hook's answer as pages; a plugin written before the hook was paged answers one
    list (awaitable or not), handed on as the only page."""
    if isinstance(answer, AsyncIterator):
        async for page in answer:
            yield page
        return
    page = await answer if inspect.isawaitable(answer) else answer
    yield list(page)


def _hook_name(hook: Hook) -> str:
    return hook if isinstance(hook, str) else hook.__name__


def _shared_limits(config: HubConfig) -> Any:
    if not config.hub.redis_url:
        return None
    from hub.core.shared_limits import SharedLimits

    return SharedLimits(config.hub.redis_url)


async def _gather(results: list[Any]) -> list[Any]:
    awaitables = [r for r in results if inspect.isawaitable(r)]
    done = iter(await asyncio.gather(*awaitables))
    return [next(done) if inspect.isawaitable(r) else r for r in results]
