"""Seed data: the catalog every workspace needs, a deterministic workspace, the sandbox world's side.

Ids come from per-kind counters and the random generator is consumed in a fixed order, so a seed
gives the same workspace every time; what was added later (companies, segments, subscription
types, standard data attributes) uses its own counters and no randomness, leaving the rest as it was.
"""

from __future__ import annotations

import random
from typing import Any

from hub.sandbox.world import BRANDS
from plugins.intercom.emulator.workspace import Workspace

FIRST_NAMES = (
    "Ava",
    "Liam",
    "Maya",
    "Noah",
    "Zoe",
    "Ethan",
    "Ivy",
    "Lucas",
    "Nora",
    "Owen",
    "Ruby",
    "Caleb",
    "Hazel",
    "Miles",
    "Stella",
    "Felix",
    "Iris",
    "Jonah",
    "Lena",
    "Theo",
)
LAST_NAMES = (
    "Parker",
    "Nguyen",
    "Garcia",
    "Patel",
    "Kim",
    "Rossi",
    "Walsh",
    "Okafor",
    "Silva",
    "Berg",
    "Moreau",
    "Chen",
    "Haddad",
    "Novak",
    "Reyes",
    "Fischer",
)
BRAND_SKUS = {
    "Ava Jane's Kitchen": ("AJK-SALT-01", "AJK-SPICE-02"),
    "Bright Naturals": ("BN-VITC-30", "BN-OMEGA-60"),
    "Earth Echo": ("EE-GREENS-01", "EE-BEETS-02"),
    "Mesa Cookware": ("MC-SKILLET-10", "MC-DUTCH-05"),
    "PaleoHacks": ("PH-COOKBOOK-1", "PH-BARS-12"),
    "Paleo Plan": ("PP-MEALPLAN-M", "PP-MEALPLAN-Y"),
    "PhysioTru": ("PT-BAND-SET", "PT-ROLLER-01"),
}
PLATFORMS = ("shopify", "konnektive", "stickyio", "ultracart")

TICKET_TYPE_ATTRIBUTES: dict[str, list[tuple[str, str, bool]]] = {
    "Refund": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("Amount", "decimal", False),
        ("Currency", "string", False),
        ("Refund Reason", "string", False),
        ("Admin Reason", "string", False),
        ("Disposition", "string", False),
        ("Line Items", "string", False),
    ],
    "Subscription Cancel": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("Subscription ID", "string", False),
        ("Saved", "boolean", False),
        ("Admin Reason", "string", False),
    ],
    "Fulfillment": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("New Address", "string", False),
        ("Replacement", "boolean", False),
        ("Line Items", "string", False),
    ],
    "Quality": [
        ("Order ID", "string", False),
        ("Platform", "string", False),
        ("Store", "string", False),
        ("SKU", "string", False),
        ("Lot", "string", False),
        ("Replacement", "boolean", False),
        ("Line Items", "string", False),
    ],
    "Tracker": [("SKU", "string", False), ("Lot", "string", False), ("Tracker Count", "integer", False)],
}

CS_ASSIST_DATA_ATTRIBUTES = (
    ("brand", "string"),
    ("cs_lifetime_revenue", "string"),
    ("cs_order_count", "integer"),
    ("cs_last_purchase_date", "string"),
    ("cs_open_subscriptions", "string"),
    ("cs_latest_order_number", "string"),
    ("cs_latest_order_status", "string"),
    ("cs_tracking_numbers", "string"),
    ("cs_recent_orders", "string"),
    ("cs_shipping_address", "string"),
    ("cs_billing_address", "string"),
    ("cs_consent_email", "boolean"),
    ("cs_consent_sms", "boolean"),
    ("cs_consent_phone", "boolean"),
    ("cs_synced_at", "date"),
)


def seed_catalog(ws: Workspace) -> None:
    """What every workspace needs: ticket types with states, away reasons, data attributes, segments
    and subscription types."""
    for label, emoji in (("Break/Lunch", "🍔"), ("Coaching", "🎓"), ("In a Meeting", "📅")):
        ws.add_away_reason(label, emoji)
    ws.add_away_reason("Training (retired)", "📚", deleted=True)
    for name, data_type in CS_ASSIST_DATA_ATTRIBUTES:
        ws.add_data_attribute(name, data_type)
    for name, attributes in TICKET_TYPE_ATTRIBUTES.items():
        category = "Tracker" if name == "Tracker" else "Back-office"
        extra = (("in_progress", "Escalated"),) if name == "Refund" else ()
        ws.add_ticket_type(name, attributes, category=category, extra_states=extra)
    ws.add_ticket_type("Product Question", [], category="Customer")
    _seed_vocabulary(ws)


