"""A customer at hand: ``hub lookup`` (the CS Assist summary) and ``hub checkout-link``."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.cli.options import ConfigOption, JsonOption, SandboxOption, load_runtime
from hub.cli.output import Usage, cli_errors, console, err, print_json
from hub.core.amounts import MAX_QUANTITY, AmountError, parse_quantity
from hub.core.hookspecs import hookimpl
from hub.core.lookup import phone_key
from hub.engine import Runtime

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
"""An address a store could hold: something, ``@``, a domain with a dot (no spaces)."""
CHECKOUT_HOOK = "commerce_create_checkout_link"


@hookimpl
def hub_cli_commands(app: typer.Typer) -> None:
    """Add ``hub lookup`` and ``hub checkout-link``."""
    app.command()(lookup)
    app.command("checkout-link")(checkout_link)


def lookup(
    email: Annotated[
        str, typer.Argument(help="Customer email, or phone number in any common format ((415) 555-0000).")
    ],
    config: ConfigOption = None,
    sandbox: SandboxOption = False,
    phone: Annotated[bool, typer.Option("--phone", help="It is a phone number (also guessed).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the CS Assist summary of a customer across every store (exit code 1: no store knows
    them; 2: not an email address or phone number)."""
    from hub.flows.summary import build_summary

    with cli_errors():
        runtime = load_runtime(config, sandbox)
        options = cs_assist_options(runtime)
        by_email, by_phone = who(email, phone, options.phone_region)

        async def find() -> Any:
            async with runtime.session() as hub:
                return await build_summary(
                    hub, by_email, by_phone, recent=options.recent_orders, region=options.phone_region
                )

        summary = asyncio.run(find())
        if as_json:
            query = {"email": by_email, "phone": by_phone}
            print_json(
                "lookup", {"query": query, "found": summary is not None, "customer": summary_json(summary)}
            )
        if summary is None:
            err.print(f"no store knows {email}", highlight=False)
            raise typer.Exit(1)
        if not as_json:
            print_summary(summary)


def cs_assist_options(runtime: Runtime) -> Any:
    """The ``[flows.cs_assist]`` options (how many orders, the phone region), validated."""
    return runtime.flow("cs_assist").options


def who(value: str, phone: bool, region: str = "US") -> tuple[str | None, str | None]:
    """``(email, phone)`` to look up from what was typed; ``Usage`` when it is neither.

    A value that is no email but a phone number is taken as one (``--phone`` is then only a
    way to say so). A phone in any common format is read as E.164 here, in ``region`` when it
    has no ``+country`` (``[flows.cs_assist] phone_region``): the stores are asked with that.
    """
    from hub.flows.summary import read_person

    try:
        return read_person(value, phone_only=phone, region=region)
    except ValueError as exc:
        raise Usage(str(exc)) from None


def summary_json(summary: Any) -> dict[str, Any] | None:
    """The CS Assist summary in ``hub.lookup/1`` (docs/cli-json.md); None when not found."""
    if summary is None:
        return None
    address, billing = summary.shipping_address, summary.billing_address
    return {
        "name": summary.name,
        "email": summary.email,
        "phone": summary.phone,
        "brands": list(summary.brands),
        "lifetime_revenue": [_money(m) for m in summary.lifetime_revenue.values()],
        "order_count": summary.order_count,
        "last_purchase_at": summary.last_purchase_at,
        "open_subscriptions": [
            {
                "platform": s.platform,
                "store": s.store,
                "id": s.id,
                "product": s.product,
                "sku": s.sku,
                "status": s.status,
                "next_billing_at": s.next_billing_at,
            }
            for s in summary.open_subscriptions
        ],
        "recent_orders": [_order_json(o) for o in summary.recent_orders],
        "shipping_address": address.model_dump(mode="json") if address else None,
        "billing_address": billing.model_dump(mode="json") if billing else None,
        "consents": [{"channel": c.channel, "opted_in": c.opted_in} for c in summary.consents],
        "store_consents": [
            {
                "platform": c.platform,
                "store": c.store,
                "brand": c.brand,
                "channel": c.channel,
                "opted_in": c.opted_in,
                "updated_at": c.updated_at,
            }
            for c in summary.store_consents
        ],
        "sources": [{"platform": r.platform, "store": r.store, "id": r.id} for r in summary.sources],
        "unreadable": [
            {
                "platform": u.platform,
                "record": u.record,
                "record_id": u.record_id,
                "field": u.field,
                "reason": u.reason,
            }
            for u in summary.unreadable
        ],
    }


