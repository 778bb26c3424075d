"""The checks behind the standard plugin tests, as plain functions a plugin's own tests can reuse.

Each ``check_*`` function returns a list of problems (empty when all is well) rather than
asserting, so one failing test names every problem at once.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pluggy
from pydantic import BaseModel, SecretStr

from hub.core import hookspecs
from hub.core.doctor import Check
from hub.core.hookinfo import PAGE_ITEMS, hooks_of_kind, is_first_result, is_paged, spec_functions
from hub.core.manager import implemented_hooks
from hub.core.models import (
    Address,
    AgentStatus,
    Channel,
    CheckoutLinkRequest,
    CheckoutProduct,
    Consent,
    Money,
    Ref,
    RefundLine,
    RefundReason,
    RefundRequest,
    ReplacementRequest,
    TicketDraft,
    TicketType,
)
from hub.core.plugin import HubContext, Kind, PluginInfo
from hub.core.setup import HelpdeskNeeds, SetupItem

# --------------------------------------------------------------------------- declarations


def check_capabilities(pm: pluggy.PluginManager, info: PluginInfo) -> list[str]:
    """The hooks implemented (the plugin's capabilities) belong to the plugin's declared kinds."""
    kinds = {Kind(kind).value for kind in info.kinds}
    return [
        f"{hook} belongs to no declared kind ({', '.join(sorted(kinds))})"
        for hook in sorted(implemented_hooks(pm, info.name))
        if hook.split("_", 1)[0] not in kinds
    ]


def check_unsupported(info: PluginInfo) -> list[str]:
    """``unsupported`` names, with a reason, exactly the hooks of its kinds it does not implement."""
    kind_hooks = {hook for kind in info.kinds for hook in hooks_of_kind(kind)}
    unsupported = set(info.unsupported)
    problems = [
        f"{hook} is neither a capability nor listed in unsupported"
        for hook in sorted(kind_hooks - info.capabilities - unsupported)
    ]
    problems += [
        f"{hook} is both a capability and unsupported" for hook in sorted(info.capabilities & unsupported)
    ]
    problems += [
        f"unsupported names {hook}, not a hook of its kinds" for hook in sorted(unsupported - kind_hooks)
    ]
    problems += [
        f"unsupported {hook} gives no reason"
        for hook, reason in info.unsupported.items()
        if not reason.strip()
    ]
    return problems


def check_signatures(pm: pluggy.PluginManager, name: str) -> list[str]:
    """Each implementation takes only (and, for action hooks, all) of its hookspec's arguments."""
    problems: list[str] = []
    plugin = pm.get_plugin(name)
    specs = spec_functions()
    for caller in pm.get_hookcallers(plugin) or []:
        impl = next(i for i in caller.get_hookimpls() if i.plugin is plugin)
        spec_args = set(inspect.signature(specs[caller.name]).parameters)
        impl_args = set(impl.argnames)
        if impl_args - spec_args:
            problems.append(f"{caller.name} takes {sorted(impl_args - spec_args)}, not in its hookspec")
        if is_first_result(caller.name) and spec_args - impl_args:
            # An action hook that ignores the record cannot tell whether it owns it.
            problems.append(f"{caller.name} ignores {sorted(spec_args - impl_args)}")
    return problems


# --------------------------------------------------------------------------- result types


def _hint_namespace() -> dict[str, Any]:
    return {
        **vars(hookspecs),
        "PluginInfo": PluginInfo,
        "HubContext": HubContext,
        "Kind": Kind,
        "SandboxApp": Any,
        "SandboxWorld": Any,
        "Check": Check,
        "HelpdeskNeeds": HelpdeskNeeds,
        "SetupItem": SetupItem,
    }


def result_hint(hook: str) -> Any:
    """What awaiting (or iterating) the hook's answer must give, from the hookspec's annotation.

    ``Awaitable[list[Contact]] | None`` gives ``list[Contact]``; a paged hook gives
    ``list[<page item>]`` for each page.
    """
    if is_paged(hook):
        return list[PAGE_ITEMS[hook]]  # type: ignore[valid-type]
    hints = typing.get_type_hints(spec_functions()[hook], globalns=_hint_namespace())
    hint = hints["return"]
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)] if _is_union(hint) else [hint]
    inner = options[0]
    if typing.get_origin(inner) is Awaitable:
        return typing.get_args(inner)[0]
    return inner


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def type_problems(value: Any, hint: Any, where: str) -> list[str]:
    """Why ``value`` is not a ``hint`` (``list[X]``, ``X``, ``None``, ``Any``); empty when it is."""
    if hint is Any:
        return []
    if hint is None or hint is type(None):
        return [] if value is None else [f"{where}: expected None, got {type(value).__name__}"]
    if _is_union(hint):
        for option in typing.get_args(hint):
            if not type_problems(value, option, where):
                return []
        return [f"{where}: {type(value).__name__} is none of {hint}"]
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        if not isinstance(value, origin):
            return [f"{where}: expected a {origin.__name__}, got {type(value).__name__}"]
        (item,) = typing.get_args(hint)[:1] or (Any,)
        problems: list[str] = []
        for index, element in enumerate(value):
            problems += type_problems(element, item, f"{where}[{index}]")
        return problems
    if isinstance(hint, type) and not isinstance(value, hint):
        return [f"{where}: expected {hint.__name__}, got {type(value).__name__}"]
    return []