# Standard (not custom) attributes ``GET /data_attributes`` lists beside the custom ones.
STANDARD_DATA_ATTRIBUTES = (
    ("contact", "name", "Name"),
    ("contact", "email", "Email"),
    ("contact", "phone", "Phone"),
    ("contact", "external_id", "User ID"),
    ("company", "name", "Company name"),
    ("company", "company_id", "Company ID"),
)
# name, person_type, role, the custom attribute it filters on
SEGMENTS = (
    ("All users", "user", "user", None),
    ("All leads", "contact", "lead", None),
    ("Brand shoppers", "user", "user", "brand"),
)
SUBSCRIPTION_TYPES = (("Newsletters", "opt_out", "email"), ("SMS offers", "opt_in", "sms_message"))


def _seed_vocabulary(ws: Workspace) -> None:
    """Standard data attributes, segments and subscription types (their own counters, no randomness)."""
    for model, name, label in STANDARD_DATA_ATTRIBUTES:
        ws.add_data_attribute(name, "string", model, custom=False, label=label)
    for name, person_type, role, attribute in SEGMENTS:
        ws.add_segment(name, person_type, role, attribute)
    for name, consent, content in SUBSCRIPTION_TYPES:
        ws.add_subscription_type(name, consent, content)
    for model in ("contact", "conversation"):  # an "Order" custom object, referenced as "order"
        ws.add_reference_attribute(model, "order", "Order")


def seed_companies(ws: Workspace) -> None:
    """A company per brand, each contact a member of its brand's company.

    The first admin ("Hub Automation") is also credited with the custom data attributes, as
    Intercom names the admin who created one.
    """
    creator = next(iter(ws.admins), None)
    for attribute in ws.data_attributes.values():
        if attribute["custom"] and creator is not None:
            attribute.setdefault("admin_id", creator)
    companies = {brand: ws.add_company(brand, company_id=_slug(brand)) for brand in BRANDS}
    for contact in ws.contacts.values():
        company = companies.get(contact["custom_attributes"].get("brand"))
        if company is not None:
            ws.attach_company(contact, company)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def build_seed(
    seed: int = 7, contacts_per_brand: int = 5, now: int | None = None, workspace: Workspace | None = None
) -> Workspace:
    """A realistic, deterministic workspace for the seven brands.

    Contacts with emails and E.164 phones, conversations (some open), admins (some away with the
    SOP's reasons), back-office tickets of every type (complete, incomplete and duplicate ones).
    """
    rng = random.Random(seed)
    ws = workspace if workspace is not None else Workspace()
    clock_now = now if now is not None else ws.now()
    seed_catalog(ws)
    ws.add_admin("Hub Automation", "hub@support.example.com", job_title="Integration")
    for name, reason in (
        ("Dana Cruz", None),
        ("Eli Brooks", "Break/Lunch"),
        ("Fatima Khan", "Coaching"),
        ("Gus Lindqvist", "In a Meeting"),
        ("Hana Mori", None),
    ):
        first = name.split()[0].lower()
        ws.add_admin(name, f"{first}@support.example.com", away=reason is not None, reason=reason)
    for tag in ("call-log", "refund-request", "vip", "duplicate"):
        ws.add_tag(tag)
    types = {name: ws.ticket_type_by_name(name)["id"] for name in TICKET_TYPE_ATTRIBUTES}
    for brand_index, brand in enumerate(BRANDS):
        for number in range(contacts_per_brand):
            _seed_customer(ws, rng, brand, brand_index, number, clock_now, types)
    _seed_tracker_tickets(ws, rng, clock_now, types)
    seed_companies(ws)
    return ws


def _seed_customer(
    ws: Workspace,
    rng: random.Random,
    brand: str,
    brand_index: int,
    number: int,
    now: int,
    types: dict[str, str],
) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first}.{last}.{brand_index}{number}@example.com".lower()
    phone = f"+1202555{brand_index:02d}{number:02d}" if number % 4 != 3 else None  # some have no phone
    created = now - rng.randint(30, 400) * 86_400
    contact = ws.add_contact(
        email=email,
        phone=phone,
        name=f"{first} {last}",
        created_at=created,
        updated_at=created + rng.randint(0, 20) * 86_400,
        custom_attributes={"brand": brand},
    )
    for _ in range(rng.randint(1, 2)):
        updated = now - rng.randint(0, 25) * 86_400 - rng.randint(0, 86_399)
        ws.add_conversation(
            contact["id"],
            f"<p>Question about my {brand} order</p>",
            open=rng.random() < 0.5,
            created_at=updated - rng.randint(0, 5) * 86_400,
            updated_at=updated,
        )
    if number % 2 == 0:
        _seed_back_office_ticket(ws, rng, brand, brand_index, number, contact, now, types)


