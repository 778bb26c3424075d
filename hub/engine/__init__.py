"""The engine: units of work and the one function that runs them.

A unit is (flow, scope). ``run_unit`` runs one, with its run record, fencing token, cursor and
ledger; ``hub run``, the embedded scheduler (``hub schedule``, ``hub serve --schedule``), the
webhook processor and the distributed workers (``hub worker``, procrastinate) all go through it.
Plugins and their HTTP clients are opened once per process (``Runtime.session``).
"""

from hub.engine.run import RunReport, flow_counts_line, run_flow, run_unit
from hub.engine.runtime import Runtime, describe_missing
from hub.engine.units import Unit, is_due, trigger_for, units

__all__ = [
    "RunReport",
    "Runtime",
    "Unit",
    "describe_missing",
    "flow_counts_line",
    "is_due",
    "run_flow",
    "run_unit",
    "trigger_for",
    "units",
]
