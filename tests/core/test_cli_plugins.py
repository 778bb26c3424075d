"""Commands are plugins too: ``hub_cli_commands`` adds a plugin's commands to the ``hub`` command.

A throw-away plugin is registered on a fresh manager, the command line is built from it and the
plugin's command is invoked through typer's runner, as ``hub`` would run it.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Annotated

import pluggy
import pytest
import typer
from typer.main import get_group
from typer.testing import CliRunner

from hub.cli import BUILT_IN_AREAS, build_app
from hub.core.hookspecs import hookimpl
from hub.core.manager import get_plugin_manager


class Greeter:
    """A plugin whose only hook adds ``hub hello`` and the ``hub greetings`` group."""

    @hookimpl
    def hub_cli_commands(self, app: typer.Typer) -> None:
        app.command()(hello)
        greetings = typer.Typer(help="Greetings.", no_args_is_help=True)
        greetings.command("wave")(lambda: print("*waves*"))
        app.add_typer(greetings, name="greetings")


def hello(name: Annotated[str, typer.Option(help="Who to greet.")] = "world") -> None:
    """Say hello."""
    print(f"hello {name}")
    if name == "nobody":
        raise typer.Exit(3)


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = get_plugin_manager(only=[])
    for number, plugin in enumerate(plugins):
        pm.register(plugin, name=f"throwaway{number}")
    return pm


def names(app: typer.Typer) -> list[str]:
    """The commands ``hub --help`` lists, in its order."""
    return list(get_group(app).commands)


def test_a_plugin_command_runs_through_the_cli_with_its_options_and_exit_code() -> None:
    app = build_app(manager(Greeter()))
    runner = CliRunner()
    result = runner.invoke(app, ["hello", "--name", "Ava"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello Ava\n"
    assert runner.invoke(app, ["hello", "--name", "nobody"]).exit_code == 3
    assert runner.invoke(app, ["greetings", "wave"]).output == "*waves*\n"
    assert "Who to greet." in runner.invoke(app, ["hello", "--help"]).output


def test_plugin_commands_come_after_the_hubs_own_in_the_help() -> None:
    listed = names(build_app(manager(Greeter())))
    assert listed.index("hello") == listed.index("serve") + 1  # the last of the hub's commands
    assert listed[-1] == "greetings"  # groups are listed after the commands
    assert names(build_app(manager())) == [n for n in listed if n not in ("hello", "greetings")]


class Usurper:
    """Names taken by the hub: a command, a group, and a group merged without a name."""

    @hookimpl(tryfirst=True)  # asking to go first does not put it before the hub's commands
    def hub_cli_commands(self, app: typer.Typer) -> None:
        app.command("run")(lambda: print("not the hub's run"))
        app.add_typer(typer.Typer(help="Not the hub's config."), name="config")
        merged = typer.Typer()
        merged.command("demo")(lambda: print("not the hub's demo"))
        app.add_typer(merged)
        app.command("extra")(lambda: print("extra"))


def test_a_plugin_cannot_replace_a_hub_command(capsys: pytest.CaptureFixture[str]) -> None:
    app = build_app(manager(Usurper()))
    warnings = capsys.readouterr().err
    for name in ("run", "config", "demo"):
        assert f"a plugin's command {name!r} is already taken; left out" in warnings
    runner = CliRunner()
    assert "Run one flow now." in runner.invoke(app, ["run", "--help"]).output
    assert "Check the configuration." in runner.invoke(app, ["config", "--help"]).output
    assert "twice" in runner.invoke(app, ["demo", "--help"]).output  # the hub's demo
    assert runner.invoke(app, ["extra"]).output == "extra\n"  # a free name is kept


def test_a_second_plugin_cannot_replace_the_first_ones_command(capsys: pytest.CaptureFixture[str]) -> None:
    app = build_app(manager(Greeter(), Greeter()))
    assert "'hello' is already taken" in capsys.readouterr().err
    assert names(app).count("hello") == 1


def test_an_installed_plugin_adds_its_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package registered under ``hub.plugins`` (as a third party's is) adds its command to
    the command line built for the installed plugins."""
    (tmp_path / "acme_tools.py").write_text(
        textwrap.dedent('''
            import typer

            from hub.core.hookspecs import hookimpl


            @hookimpl
            def hub_cli_commands(app: typer.Typer) -> None:
                @app.command("acme-ping")
                def ping() -> None:
                    """Ask Acme whether it is there."""
                    print("pong")
        ''')
    )
    dist = tmp_path / "acme_tools-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tools\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[hub.plugins]\nacme_tools = acme_tools\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("HUB_LOAD_PLUGINS", raising=False)

    result = CliRunner().invoke(build_app(), ["acme-ping"])
    assert (result.exit_code, result.output) == (0, "pong\n")


def test_a_misspelt_plugin_list_still_builds_the_cli_and_each_command_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_LOAD_PLUGINS", "intercom,aircal")
    result = CliRunner().invoke(build_app(), ["plugins"])
    assert result.exit_code == 2
    assert "aircal" in result.output and "no such plugin" in result.output


@pytest.mark.parametrize("area", BUILT_IN_AREAS)
def test_the_hubs_own_commands_come_through_the_hook(area: str) -> None:
    module = importlib.import_module(area)
    assert getattr(module.hub_cli_commands, "hub_impl", None) is not None, f"{area} is no hookimpl"
    app = typer.Typer()
    module.hub_cli_commands(app=app)
    assert names(app), f"{area} added no command"


@pytest.mark.parametrize(
    "statement",
    [
        "import hub.cli; assert 'hub.serve.command' not in sys.modules",  # serve is found, not imported
        "import hub.serve.command; from hub.cli import app; assert 'serve' in get_group(app).commands",
    ],
    ids=["cli-first", "serve-first"],
)
def test_the_cli_and_serve_import_in_either_order(statement: str) -> None:
    script = f"import sys; from typer.main import get_group; {statement}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
