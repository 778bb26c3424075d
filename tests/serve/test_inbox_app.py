"""The CS Assist inbox app: signed Canvas Kit requests, a refund carried out once."""

from __future__ import annotations

from decimal import Decimal

from hub.core.models import Order
from tests.serve.conftest import Served


def ultracart_order(served: Served) -> Order:
    return [o for o in served.sandbox.world.orders if o.platform == "ultracart"][-1]


def refunds_of(served: Served, order: Order) -> list[Decimal]:
    return [Decimal(str(r["amount"])) for r in served.state("ultracart").refunds if r["order_id"] == order.id]


def request_for(served: Served, order: Order, **extra) -> dict:
    ws = served.state("intercom")
    contact = next(c for c in ws.contacts.values() if c["email"] == order.email)
    conversation = next((c for c in ws.conversations.values() if contact["id"] in c["contact_ids"]), None)
    return {
        "workspace_id": "ws1",
        "admin": {"id": "1"},
        "context": {"location": "conversation"},
        "contact": {"id": contact["id"], "type": "user"},
        "conversation": {"id": conversation["id"]} if conversation else None,
        **extra,
    }


def texts(body: dict) -> str:
    components = body["canvas"]["content"]["components"]
    parts = []
    for component in components:
        parts.append(component.get("text", ""))
        parts.extend(f"{i['field']}: {i['value']}" for i in component.get("items", []) if "field" in i)
        parts.extend(f"{i['title']} {i['subtitle']}" for i in component.get("items", []) if "title" in i)
    return "\n".join(parts)


async def refund_form(served: Served, order: Order, amount: str) -> dict:
    """The refund form opened, then filled in for ``amount`` (the request its submit sends)."""
    form = (await served.app_request("submit", request_for(served, order, component_id="refund"))).json()
    return request_for(
        served,
        order,
        component_id="confirm_refund",
        current_canvas=form["canvas"],
        input_values={
            "order": f"ultracart|{order.store or ''}|{order.number}",
            "amount": amount,
            "refund_reason": "damaged",
            "admin_reason": "Arrived broken",
            "disposition": "dispose",
        },
    )


def component(body: dict, component_id: str) -> dict:
    return next(c for c in body["canvas"]["content"]["components"] if c.get("id") == component_id)


async def test_initialize_shows_the_summary_and_a_refund_happens_once(served: Served):
    order = ultracart_order(served)
    start = await served.app_request("initialize", request_for(served, order))
    assert start.status_code == 200, start.text
    summary = texts(start.json())
    assert "Lifetime revenue" in summary and order.number in summary
    assert component(start.json(), "refund")["action"] == {"type": "submit"}

    form = (await served.app_request("submit", request_for(served, order, component_id="refund"))).json()
    choice = f"ultracart|{order.store or ''}|{order.number}"
    assert choice in [o["id"] for o in component(form, "order")["options"]]
    assert "damaged" in [o["id"] for o in component(form, "refund_reason")["options"]]
    confirm = request_for(
        served,
        order,
        component_id="confirm_refund",
        current_canvas=form["canvas"],
        input_values={
            "order": choice,
            "amount": "5.00",
            "refund_reason": "damaged",
            "admin_reason": "Arrived broken",
            "disposition": "dispose",
        },
    )
    done = await served.app_request("submit", confirm)
    assert done.status_code == 200, done.text
    result = component(done.json(), "result")["text"]
    assert "Refunded 5.00 USD" in result and "resolved" in result
    assert refunds_of(served, order) == [Decimal("5.00")]

    twice = await served.app_request("submit", confirm)  # a double click on the same form
    assert "Refunded 5.00 USD" in component(twice.json(), "result")["text"]
    assert refunds_of(served, order) == [Decimal("5.00")]


async def test_refund_beyond_the_balance_is_refused_with_the_reason(served: Served):
    order = ultracart_order(served)
    confirm = await refund_form(served, order, "99999.00")
    result = component((await served.app_request("submit", confirm)).json(), "result")["text"]
    assert "above the refundable balance" in result
    assert refunds_of(served, order) == []


async def test_unsigned_or_forged_app_requests_are_refused(served: Served):
    order = ultracart_order(served)
    forged = await served.app_request("initialize", request_for(served, order), secret="not-the-secret")
    assert forged.status_code == 401
    bare = await served.client.post("/inbox-app/intercom/initialize", json=request_for(served, order))
    assert bare.status_code == 401


async def test_healthz_and_metrics(served: Served):
    health = await served.client.get("/healthz")
    assert health.status_code == 200, health.json()
    assert health.json()["database"] == "ok"
    assert {f"plugin:{name}" for name in ("intercom", "aircall", "shopify")} <= set(health.json())
    order = ultracart_order(served)
    await served.app_request("initialize", request_for(served, order))
    await served.client.post("/webhooks/aircall", content=b"{}")
    text = (await served.client.get("/metrics")).text
    assert 'hub_webhooks_total{platform="aircall",result="refused_401"}' in text
    assert 'hub_platform_requests_total{platform="intercom",status="200"}' in text


async def test_two_submits_of_one_form_while_intercom_is_slow_file_one_ticket(served: Served):
    """The second submit finds the first in flight (held by a live request): it waits for it and
    answers with the same ticket instead of filing a second one."""
    import asyncio

    order = ultracart_order(served)
    confirm = await refund_form(served, order, "4.00")
    transport = served.runtime.transports["intercom"]
    emulator = transport.app  # type: ignore[attr-defined]

    async def slow(scope, receive, send):  # Intercom answering ticket creation in 1.5 s
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/tickets":
            await asyncio.sleep(1.5)
        await emulator(scope, receive, send)

    transport.app = slow  # type: ignore[attr-defined]
    tickets_before = len(served.state("intercom").tickets)
    first, second = await asyncio.gather(
        served.app_request("submit", confirm), served.app_request("submit", confirm)
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert len(served.state("intercom").tickets) == tickets_before + 1
    assert refunds_of(served, order) == [Decimal("4.00")]
    for answer in (first, second):
        assert "Refunded 4.00 USD" in component(answer.json(), "result")["text"]
