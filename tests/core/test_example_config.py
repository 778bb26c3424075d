"""``config/hub.example.toml`` is ``hub config example``'s output: complete, documented, valid."""

from __future__ import annotations

import tomllib

from hub.cli.example import EXAMPLE, example_toml
from hub.core.config import HubSection, config_from_mapping
from hub.core.manager import get_plugin_manager, settings_models
from hub.flows import load_flows
from hub.sandbox.world import BRANDS, store_key


def generated() -> str:
    return example_toml(get_plugin_manager())


def test_the_example_file_is_the_generators_output() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == generated(), (
        "config/hub.example.toml is stale: run `hub config example --output config/hub.example.toml`"
    )


def test_every_key_has_a_description() -> None:
    undocumented = [line for line in generated().splitlines() if "(no description)" in line]
    assert undocumented == []


def test_it_holds_every_hub_plugin_and_flow_key_and_a_store_per_brand() -> None:
    raw = tomllib.loads(generated())
    assert set(HubSection.model_fields) - {"redis_url", "secrets_dir"} <= set(raw["hub"])
    models = settings_models(get_plugin_manager())
    assert set(raw["plugins"]) == set(models)
    for name, model in models.items():
        section = raw["plugins"][name]
        keys = set(model.model_fields)
        optional = {key for key, info in model.model_fields.items() if info.default is None}
        assert keys - optional <= set(section), name
        if "stores" in keys:
            assert set(section["stores"]) == {store_key(brand) for brand in BRANDS}, name
    assert set(raw["flows"]) == set(load_flows())


def test_the_example_is_a_valid_configuration_with_secrets_as_placeholders() -> None:
    raw = tomllib.loads(generated())
    config = config_from_mapping(raw, source="example", models=settings_models(get_plugin_manager()))
    assert not any(settings.enabled for settings in config.plugins.values())
    assert set(config.secrets()) == {"<secret>"}  # no real credential in the example