def _order_json(order: Any) -> dict[str, Any]:
    """One of ``recent_orders``: the list line, then its details (status, items, addresses)."""
    shipping, billing = order.shipping_address, order.billing_address
    return {
        "platform": order.platform,
        "store": order.store,
        "number": order.number,
        "created_at": order.created_at,
        "total": _money(order.total),
        "ship_status": order.ship_status,
        "tracking_numbers": list(order.tracking_numbers),
        "id": order.id,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "refunded": _money(order.refunded) if order.refunded else None,
        "line_items": [
            {"sku": line.sku, "name": line.name, "quantity": line.quantity, "price": _money(line.price)}
            for line in order.line_items
        ],
        "shipping_address": shipping.model_dump(mode="json") if shipping else None,
        "billing_address": billing.model_dump(mode="json") if billing else None,
    }


def _money(money: Any) -> dict[str, str]:
    """Money as JSON: the exact amount as a decimal string, and its currency."""
    return {"amount": str(money.amount), "currency": money.currency}


def print_summary(summary: Any) -> None:
    """The CS Assist summary (``hub.flows.summary``) as a two-column table, one row per order."""
    console.print(summary_table(summary))


def summary_table(summary: Any) -> Table:
    """``print_summary``'s table (fits 80 columns: long values wrap)."""
    table = Table(title=escape(f"CS Assist: {summary.name or summary.email}"), show_header=False)
    table.add_column("field", style="bold", max_width=22, overflow="fold")
    table.add_column("value", ratio=1, overflow="fold")
    rows = {
        "Email": summary.email,
        "Phone": summary.phone,
        "Brands": ", ".join(summary.brands),
        "Lifetime revenue": "; ".join(str(m) for m in summary.lifetime_revenue.values()),
        "Orders": str(summary.order_count),
        "Last purchase": summary.last_purchase_at.date().isoformat() if summary.last_purchase_at else "",
        "Open subscriptions": ", ".join(
            f"{s.product or s.sku or s.platform} ({s.status}, id {s.id})" for s in summary.open_subscriptions
        ),
        "Shipping address": summary.shipping_address.one_line() if summary.shipping_address else "",
        "Billing address": summary.billing_address.one_line() if summary.billing_address else "",
        "Consents": ", ".join(f"{c.channel}: {'yes' if c.opted_in else 'no'}" for c in summary.consents),
        "Left out (unreadable)": "; ".join(str(u) for u in summary.unreadable),
    }
    for field_name, value in rows.items():
        table.add_row(field_name, escape(value or "-"))
    for order in summary.recent_orders:
        tracking = f" tracking {', '.join(order.tracking_numbers)}" if order.tracking_numbers else ""
        table.add_row(
            escape(f"Order {order.number}"),
            escape(f"{order.created_at:%Y-%m-%d} {order.total} {order.platform}/{order.store}: ")
            + escape(f"{order.status}, {order.ship_status}{tracking}"),
        )
    return table


