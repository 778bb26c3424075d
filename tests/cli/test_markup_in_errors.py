"""Text a user typed is printed as typed in an error, never read as rich markup.

``hub run '[/]'`` (or a ``--config`` path, a ``--platform``, an email holding ``[/]``) crashed
with a ``rich.errors.MarkupError`` traceback instead of the one-line error, and ``[line2,]``
vanished from a hint: the error line was printed with markup on, the message inside it too.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hub.cli import app


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["run", "[/]", "--config", "/dev/null"], "flows.[/]"),
        (["lookup", "[/]", "--sandbox"], "'[/]'"),
        (["runs", "--config", "/nowhere/[bold]x[/].toml"], "/nowhere/[bold]x[/].toml"),
        (
            [
                "checkout-link",
                "--platform",
                "shopify",
                "--brand",
                "B",
                "--email",
                "a@b.co",
                "--product",
                "X:1",
                "--address",
                "one",
                "--config",
                "/dev/null",
            ],
            "[line2,]",
        ),
    ],
    ids=["run", "lookup", "config path", "address hint"],
)
def test_typed_text_is_shown_as_typed_in_a_one_line_error(args: list[str], shown: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and shown in lines[0], result.output


def test_the_doctor_names_the_section_to_enable() -> None:
    """``hub config check --live`` with no plugin said "enable one in " and stopped there."""
    result = CliRunner().invoke(app, ["config", "check", "--live", "--config", "/dev/null"])
    assert result.exit_code == 1
    assert "enable one in [plugins.<name>]" in result.output
