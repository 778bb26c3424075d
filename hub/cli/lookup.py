"""A customer at hand: ``hub lookup`` (the CS Assist summary) and ``hub checkout-link``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table

from hub.cli.options import ConfigOption, SandboxOption, load_runtime
from hub.cli.output import cli_errors, console, err
from hub.core.hookspecs import hookimpl


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub lookup`` and ``hub checkout-link``."""
    app.command()(lookup)
    app.command("checkout-link")(checkout_link)


def lookup(
    email: Annotated[str, typer.Argument(help="Customer email (or phone with --phone).")],
    config: ConfigOption = None,
    sandbox: SandboxOption = False,
    phone: Annotated[bool, typer.Option("--phone", help="Look up by phone number instead.")] = False,
) -> None:
    """Show the CS Assist summary of a customer across every store."""
    from hub.flows.summary import build_summary

    with cli_errors():
        runtime = load_runtime(config, sandbox)

        async def find() -> Any:
            async with runtime.session() as hub:
                return await build_summary(hub, None if phone else email, email if phone else None)

        summary = asyncio.run(find())
        if summary is None:
            err.print(f"no store knows {email}")
            raise typer.Exit(1)
        print_summary(summary)


def print_summary(summary: Any) -> None:
    """The CS Assist summary (``hub.flows.summary``) as a two-column table, one row per order."""
    table = Table(title=f"CS Assist: {summary.name or summary.email}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = {
        "Email": summary.email,
        "Phone": summary.phone,
        "Brands": ", ".join(summary.brands),
        "Lifetime revenue": "; ".join(str(m) for m in summary.lifetime_revenue.values()),
        "Orders": str(summary.order_count),
        "Last purchase": summary.last_purchase_at.date().isoformat() if summary.last_purchase_at else "",
        "Open subscriptions": ", ".join(
            f"{s.product or s.sku or s.id} ({s.status})" for s in summary.open_subscriptions
        ),
        "Shipping address": summary.shipping_address.one_line() if summary.shipping_address else "",
        "Consents": ", ".join(f"{c.channel}: {'yes' if c.opted_in else 'no'}" for c in summary.consents),
        "Left out (unreadable)": "; ".join(str(u) for u in summary.unreadable),
    }
    for field_name, value in rows.items():
        table.add_row(field_name, value or "-")
    for order in summary.recent_orders:
        tracking = f" tracking {', '.join(order.tracking_numbers)}" if order.tracking_numbers else ""
        table.add_row(
            f"Order {order.number}",
            f"{order.created_at:%Y-%m-%d} {order.total} {order.platform}/"
            f"{order.store}: {order.ship_status}{tracking}",
        )
    console.print(table)


def checkout_link(
    platform: Annotated[str, typer.Option(help="Store platform (shopify, ultracart, ...).")],
    brand: Annotated[str, typer.Option(help="Brand (its store key or name).")],
    email: Annotated[str, typer.Option(help="Customer email.")],
    product: Annotated[list[str], typer.Option(help="SKU:QTY, repeatable.")],
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    address: Annotated[str | None, typer.Option(help='"line1, city, region, postal code, country"')] = None,
    sales_rep: Annotated[str | None, typer.Option(help="Sales-rep attribution.")] = None,
    discount: Annotated[str | None, typer.Option(help="Discount code.")] = None,
    meta: Annotated[list[str] | None, typer.Option(help="key=value metadata, repeatable.")] = None,
    config: ConfigOption = None,
    sandbox: SandboxOption = False,
) -> None:
    """Create a checkout link on a store and print it."""
    from hub.core.models import CheckoutLinkRequest, CheckoutProduct
    from hub.flows.base import RunContext
    from hub.flows.checkout_link import FLOW, create_checkout_link
    from hub.flows.tickets import TicketProblem, parse_address
    from hub.sandbox.world import store_key

    with cli_errors():
        try:
            products = tuple(
                CheckoutProduct(sku=sku, quantity=int(qty or 1))
                for sku, _, qty in (p.partition(":") for p in product)
            )
            metadata = dict(item.split("=", 1) for item in meta or [])
            shipping = parse_address(address) if address else None
        except (ValueError, TicketProblem) as exc:
            err.print(f"--product takes SKU:QTY, --meta key=value, --address one line ({exc})")
            raise typer.Exit(2) from None
        request = CheckoutLinkRequest(
            platform=platform,
            store=store_key(brand),
            email=email,
            first_name=first_name,
            last_name=last_name,
            shipping_address=shipping,
            products=products,
            sales_rep=sales_rep,
            discount_code=discount,
            metadata=metadata,
        )
        runtime = load_runtime(config, sandbox)

        async def create() -> Any:
            async with runtime.session() as hub:
                ctx = RunContext(hub=hub, store=runtime.store, config=runtime.config, flow=FLOW)
                return await create_checkout_link(ctx, request)

        link = asyncio.run(create())
        console.print(link.url, highlight=False, soft_wrap=True)
