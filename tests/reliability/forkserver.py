"""A fork server for the crash tests: the hub imported once, one forked child per ``hub`` command.

Starting Python and importing the hub costs about a second; the crash tests run a hundred
hub processes, so this process pays that once and forks a child per request. Each child is a
real, separate process running the real CLI (``hub run FLOW --config ...``) and can be killed
with SIGKILL like any other; the parent only waits for it and reports how it ended.

Protocol, one JSON object per line: ``{"argv": [...], "env": {...}, "output": path}`` on stdin,
``{"returncode": n}`` on stdout (negative: killed by that signal, as ``subprocess`` reports).
The parent starts no thread, so forking it is safe.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any


def preload() -> None:
    """Import everything a run imports, so that a child starts at once."""
    import alembic.command  # noqa: F401

    from hub.cli import app  # noqa: F401  (built once here: the commands, the plugins' too)
    from hub.core.manager import built_in_plugins, get_plugin_manager
    from hub.flows import load_flows

    load_flows()
    get_plugin_manager(list(built_in_plugins()))


def run_child(request: dict[str, Any]) -> int:
    """In the child: point stdout/stderr at the output file, run the CLI, return its exit code."""
    os.environ.update(request.get("env", {}))
    out = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    from hub.cli import app

    try:
        app(request["argv"], prog_name="hub")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 70
    return 0


def serve() -> None:
    preload()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: never returns into this loop
            code = 70
            try:
                code = run_child(request)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        sys.stdout.write(json.dumps({"returncode": code}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
