"""The ``hub`` command line (typer + rich).

Exit codes: 0 ok, 1 a run failed, 2 usage or configuration error.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from hub.core.config import load_config
from hub.core.errors import ConfigError, HubError
from hub.core.manager import get_plugin_manager, plugin_infos, settings_models
from hub.core.redact import RedactingStream
from hub.engine import RunReport, Runtime, describe_missing, flow_counts_line, run_flow

app = typer.Typer(
    help="Keep the support team's helpdesk, telephony and stores in step.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Check the configuration.", no_args_is_help=True)
dead_app = typer.Typer(help="Records the flows could not handle.", invoke_without_command=True)
app.add_typer(config_app, name="config")
app.add_typer(dead_app, name="dead-letters")

console = Console(file=RedactingStream("stdout"))  # every printed line goes through the redactor
err = Console(file=RedactingStream("stderr"), soft_wrap=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Config file (default: $HUB_CONFIG or config/hub.toml).")
]


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """One line per error, and the exit code that says what kind it was."""
    try:
        yield
    except ConfigError as exc:
        err.print(f"[red]config error:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except HubError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


SandboxOption = Annotated[
    bool, typer.Option("--sandbox", help="Talk to the built-in emulators instead of the real platforms.")
]


def load_runtime(config: Path | None, sandbox: bool = False) -> Runtime:
    if not sandbox:
        return Runtime.load(config)
    from hub.sandbox import Sandbox

    pm = get_plugin_manager()
    built = Sandbox(pm)
    built.build()
    return Runtime.from_config(pm, built.config(config), transports=built.transports())


@app.command()
def plugins(config: ConfigOption = None) -> None:
    """List the discovered plugins, whether they are enabled and what they can do."""
    with cli_errors():
        pm = get_plugin_manager()
        enabled: set[str] = set()
        with contextlib.suppress(ConfigError):  # a broken config still lists what is installed
            loaded = load_config(config, models=settings_models(pm))
            enabled = {name for name in loaded.plugins if loaded.plugin_enabled(name)}
        table = Table(title="Plugins (entry-point group hub.plugins)")
        for column in ("plugin", "kinds", "enabled", "capabilities", "unsupported"):
            table.add_column(column)
        for info in plugin_infos(pm):
            caps = sorted(info.capabilities) or ["(none yet)"]
            table.add_row(
                info.name,
                ", ".join(info.kinds),
                "yes" if info.name in enabled else "no",
                "\n".join(caps),
                "\n".join(sorted(info.unsupported)),
            )
        console.print(table)


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
    """Validate the configuration and say what each enabled flow is missing."""
    with cli_errors():
        runtime = load_runtime(config)
        console.print(
            f"[green]ok[/] {runtime.config.source}: "
            f"{len(runtime.config.plugins)} plugin sections, "
            f"{len(runtime.config.flows)} flow sections"
        )
        for name, settings in runtime.config.flows.items():
            if settings.enabled:
                runtime.flow(name)
                if runtime.config.hub.database_url.startswith("postgresql"):
                    from hub.engine.queue import cron_line  # workers schedule by cron lines

                    cron_line(runtime, name, settings)
        problems = {flow: caps for flow, caps in describe_missing(runtime).items() if caps}
        for flow, caps in problems.items():
            err.print(f"[red]flows.{flow}[/]: no enabled plugin provides {', '.join(caps)}")
        if problems:
            raise typer.Exit(2)
        enabled_flows = [n for n, s in runtime.config.flows.items() if s.enabled]
        console.print(f"flows ready: {', '.join(enabled_flows) or 'none enabled'}")


@app.command()
def run(
    flow: Annotated[str, typer.Argument(help="Flow name (see `hub runs` or the README).")],
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be done.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait if another process is running it.")] = False,
) -> None:
    """Run one flow now."""
    with cli_errors():
        runtime = load_runtime(config)
        report = with_progress(
            flow, lambda progress: run_flow(runtime, flow, dry_run=dry_run, wait=wait, progress=progress)
        )
        print_report(report)
        if report.status == "failed":
            raise typer.Exit(1)


def with_progress(label: str, start: Callable[[Callable[[int, int | None], None]], Any]) -> Any:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return asyncio.run(start(advance))


def print_report(report: RunReport) -> None:
    colour = {"ok": "green", "failed": "red", "skipped": "yellow"}[report.status]
    console.print(f"[{colour}]{report.flow}: {report.status}[/] {flow_counts_line(report.counts)}")
    for line in report.planned:
        console.print(f"  would do: {line}", highlight=False)
    if report.error:
        err.print(f"  {report.error}", highlight=False)


def print_run_line(unit: Any, report: RunReport) -> None:
    """One line per finished run of a service: unit, status, counts or error, duration."""
    if report.status != "skipped":
        stamp = datetime.now().strftime("%H:%M:%S")
        (err if report.status == "failed" else console).print(
            f"{stamp} {report.line(unit)}", markup=False, highlight=False, soft_wrap=True
        )


@app.command()
def schedule(config: ConfigOption = None) -> None:
    """Run the enabled flows on their schedules in this process until Ctrl-C (one line per run)."""
    from hub.engine.embedded import EmbeddedEngine

    with cli_errors():
        runtime = load_runtime(config)

        async def main() -> list[Any]:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            engine = EmbeddedEngine(runtime, announce=print_run_line)
            console.print("scheduler running; Ctrl-C stops it (runs under way finish first)")
            return await engine.serve(stop)

        scheduled = asyncio.run(main())
        names = ", ".join(map(str, scheduled)) or "no units"
        console.print(f"scheduler stopped ({names} were scheduled)", markup=False)


@app.command()
def runs(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
) -> None:
    """Recent run history with counts."""
    with cli_errors():
        runtime = load_runtime(config)
        table = Table(title="Recent runs")
        for column in ("id", "flow", "status", "started", "seconds", "counts", "error"):
            table.add_column(column)
        for r in runtime.store.runs.recent(limit, flow):
            seconds = f"{(r.ended_at - r.started_at).total_seconds():.1f}" if r.ended_at else "-"
            table.add_row(
                str(r.id),
                r.flow,
                r.status,
                r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                seconds,
                flow_counts_line(r.counts),
                r.error or "",
            )
        console.print(table)


@dead_app.callback()
def dead_letters(
    ctx: typer.Context,
    config: ConfigOption = None,
    flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
) -> None:
    """List parked records (sub-commands: retry ID, drop ID)."""
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    with cli_errors():
        runtime = load_runtime(config)
        table = Table(title="Dead letters")
        for column in ("id", "flow", "record", "reason", "retries", "since"):
            table.add_column(column)
        for d in runtime.store.dead_letters.entries(flow):
            table.add_row(
                str(d.id), d.flow, d.record, d.reason, str(d.retries), d.created_at.strftime("%Y-%m-%d %H:%M")
            )
        console.print(table)


@dead_app.command("drop")
def dead_letters_drop(ctx: typer.Context, letter_id: int) -> None:
    """Forget a parked record."""
    with cli_errors():
        if not load_runtime(ctx.obj).store.dead_letters.drop(letter_id):
            err.print(f"no dead letter {letter_id}")
            raise typer.Exit(2)
        console.print(f"dropped {letter_id}")


@dead_app.command("retry")
def dead_letters_retry(ctx: typer.Context, letter_id: int) -> None:
    """Hand a parked record back to its flow; dropped when it goes through."""
    from hub.flows.base import RunContext

    with cli_errors():
        runtime = load_runtime(ctx.obj)
        letter = next((d for d in runtime.store.dead_letters.entries() if d.id == letter_id), None)
        if letter is None:
            err.print(f"no dead letter {letter_id}")
            raise typer.Exit(2)
        flow = runtime.flow(letter.flow)

        async def retry() -> bool:
            async with runtime.session() as hub:
                ctx_ = RunContext(hub=hub, store=runtime.store, config=runtime.config, flow=letter.flow)
                return await flow.retry_dead_letter(ctx_, letter.payload)

        if asyncio.run(retry()):
            runtime.store.dead_letters.drop(letter_id)
            console.print(f"{letter_id} went through and was dropped")
        else:
            runtime.store.dead_letters.add(letter.flow, letter.record, letter.payload, letter.reason)
            err.print(f"{letter_id} failed again: {letter.reason}")
            raise typer.Exit(1)


@app.command()
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


@app.command("checkout-link")
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


report_app = typer.Typer(help="Reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("trackers")
def report_trackers(config: ConfigOption = None, sandbox: SandboxOption = False) -> None:
    """Linked conversations per tracker ticket, by brand (also written onto the tickets)."""
    with cli_errors():
        runtime = load_runtime(config, sandbox)
        report = asyncio.run(run_flow(runtime, "tracker_report", wait=True))
        for line in report.report:
            console.print(line, highlight=False)
        print_report(report)
        if report.status == "failed":
            raise typer.Exit(1)


@app.command("sandbox")
def serve_sandbox(
    port: Annotated[int, typer.Option(help="First port; emulators take consecutive ports.")] = 8701,
    write_config: Annotated[Path, typer.Option(help="Config file pointing the hub at them.")] = Path(
        "var/sandbox-live.toml"
    ),
) -> None:
    """Serve every plugin's emulator on loopback, seeded for the seven brands, until Ctrl-C."""
    from hub.sandbox import Sandbox, live_config_toml
    from hub.sandbox.emulator import serve

    with cli_errors():
        built = Sandbox(get_plugin_manager())
        built.build()
        urls = {}
        for offset, (name, app_) in enumerate(sorted(built.apps.items())):
            _, urls[name] = serve(app_.app, port=port + offset)
            console.print(f"{name:<12} {urls[name]}")
        write_config.parent.mkdir(parents=True, exist_ok=True)
        write_config.write_text(live_config_toml(built, urls))
        console.print(f"config for these emulators: {write_config} (hub run FLOW --config {write_config})")
        stop = asyncio.Event()

        async def wait() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()

        asyncio.run(wait())


