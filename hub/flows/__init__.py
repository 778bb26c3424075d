"""The flows the scheduler runs. Each is registered in ``FLOWS`` under its name."""

from __future__ import annotations

from hub.flows.base import Flow

FLOWS: dict[str, type[Flow]] = {}


def register(flow: type[Flow]) -> type[Flow]:
    FLOWS[flow.name] = flow
    return flow
