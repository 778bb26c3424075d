"""Deterministic seed data for the Shopify emulator: one store per brand.

Each store sells a few of its brand's products; customers (some shopping at two brands with the
same email) have orders shipped and not, subscription orders with their contracts, and email/SMS
consents. ``sandbox_stores`` gives the matching ``[plugins.shopify.stores]`` settings.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.core.models import LineItem, Money, Order, Subscription, SubscriptionStatus
from hub.sandbox.world import Person, SandboxWorld, store_key
from plugins.shopify.client import PLATFORM
from plugins.shopify.emulator import EmulatorState, ShopState

# brand -> (sku, title, price) of what its store sells
BRAND_CATALOG: dict[str, list[tuple[str, str, str]]] = {
    "Ava Jane's Kitchen": [
        ("AJK-BONE-BROTH", "Bone Broth Protein", "39.95"),
        ("AJK-COLLAGEN", "Collagen Peptides", "34.00"),
        ("AJK-COOKBOOK", "Real Food Cookbook", "24.99"),
    ],
    "Bright Naturals": [
        ("BN-VITC-60", "Vitamin C Gummies", "19.95"),
        ("BN-MAG-120", "Magnesium Glycinate", "27.50"),
        ("BN-SLEEP", "Sleep Support", "29.00"),
    ],
    "Earth Echo": [
        ("EE-GREENS", "Organic Greens Powder", "49.00"),
        ("EE-BEETS", "Beet Root Crystals", "36.00"),
        ("EE-MUSHROOM", "Mushroom Coffee", "32.95"),
    ],
    "Mesa Cookware": [
        ("MC-SKILLET-10", "Cast Iron Skillet 10in", "89.00"),
        ("MC-DUTCH-5Q", "Dutch Oven 5qt", "149.00"),
        ("MC-KNIFE-8", "Chef Knife 8in", "64.50"),
    ],
    "PaleoHacks": [
        ("PH-CEREAL", "Paleo Cereal", "14.99"),
        ("PH-BARS-12", "Protein Bars 12-pack", "29.99"),
        ("PH-MEAL-PLAN", "30-Day Meal Plan", "47.00"),
    ],
    "Paleo Plan": [
        ("PP-MONTHLY", "Monthly Meal Plan", "9.95"),
        ("PP-ANNUAL", "Annual Meal Plan", "89.00"),
        ("PP-GUIDE", "Paleo Starter Guide", "19.00"),
    ],
    "PhysioTru": [
        ("PT-HIP-FLEXOR", "Hip Flexor Program", "37.00"),
        ("PT-BACK", "Back Pain Relief Kit", "57.00"),
        ("PT-BAND", "Resistance Band Set", "24.00"),
    ],
}

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Mia",
    "Lucas",
    "Amelia",
    "Mason",
    "Harper",
    "Ethan",
    "Evelyn",
    "Logan",
]
LAST_NAMES = [
    "Garcia",
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Davis",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "Lee",
]
CITIES = [
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97205"),
    ("Boise", "ID", "83702"),
    ("Raleigh", "NC", "27601"),
    ("Madison", "WI", "53703"),
]
SEED_EPOCH = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)


def seed_token(key: str) -> str:
    """The emulator's (fake) access token of a seeded store."""
    return f"shpat_emulator_{key}"


def sandbox_stores(base_url: str) -> dict[str, dict[str, Any]]:
    """``[plugins.shopify.stores]`` for the seeded emulator served at ``base_url``."""
    return {
        store_key(brand): {
            "brand": brand,
            "shop": shop_domain(brand),
            "base_url": base_url,
            "access_token": seed_token(store_key(brand)),
            "webhook_secret": f"sandbox-webhooks-{store_key(brand)}",
        }
        for brand in BRAND_CATALOG
    }


def shop_domain(brand: str) -> str:
    return f"{store_key(brand).replace('_', '-')}.myshopify.com"


def build_seed(
    seed: int = 7, *, customers_per_store: int = 6, state: EmulatorState | None = None
) -> EmulatorState:
    """Every brand's store with products, customers, orders, subscriptions and consents."""
    rng = random.Random(seed)
    state = state or EmulatorState()
    people = _people(rng, customers_per_store * 2)
    for brand, catalog in BRAND_CATALOG.items():
        shop = state.add_shop(shop_domain(brand), brand=brand, token=seed_token(store_key(brand)))
        shop.discount_codes.update({"WELCOME10": Decimal(10), "VIP20": Decimal(20)})
        for sku, title, price in catalog:
            shop.add_product(title, [(sku, "Default Title", price)])
        # Half the people list is shared by every store, so some customers buy from several brands.
        chosen = rng.sample(people, customers_per_store)
        for person in chosen:
            _seed_customer(rng, shop, person, [sku for sku, _, _ in catalog])
    return state


