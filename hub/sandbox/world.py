"""The sandbox world: one set of people every plugin's emulator is seeded from.

The same customers must exist on the helpdesk, the stores and the phone system for the flows to
have anything to join, so the world is built once here (deterministic from a seed) and handed
to each plugin's ``hub_sandbox`` hook: stores first (they add their orders and subscriptions to
the world), then the helpdesk (its tickets name those orders), then telephony.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.core.models import Order, Subscription

BRANDS = (
    "Ava Jane's Kitchen",
    "Bright Naturals",
    "Earth Echo",
    "Mesa Cookware",
    "PaleoHacks",
    "Paleo Plan",
    "PhysioTru",
)
FIRST = (
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jon",
    "Kemi",
    "Luis",
    "Maya",
    "Nils",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vic",
    "Wen",
    "Yara",
)
LAST = (
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Walsh",
)
AREA_CODES = ("415", "202", "617", "312", "512", "303", "206")
AGENTS = (
    ("Ana Souza", "ana@supporthub.example"),
    ("Ben Carter", "ben@supporthub.example"),
    ("Chloe Martin", "chloe@supporthub.example"),
    ("Dev Patel", "dev@supporthub.example"),
    ("Eli Moreno", "eli@supporthub.example"),
)
"""The support team: the same people are Intercom admins and Aircall users (matched by email)."""


def store_key(brand: str) -> str:
    """The store key a brand's stores use in config: ``Ava Jane's Kitchen`` -> ``ava_janes_kitchen``."""
    return re.sub(r"[^a-z0-9]+", "_", brand.lower().replace("'", "")).strip("_")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    brand: str
    platform: str
    """The commerce platform this person buys on ("" when no store takes part)."""

    @property
    def store(self) -> str:
        return store_key(self.brand)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class SandboxWorld:
    seed: int
    now: datetime
    people: list[Person]
    agents: tuple[tuple[str, str], ...] = AGENTS
    orders: list[Order] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    unknown_numbers: tuple[str, ...] = ("+13125550999", "+15125550998")
    empty: bool = False
    """The helpdesk starts as a new workspace: none of the fields or ticket types the hub needs
    (``hub sandbox --empty``), for ``hub setup`` to create; the rest is seeded as usual."""

    def people_on(self, platform: str) -> list[Person]:
        return [p for p in self.people if p.platform == platform]

    def brands_on(self, platform: str) -> list[str]:
        return sorted({p.brand for p in self.people_on(platform)})


def sandbox_host(name: str) -> str:
    """The base URL host a plugin's sandbox settings use (``http://<name>.sandbox``).

    In-process the host is never resolved; ``hub sandbox`` replaces it with the loopback
    address it serves the emulator on.
    """
    return f"http://{name}.sandbox"


@dataclass
class SandboxApp:
    """What a plugin hands the sandbox: its seeded emulator and the settings that reach it."""

    name: str
    app: Any
    settings: dict[str, Any]
    state: Any = None
    """The emulator's in-memory state, for tests and the demo report to look at."""


def build_world(
    platforms: list[str],
    *,
    seed: int = 7,
    per_brand: int = 40,
    now: datetime | None = None,
    empty: bool = False,
) -> SandboxWorld:
    """People for the seven brands, each brand sold on one of ``platforms`` (round robin);
    ``empty``: the helpdesk without the hub's fields and ticket types (``SandboxWorld.empty``)."""
    rng = random.Random(seed)
    people: list[Person] = []
    for index, brand in enumerate(BRANDS):
        platform = platforms[index % len(platforms)] if platforms else ""
        for n in range(per_brand):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            number = f"+1{AREA_CODES[index]}555{n:04d}"
            email = f"{first}.{last}.{index}{n}@example.com".lower()
            people.append(Person(first, last, email, number, brand, platform))
    return SandboxWorld(seed=seed, now=now or datetime.now(UTC), people=people, empty=empty)
