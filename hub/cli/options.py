"""The options several commands share (``--config``, ``--sandbox``, ``--json``, ``--wide``) and
the runtime they load.

``--config`` is taken wherever the user puts it: ``hub --config C dead-letters retry 1``,
``hub dead-letters --config C retry 1`` and ``hub dead-letters retry 1 --config C`` all read
``C`` (every ``ConfigOption`` looks outwards for one given before it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.core.config import config_path
from hub.core.errors import ConfigError
from hub.core.manager import get_plugin_manager
from hub.engine import Runtime


def _outer_config(ctx: typer.Context, value: Path | None) -> Path | None:
    """``--config`` given to a command this one is under counts as given to it.

    Options are read outside in, so an enclosing command's are known by the time this one's
    are: ``hub --config C dead-letters retry 1`` and ``hub dead-letters --config C retry 1``
    read ``C`` as ``hub dead-letters retry 1 --config C`` does (the nearest one wins).
    """
    outer = ctx.parent
    while value is None and outer is not None:
        value = outer.params.get("config")
        outer = outer.parent
    return value


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $HUB_CONFIG or config/hub.toml); before or after the sub-command.",
        callback=_outer_config,
    ),
]
SandboxOption = Annotated[
    bool, typer.Option("--sandbox", help="Talk to the built-in emulators instead of the real platforms.")
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="One JSON document on stdout, nothing else (shapes: docs/cli-json.md)."),
]
WideOption = Annotated[bool, typer.Option("--wide", help="Every column, whatever the terminal's width.")]

MISSING_CONFIG = (
    "no configuration file here; give --config FILE or set HUB_CONFIG "
    "(an empty file runs on the built-in defaults)"
)
SANDBOX_HINT = ", or add --sandbox to use the emulators"
"""Added to ``MISSING_CONFIG`` for the commands that take ``--sandbox``, and only for them
(``hub run`` has none: offering it there only earned a "No such option" error)."""


def require_config_file(config: Path | None, *, offer_sandbox: bool = False) -> Path | None:
    """``config``, the configuration file the command was given (None: the default one).

    Raises ``ConfigError`` when none was named (no ``--config``, no ``HUB_CONFIG``) and the
    default ``config/hub.toml`` is not there: a command run from the wrong directory must not
    quietly run on the defaults with a fresh, empty ``var/hub.db``. Running on the defaults is
    asked for explicitly, with an empty file (``--config /dev/null``).
    """
    file, explicit = config_path(config)
    if not explicit and not file.exists():
        raise ConfigError(str(file), "(file)", MISSING_CONFIG + (SANDBOX_HINT if offer_sandbox else ""))
    return config


def load_runtime(config: Path | None, sandbox: bool | None = None) -> Runtime:
    """The runtime of ``config`` (``None``: the default file); with ``sandbox``, wired to the
    emulators instead of the real platforms. Commands with a ``--sandbox`` option pass its value
    (so a missing file's error offers it); the others leave ``sandbox`` None.

    Raises ``ConfigError`` for a bad configuration, or a missing one (``require_config_file``).
    """
    if not sandbox:
        return Runtime.load(require_config_file(config, offer_sandbox=sandbox is not None))
    from hub.sandbox import Sandbox  # the emulators are loaded only when asked for

    pm = get_plugin_manager()
    built = Sandbox(pm)
    built.build()
    return Runtime.from_config(pm, built.config(config), transports=built.transports())
