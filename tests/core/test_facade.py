"""The typed facade and the hookspecs never drift apart; the facade routes like the hooks do."""

from __future__ import annotations

import inspect
import re
import subprocess
from pathlib import Path

import pytest

from hub.core import facade
from hub.core.hookinfo import is_paged, spec_functions

ROOT = Path(__file__).resolve().parents[2]
CAPABILITIES = {
    "helpdesk": facade.Helpdesk,
    "commerce": facade.Commerce,
    "telephony": facade.Telephony,
    "hub": facade.Serving,
}
SERVING_HOOKS = ["hub_webhook", "hub_app_request", "hub_app_response"]
"""The lifecycle hooks (plugin info, settings, start, stop, sandbox) are the manager's, not the facade's."""
ADMIN_HOOKS = ["hub_check"]
"""The hub's own hooks about the plugins (``hub doctor``): ``facade.Admin``."""
PLATFORM_HOOKS = [
    name for name in spec_functions() if name.split("_", 1)[0] in CAPABILITIES and not name.startswith("hub_")
] + SERVING_HOOKS


def facade_class(hook: str) -> type:
    return facade.Admin if hook in ADMIN_HOOKS else CAPABILITIES[hook.partition("_")[0]]


@pytest.mark.parametrize("hook", PLATFORM_HOOKS + ADMIN_HOOKS)
def test_every_platform_hook_has_one_facade_method_with_its_signature(hook: str) -> None:
    short = hook.partition("_")[2]
    method = getattr(facade_class(hook), short, None)
    assert method is not None, f"facade.{facade_class(hook).__name__} lacks {short}"
    spec = inspect.signature(spec_functions()[hook])
    mine = inspect.signature(method)
    assert list(mine.parameters)[1:] == list(spec.parameters)
    for name, parameter in spec.parameters.items():
        assert mine.parameters[name].annotation == parameter.annotation, name
    expected = spec.return_annotation
    answered = re.sub(r"^(?:Awaitable\[(.*)\]|(.*?))( \| None)?$", r"\1\2", expected)
    assert mine.return_annotation == ("Pages" if is_paged(hook) else answered)
    assert inspect.iscoroutinefunction(method) != is_paged(hook)


def test_the_facade_has_no_method_without_a_hook() -> None:
    for kind, cls in [*CAPABILITIES.items(), ("hub", facade.Admin)]:
        extra = {
            name
            for name, _ in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") and f"{kind}_{name}" not in PLATFORM_HOOKS + ADMIN_HOOKS
        }
        assert extra == set(), kind


def test_no_hook_is_called_by_a_name_in_a_string_outside_the_core() -> None:
    found = subprocess.run(
        [
            "grep",
            "-rnE",
            r"\.(first|collect|pages|route)\(\s*\"(helpdesk|commerce|telephony|hub)_|pm\.hook\.(helpdesk|commerce|telephony|hub_webhook|hub_app)",
            "hub",
            "plugins",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert [line for line in found if not line.startswith("hub/core/")] == []