def checkout_link(
    platform: Annotated[str, typer.Option(help="Store platform (shopify, ultracart, ...).")],
    brand: Annotated[str, typer.Option(help="Brand (its store key or name).")],
    email: Annotated[str, typer.Option(help="Customer email.")],
    product: Annotated[list[str], typer.Option(help="SKU:QTY, repeatable.")],
    name: Annotated[str | None, typer.Option(help='Customer name, "First Last".')] = None,
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option(help="Customer phone (+1 512 555 0142).")] = None,
    address: Annotated[str | None, typer.Option(help='"line1, city, region, postal code, country"')] = None,
    sales_rep: Annotated[str | None, typer.Option(help="Sales-rep attribution.")] = None,
    discount: Annotated[str | None, typer.Option(help="Discount code.")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes carried with the cart.")] = None,
    meta: Annotated[list[str] | None, typer.Option(help="NAME=VALUE metadata, repeatable.")] = None,
    config: ConfigOption = None,
    sandbox: SandboxOption = False,
    as_json: JsonOption = False,
) -> None:
    """Create a checkout link on a store and print it (exit code 2 naming the platforms or
    brands there are, when one given is not, or a phone that is no phone number)."""
    from hub.core.models import CheckoutLinkRequest, CheckoutProduct
    from hub.flows.base import RunContext
    from hub.flows.checkout_link import FLOW, create_checkout_link
    from hub.flows.tickets import TicketProblem, parse_address

    with cli_errors():
        products = tuple(_checkout_product(CheckoutProduct, typed) for typed in product)
        metadata = dict(_meta_pair(item) for item in meta or [])
        try:
            shipping = parse_address(address) if address else None
        except TicketProblem as exc:
            raise Usage(f"--address {exc}".replace("new_address ", "", 1)) from None
        if not EMAIL.match(email.strip()):
            raise Usage(f"--email: not an email address: {email!r} (ann@example.com)")
        if phone is not None and phone_key(phone) is None:
            raise Usage(f"--phone: not a phone number: {phone!r} (with its country code: +1 512 555 0142)")
        first, last = split_name(name)
        runtime = load_runtime(config, sandbox)
        request = CheckoutLinkRequest(
            platform=platform,
            store=store_of(runtime, checkout_platform(runtime, platform), brand),
            email=email,
            first_name=first_name or first,
            last_name=last_name or last,
            phone=phone,
            shipping_address=shipping,
            products=products,
            sales_rep=sales_rep,
            discount_code=discount,
            notes=notes,
            metadata=metadata,
        )

        async def create() -> Any:
            async with runtime.session() as hub:
                ctx = RunContext(hub=hub, store=runtime.store, config=runtime.config, flow=FLOW)
                return await create_checkout_link(ctx, request)

        link = asyncio.run(create())
        if as_json:
            total = _money(link.total) if link.total else None
            document = {"url": link.url, "platform": link.platform, "store": link.store, "id": link.id}
            print_json("checkout-link", {**document, "total": total})
            return
        console.print(link.url, highlight=False, soft_wrap=True)


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """``"Ann Lee Park"`` -> ``("Ann", "Lee Park")``; one word is a first name; blank is neither."""
    words = (name or "").split()
    if not words:
        return None, None
    return words[0], " ".join(words[1:]) or None


def _checkout_product(model: Any, typed: str) -> Any:
    """One ``--product SKU:QTY`` (QTY 1 when left out) as ``model``; ``Usage`` naming it when it is
    not (one line: pydantic's own message runs to four)."""
    sku, _, qty = typed.partition(":")
    try:
        quantity = parse_quantity(qty.strip() or "1")
    except AmountError:
        quantity = 0
    if not sku.strip() or not quantity:
        raise Usage(
            f"--product {typed!r}: write SKU:QTY, QTY a whole number"
            f" from 1 to {MAX_QUANTITY:,} (BN-VITC-30:2)"
        )
    return model(sku=sku.strip(), quantity=quantity)


def _meta_pair(typed: str) -> tuple[str, str]:
    """One ``--meta NAME=VALUE``; ``Usage`` naming it without the "=".

    (The hint says NAME=VALUE: "key=value" is shaped like a credential, and the redactor
    masks the value.)
    """
    name, equals, value = typed.partition("=")
    if not equals or not name.strip():
        raise Usage(f"--meta {typed!r}: write it as NAME=VALUE")
    return name.strip(), value


def checkout_platform(runtime: Runtime, platform: str) -> str:
    """The name of the enabled plugin making checkout links on ``platform``; ``Usage`` naming
    the platforms that can, when it is not one of them."""
    from hub.core.manager import plugin_infos

    able = {
        info.platform: info.name
        for info in plugin_infos(runtime.pm)
        if CHECKOUT_HOOK in info.capabilities and runtime.config.plugin_enabled(info.name)
    }
    if platform not in able:
        choices = ", ".join(sorted(able)) or "none: no enabled plugin makes checkout links"
        raise Usage(f"--platform {platform!r} makes no checkout links here (choose from: {choices})")
    return able[platform]


def store_of(runtime: Runtime, plugin: str, brand: str) -> str:
    """The store key of ``brand`` on ``plugin``: its key, its brand name (any case) or that name
    as a key (``Ava Jane's Kitchen`` -> ``ava_janes_kitchen``); ``Usage`` naming the brands."""
    from hub.sandbox.world import store_key

    stores = getattr(runtime.config.plugins.get(plugin), "stores", None) or {}
    if not stores:
        return store_key(brand)
    wanted = brand.strip().casefold()
    for key, settings in stores.items():
        name = str(getattr(settings, "brand", "") or "")
        if wanted in {key.casefold(), name.casefold()} or store_key(brand) == key:
            return str(key)
    choices = ", ".join(f"{getattr(s, 'brand', '') or k} ({k})" for k, s in sorted(stores.items()))
    raise Usage(f"--brand {brand!r} has no {plugin} store (choose from: {choices})")
