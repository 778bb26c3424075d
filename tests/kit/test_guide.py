"""docs/plugins.md: the hook reference is current and the walk-through's code runs green."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from hub.scaffold import docs
from hub.testing import StandardPluginTests
from hub.testing.checks import spec_functions

WALKTHROUGH = re.compile(r"<!-- walkthrough:start -->(.*?)<!-- walkthrough:end -->", re.S)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def walkthrough_code() -> str:
    """The walk-through's python blocks, in order, as one module."""
    section = WALKTHROUGH.search(docs.DOC.read_text(encoding="utf-8"))
    assert section, "docs/plugins.md lost its walk-through markers"
    return "\n\n".join(PYTHON_BLOCK.findall(section.group(1)))


def test_the_hook_reference_matches_the_hookspecs() -> None:
    assert docs.is_current(), "docs/plugins.md is stale: run `hub plugin docs`"


def test_every_hook_has_a_reference_entry_with_its_docstring() -> None:
    text = docs.DOC.read_text(encoding="utf-8")
    for name, func in spec_functions().items():
        assert f"#### `{name}`" in text
        assert (func.__doc__ or "").strip().splitlines()[0] in text


def test_a_changed_docstring_makes_the_reference_stale(tmp_path: Path) -> None:
    copy = tmp_path / "plugins.md"
    copy.write_text(docs.DOC.read_text(encoding="utf-8").replace("Refund an order", "Refund a thing"))
    assert not docs.is_current(copy)
    assert docs.update(copy) and docs.is_current(copy)


def test_the_walkthrough_code_passes_the_standard_tests_and_its_own(tmp_path: Path) -> None:
    module = tmp_path / "test_walkthrough.py"
    module.write_text(walkthrough_code(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(module), "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    standard = sum(1 for name in dir(StandardPluginTests) if name.startswith("test_"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    # every standard test ran (none skipped: the custom store refunds and pages) plus its own test
    assert f"{standard + 1} passed" in done.stdout, done.stdout[-1500:]