async def collect_pages(answer: Any, hook: str) -> tuple[list[Any], list[str]]:
    """Read a paged answer to the end: ``(records, problems)``."""
    if not isinstance(answer, AsyncIterator):
        return [], [f"{hook}: expected an async iterator of pages, got {type(answer).__name__}"]
    records: list[Any] = []
    problems: list[str] = []
    async for page in answer:
        problems += type_problems(page, result_hint(hook), f"{hook} page")
        records.extend(page)
    return records, problems


# --------------------------------------------------------------------------- sample arguments


def sample_arguments(hook: str, platform: str) -> dict[str, Any]:
    """Valid arguments for any hook, every record living on ``platform``.

    Used to call every implemented hook without touching the platform: with refs of another
    platform (the plugin must not answer) or with the plugin disabled.
    """
    ref = Ref(platform=platform, id="standard-1", store="standard")
    order = Ref(platform=platform, id="standard-order", store="standard")
    address = Address(line1="1 Main St", city="Austin", region="TX", postal_code="78701", country="US")
    requests: dict[str, Any] = {
        "commerce_refund_order": RefundRequest(
            order=order,
            amount=Money(amount=Decimal("1.00"), currency="USD"),
            reason=RefundReason.OTHER,
            idempotency_key="standard-refund",
        ),
        "commerce_create_replacement_order": ReplacementRequest(
            order=order,
            lines=(RefundLine(line_item_id="1", quantity=1),),
            reason="damaged",
            idempotency_key="standard-replacement",
        ),
        "commerce_create_checkout_link": CheckoutLinkRequest(
            platform=platform,
            store="standard",
            email="standard@example.com",
            products=(CheckoutProduct(sku="SKU-1", quantity=1),),
        ),
    }
    values: dict[str, Any] = {
        "email": "standard@example.com",
        "phone": None,
        "since": datetime(2020, 1, 1, tzinfo=UTC),
        "body": "standard test",
        "attributes": {},
        "open_only": False,
        "tags": ["standard"],
        "types": list(TicketType),
        "state": None,
        "away": True,
        "reason": "Break/Lunch",
        "idempotency_key": "standard-key",
        "address": address,
        "consent": Consent(channel=Channel.EMAIL, opted_in=True),
        "status": AgentStatus.AVAILABLE,
        "draft": TicketDraft(platform=platform, type=TicketType.REFUND, title="standard", contact_id="1"),
        "request": requests.get(hook),
        "needs": HelpdeskNeeds(),
        "apply": False,  # a plan only: a standard test never changes a workspace's setup
    }
    params = inspect.signature(spec_functions()[hook]).parameters
    return {name: values.get(name, ref) for name in params}


# --------------------------------------------------------------------------- settings


def with_wrong_secrets(raw: Mapping[str, Any], validated: BaseModel) -> dict[str, Any]:
    """A copy of the raw settings with every secret (``SecretStr`` field) replaced by a wrong one."""
    result = _plain_copy(raw)
    for path in secret_paths(validated):
        section: Any = result
        for part in path[:-1]:
            section = section[part]
        section[path[-1]] = "wrong-" + "x" * 8
    return result


def secret_paths(model: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Where the non-empty secrets of a validated settings model are (field names and dict keys)."""
    if isinstance(model, SecretStr):
        return [prefix] if model.get_secret_value() else []
    paths: list[tuple[str, ...]] = []
    if isinstance(model, BaseModel):
        for field_name in type(model).model_fields:
            paths += secret_paths(getattr(model, field_name), (*prefix, field_name))
    elif isinstance(model, dict):
        for key, item in model.items():
            paths += secret_paths(item, (*prefix, str(key)))
    return paths


def _plain_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_copy(item) for item in value]
    return value
