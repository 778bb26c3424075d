"""The summary folds orders page by page to exactly the figures of reading them all at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.models import (
    UNPAID,
    Address,
    Customer,
    CustomerSummary,
    FinancialStatus,
    Money,
    Order,
    money_totals,
)
from hub.flows.summary import OrderTally, _merged_consents, _order_summary, _store_consents

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ADDRESS = Address(line1="1 Main St", city="Austin", country="US")


def reference(customers: list[Customer], orders: list[Order], recent: int) -> CustomerSummary:
    """The summary as it was computed before it streamed: every order in one list."""

    def orders_of(customer: Customer) -> list[Order]:
        """The customer's orders that brought money in (what its figures count)."""
        return [
            o
            for o in orders
            if o.platform == customer.platform
            and o.store == customer.store
            and o.customer_id in (None, customer.id)
            and o.financial_status not in UNPAID
        ]

    def net(order: Order) -> Money:
        return Money(amount=order.total.amount - order.refunded.amount, currency=order.total.currency)

    amounts: list[Money] = []
    for customer in customers:
        if customer.lifetime_revenue is not None:
            amounts.append(customer.lifetime_revenue)
        else:
            amounts.extend(net(order) for order in orders_of(customer))
    newest = sorted(orders, key=lambda o: o.created_at, reverse=True)
    listed = tuple(_order_summary(order) for order in newest[: max(1, recent)])
    stamps = [c.last_order_at for c in customers if c.last_order_at] + [o.created_at for o in orders]
    return CustomerSummary(
        email=next((c.email for c in customers if c.email), None),
        phone=next((c.phone for c in customers if c.phone), None),
        name=next((c.name for c in customers if c.name), None),
        brands=tuple(sorted({b for b in (*(c.brand for c in customers), *(o.brand for o in orders)) if b})),
        lifetime_revenue=money_totals(amounts),
        order_count=sum(c.order_count if c.order_count is not None else len(orders_of(c)) for c in customers),
        last_purchase_at=max(stamps) if stamps else None,
        latest_order=listed[0] if listed else None,
        recent_orders=listed,
        shipping_address=next(
            (o.shipping_address for o in newest if o.shipping_address),
            next((c.default_address for c in customers if c.default_address), None),
        ),
        billing_address=next(
            (o.billing_address for o in newest if o.billing_address),
            next((c.billing_address for c in customers if c.billing_address), None),
        ),
        consents=_merged_consents(customers),
        store_consents=_store_consents(customers),
        sources=tuple(c.ref for c in customers),
    )


@st.composite
def customers_and_lists(draw: st.DrawFn) -> tuple[list[Customer], list[list[Order]]]:
    customers = []
    for index in range(draw(st.integers(1, 3))):
        own = draw(st.booleans())
        customers.append(
            Customer(
                platform=draw(st.sampled_from(["shopify", "konnektive"])),
                id=f"C{index}",
                store=draw(st.sampled_from(["a", "b"])),
                brand=draw(st.sampled_from([None, "PaleoHacks", "Earth Echo"])),
                email=f"c{index}@example.com",
                lifetime_revenue=Money(amount=Decimal("10.00"), currency="USD") if own else None,
                order_count=3 if own and draw(st.booleans()) else None,
                default_address=ADDRESS.model_copy(update={"line1": f"{index} Home St"})
                if draw(st.booleans())
                else None,
                billing_address=ADDRESS.model_copy(update={"line1": f"{index} Card St"})
                if draw(st.booleans())
                else None,
            )
        )
    lists = []
    for index, customer in enumerate(customers):
        orders = []
        for n in range(draw(st.integers(0, 9))):
            orders.append(
                Order(
                    platform=customer.platform,
                    id=f"{index}-{n}",
                    store=draw(st.sampled_from([customer.store, "a", "b"])),
                    number=f"#{index}{n}",
                    customer_id=draw(st.sampled_from([customer.id, None, "C9"])),
                    brand=draw(st.sampled_from([None, "Mesa Cookware"])),
                    created_at=T0 + timedelta(days=draw(st.integers(0, 4))),  # ties on purpose
                    financial_status=draw(st.sampled_from(list(FinancialStatus))),
                    total=Money(
                        amount=Decimal(draw(st.integers(0, 999))) / 10,
                        currency=draw(st.sampled_from(["USD", "EUR"])),
                    ),
                    shipping_address=ADDRESS.model_copy(update={"line1": f"{n} Main St"})
                    if draw(st.booleans())
                    else None,
                    billing_address=ADDRESS.model_copy(update={"line1": f"{n} Bill St"})
                    if draw(st.booleans())
                    else None,
                )
            )
        lists.append(orders)
    return customers, lists


@settings(max_examples=300, deadline=None)
@given(data=customers_and_lists(), page=st.integers(1, 4), recent=st.integers(0, 7))
def test_folding_pages_gives_the_figures_of_the_whole_list(data, page: int, recent: int) -> None:
    customers, lists = data
    tallies = []
    for index, orders in enumerate(lists):  # each customer's list read on its own, page by page
        tally = OrderTally(customers, recent=recent)
        for start in range(0, len(orders), page):
            tally.add(orders[start : start + page], source=index)
        tallies.append(tally)
    folded = OrderTally.combined(customers, tallies, recent=recent).summary([])
    whole = reference(customers, [order for orders in lists for order in orders], recent)
    assert folded == whole
    assert list(folded.lifetime_revenue) == list(whole.lifetime_revenue)  # currencies in the same order


def test_an_unpaid_order_is_listed_but_adds_nothing_to_figures_the_platform_does_not_report() -> None:
    customer = Customer(platform="konnektive", id="C1", store="a", email="c@example.com")

    def order(n: int, status: FinancialStatus) -> Order:
        return Order(
            platform="konnektive",
            id=str(n),
            store="a",
            number=f"#{n}",
            customer_id="C1",
            created_at=T0 + timedelta(days=n),
            total=Money(amount=Decimal("10.00"), currency="USD"),
            financial_status=status,
        )

    paid, declined, pending = FinancialStatus.PAID, FinancialStatus.DECLINED, FinancialStatus.PENDING
    orders = [order(1, paid), order(2, declined), order(3, pending)]
    summary = OrderTally([customer]).add(orders, source=0).summary([])
    assert summary.order_count == 1 and summary.lifetime_revenue == {"USD": orders[0].total}
    assert [o.number for o in summary.recent_orders] == ["#3", "#2", "#1"]  # every order still listed
    assert summary.last_purchase_at == T0 + timedelta(days=3)  # as before: the newest order of any kind
