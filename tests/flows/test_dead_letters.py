"""A record a flow cannot handle is parked with its reason; the run goes on; a retry finishes it."""

from __future__ import annotations


async def test_a_malformed_contact_is_parked_and_the_rest_of_the_run_goes_on(sandbox):
    ws = sandbox.state("intercom")
    contact = sandbox.contact_of(sandbox.world.people[4].email)
    good_stamp = ws.contacts[contact["id"]]["updated_at"]
    ws.contacts[contact["id"]]["updated_at"] = "yesterday"  # what a broken upstream might send

    report = await sandbox.run("cs_assist")
    assert report.status == "ok" and report.counts["dead_letters"] == 1
    assert report.counts["contacts_updated"] > 0  # everyone else was still summarised
    (letter,) = sandbox.runtime.store.dead_letters.entries("cs_assist")
    assert letter.record == f"contact:intercom:{contact['id']}"
    assert "updated_at" in letter.reason  # the reason names the field

    ws.contacts[contact["id"]]["updated_at"] = good_stamp  # mended upstream: the record can go through
    flow = sandbox.runtime.flow("cs_assist")
    assert await flow.retry_dead_letter(sandbox.context("cs_assist"), letter.payload)
    assert ws.contacts[contact["id"]]["custom_attributes"].get("cs_order_count") is not None
