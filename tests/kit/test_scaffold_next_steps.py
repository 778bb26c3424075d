"""The next steps ``hub plugin new`` prints work in the environment the README installs.

The README installs the hub without extras, and the generated package keeps pytest in its
``test`` extra: the printed ``pip install -e . && python -m pytest`` failed with "No module
named pytest". The steps, and the generated README, install ``.[test]``.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app


def test_the_printed_steps_and_the_readme_install_the_test_extra(tmp_path: Path) -> None:
    created = CliRunner().invoke(app, ["plugin", "new", "acme", "--kind", "commerce", "--dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    steps = next(line for line in created.output.splitlines() if line.startswith("next:"))
    assert "pip install -e '.[test]'" in steps and "python -m pytest" in steps
    readme = (tmp_path / "hub-acme" / "README.md").read_text()
    assert "pip install -e '.[test]'" in readme
    assert "test = [" in (tmp_path / "hub-acme" / "pyproject.toml").read_text()
