"""The standard tests every plugin runs against its own emulator.

Subclass ``StandardPluginTests`` in a module pytest collects, name the subclass ``Test...`` and set
``plugin`` to the plugin's entry-point name::

    from hub.testing import StandardPluginTests

    class TestAcmeStandard(StandardPluginTests):
        plugin = "acme"

By default the emulator and its settings come from the plugin's own ``hub_sandbox`` hook, seeded
from a small sandbox world; a plugin without one (or wanting other data) overrides
``build_emulator``, ``customer_email`` and ``refundable_order``. The tests are plain functions
that run their coroutines with ``asyncio.run``, so they need no pytest plugin.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import httpx
import pluggy
import pytest

from hub.core import hookspecs
from hub.core.config import config_from_mapping
from hub.core.errors import AuthError, CapabilityMissing
from hub.core.lookup import same_email
from hub.core.manager import Hub, get_plugin_manager, implemented_hooks, plugin_infos, settings_models
from hub.core.models import (
    FinancialStatus,
    Money,
    Order,
    Ref,
    Refund,
    RefundReason,
    RefundRequest,
    TicketType,
)
from hub.core.plugin import Kind, PluginInfo
from hub.sandbox.emulator import CountingTransport, RateLimitFirst, generic_rate_limited
from hub.sandbox.world import SandboxWorld, build_world
from hub.testing.checks import (
    check_capabilities,
    check_signatures,
    check_unsupported,
    collect_pages,
    is_first_result,
    is_paged,
    result_hint,
    sample_arguments,
    type_problems,
    with_wrong_secrets,
)

T = TypeVar("T")
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]
OTHER_PLATFORM = "standard-elsewhere"
UNPAID = frozenset(
    {FinancialStatus.PENDING, FinancialStatus.DECLINED, FinancialStatus.VOIDED, FinancialStatus.REFUNDED}
)


@dataclass
class Emulator:
    """A plugin's emulator under test: the ASGI app, the settings that reach it, its state."""

    app: Any
    settings: dict[str, Any]
    state: Any = None
    world: SandboxWorld | None = None


