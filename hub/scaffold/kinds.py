"""What differs between the three kinds of generated plugin: the first hook, its endpoint, its seed."""

from __future__ import annotations

from dataclasses import dataclass

from hub.core.plugin import Kind


@dataclass(frozen=True)
class KindTemplate:
    """The values one kind puts into the templates."""

    hook: str
    resource: str
    mapper: str
    seed_constants: str
    seed_records: str
    match_code: str
    email_method: str


_BY_EMAIL = """    email = request.query_params.get("email")
    phone = request.query_params.get("phone")
    if email is not None and (record.get("email") or "").lower() != email.lower():
        return False
    return phone is None or record.get("phone") == phone
"""

_SINCE = """    from datetime import datetime

    since = request.query_params.get("since")
    return since is None or datetime.fromisoformat(record["started_at"]) >= datetime.fromisoformat(since)
"""

_EMAIL_METHOD = """
    def customer_email(self, emulator: Emulator) -> str:
        return SEEDED_EMAIL
"""

_CUSTOMERS = """
        {
            "id": "1001",
            "email": SEEDED_EMAIL,
            "phone": "+15125550142",
            "first_name": "Jane",
            "last_name": "Doe",
            "brand": "PaleoHacks",
            "store": "paleohacks",
            "created_at": "2025-03-01T10:00:00+00:00",
            "lifetime_revenue": {"amount": "54.90", "currency": "USD"},
            "order_count": 2,
        },
        {
            "id": "1002",
            "email": SEEDED_EMAIL,
            "phone": "+15125550142",
            "first_name": "Jane",
            "last_name": "Doe",
            "brand": "Mesa Cookware",
            "store": "mesa_cookware",
            "created_at": "2025-04-01T10:00:00+00:00",
            "lifetime_revenue": {"amount": "89.00", "currency": "USD"},
            "order_count": 1,
        },
        {"id": "1003", "email": "ben@example.com", "first_name": "Ben", "brand": "PaleoHacks"},
    """

_CONTACTS = """
        {"id": "c1", "email": SEEDED_EMAIL, "name": "Jane Doe", "phone": "+15125550142"},
        {"id": "c2", "email": SEEDED_EMAIL, "name": "Jane D.", "role": "lead"},
        {"id": "c3", "email": "ben@example.com", "name": "Ben Kim", "role": "user"},
    """

_CALLS = """
        {
            "id": "501",
            "direction": "inbound",
            "outcome": "answered",
            "number": "+15125550142",
            "started_at": "2025-03-01T10:00:00+00:00",
            "duration": 95,
        },
        {
            "id": "502",
            "direction": "outbound",
            "outcome": "missed",
            "number": "+15125550142",
            "started_at": "2025-03-01T11:00:00+00:00",
            "duration": 0,
        },
        {
            "id": "503",
            "direction": "inbound",
            "outcome": "voicemail",
            "started_at": "2025-03-02T09:30:00+00:00",
            "duration": 31,
        },
    """

KINDS: dict[Kind, KindTemplate] = {
    Kind.COMMERCE: KindTemplate(
        hook="commerce_find_customers",
        resource="customers",
        mapper="customer_from_{name}",
        seed_constants='SEEDED_EMAIL = "jane@example.com"\n',
        seed_records=_CUSTOMERS,
        match_code=_BY_EMAIL,
        email_method=_EMAIL_METHOD,
    ),
    Kind.HELPDESK: KindTemplate(
        hook="helpdesk_find_contacts",
        resource="contacts",
        mapper="contact_from_{name}",
        seed_constants='SEEDED_EMAIL = "jane@example.com"\n',
        seed_records=_CONTACTS,
        match_code=_BY_EMAIL,
        email_method=_EMAIL_METHOD,
    ),
    Kind.TELEPHONY: KindTemplate(
        hook="telephony_list_calls",
        resource="calls",
        mapper="call_from_{name}",
        seed_constants="",
        seed_records=_CALLS,
        match_code=_SINCE,
        email_method="",
    ),
}
