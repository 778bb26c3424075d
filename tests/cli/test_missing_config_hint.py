"""Without a configuration file, the error says what the command in hand can do instead.

From a directory without ``config/hub.toml`` every command said "or add --sandbox to use the
emulators", and ``hub run``, ``hub runs``, ``hub status`` or ``hub config check`` then
answered ``No such option: --sandbox``: only the commands that take ``--sandbox`` offer it.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hub.cli import app


@pytest.fixture(autouse=True)
def no_config_here(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)


@pytest.mark.parametrize(
    "args",
    [["run", "back_office"], ["runs"], ["status"], ["config", "check"], ["dead-letters"], ["worker"]],
    ids=" ".join,
)
def test_commands_without_sandbox_do_not_offer_it(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "no configuration file here" in result.output
    assert "--sandbox" not in result.output


@pytest.mark.parametrize("args", [["lookup", "ann@example.com"], ["report", "trackers"]], ids=" ".join)
def test_commands_with_sandbox_offer_it(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "no configuration file here" in result.output
    assert "add --sandbox" in result.output