def _seed_back_office_ticket(
    ws: Workspace,
    rng: random.Random,
    brand: str,
    brand_index: int,
    number: int,
    contact: dict[str, Any],
    now: int,
    types: dict[str, str],
) -> None:
    kind = ("Refund", "Subscription Cancel", "Fulfillment", "Quality")[(brand_index + number) % 4]
    order_id = f"{1000 + brand_index * 100 + number}"
    sku = rng.choice(BRAND_SKUS[brand])
    common = {
        "_default_title_": f"{kind} for order {order_id}",
        "Order ID": order_id,
        "Platform": PLATFORMS[brand_index % len(PLATFORMS)],
        "Store": brand,
    }
    specific: dict[str, Any] = {
        "Refund": {
            "Amount": round(rng.uniform(10, 150), 2),
            "Currency": "USD",
            "Refund Reason": "damaged",
            "Admin Reason": "Arrived broken",
            "Disposition": "dispose",
            "Line Items": f"{sku}:1",
        },
        "Subscription Cancel": {
            "Subscription ID": f"SUB-{order_id}",
            "Saved": False,
            "Admin Reason": "Too much product",
        },
        "Fulfillment": {
            "New Address": "12 Elm St, Springfield, IL 62701, US",
            "Replacement": False,
            "Line Items": f"{sku}:1",
        },
        "Quality": {
            "SKU": sku,
            "Lot": f"LOT-{rng.randint(100, 999)}",
            "Replacement": True,
            "Line Items": f"{sku}:1",
        },
    }[kind]
    conversation = next(c for c in ws.conversations.values() if contact["id"] in c["contact_ids"])
    updated = now - rng.randint(0, 10) * 86_400
    attributes = {**common, **specific}
    if number == 4:  # incomplete: the agent forgot the order id and amount
        attributes = {k: v for k, v in attributes.items() if k not in ("Order ID", "Amount")}
    ws.add_ticket(
        types[kind],
        contact["id"],
        attributes,
        conversation_id=conversation["id"],
        created_at=updated - 3_600,
        updated_at=updated,
    )
    if number == 0 and brand_index % 3 == 0:  # a duplicate filed twice for the same order
        ws.add_ticket(
            types[kind],
            contact["id"],
            {**attributes, "_default_title_": f"{kind} (again) {order_id}"},
            created_at=updated - 1_800,
            updated_at=updated + 60,
        )


def _seed_tracker_tickets(ws: Workspace, rng: random.Random, now: int, types: dict[str, str]) -> None:
    first_contact = next(iter(ws.contacts.values()))
    conversations = list(ws.conversations.values())
    for brand in BRANDS[:3]:
        sku = BRAND_SKUS[brand][0]
        tracker = ws.add_ticket(
            types["Tracker"],
            first_contact["id"],
            {
                "_default_title_": f"{sku} leaking lids",
                "SKU": sku,
                "Lot": f"LOT-{rng.randint(100, 999)}",
                "Tracker Count": 0,
            },
            created_at=now - 5 * 86_400,
            updated_at=now - 86_400,
        )
        for conversation in rng.sample(conversations, 3):
            ws.link(tracker, conversation)


# --------------------------------------------------------------------------- sandbox world

SANDBOX_TOKEN = "sandbox-intercom-token"


def seed_from_world(world: Any, workspace: Workspace | None = None) -> Workspace:
    """The helpdesk side of the shared sandbox world (``hub.sandbox.world.SandboxWorld``).

    Every person becomes a contact (same email and phone as in the stores), with a conversation
    or two; the world's agents become admins (some away); the world's orders and subscriptions
    get back-office tickets of every type, including incomplete and duplicate ones; the first
    brands' best sellers get tracker tickets with linked conversations.
    """
    rng = random.Random(world.seed)
    ws = workspace if workspace is not None else Workspace(token=SANDBOX_TOKEN)
    now = int(world.now.timestamp())
    seed_catalog(ws)
    ws.add_admin("Hub Automation", "hub@supporthub.example", job_title="Integration")
    reasons = (None, "Break/Lunch", "Coaching", "In a Meeting")
    for index, (name, email) in enumerate(world.agents):
        reason = reasons[index % len(reasons)]
        ws.add_admin(name, email, away=reason is not None, reason=reason)
    for tag in ("call-log", "refund-request", "vip"):
        ws.add_tag(tag)
    contacts: dict[str, dict[str, Any]] = {}
    for person in world.people:
        created = now - rng.randint(30, 400) * 86_400
        contact = ws.add_contact(
            email=person.email,
            phone=person.phone,
            name=person.name,
            created_at=created,
            updated_at=created,
            custom_attributes={"brand": person.brand},
        )
        contacts[person.email.lower()] = contact
        for _ in range(rng.randint(1, 2)):
            updated = now - rng.randint(0, 20) * 86_400 - rng.randint(0, 86_399)
            ws.add_conversation(
                contact["id"],
                f"<p>Question about my {person.brand} order</p>",
                open=rng.random() < 0.5,
                created_at=updated - 3_600,
                updated_at=updated,
            )
    types = {name: ws.ticket_type_by_name(name)["id"] for name in TICKET_TYPE_ATTRIBUTES}
    _world_order_tickets(ws, rng, world, contacts, types, now)
    _world_subscription_tickets(ws, world, contacts, types, now)
    if contacts:
        _seed_tracker_tickets(ws, rng, now, types)
    seed_companies(ws)
    return ws


