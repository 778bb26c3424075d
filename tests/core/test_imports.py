"""The runtime never loads test tooling, emulators or the web server it does not need."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("pytest", "_pytest", "respx", "hypothesis", "starlette", "hub.testing")


def loaded_after(statement: str) -> list[str]:
    script = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def offending(modules: list[str]) -> list[str]:
    return [
        m
        for m in modules
        if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN) or ".emulator" in m or m.endswith(".seed")
    ]


def test_importing_the_cli_loads_no_test_tooling_emulator_or_starlette() -> None:
    assert offending(loaded_after("import hub.cli")) == []


def test_starting_every_plugin_loads_no_emulator() -> None:
    modules = loaded_after("from hub.core.manager import get_plugin_manager; get_plugin_manager()")
    assert "plugins.intercom.plugin" in modules  # the check would be empty otherwise
    assert offending(modules) == []