def _people(rng: random.Random, count: int) -> list[dict[str, Any]]:
    people = []
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, region, postal = rng.choice(CITIES)
        people.append(
            {
                "first": first,
                "last": last,
                "email": f"{first}.{last}{index}@example.com".lower(),
                "phone": f"+1512555{index:04d}" if rng.random() < 0.8 else None,
                "address": {
                    "firstName": first,
                    "lastName": last,
                    "address1": f"{rng.randint(10, 9999)} Oak St",
                    "city": city,
                    "provinceCode": region,
                    "zip": postal,
                    "countryCode": "US",
                    "country": "United States",
                },
            }
        )
    return people


def _seed_customer(rng: random.Random, shop: ShopState, person: dict[str, Any], skus: list[str]) -> None:
    joined = SEED_EPOCH + timedelta(days=rng.randint(0, 200))
    customer = shop.add_customer(
        person["first"],
        person["last"],
        person["email"],
        person["phone"],
        address=person["address"],
        email_consent=rng.choice(["SUBSCRIBED", "SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED"]),
        sms_consent=rng.choice(["SUBSCRIBED", "NOT_SUBSCRIBED"]) if person["phone"] else None,
        created_at=joined,
    )
    moment = joined
    for _ in range(rng.randint(0, 4)):
        moment += timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 12))
        subscription = rng.random() < 0.25
        lines = [(sku, rng.randint(1, 2)) for sku in rng.sample(skus, rng.randint(1, 2))]
        tags = ["Subscription Recurring Order"] if subscription else []
        order = shop.add_order(customer, lines, created_at=moment, subscription=subscription, tags=tags)
        if rng.random() < 0.6:
            shop.fulfill(
                order, f"9400{rng.randint(10**17, 10**18 - 1)}", shipped_at=moment + timedelta(days=1)
            )
        if subscription:
            shop.add_subscription(
                customer,
                lines[0][0],
                lines[0][1],
                created_at=moment,
                status=rng.choice(["ACTIVE", "ACTIVE", "PAUSED", "CANCELLED"]),
            )


def seed_from_world(world: SandboxWorld, state: EmulatorState | None = None) -> EmulatorState:
    """The world's Shopify brands, with its people as customers and their orders.

    Their orders and subscriptions join ``world`` as domain records, so the helpdesk's seed can
    file tickets about them. ``state`` sets the stores' plan (their cost buckets).
    """
    rng = random.Random(world.seed * 41 + 3)
    state = state or EmulatorState()
    for brand in world.brands_on(PLATFORM):
        shop = state.add_shop(shop_domain(brand), brand=brand, token=seed_token(store_key(brand)))
        shop.discount_codes.update({"WELCOME10": Decimal(10), "VIP20": Decimal(20)})
        catalog = BRAND_CATALOG[brand]
        for sku, title, price in catalog:
            shop.add_product(title, [(sku, "Default Title", price)])
        for person in (p for p in world.people_on(PLATFORM) if p.brand == brand):
            _seed_customer(rng, shop, _person_record(rng, person), [sku for sku, _, _ in catalog])
        world.orders.extend(_order_record(shop, order) for order in shop.orders.values())
        world.subscriptions.extend(_subscription_record(shop, c) for c in shop.contracts.values())
    return state


def _person_record(rng: random.Random, person: Person) -> dict[str, Any]:
    city, region, postal = rng.choice(CITIES)
    return {
        "first": person.first_name,
        "last": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "address": {
            "firstName": person.first_name,
            "lastName": person.last_name,
            "address1": f"{rng.randint(10, 9999)} Oak St",
            "city": city,
            "provinceCode": region,
            "zip": postal,
            "countryCode": "US",
            "country": "United States",
        },
    }


def _order_record(shop: ShopState, order: dict[str, Any]) -> Order:
    """The seeded order as the hub sees it (what the plugin would map it to)."""
    lines = tuple(
        LineItem(
            id=line["id"],
            sku=line["sku"],
            name=line["title"],
            quantity=line["quantity"],
            price=Money(amount=line["_price"], currency=shop.currency),
        )
        for line in order["_lines"]
    )
    return Order(
        platform=PLATFORM,
        store=store_key(shop.brand),
        id=order["id"],
        number=order["name"],
        customer_id=order["_customer"],
        email=order["email"],
        brand=shop.brand,
        created_at=datetime.fromisoformat(order["createdAt"].replace("Z", "+00:00")),
        total=Money(amount=order["_total"], currency=shop.currency),
        line_items=lines,
        is_subscription=any(line.get("sellingPlan") for line in order["_lines"]),
    )


def _subscription_record(shop: ShopState, contract: dict[str, Any]) -> Subscription:
    status = {
        "ACTIVE": SubscriptionStatus.ACTIVE,
        "PAUSED": SubscriptionStatus.PAUSED,
        "CANCELLED": SubscriptionStatus.CANCELLED,
    }.get(contract["status"], SubscriptionStatus.UNKNOWN)
    return Subscription(
        platform=PLATFORM,
        store=store_key(shop.brand),
        id=contract["id"],
        customer_id=contract["_customer"],
        sku=contract["_lines"][0]["sku"],
        status=status,
    )
