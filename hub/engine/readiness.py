"""Is this hub ready for its workspace? What ``hub setup`` and ``hub doctor`` do.

* ``needs_of`` merges what the flows need the helpdesk to hold (``Flow.needs``);
* ``setup`` hands those needs to every enabled helpdesk (``helpdesk_setup``) to plan or apply;
* ``doctor`` asks every enabled plugin to check itself (``hub_check``: credentials,
  permissions, clock) and adds what the helpdesk is missing for the flows (a setup plan).
"""

from __future__ import annotations

from hub.core.doctor import Check, CheckStatus, setup_checks
from hub.core.errors import HubError
from hub.core.manager import Hub
from hub.core.setup import HelpdeskNeeds, SetupItem
from hub.engine.runtime import Runtime
from hub.flows import load_flows


def needs_of(runtime: Runtime) -> tuple[HelpdeskNeeds, list[str]]:
    """What the enabled flows need the helpdesk to hold, and the names of the flows needing it.

    With no flow enabled yet (a first configuration), every installed flow's needs: setting up
    a workspace comes before choosing what runs on it.
    """
    flows = load_flows()
    names = [name for name, settings in runtime.config.flows.items() if settings.enabled and name in flows]
    names = sorted(names or flows)
    needs = HelpdeskNeeds()
    for name in names:
        needs = needs.merged(flows[name].needs)
    return needs, [name for name in names if flows[name].needs != HelpdeskNeeds()]


async def setup(runtime: Runtime, hub: Hub, *, apply: bool) -> list[SetupItem]:
    """Every enabled helpdesk's plan (``apply`` False) or what it did (True)."""
    needs, _ = needs_of(runtime)
    return await hub.helpdesk.setup(needs=needs, apply=apply)


async def doctor(runtime: Runtime, hub: Hub) -> list[Check]:
    """Every enabled plugin's own checks, then the helpdesk against the flows' needs.

    The setup plan is read only when the helpdesk's credentials passed (a refused token would
    only repeat itself); a plan that fails is one row saying why.
    """
    checks = await hub.admin.check()
    refused = {c.plugin for c in checks if c.check == "credentials" and c.status is CheckStatus.FAIL}
    helpdesks = hub.providers("helpdesk_setup")
    if not helpdesks or refused & set(helpdesks):
        return checks
    try:
        checks += setup_checks(await setup(runtime, hub, apply=False))
    except HubError as exc:
        fix = "grant the token reading data attributes and ticket types, then run hub doctor again"
        row = Check(
            plugin=",".join(helpdesks), check="setup", status=CheckStatus.FAIL, detail=str(exc), fix=fix
        )
        checks.append(row)
    return checks
