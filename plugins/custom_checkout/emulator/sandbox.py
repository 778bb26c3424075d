"""Custom checkout as the sandbox runs it: every brand's cart, one of them behind the endpoint.

Six brands use a URL template (the link is built in the hub); PaleoHacks uses the signed
endpoint, served by the stand-in, so ``hub checkout-link --platform custom_checkout`` shows both.
"""

from __future__ import annotations

from decimal import Decimal

from hub.sandbox.world import SandboxApp, SandboxWorld, sandbox_host, store_key
from plugins.custom_checkout.emulator import EndpointState, Shop, create_app

NAME = "custom_checkout"
ENDPOINT_BRAND = "PaleoHacks"
SANDBOX_SECRET = "sandbox-custom-checkout-secret"
TEMPLATE = (
    "https://shop.{slug}.example/cart?items={{items}}&email={{email}}&first_name={{first_name}}"
    "&last_name={{last_name}}&phone={{phone}}&address1={{address1}}&address2={{address2}}"
    "&city={{city}}&region={{region}}&postal_code={{postal_code}}&country={{country}}"
    "&rep={{sales_rep}}&coupon={{discount_code}}&notes={{notes}}&ref={{reference}}"
)


def catalogue(brand: str) -> dict[str, Decimal]:
    """A few products per brand (SKU -> price), prefixed with the brand's initials."""
    prefix = "".join(word[0] for word in brand.replace("'", "").split()).upper()
    return {
        f"{prefix}-BUNDLE": Decimal("49.00"),
        f"{prefix}-SAMPLER": Decimal("19.00"),
        f"{prefix}-GIFT": Decimal("25.00"),
    }


def sandbox_app(world: SandboxWorld) -> SandboxApp | None:
    """Stores for the world's brands, and the stand-in endpoint one of them uses."""
    brands = sorted({person.brand for person in world.people})
    if not brands:
        return None
    state = EndpointState()
    stores = {}
    for index, brand in enumerate(brands, start=1):
        key = store_key(brand)
        products = catalogue(brand)
        if brand == ENDPOINT_BRAND:
            state.shops[key] = Shop(brand, SANDBOX_SECRET, f"https://shop.{key}.example/cart", products)
            stores[key] = {
                "brand": brand,
                "endpoint": f"{sandbox_host(NAME)}/{key}",
                "signing_secret": SANDBOX_SECRET,
            }
        else:
            ids = {sku: f"{index}{n:02d}" for n, sku in enumerate(sorted(products), start=1)}
            stores[key] = {
                "brand": brand,
                "url_template": TEMPLATE.format(slug=key.replace("_", "")),
                "item_format": "{id}:{quantity}",
                "catalogue": ids,
            }
    return SandboxApp(name=NAME, app=create_app(state), settings={"stores": stores}, state=state)
