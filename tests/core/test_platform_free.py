"""The core names no platform (docs/architecture.md): a platform's names, headers and parameters
live in its plugin folder, and reach the core only through what a plugin declares (its auth and
paging styles, its settings model)."""

from __future__ import annotations

import re
from pathlib import Path

import hub.core
from hub.core.manager import built_in_plugins

CORE = Path(hub.core.__file__).parent
# "Sticky.io" is spelt with a dot in prose; the plugin is "stickyio".
PLATFORM_WORDS = re.compile(
    "|".join(sorted({*built_in_plugins(), r"sticky\.?io"}, key=len, reverse=True)), re.IGNORECASE
)


def test_the_core_names_no_platform() -> None:
    assert {"intercom", "shopify"} <= set(built_in_plugins())  # the check would be empty otherwise
    named = [
        f"{path.relative_to(CORE)}:{number}: {line.strip()}"
        for path in sorted(CORE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PLATFORM_WORDS.search(line)
    ]
    assert named == []