@dataclass
class Reads:
    """What the seeded reads of one kind returned: record ids per hook, and what was wrong."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class StandardPluginTests:
    """Checks every plugin must pass; a ``Test*`` subclass sets ``plugin`` and may tune the rest."""

    plugin: ClassVar[str]
    """The plugin's entry-point name (its ``[plugins.<name>]`` section)."""
    plugin_class: ClassVar[type | None] = None
    """Register this class instead of looking the entry point up (a plugin not installed yet)."""
    settings_overrides: ClassVar[dict[str, Any]] = {}
    """Keys laid over the emulator's settings (typically pacing opened up for the emulator)."""
    small_pages: ClassVar[dict[str, Any]] = {}
    """Keys making the plugin read in tiny pages; empty when it has no page-size setting."""
    per_brand: ClassVar[int] = 4
    """People per brand in the default sandbox world (small keeps the tests fast)."""

    # ------------------------------------------------------------------ what a plugin may override

    def build_emulator(self) -> Emulator:
        """The seeded emulator and its settings; by default the plugin's ``hub_sandbox`` answer."""
        info = self.info()
        kind = info.kinds[0]
        world = build_world([self.plugin] if kind is Kind.COMMERCE else [], per_brand=self.per_brand)
        answers = [app for app in self.plugin_manager().hook.hub_sandbox(world=world, kind=kind) if app]
        if not answers:
            raise NotImplementedError(f"{self.plugin} has no hub_sandbox hook: override build_emulator")
        sandbox = answers[0]
        return Emulator(app=sandbox.app, settings=dict(sandbox.settings), state=sandbox.state, world=world)

    def customer_email(self, emulator: Emulator) -> str:
        """An email the seeded emulator knows (the person with the most orders, for a store)."""
        if emulator.world is None:
            raise NotImplementedError("override customer_email: the emulator was not built from a world")
        orders = [o for o in emulator.world.orders if o.platform == self.plugin and o.email]
        if orders:
            counts: dict[str, int] = {}
            for order in orders:
                counts[str(order.email).lower()] = counts.get(str(order.email).lower(), 0) + 1
            return max(sorted(counts), key=lambda email: counts[email])
        people = emulator.world.people_on(self.plugin) or emulator.world.people
        return people[0].email

    def refundable_order(self, emulator: Emulator) -> Ref | None:
        """An order with at least 1.00 left to refund (None when the plugin cannot refund)."""
        if emulator.world is None:
            raise NotImplementedError("override refundable_order: the emulator was not built from a world")
        for order in emulator.world.orders:
            unpaid = order.financial_status in UNPAID
            if order.platform == self.plugin and not unpaid and order.refundable.amount >= 1:
                return order.ref
        return None

    def client_transport(self, transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """The transport the plugin's client is given; override to watch what it sends.

        A plugin with a published API description wraps it in
        ``hub.testing.openapi.SpecCheckedTransport`` so every request of these tests is checked.
        """
        return transport

    def rate_limited_response(self, request: httpx.Request) -> httpx.Response:
        """The platform's answer to a request over its rate limit (a 429 with ``Retry-After: 0``)."""
        return generic_rate_limited(request)

    def plugin_settings(self, emulator: Emulator, **extra: Any) -> dict[str, Any]:
        """The ``[plugins.<name>]`` section used against the emulator."""
        return {"enabled": True, **emulator.settings, **self.settings_overrides, **extra}

    # ------------------------------------------------------------------ helpers

    def plugin_manager(self) -> pluggy.PluginManager:
        """A fresh manager holding only this plugin (``plugin_class`` when set, else its entry point)."""
        if self.plugin_class is None:
            return get_plugin_manager(only=[self.plugin])
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        pm.register(self.plugin_class(), name=self.plugin)
        pm.check_pending()
        return pm

    def info(self) -> PluginInfo:
        infos = plugin_infos(self.plugin_manager())
        assert infos, f"no plugin named {self.plugin!r} in the entry-point group hub.plugins"
        return infos[0]

    def run(self, coroutine: Awaitable[T]) -> T:
        async def wrapper() -> T:
            return await coroutine

        return asyncio.run(wrapper())

    @asynccontextmanager
    async def running(
        self, emulator: Emulator, settings: dict[str, Any] | None = None, wrap: Wrap | None = None
    ) -> AsyncIterator[tuple[Hub, CountingTransport]]:
        """A started hub with only this plugin, talking to the emulator through a counter."""
        pm = self.plugin_manager()
        section = settings if settings is not None else self.plugin_settings(emulator)
        config = config_from_mapping(
            {"plugins": {self.plugin: section}}, source="standard-tests", models=settings_models(pm)
        )
        inner: httpx.AsyncBaseTransport = httpx.ASGITransport(app=emulator.app)
        counter = CountingTransport(wrap(inner) if wrap else inner)
        async with Hub(pm, config, transports={self.plugin: self.client_transport(counter)}) as hub:
            yield hub, counter

    async def answer(self, hub: Hub, hook: str, reads: Reads, **kwargs: Any) -> Any:
        """Call one hook of this plugin, check its answer's shape and type, return the result."""
        raw = getattr(hub.pm.hook, hook)(**kwargs)
        if not is_first_result(hook):
            raw = next((a for a in raw if a is not None), None)
        if raw is None:
            reads.problems.append(f"{hook}: the plugin did not answer for its own records")
            return None
        if is_paged(hook):
            records, problems = await collect_pages(raw, hook)
            reads.problems.extend(problems)
            result: Any = records
        elif inspect.isawaitable(raw):
            result = await raw
            reads.problems.extend(type_problems(result, result_hint(hook), hook))
        else:
            reads.problems.append(f"{hook}: answered {type(raw).__name__}, not an awaitable")
            return None
        items = result if isinstance(result, list) else [result] if result is not None else []
        reads.ids[hook] = [str(getattr(item, "id", item)) for item in items]
        return result

    async def read_seeded(self, hub: Hub, emulator: Emulator) -> Reads:
        """Call every read hook this plugin implements on the seeded data."""
        reads = Reads()
        implemented = implemented_hooks(hub.pm, self.plugin)
        kind = self.info().kinds[0]
        email = self.customer_email(emulator) if kind is not Kind.TELEPHONY else ""
        readers = {Kind.COMMERCE: self._read_commerce, Kind.HELPDESK: self._read_helpdesk}
        reader = readers.get(kind, self._read_telephony)
        await reader(hub, reads, implemented, email)
        return reads

    async def _read_commerce(self, hub: Hub, reads: Reads, implemented: set[str], email: str) -> None:
        if "commerce_find_customers" not in implemented:
            return
        customers = await self.answer(hub, "commerce_find_customers", reads, email=email, phone=None) or []
        if not customers:
            reads.problems.append(f"commerce_find_customers found nobody for the seeded {email}")
        reads.problems.extend(_not_exact("commerce_find_customers", email, customers))
        for customer in customers:
            if "commerce_list_orders" in implemented:
                orders = await self.answer(hub, "commerce_list_orders", reads, customer=customer.ref) or []
                if orders and "commerce_get_order" in implemented:
                    got = await self.answer(hub, "commerce_get_order", reads, ref=orders[0].ref)
                    if got is not None and getattr(got, "id", None) != orders[0].id:
                        reads.problems.append(
                            f"commerce_get_order({orders[0].id}) answered order {got.id}: a look-up "
                            "must act on exactly the record asked for"
                        )
            if "commerce_list_subscriptions" in implemented:
                await self.answer(hub, "commerce_list_subscriptions", reads, customer=customer.ref)

    async def _read_helpdesk(self, hub: Hub, reads: Reads, implemented: set[str], email: str) -> None:
        contacts: list[Any] = []
        if "helpdesk_find_contacts" in implemented:
            contacts = await self.answer(hub, "helpdesk_find_contacts", reads, email=email, phone=None) or []
            if not contacts:
                reads.problems.append(f"helpdesk_find_contacts found nobody for the seeded {email}")
            reads.problems.extend(_not_exact("helpdesk_find_contacts", email, contacts))
        if contacts and "helpdesk_get_contact" in implemented:
            await self.answer(hub, "helpdesk_get_contact", reads, ref=contacts[0].ref)
        if contacts and "helpdesk_find_conversations" in implemented:
            await self.answer(
                hub, "helpdesk_find_conversations", reads, contact=contacts[0].ref, open_only=False
            )
        if "helpdesk_list_conversations" in implemented:
            conversations = await self.answer(hub, "helpdesk_list_conversations", reads, since=None) or []
            if conversations and "helpdesk_get_conversation" in implemented:
                await self.answer(hub, "helpdesk_get_conversation", reads, ref=conversations[0].ref)
            if conversations and "helpdesk_list_notes" in implemented:
                await self.answer(hub, "helpdesk_list_notes", reads, target=conversations[0].ref)
        if "helpdesk_list_tickets" in implemented:
            await self.answer(hub, "helpdesk_list_tickets", reads, types=list(TicketType), since=None)
        if "helpdesk_list_agents" in implemented:
            await self.answer(hub, "helpdesk_list_agents", reads)

    async def _read_telephony(self, hub: Hub, reads: Reads, implemented: set[str], email: str) -> None:
        if "telephony_list_calls" in implemented:
            calls = await self.answer(hub, "telephony_list_calls", reads, since=None) or []
            if not calls:
                reads.problems.append("telephony_list_calls found no seeded calls")
        if "telephony_list_agents" in implemented:
            await self.answer(hub, "telephony_list_agents", reads)

    async def probe(self, hub: Hub, emulator: Emulator) -> list[str]:
        """The first read of the plugin's kind (what auth and 429 handling are checked on)."""
        implemented = implemented_hooks(hub.pm, self.plugin)
        email = self.customer_email(emulator) if self.info().kinds[0] is not Kind.TELEPHONY else ""
        for hook, kwargs in (
            ("commerce_find_customers", {"email": email, "phone": None}),
            ("helpdesk_find_contacts", {"email": email, "phone": None}),
            ("telephony_list_calls", {"since": None}),
            ("helpdesk_list_agents", {}),
            ("telephony_list_agents", {}),
        ):
            if hook in implemented:
                if is_paged(hook):
                    return [str(r.id) async for page in hub.pages(hook, **kwargs) for r in page]
                return [str(r.id) for r in await hub.collect(hook, **kwargs)]
        raise AssertionError(f"{self.plugin} implements none of the read hooks the standard tests probe")

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture
    def emulator(self) -> Iterator[Emulator]:
        yield self.build_emulator()

    # ------------------------------------------------------------------ the tests

    def test_implemented_hooks_belong_to_its_kinds(self) -> None:
        problems = check_capabilities(self.plugin_manager(), self.info())
        assert not problems, problems

    def test_unsupported_covers_the_rest_of_its_kinds(self) -> None:
        problems = check_unsupported(self.info())
        assert not problems, problems

    def test_hook_signatures_match_the_hookspecs(self) -> None:
        problems = check_signatures(self.plugin_manager(), self.plugin)
        assert not problems, problems

    def test_a_disabled_plugin_answers_nothing(self, emulator: Emulator) -> None:
        async def check() -> list[str]:
            settings = self.plugin_settings(emulator, enabled=False)
            async with self.running(emulator, settings) as (hub, counter):
                hooks = sorted(implemented_hooks(hub.pm, self.plugin))
                answered = [h for h in hooks if await _answered(hub, h, sample_arguments(h, self.plugin))]
                return answered + [f"sent {len(counter.requests)} requests"] * bool(counter.requests)

        problems = self.run(check())
        assert not problems, f"disabled, yet answered: {problems}"

    def test_records_of_other_platforms_are_left_alone(self, emulator: Emulator) -> None:
        async def check() -> list[str]:
            async with self.running(emulator) as (hub, counter):
                answered = []
                for hook in sorted(implemented_hooks(hub.pm, self.plugin)):
                    kwargs = sample_arguments(hook, OTHER_PLATFORM)
                    if is_first_result(hook) and await _answered(hub, hook, kwargs):
                        answered.append(hook)
                return answered + [f"sent {len(counter.requests)} requests"] * bool(counter.requests)

        problems = self.run(check())
        assert not problems, f"answered for records of another platform: {problems}"

    def test_read_hooks_return_the_declared_types(self, emulator: Emulator) -> None:
        async def check() -> Reads:
            async with self.running(emulator) as (hub, _):
                return await self.read_seeded(hub, emulator)

        reads = self.run(check())
        assert not reads.problems, reads.problems
        assert reads.ids, f"{self.plugin} implements no read hook the standard tests know"

    def test_pagination_reads_to_the_end(self, emulator: Emulator) -> None:
        if not self.small_pages:
            pytest.skip(f"{self.plugin} has no page-size setting (set small_pages to test paging)")

        async def read(settings: dict[str, Any]) -> tuple[Reads, int]:
            async with self.running(emulator, settings) as (hub, counter):
                return await self.read_seeded(hub, emulator), len(counter.requests)

        (whole, whole_requests) = self.run(read(self.plugin_settings(emulator)))
        (paged, paged_requests) = self.run(read(self.plugin_settings(emulator, **self.small_pages)))
        assert not paged.problems, paged.problems
        assert paged.ids == whole.ids, "small pages read other records than large ones"
        for hook, ids in paged.ids.items():
            assert len(ids) == len(set(ids)), f"{hook} repeated records across pages"
        assert paged_requests > whole_requests, "small pages took no more requests: nothing was paged"

    def test_refused_credentials_raise_auth_error(self, emulator: Emulator) -> None:
        pm = self.plugin_manager()
        model = settings_models(pm)[self.plugin]
        good = self.plugin_settings(emulator)
        bad = with_wrong_secrets(good, model.model_validate(good))
        assert bad != good, f"{self.plugin}'s settings hold no secret to get wrong"

        async def check() -> None:
            async with self.running(emulator, bad) as (hub, _):
                await self.probe(hub, emulator)

        with pytest.raises(AuthError) as refused:
            self.run(check())
        assert "wrong-xxxxxxxx" not in str(refused.value), "the refused secret appears in the error"

    def test_a_429_is_waited_out_and_retried(self, emulator: Emulator) -> None:
        async def probe(wrap: Wrap | None) -> tuple[list[str], int]:
            async with self.running(emulator, wrap=wrap) as (hub, counter):
                return await self.probe(hub, emulator), len(counter.requests)

        refusing: list[RateLimitFirst] = []

        def rate_limit_once(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
            refusing.append(RateLimitFirst(inner, self.rate_limited_response))
            return refusing[0]

        expected, requests = self.run(probe(None))
        got, retried_requests = self.run(probe(rate_limit_once))
        assert len(refusing[0].refused) == 1, "the 429 was never served"
        assert got == expected, "the read after a 429 differs from the read without one"
        assert retried_requests == requests + 1, "the refused request was not sent again exactly once"

    def test_a_refund_asked_twice_pays_once(self, emulator: Emulator) -> None:
        if "commerce_refund_order" not in self.info().capabilities:
            pytest.skip(f"{self.plugin} does not refund")
        order_ref = self.refundable_order(emulator)
        assert order_ref is not None, "override refundable_order: an order with 1.00 left to refund"

        async def refund_twice_then_again_after_a_restart() -> tuple[
            list[Refund], Order | None, Order | None
        ]:
            refunds: list[Refund] = []
            async with self.running(emulator) as (hub, _):
                before = await self._order(hub, order_ref)
                currency = before.total.currency if before else "USD"
                request = RefundRequest(
                    order=order_ref,
                    amount=Money(amount=Decimal("1.00"), currency=currency),
                    reason=RefundReason.OTHER,
                    note="standard test refund",
                    idempotency_key=f"standard-refund-{self.plugin}-{order_ref.id}",
                )
                refunds.append(await hub.commerce.refund_order(request=request))
                refunds.append(await hub.commerce.refund_order(request=request))
            async with self.running(emulator) as (hub, _):  # a new process knows only the platform
                refunds.append(await hub.commerce.refund_order(request=request))
                after = await self._order(hub, order_ref)
            return refunds, before, after

        refunds, before, after = self.run(refund_twice_then_again_after_a_restart())
        for refund in refunds:
            assert not type_problems(refund, Refund, "refund"), refund
        assert len({r.id for r in refunds}) == 1, f"three asks made {len({r.id for r in refunds})} refunds"
        if before is not None and after is not None:
            assert len(after.refunds) == len(before.refunds) + 1, "the order shows more than one new refund"
            assert after.refunded.amount - before.refunded.amount == Decimal("1.00")

    async def _order(self, hub: Hub, ref: Ref) -> Order | None:
        if "commerce_get_order" not in implemented_hooks(hub.pm, self.plugin):
            return None
        return await hub.commerce.get_order(ref=ref)


def _answers(result: Any) -> bool:
    """True when a hook call got an answer from the plugin (closing coroutines never awaited)."""
    values = result if isinstance(result, list) else [result]
    answered = False
    for value in values:
        if value is None:
            continue
        answered = True
        if inspect.iscoroutine(value):
            value.close()
    return answered


async def _answered(hub: Hub, hook: str, kwargs: dict[str, Any]) -> bool:
    """True when the plugin answered a call made as the flows make it.

    Action hooks go through the typed facade (``hub.commerce.refund_order``), which routes them
    to the record's owner: no answer is ``CapabilityMissing``. Collecting hooks are asked of
    every plugin: no answer is ``None``.
    """
    if not is_first_result(hook):
        return _answers(getattr(hub.pm.hook, hook)(**kwargs))
    kind, _, method = hook.partition("_")
    call = getattr(getattr(hub, kind), method)(**kwargs)
    try:
        if is_paged(hook):  # the first page is where a routed read asks its owner
            async with aclosing(call) as pages:
                await anext(pages, None)
        else:
            await call
    except CapabilityMissing:
        return False
    return True


def _not_exact(hook: str, email: str, people: list[Any]) -> list[str]:
    """Problems for records a look-up by ``email`` returned whose email is not exactly it.

    A search is fuzzy on most platforms; the plugin must compare what came back (hub.core.lookup).
    """
    others = [str(getattr(p, "id", p)) for p in people if not same_email(getattr(p, "email", None), email)]
    if not others:
        return []
    return [f"{hook}({email}) returned records whose email is not {email}: {', '.join(others)}"]
