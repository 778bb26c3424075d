"""An agent's note from the side panel passes the redactor before it is written to Intercom.

The back office's notes did; the panel's "Internal note" wrote what was pasted as is, so a
configured secret (an API token pasted with an error message) reached the conversation, which
every agent and every Intercom integration reads.
"""

from __future__ import annotations

from tests.serve.conftest import INTERCOM_SECRET, Served
from tests.serve.test_inbox_panel import conversation_of, initialize, orders_of, result, submit


async def test_a_pasted_secret_is_masked_in_the_note_written(served: Served) -> None:
    email = orders_of(served, "ultracart")[-1].email or ""
    panel = await initialize(served, email)
    text = f"Store said: 401 for token {INTERCOM_SECRET}, retry later."
    answer = await submit(served, email, "add_note", panel, {"note": text})
    assert result(answer)["text"] == "Note added to this conversation."
    notes = [p["body"] or "" for p in conversation_of(served, email)["parts"] if p["part_type"] == "note"]
    assert any("Store said: 401 for token ***" in note for note in notes), notes
    assert not any(INTERCOM_SECRET in note for note in notes)