def _first_conversation(ws: Workspace, contact_id: str) -> str | None:
    return next((c["id"] for c in ws.conversations.values() if contact_id in c["contact_ids"]), None)


def _world_order_tickets(
    ws: Workspace,
    rng: random.Random,
    world: Any,
    contacts: dict[str, dict[str, Any]],
    types: dict[str, str],
    now: int,
) -> None:
    kinds = ("Refund", "Fulfillment", "Quality", "Refund")
    for index, order in enumerate(_round_robin(world.orders)[: 4 * len(BRANDS) * 2 : 2]):
        contact = contacts.get((order.email or "").lower())
        if contact is None:
            continue
        kind = kinds[index % len(kinds)]
        item = order.line_items[0] if order.line_items else None
        attributes: dict[str, Any] = {
            "_default_title_": f"{kind} for order {order.number}",
            "Order ID": order.number,
            "Platform": order.platform,
            "Store": order.store or "",
        }
        line = f"{item.sku}:1" if item is not None and item.sku else ""
        if kind == "Refund":
            attributes |= {
                "Amount": float(order.total.amount) if index % 2 else float(item.price.amount if item else 1),
                "Currency": order.total.currency,
                "Refund Reason": "damaged",
                "Admin Reason": "Arrived broken",
                "Disposition": "dispose",
                "Line Items": line,
            }
        elif kind == "Fulfillment":
            attributes |= {"New Address": "12 Elm St, Springfield, IL, 62701, US", "Line Items": line}
        else:
            attributes |= {
                "SKU": item.sku if item and item.sku else "",
                "Lot": "LOT-204",
                "Replacement": True,
                "Line Items": line,
            }
        if index % 7 == 6:  # incomplete: the agent left the order id out
            attributes.pop("Order ID")
        updated = now - rng.randint(0, 5) * 86_400
        ws.add_ticket(
            types[kind],
            contact["id"],
            attributes,
            conversation_id=_first_conversation(ws, contact["id"]),
            created_at=updated - 600,
            updated_at=updated,
        )
        if index == 0:  # filed twice for the same order
            ws.add_ticket(
                types[kind], contact["id"], attributes, created_at=updated - 300, updated_at=updated + 5
            )


def _round_robin(orders: list[Any]) -> list[Any]:
    """Orders taken from each store platform in turn, so tickets reach every store."""
    by_platform: dict[str, list[Any]] = {}
    for order in orders:
        by_platform.setdefault(order.platform, []).append(order)
    queues = list(by_platform.values())
    mixed = []
    for index in range(max((len(q) for q in queues), default=0)):
        mixed.extend(queue[index] for queue in queues if index < len(queue))
    return mixed


def _world_subscription_tickets(
    ws: Workspace, world: Any, contacts: dict[str, dict[str, Any]], types: dict[str, str], now: int
) -> None:
    """Cancel tickets for subscriptions whose customer has an order (the order gives the email)."""
    emails = {(o.platform, o.customer_id): (o.email or "").lower() for o in world.orders if o.customer_id}
    made = 0
    for subscription in _round_robin(world.subscriptions):
        contact = contacts.get(emails.get((subscription.platform, subscription.customer_id), ""))
        if contact is None or made >= 6:
            continue
        made += 1
        ws.add_ticket(
            types["Subscription Cancel"],
            contact["id"],
            {
                "_default_title_": f"Cancel subscription {subscription.id}",
                "Subscription ID": subscription.id,
                "Platform": subscription.platform,
                "Store": subscription.store or "",
                "Saved": False,
                "Admin Reason": "Too much product",
            },
            conversation_id=_first_conversation(ws, contact["id"]),
            created_at=now - 7_200,
            updated_at=now - 3_600 + made,
        )
