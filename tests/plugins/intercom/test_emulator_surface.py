"""What the emulator's newer operations do, beyond the shapes test_contract holds them to (issue 17)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from plugins.intercom.emulator import Workspace, build_seed, create_app
from tests.plugins.intercom.conftest import BASE_URL, TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def ws() -> Workspace:
    return build_seed(seed=11, contacts_per_brand=2, workspace=Workspace(token=TOKEN))


@pytest.fixture
async def client(ws: Workspace) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(ws)), base_url=BASE_URL, headers=AUTH
    ) as http:
        yield http


def error_code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["code"]


async def test_created_contacts_are_listed_and_found_and_a_user_email_is_unique(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/contacts", json={"email": "new@example.com", "name": "New"})
    assert created.status_code == 200 and created.json()["role"] == "user"
    listed = (await client.get("/contacts", params={"per_page": 150})).json()
    assert created.json()["id"] in {c["id"] for c in listed["data"]}
    query = {"query": {"field": "email", "operator": "=", "value": "new@example.com"}}
    assert (await client.post("/contacts/search", json=query)).json()["total_count"] == 1
    again = await client.post("/contacts", json={"email": "NEW@example.com"})
    assert again.status_code == 409 and error_code(again) == "conflict"
    assert (await client.post("/contacts", json={})).status_code == 400


async def test_notes_on_a_contact_are_kept_and_advertised(client: httpx.AsyncClient, ws: Workspace) -> None:
    contact_id = next(iter(ws.contacts))
    first = (await client.post(f"/contacts/{contact_id}/notes", json={"body": "First"})).json()
    second = (await client.post(f"/contacts/{contact_id}/notes", json={"body": "<p>Second</p>"})).json()
    assert first["body"] == "<p>First</p>" and first["author"]["id"] == next(iter(ws.admins))
    notes = (await client.get(f"/contacts/{contact_id}/notes")).json()
    assert [n["id"] for n in notes["data"]] == [second["id"], first["id"]]  # newest first
    advertised = (await client.get(f"/contacts/{contact_id}")).json()["notes"]
    assert advertised["url"] == f"/contacts/{contact_id}/notes" and advertised["total_count"] == 2
    assert (await client.get(f"/notes/{first['id']}")).json()["body"] == "<p>First</p>"
    missing_admin = await client.post(f"/contacts/{contact_id}/notes", json={"body": "x", "admin_id": "1"})
    assert missing_admin.status_code == 404


@pytest.mark.parametrize("resource", ["contacts", "conversations", "tickets"])
async def test_a_date_may_be_sent_as_a_string_of_digits(
    client: httpx.AsyncClient, ws: Workspace, resource: str
) -> None:
    day_ago = ws.now() - 86_400 * 400

    async def search(value: Any) -> httpx.Response:
        body = {
            "query": {"operator": "AND", "value": [{"field": "created_at", "operator": ">", "value": value}]}
        }
        return await client.post(f"/{resource}/search", json=body)

    as_text, as_number = await search(str(day_ago)), await search(day_ago)
    assert as_text.status_code == 200 and as_text.json()["total_count"] == as_number.json()["total_count"] > 0
    assert (await search("yesterday")).status_code == 400


async def test_a_lead_merged_into_a_user_is_gone_and_its_conversations_follow(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    user_id = next(iter(ws.contacts))
    lead = ws.add_contact(email="lead@example.com", role="lead")
    conversation = ws.add_conversation(lead["id"], "hello")
    merged = await client.post("/contacts/merge", json={"from": lead["id"], "into": user_id})
    assert merged.status_code == 200 and merged.json()["id"] == user_id
    assert (await client.get(f"/contacts/{lead['id']}")).status_code == 404
    assert conversation["contact_ids"] == [user_id]
    users = await client.post("/contacts/merge", json={"from": user_id, "into": user_id})
    assert users.status_code == 400


async def test_conversations_snooze_reopen_on_a_reply_close_and_assign(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    conversation = next(c for c in ws.conversations.values() if c["open"])
    path, admin = f"/conversations/{conversation['id']}", next(iter(ws.admins))
    contact_id = conversation["contact_ids"][0]
    snoozed = await client.post(
        f"{path}/parts", json={"message_type": "snoozed", "admin_id": admin, "snoozed_until": ws.now() + 3600}
    )
    assert snoozed.json()["state"] == "snoozed"
    reply = {"message_type": "comment", "type": "user", "intercom_user_id": contact_id, "body": "Still here"}
    reopened = (await client.post(f"{path}/reply", json=reply)).json()
    assert (
        reopened["state"] == "open"
        and reopened["conversation_parts"]["conversation_parts"][-1]["part_type"] == "open"
    )
    closed = await client.post(
        f"{path}/parts", json={"message_type": "close", "type": "admin", "admin_id": admin}
    )
    assert closed.json()["open"] is False
    assign = {"message_type": "assignment", "type": "admin", "admin_id": admin, "assignee_id": admin}
    assigned = (await client.post(f"{path}/parts", json=assign)).json()
    assert assigned["admin_assignee_id"] == int(admin) and assigned["state"] == "open"
    nobody = await client.post(f"{path}/parts", json={**assign, "assignee_id": "1"})
    assert nobody.status_code == 404


async def test_participants_come_and_go_but_never_the_last(client: httpx.AsyncClient, ws: Workspace) -> None:
    conversation = next(iter(ws.conversations.values()))
    path, admin = f"/conversations/{conversation['id']}", next(iter(ws.admins))
    first = conversation["contact_ids"][0]
    other = next(c for c in ws.contacts if c != first)
    added = await client.post(
        f"{path}/customers", json={"admin_id": admin, "customer": {"intercom_user_id": other}}
    )
    assert {c["id"] for c in added.json()["customers"]} == {first, other}
    removed = await client.request("DELETE", f"{path}/customers/{other}", json={"admin_id": admin})
    assert [c["id"] for c in removed.json()["customers"]] == [first]
    last = await client.request("DELETE", f"{path}/customers/{first}", json={"admin_id": admin})
    assert last.status_code == 422


async def test_only_a_customer_ticket_type_takes_a_converted_conversation(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    conversation_id = next(iter(ws.conversations))
    customer = ws.ticket_type_by_name("Product Question")["id"]
    refused = await client.post(
        f"/conversations/{conversation_id}/convert",
        json={"ticket_type_id": ws.ticket_type_by_name("Refund")["id"]},
    )
    assert refused.status_code == 400 and "customer ticket type" in refused.json()["errors"][0]["message"]
    ticket = (
        await client.post(f"/conversations/{conversation_id}/convert", json={"ticket_type_id": customer})
    ).json()
    assert ticket["id"] == conversation_id and ticket["category"] == "Customer"


async def test_tags_on_contacts_and_a_deleted_tag_leaves_every_record(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    contact_id, conversation_id = next(iter(ws.contacts)), next(iter(ws.conversations))
    tag = (await client.post("/tags", json={"name": "vip-2"})).json()
    await client.post(f"/contacts/{contact_id}/tags", json={"id": tag["id"]})
    admin = next(iter(ws.admins))
    await client.post(f"/conversations/{conversation_id}/tags", json={"id": tag["id"], "admin_id": admin})
    listed = (await client.get(f"/contacts/{contact_id}/tags")).json()["data"]
    assert [t["id"] for t in listed] == [tag["id"]] and listed[0]["applied_by"]["id"] == admin
    assert (await client.delete(f"/tags/{tag['id']}")).status_code == 200
    assert tag["id"] not in ws.contacts[contact_id]["tag_ids"] + ws.conversations[conversation_id]["tag_ids"]
    assert (await client.get(f"/tags/{tag['id']}")).status_code == 404


async def test_an_attribute_a_segment_filters_on_cannot_be_archived(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    brand, order_count = ws.data_attributes["contact:brand"], ws.data_attributes["contact:cs_order_count"]
    refused = await client.put(f"/data_attributes/{brand['id']}", json={"archived": True})
    assert refused.status_code == 422 and error_code(refused) == "data_invalid"
    assert (
        await client.put(f"/data_attributes/{order_count['id']}", json={"archived": True})
    ).status_code == 200
    names = {
        a["name"] for a in (await client.get("/data_attributes", params={"model": "contact"})).json()["data"]
    }
    archived_too = await client.get(
        "/data_attributes", params={"model": "contact", "include_archived": "true"}
    )
    assert "cs_order_count" not in names and "cs_order_count" in {
        a["name"] for a in archived_too.json()["data"]
    }


async def test_a_queued_ticket_is_created_and_its_job_points_at_it(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    body = {
        "ticket_type_id": ws.ticket_type_by_name("Refund")["id"],
        "contacts": [{"id": next(iter(ws.contacts))}],
        "ticket_attributes": {"_default_title_": "Queued"},
    }
    job = (await client.post("/tickets/enqueue", json=body)).json()
    assert job["status"] == "pending" and job["resource_id"] is None
    done = (await client.get(f"/jobs/status/{job['id']}")).json()
    assert done["status"] == "success"
    ticket = (await client.get(f"/tickets/{done['resource_id']}")).json()
    assert ticket["ticket_attributes"]["_default_title_"] == "Queued"


async def test_deleting_a_ticket_a_conversation_and_a_contact(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    ticket_id = next(iter(ws.tickets))
    conversation_id = next(c for c in ws.conversations if c not in ws.tickets)
    contact_id = next(iter(ws.contacts))
    assert (await client.delete(f"/tickets/{ticket_id}")).json() == {
        "id": ticket_id,
        "object": "ticket",
        "deleted": True,
    }
    assert (await client.delete(f"/conversations/{conversation_id}")).json()["deleted"] is True
    assert (await client.delete(f"/contacts/{contact_id}")).json()["deleted"] is True
    for path in (f"/tickets/{ticket_id}", f"/conversations/{conversation_id}", f"/contacts/{contact_id}"):
        assert (await client.get(path)).status_code == 404


async def test_away_mode_changes_are_in_the_activity_log(client: httpx.AsyncClient, ws: Workspace) -> None:
    admin = next(a for a in ws.admins.values() if not a["away_mode_enabled"])
    since = str(ws.now() - 1)
    await client.put(
        f"/admins/{admin['id']}/away", json={"away_mode_enabled": True, "away_mode_reassign": False}
    )
    logs = (await client.get("/admins/activity_logs", params={"created_at_after": since})).json()
    mine = [entry for entry in logs["activity_logs"] if entry["performed_by"]["id"] == admin["id"]]
    assert [entry["activity_type"] for entry in mine] == ["admin_away_mode_change"]
    assert (await client.get("/admins/activity_logs")).status_code == 400  # created_at_after is required


async def test_display_as_plaintext_gives_bodies_without_html(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    conversation_id = next(iter(ws.conversations))
    path = f"/conversations/{conversation_id}"
    admin = next(iter(ws.admins))
    note = {
        "message_type": "note",
        "type": "admin",
        "admin_id": admin,
        "body": "<p>Fish &amp; chips</p><p>x</p>",
    }
    await client.post(f"{path}/reply", json=note)
    html = (await client.get(path)).json()
    plain = (await client.get(path, params={"display_as": "plaintext"})).json()
    assert html["source"]["body"].startswith("<p>") and not plain["source"]["body"].startswith("<")
    assert plain["conversation_parts"]["conversation_parts"][-1]["body"] == "Fish & chips\nx"