@app.command()
def demo(passes: Annotated[int, typer.Option(help="How many times to run every flow.")] = 2) -> None:
    """Run the whole job on the built-in sandbox (emulators of every platform), twice."""
    from hub.demo import run_demo

    with cli_errors():
        pm = get_plugin_manager()
        columns = (SpinnerColumn(), TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as bar:

            def progress(flow: str) -> Callable[[int, int | None], None]:
                task = bar.add_task(flow, total=None)
                return lambda done, total: bar.update(task, completed=done, total=total)

            results = asyncio.run(run_demo(pm, passes=passes, progress=progress))
        for number, result in enumerate(results, start=1):
            print_pass(number, result)
        if len(results) > 1:
            again = results[-1].actions
            verdict = "[green]nothing new[/]" if again == 0 else f"[red]{again} new actions[/]"
            console.print(f"Pass {len(results)} over the same data: {verdict}.")
        if any(r.status == "failed" for result in results for r in result.reports):
            raise typer.Exit(1)


def print_pass(number: int, result: Any) -> None:
    """A compact table per pass (it fits 80 columns), then each flow's details and report."""
    columns = {"read": "read", "actions": "actions", "duplicates": "dupes", "dead_letters": "dead"}
    table = Table(title=f"Pass {number}")
    for header in ("flow", "status", *columns.values()):
        table.add_column(header, no_wrap=True)
    for r in result.reports:
        table.add_row(r.flow, r.status, *(str(r.counts.get(key, 0)) for key in columns))
    for flow in result.skipped:
        table.add_row(flow, "skipped", *("-" for _ in columns))
    console.print(table)
    for r in result.reports:
        details = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items()) if k not in columns)
        if details or r.error or r.report:
            console.print(f"  {r.flow}: {details}{f'; {r.error}' if r.error else ''}", highlight=False)
        for line in r.report[:6]:
            console.print(f"    {line}", highlight=False)
        if len(r.report) > 6:
            console.print(f"    ... {len(r.report) - 6} more lines (hub runs)", highlight=False)
    for flow, missing in result.skipped.items():
        console.print(f"  {flow}: skipped, no plugin provides {', '.join(missing)}", highlight=False)


