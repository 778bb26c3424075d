"""Fixtures of the reliability tests: loopback emulators and killable hub processes per module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hub.store import Store
from tests.reliability.harness import HubProcesses, LiveEmulators, LiveWorld, fresh_world, module_emulators


@dataclass
class Live:
    """The module's emulators and hub processes; each scenario gets a fresh world and store."""

    emulators: LiveEmulators
    processes: HubProcesses
    template_db: Path
    root: Path
    scenarios: int = 0
    outputs: list[Path] = field(default_factory=list)
    references: dict[str, Any] = field(default_factory=dict)
    """Each flow's uninterrupted run: end state and crash points passed (see the crash tests)."""

    def world(self) -> LiveWorld:
        """A freshly seeded sandbox plugged into the servers, with an empty (migrated) store."""
        self.scenarios += 1
        directory = self.root / f"scenario-{self.scenarios:03d}"
        directory.mkdir()
        shutil.copy(self.template_db, directory / "hub.db")  # migrating costs a second; copying does not
        return fresh_world(self.emulators, directory)

    def hub(self, world: LiveWorld, *argv: str, env: dict[str, str] | None = None) -> int:
        """Run ``hub ARGV --config <world's config>`` in a child process; its exit code."""
        output = world.directory / "output.txt"
        self.outputs.append(output)
        return self.processes.run(*argv, "--config", str(world.config_path), output=output, env=env)

    def output(self, world: LiveWorld) -> str:
        path = world.directory / "output.txt"
        return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with module_emulators() as (emulators, processes):
        template = tmp_path_factory.mktemp("template") / "hub.db"
        store = Store(f"sqlite:///{template}")
        store.migrate()
        store.dispose()
        yield Live(emulators, processes, template, tmp_path_factory.mktemp("scenarios"))
