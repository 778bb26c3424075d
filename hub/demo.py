"""``hub demo``: the whole job on the sandbox, twice, to show the second pass does nothing new."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy
from sqlalchemy import event

from hub.core.setup import SetupItem
from hub.engine import RunReport, Runtime, run_flow
from hub.engine.readiness import setup
from hub.flows import order
from hub.sandbox import Sandbox

DEMO_DB = Path("var/demo.db")
Progress = Callable[[str], Callable[[int, int | None], None]]


@dataclass
class DemoPass:
    reports: list[RunReport] = field(default_factory=list)
    setup: list[SetupItem] = field(default_factory=list)
    """What ``hub setup`` did before this pass (the first pass of an ``empty`` demo)."""
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """Flows that could not run, with the capabilities no enabled plugin provides."""
    run_ids: dict[str, int] = field(default_factory=dict)
    """Each flow's run, by the id ``hub runs show ID --config CONFIG`` takes (its last unit's)."""
    config: Path | None = None
    """A configuration file naming the demo's database, for ``hub runs`` and ``hub status``."""

    @property
    def actions(self) -> int:
        return sum(r.counts.get("actions", 0) for r in self.reports)


async def run_demo(
    pm: pluggy.PluginManager,
    *,
    passes: int = 2,
    database: Path = DEMO_DB,
    progress: Progress | None = None,
    empty: bool = False,
) -> list[DemoPass]:
    """Seed the sandbox, then run every flow in dependency order ``passes`` times.

    Also writes ``<database>.toml`` (``var/demo.toml``) naming the demo's database, so that
    ``hub runs --config var/demo.toml`` shows what the demo did.

    ``empty``: the helpdesk starts as a new workspace (``SandboxWorld.empty``) and ``hub setup``
    runs first, as on a real workspace; the first pass carries what it did.
    """
    for stale in database.parent.glob(f"{database.name}*"):
        stale.unlink()  # every demo starts from an empty store
    sandbox = Sandbox(pm, empty=empty)
    sandbox.build()
    config = sandbox.config(database_url=f"sqlite:///{database}")
    history = write_history_config(database)
    runtime = Runtime.from_config(pm, config, transports=sandbox.transports())
    unsynced(runtime)
    results: list[DemoPass] = []
    async with runtime.session() as hub:
        prepared = await setup(runtime, hub, apply=True) if empty else []
        for _ in range(passes):
            current = DemoPass(setup=prepared if not results else [])
            for name in order():
                if not config.flow(name).enabled:
                    continue
                missing = hub.missing(runtime.flow(name).requires)
                if missing:
                    current.skipped[name] = missing
                    continue
                advance = progress(name) if progress else None
                current.reports.append(await run_flow(runtime, name, hub=hub, progress=advance))
                current.run_ids[name] = runtime.store.runs.recent(1, name)[0].id
            current.config = history
            results.append(current)
    runtime.store.dispose()
    return results


def unsynced(runtime: Runtime) -> None:
    """Let the demo's commits go without waiting for the disk (SQLite ``synchronous=NORMAL``).

    The demo's database is thrown away by the next demo. In WAL mode NORMAL still keeps the
    file whole and loses nothing when the process dies; only a power cut can lose the last
    commits. Waiting for an fsync on each of the demo's 2,400 commits was a third of its time.
    The hub's own databases keep SQLite's default (every commit on disk before it returns).
    """
    engine = runtime.store.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _normal_sync(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    engine.dispose()  # the connection the migrations opened is reopened with it


def write_history_config(database: Path) -> Path:
    """A configuration file next to ``database`` naming it (absolute), and nothing else: enough
    for the commands that read the history (``hub runs``, ``hub dead-letters``), no secret."""
    import tomli_w

    path = database.with_suffix(".toml")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Written by `hub demo`: its database, for `hub runs --config {path}`.\n"
    path.write_text(header + tomli_w.dumps({"hub": {"database_url": f"sqlite:///{database.resolve()}"}}))
    return path
