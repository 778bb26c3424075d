"""The call log's own table: the conversation each contact's call notes last went on.

It lets ``call_log`` find a known contact's conversation with one read that also shows its notes
(``helpdesk_get_conversation``: open, still the contact's, notes and all) instead of a search
that carries no notes and then a second read for the marker check. It is a hint, never trusted
alone: the flow reads the conversation before each use and searches again when it is gone,
closed or no longer the contact's. A new or restored state database has no row for a contact,
so its first call searches, and the marker check reads the conversation it finds: notes an
earlier run wrote on another database are still seen.

It belongs to the ``call_log`` flow, not to the store's own parts (``hub.store``): it keeps its
own ``MetaData`` and writes through ``Store.transaction``; migration 0007 creates it.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.core.models import utcnow
from hub.store import Store, UtcDateTime

metadata = MetaData()

call_threads = Table(
    "call_threads",
    metadata,
    Column("platform", String(100), primary_key=True),
    Column("contact_id", String(200), primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


def thread_of(store: Store, platform: str, contact_id: str) -> str | None:
    """The id of the conversation the contact's call notes last went on, if any."""
    with store.transaction() as c:
        return c.execute(
            select(call_threads.c.conversation_id).where(
                call_threads.c.platform == platform, call_threads.c.contact_id == contact_id
            )
        ).scalar()


def remember_thread(store: Store, platform: str, contact_id: str, conversation_id: str) -> None:
    """Keep ``conversation_id`` as the contact's (replacing the one before)."""
    mine = (call_threads.c.platform == platform, call_threads.c.contact_id == contact_id)
    values = {"conversation_id": conversation_id, "updated_at": utcnow()}
    try:
        with store.transaction() as c:
            if c.execute(update(call_threads).where(*mine).values(**values)).rowcount:
                return
            c.execute(insert(call_threads).values(platform=platform, contact_id=contact_id, **values))
    except IntegrityError:  # another process inserted it between the two statements: update that
        with store.transaction() as c:
            c.execute(update(call_threads).where(*mine).values(**values))
