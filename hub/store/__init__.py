"""The state store (SQLAlchemy 2): one module per owner of state, one ``Store`` passed around.

``Store(url)`` is the hub's database (``engine.Database``: migrations, transactions, ping) with
one part per table::

    store.cursors       cursors.Cursors           where each flow has read up to
    store.ledger        ledger.Ledger             exactly-once platform writes (``perform``)
    store.runs          runs.Runs                 run history
    store.dead_letters  dead_letters.DeadLetters  records a flow could not handle
    store.leases        leases.Leases             one run per unit, fencing tokens

Tables that belong to one flow or to the server live with their owner (``hub/flows/
call_attempts``, ``hub/serve/inbox``) and use ``Store.transaction``; the migrations that create
every table stay together in ``migrations/``.
"""

from __future__ import annotations

from hub.core.models import id_order, utcnow
from hub.store.cursors import Cursor, Cursors
from hub.store.dead_letters import DeadLetter, DeadLetters
from hub.store.engine import Database, StoreUnreachable, UtcDateTime, metadata
from hub.store.leases import Fence, FencedOut, Leases
from hub.store.ledger import (
    DEFAULT_HOLD,
    PROCESS,
    ActionResult,
    Ledger,
    LedgerEntry,
    Lookup,
    Outcome,
    Status,
    new_holder,
)
from hub.store.runs import RunRecord, Runs

__all__ = [
    "DEFAULT_HOLD",
    "PROCESS",
    "ActionResult",
    "Cursor",
    "DeadLetter",
    "Fence",
    "FencedOut",
    "LedgerEntry",
    "Lookup",
    "Outcome",
    "RunRecord",
    "Status",
    "Store",
    "StoreUnreachable",
    "UtcDateTime",
    "id_order",
    "metadata",
    "new_holder",
    "utcnow",
]


class Store(Database):
    """All of the hub's durable state: the database, and one part per owner of state."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.leases = Leases(self)
        self.cursors = Cursors(self)
        self.ledger = Ledger(self, self.leases)
        self.runs = Runs(self)
        self.dead_letters = DeadLetters(self)
