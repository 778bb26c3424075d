"""Whose order is it: the one check every order-level action passes before anything is sent.

A refund, an address change, a replacement or a subscription cancel acts on a record the
requester *named* (a ticket attribute, an inbox-app form value). Naming is not owning: a
ticket filed by customer A may name customer B's order, and an inbox-app submit is only as
honest as the form it came from. So the back office (``hub.flows.back_office``) and the inbox
app (``hub.serve.inbox_app``) both call ``require_order_owner`` / ``require_subscription_owner``
with the requesting contacts (the ticket's or the conversation's) and act only when it passes.

The order belongs to a contact when one of these holds (keys compared by ``hub.core.lookup``):
1. the order's email equals the contact's email (case-insensitive);
2. the order's billing phone equals the contact's phone (E.164);
3. the order's customer record (platform, store, id) is among the customers the stores find,
   exactly, by the contact's email or phone (how a phone-only contact owns an order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hub.core.errors import CapabilityMissing, HubError
from hub.core.lookup import same_email, same_phone
from hub.core.manager import Hub
from hub.core.models import Contact, Customer, Order, Ref, Subscription


class NotTheCustomer(HubError):
    """The record named does not belong to the contact asking; the message says so, no ids leak."""


TICKET = "the ticket's customer"
CONVERSATION = "this conversation's customer"


async def require_order_owner(
    hub: Hub, order: Order, contacts: Sequence[Contact], asker: str = TICKET
) -> None:
    """Return when ``order`` belongs to one of ``contacts``; raise ``NotTheCustomer`` otherwise.

    ``contacts``: the requester(s); none, or none with an email or phone, is refused too.
    ``asker`` names them in the message (``TICKET`` or ``CONVERSATION``).
    """
    people = _reachable(contacts, f"order {order.number}", asker)
    if any(_owns_directly(order, contact) for contact in people):
        return
    if order.customer_id is not None:
        customers = await _customers_of(hub, people)
        if any(_is_record(c, order.platform, order.store, order.customer_id) for c in customers):
            return
    raise NotTheCustomer(
        f"order {order.number} on {order.platform} does not belong to {asker} "
        f"({_who(people)}); nothing was done"
    )


async def require_subscription_owner(
    hub: Hub, subscription: Ref, contacts: Sequence[Contact], asker: str = TICKET
) -> None:
    """Return when ``subscription`` is one of the contacts' customers' subscriptions on its store.

    Raises ``NotTheCustomer`` otherwise (a store that cannot list subscriptions proves nothing).
    """
    await owned_subscription(hub, subscription, contacts, asker)


async def owned_subscription(
    hub: Hub, named: Ref, contacts: Sequence[Contact], asker: str = TICKET
) -> Subscription:
    """The subscription ``named`` as the store holds it, once it is one of the contacts' own.

    ``named.id`` is the id as an agent types it: the platform's id, or the id as shown
    (``shown_id``: ``1064`` for ``gid://shopify/SubscriptionContract/1064``), so a ticket
    filled from the CS Assist panel names it either way; the answer carries the platform's
    full id. ``named.store`` None looks on every store of the platform. Raises
    ``NotTheCustomer`` when none of the contacts' customers holds it (unknown ids included:
    no other customer's subscription is ever confirmed to exist).
    """
    people = _reachable(contacts, f"subscription {named.id}", asker)
    for customer in await _customers_of(hub, people):
        if not _is_record(customer, named.platform, named.store, None):
            continue
        try:
            owned: list[Subscription] = await hub.commerce.list_subscriptions(customer=customer.ref)
        except CapabilityMissing:
            continue
        found = next((s for s in owned if isinstance(s, Subscription) and _names(named.id, s.id)), None)
        if found is not None:
            return found
    raise NotTheCustomer(
        f"subscription {named.id} on {named.platform} does not belong to {asker} "
        f"({_who(people)}); nothing was done"
    )


def shown_id(record_id: str) -> str:
    """The id as people see it: a path-like id's last segment (``gid://x/Thing/1064`` -> ``1064``)."""
    return record_id.rstrip("/").rsplit("/", 1)[-1] if "/" in record_id else record_id


def _names(typed: str, record_id: str) -> bool:
    """Whether what was typed names the record: its id, or its id as shown."""
    typed = typed.strip()
    return typed == record_id or (typed != "" and typed == shown_id(record_id))


def _reachable(contacts: Iterable[Contact], what: str, asker: str) -> list[Contact]:
    """The contacts with an email or a phone to check against; refuse when there are none."""
    people = [c for c in contacts if c.email or c.phone]
    if not people:
        raise NotTheCustomer(
            f"{what}: {asker} has no email or phone to check it belongs to them; nothing was done"
        )
    return people


def _owns_directly(order: Order, contact: Contact) -> bool:
    """Rules 1 and 2: the order's own email or billing phone is the contact's."""
    billing_phone = order.billing_address.phone if order.billing_address else None
    return same_email(order.email, contact.email) or same_phone(billing_phone, contact.phone)


async def _customers_of(hub: Hub, contacts: Iterable[Contact]) -> list[Customer]:
    """Every store's customers found by each contact's email and by its phone (exact look-ups)."""
    found: list[Customer] = []
    for contact in contacts:
        if contact.email:
            found += await hub.commerce.find_customers(email=contact.email, phone=None)
        if contact.phone:
            found += await hub.commerce.find_customers(email=None, phone=contact.phone)
    return found


def _is_record(customer: Customer, platform: str, store: str | None, customer_id: str | None) -> bool:
    """Whether ``customer`` is the record on (platform, store) with ``customer_id`` (any id if None)."""
    same_place = customer.platform == platform and (store is None or customer.store == store)
    return same_place and (customer_id is None or customer.id == customer_id)


def _who(contacts: Iterable[Contact]) -> str:
    return ", ".join(c.email or c.phone or c.id for c in contacts)
