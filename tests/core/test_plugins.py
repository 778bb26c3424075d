"""Plugin discovery, routing and the capability check."""

from __future__ import annotations

import asyncio
import textwrap

import pluggy
import pytest

from hub.core.config import config_from_mapping
from hub.core.errors import CapabilityMissing
from hub.core.hookspecs import hookimpl
from hub.core.http import NoLimits, SlidingWindowLimiter, Unlimited
from hub.core.manager import (
    Hub,
    built_in_plugins,
    get_plugin_manager,
    implemented_hooks,
    plugin_infos,
    settings_models,
)
from hub.core.models import Customer, Ref
from hub.core.plugin import Kind, Plugin, PluginSettings

BUILT_INS = set(built_in_plugins())


def test_built_ins_are_discovered_through_entry_points():
    from importlib.metadata import entry_points

    declared = {ep.name for ep in entry_points(group="hub.plugins")}
    assert declared >= BUILT_INS
    pm = get_plugin_manager()
    assert {info.name for info in plugin_infos(pm)} >= BUILT_INS
    assert set(settings_models(pm)) >= BUILT_INS


def test_load_only_named_plugins(monkeypatch):
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "shopify, aircall")
    assert {info.name for info in plugin_infos(get_plugin_manager())} == {"shopify", "aircall"}


def test_third_party_plugin_registered_by_entry_point(tmp_path, monkeypatch):
    """A package installed beside the hub is found the same way as the built-ins."""
    (tmp_path / "acme_store.py").write_text(textwrap.dedent('''
        from hub.core.hookspecs import hookimpl
        from hub.core.models import Customer
        from hub.core.plugin import Kind, Plugin, PluginSettings

        class AcmeSettings(PluginSettings):
            shop: str = "acme"

        class AcmePlugin(Plugin):
            name = "acme"
            kinds = (Kind.COMMERCE,)
            capabilities = frozenset({"commerce_find_customers"})
            settings_model = AcmeSettings

            @hookimpl
            def commerce_find_customers(self, email, phone):
                if not self.enabled:
                    return None
                return self._find(email)

            async def _find(self, email):
                return [Customer(platform="acme", id="c1", email=email)]
    '''))
    dist = tmp_path / "acme_store-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-store\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[hub.plugins]\nacme = acme_store:AcmePlugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    pm = get_plugin_manager()
    assert "acme" in {info.name for info in plugin_infos(pm)}
    config = config_from_mapping({"plugins": {"acme": {"enabled": True}}}, source="t",
                                 models=settings_models(pm))

    async def lookup():
        async with Hub(pm, config) as hub:
            return await hub.commerce.find_customers(email="a@b.co", phone=None)

    found = asyncio.run(lookup())
    assert [c.id for c in found] == ["c1"]


class _Settings(PluginSettings):
    pass


def _fake(name: str, delay: float = 0.0) -> Plugin:
    class Fake(Plugin):
        kinds = (Kind.COMMERCE,)
        capabilities = frozenset({"commerce_find_customers", "commerce_get_order"})
        settings_model = _Settings

        @hookimpl
        def commerce_find_customers(self, email, phone):
            return self._find(email) if self.enabled else None

        async def _find(self, email):
            await asyncio.sleep(delay)
            return [Customer(platform=self.name, id=f"{self.name}-1", email=email)]

        @hookimpl
        async def commerce_get_order(self, ref):
            # No "is this mine?" check: the facade asks only the record's platform.
            return self.name

    Fake.name = name
    return Fake()


def _hub(*plugins: Plugin, enabled: tuple[str, ...] | None = None) -> Hub:
    pm = get_plugin_manager(only=[])
    for plugin in plugins:
        pm.register(plugin, name=plugin.name)
    names = enabled if enabled is not None else tuple(p.name for p in plugins)
    config = config_from_mapping({"plugins": {n: {"enabled": True} for n in names}}, source="t",
                                 models=settings_models(pm))
    return Hub(pm, config)


def test_no_limits_reaches_the_plugins_instead_of_an_empty_dict():
    """``NoLimits()`` is an empty mapping; the hub must hand it on, not replace it with ``{}``."""
    pm = get_plugin_manager(only=[])
    config = config_from_mapping({}, source="t", models={})
    limits = NoLimits()
    hub = Hub(pm, config, limiters=limits)
    assert hub.context.limiters is limits
    own = SlidingWindowLimiter(5, 1.0)
    limiter = hub.context.rate_limiter("acme.store", 5, 1.0, lambda: own)
    assert isinstance(limiter, Unlimited)
    assert isinstance(hub.context.limiters.get("acme"), Unlimited)
    assert isinstance(Hub(pm, config).context.rate_limiter("acme", 5, 1.0, lambda: own), SlidingWindowLimiter)


async def test_action_routed_to_the_owner_only():
    async with _hub(_fake("one"), _fake("two")) as hub:
        assert await hub.commerce.get_order(ref=Ref(platform="two", id="9")) == "two"
        with pytest.raises(CapabilityMissing, match="commerce_get_order for platform 'three'"):
            await hub.commerce.get_order(ref=Ref(platform="three", id="9"))


async def test_collect_gathers_every_enabled_plugin():
    async with _hub(_fake("one", 0.05), _fake("two"), _fake("off"), enabled=("one", "two")) as hub:
        found = await hub.commerce.find_customers(email="x@y.z", phone=None)
    assert sorted(c.platform for c in found) == ["one", "two"]


async def test_disabled_plugin_does_not_answer_actions():
    async with _hub(_fake("one"), enabled=()) as hub:
        with pytest.raises(CapabilityMissing):
            await hub.commerce.get_order(ref=Ref(platform="one", id="1"))


def test_missing_capabilities_are_reported():
    hub = _hub(_fake("one"))
    assert hub.missing(["commerce_get_order", "commerce_refund_order"]) == ["commerce_refund_order"]
    assert hub.providers("commerce_get_order") == ["one"]


def test_implemented_hooks_match_declared_capabilities():
    pm = get_plugin_manager()
    for info in plugin_infos(pm):
        assert implemented_hooks(pm, info.name) == set(info.capabilities), info.name


def test_misspelled_hook_fails_at_load():
    class Typo:
        @hookimpl
        def commerce_refund_ordr(self, request):
            return None

    pm = get_plugin_manager(only=[])
    pm.register(Typo())
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


def test_unknown_plugin_section_is_refused():
    pm = get_plugin_manager(only=["shopify"])
    with pytest.raises(Exception, match=r"plugins\.nosuch: unknown plugin"):
        config_from_mapping({"plugins": {"nosuch": {}}}, source="hub.toml", models=settings_models(pm))


def test_every_store_class_names_its_operations_after_the_hooks() -> None:
    # One vocabulary for the four commerce plugins: commerce_refund_order -> store.refund_order.
    import inspect

    from hub.core.manager import implemented_hooks
    from hub.core.plugin import CommerceStore, MultiStorePlugin

    pm = get_plugin_manager()
    for name, plugin in pm.list_name_plugin():
        if not isinstance(plugin, MultiStorePlugin):
            continue
        store_class = inspect.signature(plugin.open_store).return_annotation
        module = inspect.getmodule(plugin.open_store)
        store = getattr(module, store_class) if isinstance(store_class, str) else store_class
        for hook in implemented_hooks(pm, name) - {"commerce_find_customers"}:
            operation = hook.removeprefix("commerce_")
            assert hasattr(CommerceStore, operation), hook
            assert callable(getattr(store, operation, None)), f"{store.__name__} lacks {operation}"
