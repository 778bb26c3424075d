"""Configuration: file, environment and secrets overlays, and errors naming file and key."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from pydantic import SecretStr

from hub.core.config import load_config
from hub.core.errors import ConfigError
from hub.core.logs import RedactingFormatter, register_secrets
from hub.core.plugin import PluginSettings


class StoreSettings(PluginSettings):
    brand: str


class DemoSettings(PluginSettings):
    token: SecretStr
    per_minute: int = 60
    stores: dict[str, StoreSettings] = {}


MODELS = {"demo": DemoSettings}


def write(tmp_path, text: str):
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return path


def test_a_valid_file_loads(tmp_path):
    path = write(tmp_path, """
[hub]
database_url = "sqlite:///x.db"
[plugins.demo]
enabled = true
token = "s3cr3t-token"
[plugins.demo.stores.paleohacks]
brand = "PaleoHacks"
[flows.call_log]
enabled = true
every = "5m"
tag = "no-answer"
""")
    config = load_config(path, models=MODELS)
    demo = config.plugins["demo"]
    assert demo.token.get_secret_value() == "s3cr3t-token"
    assert "s3cr3t" not in repr(demo) and "s3cr3t" not in str(config)
    assert demo.stores["paleohacks"].brand == "PaleoHacks"
    assert config.flow("call_log").interval == timedelta(minutes=5)
    assert config.flow("call_log").options == {"tag": "no-answer"}
    assert config.secrets() == ["s3cr3t-token"]


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('[plugins.nosuch]\nenabled = true', "plugins.nosuch", "unknown plugin"),
        ('[plugins.demo]\nenabled = true', "plugins.demo.token", "Field required"),
        ('[plugins.demo]\ntoken = "x"\nper_minute = "lots"', "plugins.demo.per_minute", "integer"),
        ('[plugins.demo]\ntoken = "x"\ntokn = "y"', "plugins.demo.tokn", "unknown key"),
        ('[plugins.demo]\ntoken = "x"\n[plugins.demo.stores.a]\nenabled = true',
         "plugins.demo.stores.a.brand", "Field required"),
        ('[flows.call_log]\ncron = "61 * * * *"', "flows.call_log.cron", "not a valid cron line"),
        ('[flows.call_log]\nevery = "soon"', "flows.call_log.every", "duration"),
        ('[hub]\nlog_level = "LOUD"', "hub.log_level", "must be one of"),
        ('[hub]\ndatabase = "x"', "hub.database", "unknown key"),
        ('[plugin.demo]\nenabled = true', "plugin", "unknown section"),
        ('[plugins.demo\n', "(syntax)", "Expected"),
    ],
)
def test_errors_name_file_key_and_reason(tmp_path, text, key, reason):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, models=MODELS)
    error = caught.value
    assert error.source.startswith(str(path))
    assert error.key == key
    assert reason in error.reason
    assert str(error).startswith(f"{path}: {key}: ")


def test_missing_file_named_explicitly_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml", models=MODELS)


def test_hub_config_env_chooses_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[plugins.demo]\ntoken = "from-file"')
    monkeypatch.setenv("HUB_CONFIG", str(path))
    assert load_config(models=MODELS).source == str(path)


def test_environment_overrides_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[hub]\ndatabase_url = "sqlite:///a.db"\n[plugins.demo]\ntoken = "file"')
    monkeypatch.setenv("HUB_DEMO__TOKEN", "from-env")
    monkeypatch.setenv("HUB_DEMO__STORES__EARTH__BRAND", "Earth Echo")
    monkeypatch.setenv("HUB_DATABASE_URL", "sqlite:///b.db")
    config = load_config(path, models=MODELS)
    assert config.plugins["demo"].token.get_secret_value() == "from-env"
    assert config.plugins["demo"].stores["earth"].brand == "Earth Echo"
    assert config.hub.database_url == "sqlite:///b.db"


def test_environment_errors_name_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_NOSUCH__TOKEN", "x")
    with pytest.raises(ConfigError, match="HUB_NOSUCH__TOKEN: nosuch: unknown plugin"):
        load_config(write(tmp_path, ""), models=MODELS)


def test_secrets_directory(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "demo__token").write_text("from-secret-file\n")
    path = write(tmp_path, f'[hub]\nsecrets_dir = "{secrets}"\n[plugins.demo]\nenabled = true')
    config = load_config(path, models=MODELS)
    assert config.plugins["demo"].token.get_secret_value() == "from-secret-file"


def test_log_lines_never_show_secrets():
    register_secrets(["tok-123456789"])
    formatter = RedactingFormatter("%(message)s")
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "calling with %s and %s",
                               ("tok-123456789", "Authorization: Bearer abcdef"), None)
    line = formatter.format(record)
    assert "tok-123456789" not in line and "abcdef" not in line
    assert line.count("***") == 2


def test_every_http_plugin_shares_one_name_per_idea_and_old_names_still_read(caplog) -> None:
    from hub.core.manager import get_plugin_manager, settings_models
    from hub.core.plugin import HttpPluginSettings

    models = settings_models(get_plugin_manager())
    for name in ("intercom", "aircall", "shopify", "konnektive", "stickyio", "ultracart"):
        assert issubclass(models[name], HttpPluginSettings), name
        assert {"timeout_seconds", "max_attempts", "retry_after_cap"} <= set(models[name].model_fields)
    old = models["aircall"].model_validate({"timeout": 7})
    assert old.timeout_seconds == 7
    assert "'timeout' is deprecated: use 'timeout_seconds'" in caplog.text


def test_paging_and_phone_region_keys_are_one_name_each_and_old_names_still_read(caplog) -> None:
    from hub.core.manager import get_plugin_manager, settings_models

    models = settings_models(get_plugin_manager())
    for name in ("intercom", "aircall", "konnektive", "ultracart"):
        assert "page_size" in models[name].model_fields, name
    for name in ("intercom", "aircall"):
        assert "default_phone_region" in models[name].model_fields, name
    aircall = models["aircall"].model_validate({"per_page": 20, "default_region": "GB"})
    konnektive = models["konnektive"].model_validate({"results_per_page": 50})
    assert (aircall.page_size, aircall.default_phone_region, konnektive.page_size) == (20, "GB", 50)
    for old, new in (("per_page", "page_size"), ("default_region", "default_phone_region")):
        assert f"'{old}' is deprecated: use '{new}'" in caplog.text
    assert "'results_per_page' is deprecated: use 'page_size'" in caplog.text
