"""What an agent types into the side panel for others to read passes the redactor first.

The back office's notes did; the panel's "Internal note" wrote what was pasted as is, so a
configured secret (an API token pasted with an error message) reached the conversation, which
every agent and every Intercom integration reads, and a checkout link's notes carried it into
the link's URL, which goes to the customer.
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


async def test_a_pasted_secret_is_masked_in_a_checkout_links_notes(served: Served) -> None:
    order = orders_of(served, "stickyio")[-1]
    panel = await initialize(served, order.email or "")
    values = {
        "store": f"stickyio|{order.store}|",
        "products": f"{next(item.sku for item in order.line_items if item.sku)}:1",
        "notes": f"gift; token {INTERCOM_SECRET}",
    }
    answer = await submit(served, order.email or "", "confirm_checkout", panel, values)
    text = result(answer)["text"]
    assert text.startswith("Checkout link: "), text
    assert INTERCOM_SECRET not in text and "gift" in text
