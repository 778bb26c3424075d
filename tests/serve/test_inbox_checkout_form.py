"""The inbox app's checkout-link form offers only stores whose platform can make a link.

It listed every store the customer buys from: a customer of a platform without
``commerce_create_checkout_link`` (Konnektive, before it had one; any plugin without it) got
that store as the one choice, and every submit answered "no enabled plugin provides
commerce_create_checkout_link for platform 'konnektive'".
"""

from __future__ import annotations

import pytest

from tests.serve.conftest import Served
from tests.serve.test_inbox_app import component, request_for


async def test_the_checkout_form_lists_only_stores_that_make_links(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = served.server.hub
    every = hub.providers

    def providers(capability: str) -> list[str]:  # Konnektive as a platform without checkout links
        found = every(capability)
        return (
            [p for p in found if p != "konnektive"]
            if capability == "commerce_create_checkout_link"
            else found
        )

    monkeypatch.setattr(hub, "providers", providers)
    order = next(o for o in served.sandbox.world.orders if o.platform == "konnektive")
    form = await served.app_request("submit", request_for(served, order, component_id="checkout_link"))
    choices = [option["id"].split("|")[0] for option in component(form.json(), "store")["options"]]
    assert choices and "konnektive" not in choices
    assert set(choices) <= set(providers("commerce_create_checkout_link"))
