"""The options several commands share (``--config``, ``--sandbox``) and the runtime they load."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.core.manager import get_plugin_manager
from hub.engine import Runtime

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Config file (default: $HUB_CONFIG or config/hub.toml).")
]
SandboxOption = Annotated[
    bool, typer.Option("--sandbox", help="Talk to the built-in emulators instead of the real platforms.")
]


def load_runtime(config: Path | None, sandbox: bool = False) -> Runtime:
    """The runtime of ``config`` (``None``: the default file); with ``sandbox``, wired to the
    emulators instead of the real platforms. Raises ``ConfigError`` for a bad configuration."""
    if not sandbox:
        return Runtime.load(config)
    from hub.sandbox import Sandbox  # the emulators are loaded only when asked for

    pm = get_plugin_manager()
    built = Sandbox(pm)
    built.build()
    return Runtime.from_config(pm, built.config(config), transports=built.transports())
