"""The standard tests catch broken plugins (each check is shown failing on a plugin made to fail it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr
from starlette.applications import Starlette

from hub.core.hookspecs import hookimpl
from hub.core.models import Customer, Money, Order, Ref
from hub.core.plugin import Kind, Plugin, PluginSettings
from hub.testing import Emulator, StandardPluginTests
from hub.testing.checks import hooks_of_kind, result_hint, type_problems, with_wrong_secrets

COMMERCE_REST = {hook: "not offered" for hook in hooks_of_kind(Kind.COMMERCE) if hook != "commerce_get_order"}
ORDER = Order(
    platform="broken",
    id="1",
    number="1",
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
    total=Money(amount=Decimal("5"), currency="USD"),
)


async def an_order() -> Order:
    return ORDER


class Sound(Plugin):
    """A correct little plugin: one action hook (the facade routes it its own records only)."""

    name = "broken"
    kinds = (Kind.COMMERCE,)
    unsupported = COMMERCE_REST
    settings_model = PluginSettings

    @hookimpl
    async def commerce_get_order(self, ref: Ref) -> Order:
        return await an_order()


class OutOfKind(Sound):
    @hookimpl
    def telephony_list_agents(self) -> Awaitable[list[Any]] | None:
        return None  # a telephony hook in a commerce plugin


class NoUnsupported(Sound):
    unsupported = {}


class Greedy(Sound):
    @hookimpl
    def commerce_get_order(self, ref: Ref) -> Awaitable[Order] | None:
        return an_order()  # answers for every platform's orders


class Blocking(Sound):
    @hookimpl
    def commerce_get_order(self, ref: Ref) -> Any:
        return ORDER  # a value, not a coroutine


class IgnoresRef(Sound):
    @hookimpl
    def commerce_get_order(self) -> Awaitable[Order] | None:  # type: ignore[override]
        return an_order()


def suite_for(plugin: type[Plugin]) -> StandardPluginTests:
    suite = type("Suite", (StandardPluginTests,), {"plugin": "broken", "plugin_class": plugin})
    return suite()


def no_emulator() -> Emulator:
    return Emulator(app=Starlette(), settings={})


def test_the_sound_plugin_passes_the_declaration_and_routing_checks() -> None:
    suite = suite_for(Sound)
    suite.test_implemented_hooks_belong_to_its_kinds()
    suite.test_unsupported_covers_the_rest_of_its_kinds()
    suite.test_hook_signatures_match_the_hookspecs()
    suite.test_records_of_other_platforms_are_left_alone(no_emulator())
    suite.test_a_disabled_plugin_answers_nothing(no_emulator())


def test_a_hook_outside_the_plugins_kinds_fails() -> None:
    with pytest.raises(AssertionError, match="telephony_list_agents belongs to no declared kind"):
        suite_for(OutOfKind).test_implemented_hooks_belong_to_its_kinds()


def test_hooks_neither_implemented_nor_unsupported_fail() -> None:
    with pytest.raises(AssertionError, match="commerce_refund_order is neither"):
        suite_for(NoUnsupported).test_unsupported_covers_the_rest_of_its_kinds()


def test_an_action_hook_answering_for_every_platform_is_still_asked_only_for_its_own() -> None:
    # The plugin does not look at the record's platform; the facade's routing keeps other
    # platforms' records from it (the check calls the hooks as the flows do).
    suite_for(Greedy).test_records_of_other_platforms_are_left_alone(no_emulator())


def test_an_action_hook_ignoring_its_record_fails() -> None:
    with pytest.raises(AssertionError, match="commerce_get_order ignores"):
        suite_for(IgnoresRef).test_hook_signatures_match_the_hookspecs()


def test_an_answer_that_is_not_awaitable_is_reported() -> None:
    suite = suite_for(Blocking)
    emulator = no_emulator()

    async def read() -> list[str]:
        from hub.testing import Reads

        reads = Reads()
        async with suite.running(emulator, {"enabled": True}) as (hub, _):
            await suite.answer(hub, "commerce_get_order", reads, ref=ORDER.ref)
        return reads.problems

    assert asyncio.run(read()) == ["commerce_get_order: answered Order, not an awaitable"]


def test_result_types_come_from_the_hookspecs() -> None:
    assert result_hint("commerce_find_customers") == list[Customer]
    assert result_hint("commerce_get_order") is Order
    assert not type_problems([ORDER], result_hint("commerce_list_orders"), "orders")
    assert type_problems([ORDER], result_hint("commerce_find_customers"), "customers") == [
        "customers[0]: expected Customer, got Order"
    ]


class Store(BaseModel):
    key: SecretStr
    host: str


class Section(PluginSettings):
    token: SecretStr
    stores: dict[str, Store]


def test_every_secret_is_replaced_for_the_auth_check_and_nothing_else() -> None:
    raw = {"enabled": True, "token": "t0k", "stores": {"a": {"key": "k1", "host": "h"}}}
    wrong = with_wrong_secrets(raw, Section.model_validate(raw))
    assert wrong["token"] != "t0k" and wrong["stores"]["a"]["key"] != "k1"
    assert wrong["stores"]["a"]["host"] == "h" and raw["token"] == "t0k"


class Loose(Sound):
    """Finds customers the way a fuzzy search does, and hands them all back."""

    unsupported = {h: r for h, r in COMMERCE_REST.items() if h != "commerce_find_customers"}

    @hookimpl
    def commerce_find_customers(self, email: str | None, phone: str | None) -> Awaitable[list[Customer]]:
        async def found() -> list[Customer]:
            return [
                Customer(platform="broken", id="1", email=(email or "").upper()),  # the same person
                Customer(platform="broken", id="2", email=f"jo{email}"),  # someone else
            ]

        return found()


def test_a_look_up_answering_someone_else_is_reported() -> None:
    suite = suite_for(Loose)

    async def read() -> list[str]:
        from hub.testing import Reads

        reads = Reads()
        async with suite.running(no_emulator(), {"enabled": True}) as (hub, _):
            await suite._read_commerce(hub, reads, {"commerce_find_customers"}, "ann@example.com")
        return reads.problems

    assert asyncio.run(read()) == [
        "commerce_find_customers(ann@example.com) returned records whose email is not ann@example.com: 2"
    ]
