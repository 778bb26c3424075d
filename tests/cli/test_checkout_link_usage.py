"""A bad ``--product``, ``--meta`` or ``--address`` of ``hub checkout-link`` is one line naming it.

``--product X:0`` printed pydantic's four-line validation dump, and the hint it came with read
``--meta key=***``: "key=value" is shaped like a credential in a query string, so the redactor
masked the hint itself.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hub.cli import app

BASE = ["checkout-link", "--platform", "shopify", "--brand", "Bright Naturals", "--email", "a@b.co"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--product", "X:0"], "--product 'X:0'"),
        (["--product", "X:two"], "--product 'X:two'"),
        (["--product", ":1"], "--product ':1'"),
        (["--product", "X:1_0"], "--product 'X:1_0'"),
        (["--product", "X:\u0661\u0662"], "--product 'X:"),
        (["--product", "X:100000000000000000000"], "--product 'X:100000000000000000000'"),
        (["--product", "X:1", "--meta", "no-equals"], "--meta 'no-equals'"),
        (["--product", "X:1", "--address", "just one part"], "--address"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_option(extra: list[str], named: str) -> None:
    result = CliRunner().invoke(app, [*BASE, *extra, "--config", "/dev/null"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert named in lines[0] and "***" not in lines[0] and "pydantic" not in lines[0]


def test_a_phone_that_is_no_number_is_one_line_not_a_name_error() -> None:
    """The routine-16b merge left ``phone_key`` unimported: ``--phone`` ended in a NameError."""
    result = CliRunner().invoke(app, [*BASE, "--product", "X:1", "--phone", "123", "--config", "/dev/null"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "--phone: not a phone number: '123'" in result.output