@app.command()
def worker(
    config: ConfigOption = None,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue.")] = 5.0,
    until_done: Annotated[
        bool, typer.Option("--until-done", help="Stop once every unit's newest run since --since is ok.")
    ] = False,
    since: Annotated[str | None, typer.Option(help="ISO time for --until-done (default: now).")] = None,
    concurrency: Annotated[int, typer.Option(help="Units this worker runs at once.")] = 2,
) -> None:
    """Work the flows' queue (procrastinate on PostgreSQL) beside other workers, until SIGTERM."""
    from datetime import UTC, datetime

    from hub.engine.queue import run_worker

    with cli_errors():
        runtime = load_runtime(config)
        start = datetime.fromisoformat(since) if since else datetime.now(UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        asyncio.run(
            run_worker(
                runtime,
                until_done_since=start if until_done else None,
                poll=poll,
                concurrency=concurrency,
                announce=print_run_line,
            )
        )
        console.print("worker stopped")


@app.command()
def status(config: ConfigOption = None) -> None:
    """The queue per unit (due, running, failed), the workers, and the last run per unit."""
    from datetime import UTC, datetime

    from hub.engine import is_due, units

    with cli_errors():
        runtime = load_runtime(config)
        store, now = runtime.store, datetime.now(UTC)
        queue = _queue_status(runtime)
        if queue is not None:
            table = Table(title="Workers (procrastinate)")
            for column in ("worker", "last heartbeat"):
                table.add_column(column)
            for worker_id, beat in queue["workers"]:
                table.add_row(str(worker_id), f"{(now - beat).total_seconds():.0f}s ago")
            console.print(table)
        held = {name for name, _, _ in store.leases.held()}
        last = store.runs.latest()
        table = Table(title="Units" if queue is not None else "Units (embedded: no queue)")
        for column in ("unit", "due", "queued", "running", "failed", "last run", "status"):
            table.add_column(column)
        for unit in units(runtime):
            run_ = last.get((unit.flow, unit.scope))
            jobs = queue["units"].get(unit.lease, {}) if queue is not None else {}
            table.add_row(
                escape(str(unit)),
                "yes" if is_due(runtime, unit, run_, now) else "no",
                str(jobs.get("todo", 0)) if queue is not None else "-",
                "yes" if unit.lease in held else "no",
                str(jobs.get("failed", 0)) if queue is not None else "-",
                run_.started_at.strftime("%Y-%m-%d %H:%M:%S") if run_ else "never",
                run_.status if run_ else "-",
            )
        console.print(table)


def _queue_status(runtime: Runtime) -> dict[str, Any] | None:
    """The procrastinate queue's state, or None on an embedded (SQLite) hub."""
    if not runtime.config.hub.database_url.startswith("postgresql"):
        return None
    from hub.engine.queue import queue_status

    return queue_status(runtime)


def main() -> None:  # pragma: no cover - console entry point
    app()


from hub.serve.command import serve_command  # noqa: E402

app.command("serve")(serve_command)

from hub.scaffold.cli import plugin_app  # noqa: E402

app.add_typer(plugin_app, name="plugin")
