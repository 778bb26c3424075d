"""The flows the scheduler runs. Each is registered in ``FLOWS`` under its name."""

from __future__ import annotations

from hub.flows.base import Flow

FLOWS: dict[str, type[Flow]] = {}
ORDER = ("agent_status", "back_office", "call_log", "cs_assist", "tracker_report")
"""Dependency order for a full pass: tickets and calls change orders and conversations, then
summaries are written, then the tracker report reads the brands they carry."""


def register(flow: type[Flow]) -> type[Flow]:
    FLOWS[flow.name] = flow
    return flow


def load_flows() -> dict[str, type[Flow]]:
    """Import the built-in flows (each registers itself)."""
    from hub.flows import agent_status, back_office, call_log, cs_assist, tracker_report  # noqa: F401

    return FLOWS
