"""The flows, registered like plugins: entry-point group ``hub.flows``.

A flow is a ``Flow`` subclass named in that group (the built-ins in this project's
``pyproject.toml``, a third party's in its own). ``after`` names the flows that must come before
it in a full pass; ``order()`` sorts them so. Nothing here lists the built-ins.
"""

from __future__ import annotations

import functools
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import EntryPoint, entry_points

from hub.core.errors import HubError
from hub.flows.base import Flow

ENTRY_POINT_GROUP = "hub.flows"
FLOWS: dict[str, type[Flow]] = {}
"""Every known flow by name, filled by ``load_flows`` (tests may add their own)."""


@functools.cache
def _declared() -> tuple[EntryPoint, ...]:
    """The ``hub.flows`` entry points, read once a process: reading every installed
    distribution's metadata costs a few milliseconds, and a run asks for its flows often."""
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def load_flows() -> dict[str, type[Flow]]:
    """The flows of every installed distribution's ``hub.flows`` entry points (loaded once)."""
    for entry in _declared():
        if entry.name not in FLOWS:
            flow = entry.load()
            if not (isinstance(flow, type) and issubclass(flow, Flow)) or flow.name != entry.name:
                raise HubError(f"entry point hub.flows:{entry.name} is not a Flow named {entry.name!r}")
            FLOWS[entry.name] = flow
    return FLOWS


def order(names: list[str] | None = None) -> list[str]:
    """Flow names with every flow after the ones its ``after`` names (ties: alphabetical)."""
    flows = load_flows()
    wanted = sorted(flows if names is None else names)
    graph = TopologicalSorter({name: [a for a in flows[name].after if a in wanted] for name in wanted})
    try:
        graph.prepare()
    except CycleError as cycle:
        raise HubError(f"flows depend on each other in a circle: {cycle.args[1]}") from None
    ordered: list[str] = []
    while graph.is_active():
        ready = sorted(graph.get_ready())
        ordered += ready
        graph.done(*ready)
    return ordered
