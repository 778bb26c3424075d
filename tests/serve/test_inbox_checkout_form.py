"""The inbox app's checkout-link form offers only stores that can make a checkout link.

It listed every store the customer buys from; for a Konnektive customer that was the one
choice, and every submit answered "no enabled plugin provides commerce_create_checkout_link
for platform 'konnektive'".
"""

from __future__ import annotations

from tests.serve.conftest import Served
from tests.serve.test_inbox_app import component, request_for


async def test_the_checkout_form_lists_only_stores_that_make_links(served: Served) -> None:
    makers = set(served.server.hub.providers("commerce_create_checkout_link"))
    assert "konnektive" not in makers  # the case this test is about
    order = next(o for o in served.sandbox.world.orders if o.platform == "konnektive")
    form = await served.app_request("submit", request_for(served, order, component_id="checkout_link"))
    choices = [option["id"].split("|")[0] for option in component(form.json(), "store")["options"]]
    assert choices and set(choices) <= makers
