"""A port the server cannot listen on is a one-line error, not a traceback.

``hub serve --port 99999`` and ``hub sandbox --port 70000`` ended in ``OverflowError: bind():
port must be 0-65535``; ``hub sandbox`` on a port another process holds ended in
``OSError: [Errno 98] Address already in use``, both as tracebacks.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from hub.cli import app


@pytest.mark.parametrize("command", [["serve", "--sandbox"], ["sandbox"]], ids=" ".join)
@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_a_usage_error(command: list[str], port: str) -> None:
    result = CliRunner().invoke(app, [*command, "--port", port])
    assert result.exit_code == 2, result.output
    assert "--port" in result.output and "Traceback" not in result.output


@pytest.fixture
def busy_port() -> Iterator[int]:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    yield holder.getsockname()[1]
    holder.close()


def test_a_busy_port_for_the_sandbox_is_one_line(busy_port: int, tmp_path) -> None:
    config = tmp_path / "live.toml"
    result = CliRunner().invoke(app, ["sandbox", "--port", str(busy_port), "--write-config", str(config)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"{busy_port}" in lines[0] and "--port" in lines[0], result.output
    assert not config.exists()
