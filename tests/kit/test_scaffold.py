"""``hub plugin new``: the generated package installs, passes its tests and is listed by ``hub plugins``."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.scaffold.generator import package_folder

BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=180)


@pytest.fixture
def installed() -> Iterator[list[str]]:
    """Names of the packages a test installed into this venv; uninstalled afterwards."""
    names: list[str] = []
    yield names
    if names:
        run(sys.executable, "-m", "pip", "uninstall", "-y", "-q", *names, cwd=Path.cwd())


@pytest.mark.parametrize("kind", ["commerce", "helpdesk", "telephony"])
def test_a_generated_plugin_passes_its_standard_tests_and_is_listed(
    kind: str, tmp_path: Path, installed: list[str]
) -> None:
    name = f"kit_{kind}"
    created = CliRunner().invoke(app, ["plugin", "new", name, "--kind", kind, "--dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    package = package_folder(name, tmp_path)
    assert (package / "pyproject.toml").exists()

    # --no-build-isolation: build with the hatchling already in this venv, no index needed
    pip = run(
        sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", ".",
        cwd=package,
    )  # fmt: skip
    installed.append(f"hub-{name.replace('_', '-')}")
    assert pip.returncode == 0, pip.stderr

    tests = run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", cwd=package)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-1000:]
    assert re.search(r"\b1[0-9] passed", tests.stdout), tests.stdout[-1000:]

    listed = run(str(BIN / "hub"), "plugins", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert name in listed.stdout
    assert "undeclared" not in listed.stderr


def test_plugin_new_refuses_a_bad_name_and_an_existing_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["plugin", "new", "Bad-Name", "--kind", "commerce", "--dir", str(tmp_path)])
    assert bad.exit_code == 2
    first = runner.invoke(app, ["plugin", "new", "twice", "--kind", "helpdesk", "--dir", str(tmp_path)])
    again = runner.invoke(app, ["plugin", "new", "twice", "--kind", "helpdesk", "--dir", str(tmp_path)])
    assert first.exit_code == 0 and again.exit_code == 2
    assert "already exists" in again.output


def test_the_generated_plugin_lists_every_other_hook_of_its_kind_as_unsupported(tmp_path: Path) -> None:
    from hub.scaffold.generator import generate
    from hub.testing.checks import hooks_of_kind

    plugin_py = (generate("gaps", "telephony", tmp_path) / "hub_gaps" / "plugin.py").read_text()
    for hook in hooks_of_kind("telephony"):  # implemented (its capability), or named unsupported
        assert f"def {hook}(" in plugin_py or f'"{hook}"' in plugin_py


@pytest.mark.parametrize("typed", ["acme-store", "acme_store", "hub-acme-store"])
def test_a_hyphenated_name_is_the_package_norm_and_the_plugin_keeps_underscores(
    tmp_path: Path, typed: str
) -> None:
    created = CliRunner().invoke(app, ["plugin", "new", typed, "--kind", "commerce", "--dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    package = tmp_path / "hub-acme-store"
    assert package_folder(typed, tmp_path) == package
    assert (package / "hub_acme_store" / "plugin.py").exists()
    pyproject = (package / "pyproject.toml").read_text()
    assert 'name = "hub-acme-store"' in pyproject
    assert 'acme_store = "hub_acme_store.plugin:' in pyproject  # the entry point: the config's section name
    assert "plugin acme_store, package hub_acme_store, config [plugins.acme_store]" in created.stdout


@pytest.mark.parametrize("bad", ["Bad-Name", "acme--store", "acme_-x", "acme-", "9acme", "a", "x" * 32])
def test_a_name_that_cannot_be_a_plugin_says_what_one_may_be(tmp_path: Path, bad: str) -> None:
    refused = CliRunner().invoke(app, ["plugin", "new", bad, "--kind", "commerce", "--dir", str(tmp_path)])
    assert refused.exit_code == 2
    (line,) = refused.output.strip().splitlines()
    assert line == (
        f"error: plugin name {bad!r}: use 2-31 lower-case letters and digits, a letter first, "
        "words joined by - or _ (e.g. acme-store)"
    )
    assert list(tmp_path.iterdir()) == []
