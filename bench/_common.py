"""What the bench scripts share: loopback servers in their own process, CPU clocks, limits off.

An emulator (or a page server) runs in a forked subprocess so its CPU and memory are not the
measured process's, and so it gets the machine's other core. Its in-memory state stays in that
process: ``Served.stats()`` asks it for the figures a bench needs (request counts, refusals).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/x.py` from the checkout, installed or not
    sys.path.insert(0, str(ROOT))

from hub.core.http import NoLimits  # noqa: E402, F401  (limits off: the benches import it from here)
from hub.sandbox.emulator import CountingTransport  # noqa: E402, F401  (the benches count with it)

AppFactory = Callable[[], Any]
StatsReader = Callable[[Any], dict[str, Any]]


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a measured child process: this one's, plus ``extra``, with bytecode caches on.

    Python writes ``.pyc`` files unless told not to, and ``pip install .`` compiles them at
    install; an environment that forbids them (some sandboxes set ``PYTHONDONTWRITEBYTECODE``)
    would time the compiling of every module the child imports, on every run, which no user
    pays twice. Run the child once untimed first so the caches exist.
    """
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve_child(factory: AppFactory, stats: StatsReader | None, sock: socket.socket, conn: Any) -> None:
    import uvicorn

    app = factory()
    config = uvicorn.Config(app, log_level="error", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    conn.send("ready")
    while True:
        message = conn.recv()
        if message == "stats":
            conn.send(stats(app) if stats else {})
            continue
        server.should_exit = True
        thread.join(5)
        conn.send("stopped")
        return


class Served:
    """An ASGI app served on loopback from a forked process (``with Served(factory) as s: s.url``).

    The factory runs in the child, after the fork; anything it closes over is inherited, not
    pickled. Start servers before ``asyncio.run`` so no event loop is forked.
    """

    def __init__(self, factory: AppFactory, stats: StatsReader | None = None) -> None:
        self.factory, self.stats_reader = factory, stats
        self.url = ""

    def __enter__(self) -> Served:
        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._process = context.Process(
            target=_serve_child, args=(self.factory, self.stats_reader, sock, child_conn), daemon=True
        )
        self._process.start()
        sock.close()  # the child holds its own copy
        if not self._conn.poll(120) or self._conn.recv() != "ready":
            raise RuntimeError("the server process did not start")
        return self

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        return self._conn.recv()

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.send("stop")
            self._conn.poll(10)
        finally:
            self._process.join(5)
            if self._process.is_alive():
                self._process.kill()


def verdict(ratio: float, target: float, at_least: bool = True) -> str:
    met = ratio >= target if at_least else ratio <= target
    sign = ">=" if at_least else "<="
    return f"{ratio:.3f} (target {sign} {target:g}: {'met' if met else 'MISSED'})"


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


# --------------------------------------------------------------------------- figures for run_all


def figure(
    name: str, value: float | None, goal: float, *, at_least: bool = True, unit: str = ""
) -> dict[str, Any]:
    """One figure a bench reports: what it measured (``None``: not measured), against its goal."""
    return {"name": name, "value": value, "goal": goal, "at_least": at_least, "unit": unit}


def write_figures(path: Path | None, figures: list[dict[str, Any]]) -> None:
    """``--json PATH``: the figures for ``bench/run_all.py`` (``{"figures": [...]}``)."""
    if path is not None:
        import json

        path.write_text(json.dumps({"figures": figures}, indent=2))
