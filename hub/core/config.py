"""Configuration: one TOML file, overlaid by environment variables and a secrets directory.

Shape::

    [hub]                          database_url, log_level, secrets_dir
    [plugins.<name>]               enabled + the plugin's keys (validated by its own model)
    [plugins.<name>.stores.<brand>]  one store per brand, for platforms with several
    [flows.<name>]                 enabled, every ("5m") or cron ("*/5 * * * *"), the flow's options
    [console]                      the web console of ``hub serve`` (``/console``): who may log in

Precedence, highest first: environment (``HUB_DATABASE_URL``, ``HUB_<PLUGIN>__<KEY>``, nested
with ``__``), files in the secrets directory (named ``<plugin>__<key>``), the TOML file.
Every error names the file (or variable), the dotted key and the reason; a ``HUB_*`` variable
or a secret file the hub would not read is an error too (``PROCESS_ENV`` lists the variables
that are not configuration keys). Every secret validated here is registered with the redactor.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hub.core import redact
from hub.core.errors import ConfigError
from hub.core.plugin import PluginSettings

DEFAULT_CONFIG = Path("config/hub.toml")
PROCESS_ENV: dict[str, str] = {
    "HUB_CONFIG": "the configuration file (default config/hub.toml)",
    "HUB_LOAD_PLUGINS": "comma-separated plugin names: load only these",
    "HUB_TRACE_PLUGINS": "print every hook call (redacted)",
    "HUB_CRASH_AT": "crash at a named point (tests)",
    "HUB_CRASH_LOG": "log the crash points passed (tests)",
    "HUB_CRASH_SIGNAL": "SIGSTOP instead of SIGKILL at the crash point (fencing tests)",
}
"""The one list of ``HUB_*`` variables that are not configuration keys. With the ``[hub]`` keys
(``HUB_DATABASE_URL``...) and the plugin overlays (``HUB_<PLUGIN>__<KEY>``) they are every
variable the hub reads; any other ``HUB_*`` variable is a mistake and is named as one."""
RESERVED_ENV = frozenset(PROCESS_ENV)
_PLAIN_SQLITE = re.compile(r"sqlite://(?:/[^?#]*)?")
"""``sqlite://`` (in memory) or ``sqlite:///<path>`` with no driver, host or query: always a
URL SQLAlchemy reads, for the standard library's driver."""
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class EnvironmentFirst(BaseSettings):
    """A config section whose ``HUB_*`` environment variables beat the file (secrets live there)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return env_settings, init_settings  # the environment beats the file


class HubSection(EnvironmentFirst):
    """``[hub]``: read from the file, each key overridable by ``HUB_<KEY>``."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid")

    database_url: str = Field(
        default="sqlite:///var/hub.db",
        description="the state store: a SQLite file, or postgresql://user@host/db for several processes",
    )
    redis_url: str | None = Field(
        default=None,
        description="share rate limits between hub processes",
        examples=["redis://127.0.0.1:6379/0"],
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL")
    secrets_dir: Path | None = Field(
        default=None,
        description="a directory of files named <plugin>__<key>, each holding one secret",
        examples=["/run/secrets/hub"],
    )
    lease_seconds: float = Field(
        default=60.0, gt=0, description="how long a dead or stalled process's lease on a unit outlives it"
    )
    """How long a unit's lease outlives a process that died or stalled holding it (a live run
    renews it every third of this); then another run takes over, with a larger fencing token."""

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        check_database_url(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


PASSWORD_HASH_SCHEME = "scrypt"
"""The scheme a console password hash names first (``scrypt$n$r$p$salt$hash``, made by
``hub console hash-password``; read in full by ``hub.serve.console.passwords``)."""


class ConsoleSection(EnvironmentFirst):
    """``[console]``: who may use the web console ``hub serve`` serves at ``/console``.

    The console is off until a way to log in is set: the admin password's hash, a read-only
    password's hash, or the header an authenticating proxy in front of the hub sets. Each key is
    overridable by ``HUB_CONSOLE__<KEY>`` (the session secret belongs there, not in the file).
    """

    model_config = SettingsConfigDict(
        env_prefix="HUB_CONSOLE__", extra="forbid", use_attribute_docstrings=True
    )

    password_hash: str | None = None
    """The admin password (may view, retry and drop), as ``hub console hash-password`` prints it."""
    read_only_password_hash: str | None = None
    """A second password that may only view."""
    proxy_user_header: str | None = None
    """Trust this request header (``X-Forwarded-User``) as the logged-in user, set by a proxy that
    authenticates; read only from ``proxy_trusted_ips``, never when unset."""
    proxy_admins: list[str] = Field(default_factory=list)
    """Proxy users who may retry and drop; every other user the proxy names may only view."""
    proxy_trusted_ips: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    """The proxy's own addresses: the header from any other peer is ignored."""
    session_secret: SecretStr | None = None
    """Signs the session cookies; unset, a random one per process (a restart logs everyone out)."""
    session_minutes: int = Field(default=480, gt=0)
    """A login lasts this long."""
    secure_cookie: bool = False
    """Send the session cookie over HTTPS only (set it when the console is served over TLS)."""
    trusted_origins: list[str] = Field(default_factory=list)
    """Origins besides the console's own whose forms are accepted (``https://hub.example.com``
    when a proxy changes the host name)."""

    @field_validator("password_hash", "read_only_password_hash")
    @classmethod
    def _a_hash(cls, value: str | None) -> str | None:
        # The shape only: the console reads the parameters. A plain password here is a mistake.
        if value is not None and not (value.startswith(f"{PASSWORD_HASH_SCHEME}$") and value.count("$") == 5):
            raise ValueError("not a password hash: make one with `hub console hash-password`")
        return value

    @property
    def enabled(self) -> bool:
        """Whether any way to log in is configured (else the console is not served)."""
        return bool(self.password_hash or self.read_only_password_hash or self.proxy_user_header)


class FlowSettings(BaseModel):
    """``[flows.<name>]``: whether and when a flow runs; other keys are the flow's options."""

    model_config = ConfigDict(extra="allow")

    enabled: bool = Field(default=False, description="run this flow on its schedule (hub schedule, workers)")
    every: str | None = Field(default=None, description="how often: 90s, 5m, 1h, 1d", examples=["5m"])
    cron: str | None = Field(default=None, description="or when: a cron line in UTC", examples=["0 * * * *"])

    @field_validator("every")
    @classmethod
    def _valid_every(cls, value: str | None) -> str | None:
        if value is not None and parse_every(value) is None:
            raise ValueError('must be a duration like "90s", "5m", "1h" or "1d"')
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                trigger = CronTrigger.from_crontab(value, timezone=UTC)
            except ValueError as exc:
                raise ValueError(f"not a valid cron line ({exc})") from None
            if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
                raise ValueError("this cron line never fires")
        return value

    @property
    def interval(self) -> timedelta | None:
        return parse_every(self.every) if self.every else None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class HubConfig(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: str = Field(description="where the configuration came from, for error messages")
    hub: HubSection
    plugins: dict[str, PluginSettings] = Field(default_factory=dict)
    flows: dict[str, FlowSettings] = Field(default_factory=dict)
    console: ConsoleSection = Field(default_factory=ConsoleSection)

    def plugin_enabled(self, name: str) -> bool:
        settings = self.plugins.get(name)
        return bool(settings and settings.enabled)

    def flow(self, name: str) -> FlowSettings:
        return self.flows.get(name) or FlowSettings()

    def secrets(self) -> list[str]:
        """Every secret value in the configuration, for log redaction."""
        found = [value for settings in self.plugins.values() for value in _secret_values(settings)]
        return found + _secret_values(self.console)


def check_database_url(url: str) -> None:
    """``ValueError`` unless ``url`` is a SQLAlchemy URL whose dialect and driver are installed.

    Found here, at load time, rather than as a traceback from the first connection. A plain
    SQLite file URL (the default) is checked without importing SQLAlchemy, which is most of the
    cost of loading a configuration: a process that only reads platforms (``hub lookup``, a
    read) never needs it, and one that opens the store imports it then.
    """
    if _PLAIN_SQLITE.fullmatch(url):
        if importlib.util.find_spec("sqlite3") is None:
            raise ValueError("driver 'sqlite' is not installed (sqlite3)")
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("not a database URL (sqlite:///var/hub.db or postgresql://user@host/db)") from None
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise ValueError(f"unknown database driver {parsed.drivername!r} (sqlite or postgresql)") from None
    except ImportError as exc:
        raise ValueError(f"driver {parsed.drivername!r} is not installed ({exc.name})") from None


def check_environment(environ: Mapping[str, str], models: Mapping[str, type[PluginSettings]]) -> None:
    """``ConfigError`` naming the first ``HUB_*`` variable the hub would not read.

    A misspelt variable is otherwise silently ignored: ``HUB_ACME_API_KEY`` (one
    underscore) leaves the token unset and the plugin fails later for another reason.
    """
    known = set(PROCESS_ENV) | {f"HUB_{name.upper()}" for name in HubSection.model_fields}
    console_keys = sorted(ConsoleSection.model_fields)
    for var in sorted(environ):
        key = var.removeprefix("HUB_CONSOLE__")
        if key != var and key.lower() not in console_keys:
            raise ConfigError("environment", var, f"unknown [console] key (known: {', '.join(console_keys)})")
        if var.startswith("HUB_") and var not in known and "__" not in var:  # overlays: _overlay_env
            hint = _did_you_mean(var, known, models)
            raise ConfigError("environment", var, f"unknown HUB_* variable{hint}")


def _did_you_mean(var: str, known: set[str], models: Mapping[str, type[PluginSettings]]) -> str:
    rest = var[len("HUB_") :].lower()
    for plugin in sorted(models, key=len, reverse=True):
        if rest.startswith(f"{plugin}_") and len(rest) > len(plugin) + 1:
            return f" (did you mean HUB_{plugin.upper()}__{rest[len(plugin) + 1 :].upper()}?)"
    import difflib  # only for this hint: a process whose configuration is right never needs it

    close = difflib.get_close_matches(var, sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(sorted(known))})"


def parse_every(value: str) -> timedelta | None:
    match = _EVERY.match(value)
    if not match or float(match.group(1)) <= 0:
        return None
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def config_path(path: str | Path | None = None) -> tuple[Path, bool]:
    """The file to read and whether the user asked for it explicitly."""
    if path is not None:
        return Path(path), True
    if os.environ.get("HUB_CONFIG"):
        return Path(os.environ["HUB_CONFIG"]), True
    return DEFAULT_CONFIG, False


def load_config(
    path: str | Path | None = None,
    *,
    models: Mapping[str, type[PluginSettings]],
) -> HubConfig:
    """Read, overlay and validate the configuration; ``ConfigError`` on any problem."""
    file, explicit = config_path(path)
    return config_from_mapping(_read_toml(file, explicit), source=str(file), models=models)


def config_from_mapping(
    raw: Mapping[str, Any], *, source: str, models: Mapping[str, type[PluginSettings]]
) -> HubConfig:
    """Validate an already-parsed configuration (the sandbox and tests build theirs in code)."""
    environ = os.environ
    check_environment(environ, models)
    unknown_top = set(raw) - {"hub", "plugins", "flows", "console"}
    if unknown_top:
        raise ConfigError(
            source, sorted(unknown_top)[0], "unknown section (expected hub, plugins, flows, console)"
        )
    hub = _validate_hub(source, raw.get("hub", {}))
    console = _validate_console(source, raw.get("console", {}))
    plugins_raw = _as_table(source, "plugins", raw.get("plugins", {}))
    secrets_dir = hub.secrets_dir
    origins: dict[str, str] = {}
    if secrets_dir is not None:
        _overlay_secrets_dir(source, plugins_raw, secrets_dir, models, origins)
    _overlay_env(plugins_raw, environ, models, origins)
    try:
        plugins = {name: _validate_plugin(source, name, raw, models) for name, raw in plugins_raw.items()}
    except ConfigError as exc:  # a key set by a variable or a secret file: name that, not the TOML file
        origin = _origin_of(exc.key, origins)
        raise (ConfigError(origin, exc.key, exc.reason) if origin else exc) from None
    flows_raw = _as_table(source, "flows", raw.get("flows", {}))
    flows = {
        name: _validate(source, f"flows.{name}", FlowSettings, section) for name, section in flows_raw.items()
    }
    for settings in plugins.values():  # from here on, no output of this process shows them
        redact.register(_secret_values(settings), _text_values(settings))
    redact.register(_secret_values(console))
    return HubConfig(source=source, hub=hub, plugins=plugins, flows=flows, console=console)


def _read_toml(file: Path, explicit: bool) -> dict[str, Any]:
    import tomllib  # only when a file is read (the sandbox and tests build their configuration in code)

    if not file.exists():
        if explicit:
            raise ConfigError(str(file), "(file)", "configuration file not found")
        return {}
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(file), "(syntax)", str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigError(str(file), "(file)", "not UTF-8 text") from None
    except OSError as exc:  # a directory, no permission: the file's problem, not a traceback
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(str(file), "(file)", f"cannot be read ({reason})") from None


def _as_table(source: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(source, key, "must be a table")
    for name, section in value.items():
        if not isinstance(section, Mapping):
            raise ConfigError(source, f"{key}.{name}", "must be a table")
    return {name: copy.deepcopy(dict(section)) for name, section in value.items()}


def _validate_hub(source: str, section: Any) -> HubSection:
    if not isinstance(section, dict):
        raise ConfigError(source, "hub", "must be a table")
    try:
        return HubSection(**section)
    except ValidationError as exc:
        raise _config_error(source, "hub", exc) from None


def _validate_console(source: str, section: Any) -> ConsoleSection:
    if not isinstance(section, dict):
        raise ConfigError(source, "console", "must be a table")
    try:
        return ConsoleSection(**section)
    except ValidationError as exc:
        raise _config_error(source, "console", exc) from None


def _validate_plugin(
    source: str, name: str, section: dict[str, Any], models: Mapping[str, type[PluginSettings]]
) -> PluginSettings:
    model = models.get(name)
    if model is None:
        known = ", ".join(sorted(models)) or "none"
        raise ConfigError(source, f"plugins.{name}", f"unknown plugin (installed: {known})")
    return _validate(source, f"plugins.{name}", model, section)


def _validate(source: str, prefix: str, model: type[BaseModel], section: dict[str, Any]) -> Any:
    try:
        return model.model_validate(section)
    except ValidationError as exc:
        raise _config_error(source, prefix, exc) from None


def _config_error(source: str, prefix: str, exc: ValidationError) -> ConfigError:
    first = exc.errors()[0]
    key = ".".join([prefix, *(str(part) for part in first["loc"])])
    reason = first["msg"].removeprefix("Value error, ")  # pydantic's wording adds nothing
    if first["type"] == "extra_forbidden":
        reason = "unknown key"
    if prefix in ("hub", "console") and first["loc"]:
        var = f"HUB_{'' if prefix == 'hub' else 'CONSOLE__'}{str(first['loc'][0]).upper()}"
        if var in os.environ:
            source = f"{source} (overridden by {var})"
    return ConfigError(source, key, reason)


def _origin_of(key: str, origins: Mapping[str, str]) -> str | None:
    """The variable or file that set ``key``, a key inside it (``plugins.x.key`` or deeper, never
    the plugin's whole section), or the value holding it."""
    for dotted, origin in origins.items():
        inside = key.count(".") >= 2 and dotted.startswith(f"{key}.")
        if dotted == key or inside or key.startswith(f"{dotted}."):
            return origin
    return None


def _overlay_env(
    plugins: dict[str, Any],
    environ: Mapping[str, str],
    models: Mapping[str, type[PluginSettings]],
    origins: dict[str, str],
) -> None:
    """Set ``HUB_<PLUGIN>__<KEY>`` values; ``origins`` maps each dotted key set to its variable."""
    for var, value in environ.items():
        if not var.startswith("HUB_") or var in RESERVED_ENV or "__" not in var:
            continue
        name, *path = var[len("HUB_") :].lower().split("__")
        if name == "console":  # [console] reads its own variables (ConsoleSection)
            continue
        if name not in models:
            raise ConfigError(var, name, f"unknown plugin (installed: {', '.join(sorted(models))})")
        _set_path(plugins.setdefault(name, {}), path, value)
        origins[".".join(["plugins", name, *path])] = var


def _overlay_secrets_dir(
    source: str,
    plugins: dict[str, Any],
    directory: Path,
    models: Mapping[str, type[PluginSettings]],
    origins: dict[str, str],
) -> None:
    """Set each ``<plugin>__<key>`` file's text; ``origins`` maps each dotted key set to its file."""
    if not directory.is_dir():
        raise ConfigError(source, "hub.secrets_dir", f"{directory} is not a directory")
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise ConfigError(source, "hub.secrets_dir", f"{directory} cannot be read ({exc.strerror})") from None
    for file in entries:
        name, *path = file.name.lower().split("__")
        if not path or file.name.startswith("."):
            continue  # not a secret's name: README, .gitkeep, Kubernetes' ..data links
        key = ".".join(["plugins", name, *path])
        if name not in models:
            installed = ", ".join(sorted(models)) or "none"
            raise ConfigError(str(file), key, f"names no installed plugin (installed: {installed})")
        _set_path(plugins.setdefault(name, {}), path, _read_secret(file, key))
        origins[key] = str(file)


def _read_secret(file: Path, key: str) -> str:
    """The text of one secret file, or ``ConfigError`` naming the file and the key it sets."""
    if file.is_dir():
        raise ConfigError(str(file), key, "is a directory, expected a file holding the secret")
    try:
        return file.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(str(file), key, "not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(str(file), key, f"cannot be read ({exc.strerror or type(exc).__name__})") from None


def _set_path(section: dict[str, Any], path: list[str], value: str) -> None:
    for part in path[:-1]:
        section = section.setdefault(part, {})
    section[path[-1]] = value


def _text_values(model: Any) -> list[str]:
    """The plain text values of a settings model (user names, API ids) that Basic auth pairs
    with a secret."""
    if isinstance(model, str):
        return [model]
    if isinstance(model, BaseModel):
        return [text for name in type(model).model_fields for text in _text_values(getattr(model, name))]
    if isinstance(model, dict):
        return [text for item in model.values() for text in _text_values(item)]
    if isinstance(model, list | tuple):
        return [text for item in model for text in _text_values(item)]
    return []


def _secret_values(model: Any) -> list[str]:
    values: list[str] = []
    if isinstance(model, SecretStr):
        secret = model.get_secret_value()
        return [secret] if secret else []
    if isinstance(model, BaseModel):
        for field_name in type(model).model_fields:
            values.extend(_secret_values(getattr(model, field_name)))
    elif isinstance(model, dict):
        for item in model.values():
            values.extend(_secret_values(item))
    elif isinstance(model, list | tuple):
        for item in model:
            values.extend(_secret_values(item))
    return values
