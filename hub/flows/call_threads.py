"""The call log's own table: the conversation each contact's call notes last went on.

It lets ``call_log`` find a known contact's conversation with one read that also shows its notes
(``helpdesk_get_conversation``: open, still the contact's, notes and all) instead of a search
that carries no notes and then a second read for the marker check. It is a hint, never trusted
alone: the row keeps when the hub's last note went on the conversation (``quiet_since``, the
helpdesk's own time of that note), and the flow reads the conversation before each use and
searches again when it is gone, closed, no longer the contact's, or changed since that note
(its ``updated_at`` is later: a reply, a close and reopen, another note). So a restored state
database, whose rows are as old as its backup, never trusts a conversation the lost runs moved
away from: either they wrote on it (it changed since the row's note) or they went elsewhere
because it was closed (closing changed it too). The search then finds the most recently
updated open conversation, and the marker check reads it.

It belongs to the ``call_log`` flow, not to the store's own parts (``hub.store``): it keeps its
own ``MetaData`` and writes through ``Store.transaction``; migration 0007 creates it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.store import Store, UtcDateTime

metadata = MetaData()

call_threads = Table(
    "call_threads",
    metadata,
    Column("platform", String(100), primary_key=True),
    Column("contact_id", String(200), primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("quiet_since", UtcDateTime, nullable=False),
)


def thread_of(store: Store, platform: str, contact_id: str) -> tuple[str, datetime] | None:
    """``(conversation id, quiet_since)`` of the contact's last call-note conversation, if any."""
    with store.transaction() as c:
        row = c.execute(
            select(call_threads.c.conversation_id, call_threads.c.quiet_since).where(
                call_threads.c.platform == platform, call_threads.c.contact_id == contact_id
            )
        ).first()
    return (row.conversation_id, row.quiet_since) if row else None


def remember_thread(
    store: Store, platform: str, contact_id: str, conversation_id: str, quiet_since: datetime
) -> None:
    """Keep ``conversation_id`` as the contact's (replacing the one before), as it was when the
    hub's note went on it at ``quiet_since`` (the helpdesk's time of that note)."""
    mine = (call_threads.c.platform == platform, call_threads.c.contact_id == contact_id)
    values = {"conversation_id": conversation_id, "quiet_since": quiet_since}
    try:
        with store.transaction() as c:
            if c.execute(update(call_threads).where(*mine).values(**values)).rowcount:
                return
            c.execute(insert(call_threads).values(platform=platform, contact_id=contact_id, **values))
    except IntegrityError:  # another process inserted it between the two statements: update that
        with store.transaction() as c:
            c.execute(update(call_threads).where(*mine).values(**values))
