"""A phone shared with another customer does not make their order this contact's.

The phone proved ownership whatever the emails said: a contact whose phone was set to another
customer's (a number typed into a Messenger form, a household's landline) could refund, cancel
or re-address that customer's orders from the side panel, although the order's email named
someone else. A phone now counts only where no email says otherwise; a contact known by phone
alone still owns the orders of that phone (tests/flows/test_ownership.py).
"""

from __future__ import annotations

from tests.serve.conftest import Served
from tests.serve.test_inbox_ownership import (
    app_request,
    refund_values,
    refunds_on,
    result_of,
    served_order,
)


async def test_a_contact_with_b_s_phone_but_its_own_email_refunds_nothing_of_b(served: Served) -> None:
    order = served_order(served)  # customer B's, with B's email and billing phone
    buyer = next(p for p in served.sandbox.world.people if p.email.lower() == order.email.lower())
    a = next(p for p in served.sandbox.world.people if p.email != buyer.email and p.phone != buyer.phone)
    contact = next(c for c in served.state("intercom").contacts.values() if c["email"] == a.email)
    contact["phone"] = buyer.phone  # A typed B's number into a chat form
    submit = app_request(
        served, a.email, component_id="confirm_refund", input_values=refund_values(order, "7.00")
    )
    result = result_of((await served.app_request("submit", submit)).json())
    assert result["style"] == "error" and "does not belong" in result["text"], result
    assert refunds_on(served, order) == []
