"""Contact look-ups by email or phone keep exact hits only (issue 14, item 1)."""

from __future__ import annotations

import json
from typing import Any

from plugins.intercom.operations import IntercomWorkspace
from plugins.intercom.plugin import IntercomPlugin
from plugins.intercom.settings import IntercomSettings


def contact(contact_id: str, email: str | None = None, phone: str | None = None) -> dict[str, Any]:
    return {"type": "contact", "id": contact_id, "role": "user", "email": email, "phone": phone,
            "created_at": 1_700_000_000, "updated_at": 1_700_000_000}


class FakeApi:
    """The contact search answers loosely: every contact, whatever was asked."""

    def __init__(self, contacts: list[dict[str, Any]]) -> None:
        self.contacts, self.queries = contacts, []

    async def search_pages(self, resource: str, query: dict[str, Any], decode: Any, read_ahead: bool = False):
        self.queries.append(query)
        yield decode(json.dumps({"type": "list", "data": self.contacts}).encode())


def plugin_with(contacts: list[dict[str, Any]]) -> IntercomPlugin:
    plugin = IntercomPlugin()
    plugin.settings = IntercomSettings(enabled=True, access_token="t", admin_id="1")  # type: ignore[arg-type]
    plugin._account = IntercomWorkspace(FakeApi(contacts), plugin.settings)  # type: ignore[arg-type]
    return plugin


async def test_an_email_search_keeps_the_exact_address_any_case():
    plugin = plugin_with([contact("1", "Ann@Example.com"), contact("2", "joann@example.com"),
                          contact("3", "ann@example.com.au")])
    found = [c async for page in plugin.helpdesk_find_contacts(email="ann@example.com", phone=None)
             for c in page]
    assert [c.id for c in found] == ["1"]


async def test_a_phone_search_keeps_the_same_e164_number():
    plugin = plugin_with([contact("4", phone="(512) 555-0101"), contact("5", phone="+15125550109"),
                          contact("6", phone="+4415125550101")])
    found = [c async for page in plugin.helpdesk_find_contacts(email=None, phone="+15125550101")
             for c in page]
    assert [c.id for c in found] == ["4"]
