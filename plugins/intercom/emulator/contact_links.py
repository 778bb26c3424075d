"""What hangs off a contact: notes, tags, companies, segments and subscription types."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from plugins.intercom.emulator.common import an_id, body_of, required, workspace_of
from plugins.intercom.emulator.errors import invalid, not_found
from plugins.intercom.emulator.paging import paginate, per_page
from plugins.intercom.emulator.render import (
    render_company,
    render_contact,
    render_note,
    render_segment,
    render_subscription_type,
    render_tag,
)

COMPANY_LIMIT = 1_000  # companies one contact may belong to
CONSENT_TYPES = ("opt_in", "opt_out")


# ---- notes


async def list_notes(request: Request) -> JSONResponse:
    """``GET /contacts/{id}/notes``: newest first, 50 a page."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    notes = sorted(
        (n for n in ws.notes.values() if n["contact_id"] == contact["id"]),
        key=lambda n: (-n["created_at"], -int(n["id"])),
    )
    params = request.query_params
    page, pages = paginate(
        notes, per_page(params.get("per_page"), 50), params.get("starting_after"), null_next=True
    )
    return JSONResponse(
        {
            "type": "list",
            "data": [render_note(ws, n) for n in page],
            "total_count": len(notes),
            "pages": pages,
        }
    )


async def create_note(request: Request) -> JSONResponse:
    """``POST /contacts/{id}/notes``: ``body`` required; ``admin_id`` (else the token's admin) must exist."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    body = await body_of(request)
    text = required(body, "body")
    if not isinstance(text, str):
        raise invalid("body must be a string", field="body")
    if body.get("admin_id") is None:
        admin = ws.token_admin()
    else:
        admin = ws.admins.get(an_id(body["admin_id"], "admin_id"))
        if admin is None:
            raise not_found("not_found", "Resource Not Found")
    return JSONResponse(render_note(ws, ws.add_note(contact, text, admin)))


async def get_note(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return JSONResponse(render_note(ws, ws.note(request.path_params["note_id"])))


# ---- tags on a contact


async def list_contact_tags(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    applied = contact["tag_applied"]
    return JSONResponse(
        {"type": "list", "data": [render_tag(ws.tags[t], applied.get(t, {})) for t in contact["tag_ids"]]}
    )


async def tag_contact(request: Request) -> JSONResponse:
    """``POST /contacts/{id}/tags`` with ``{"id": tag}``: applied by the token's admin."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    tag_id = an_id((await body_of(request)).get("id"), "id")
    tag = ws.tags.get(tag_id)
    if tag is None:
        raise not_found("not_found", "Resource Not Found")
    return JSONResponse(render_tag(tag, ws.apply_tag(contact, tag, ws.token_admin())))


async def untag_contact(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    tag_id = request.path_params["tag_id"]
    if tag_id not in ws.tags or tag_id not in contact["tag_ids"]:
        raise not_found("not_found", "Resource Not Found")
    applied = ws.remove_tag(contact, tag_id)
    contact["updated_at"] = ws.now()
    return JSONResponse(render_tag(ws.tags[tag_id], applied))


# ---- companies


async def list_contact_companies(request: Request) -> JSONResponse:
    """``GET /contacts/{id}/companies``: every company of the contact on one page."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    companies = [render_company(ws, ws.companies[c]) for c in contact["company_ids"]]
    pages = {"type": "pages", "next": None, "page": 1, "per_page": 50, "total_pages": 1}
    return JSONResponse({"type": "list", "data": companies, "pages": pages, "total_count": len(companies)})


async def attach_company(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    company_id = (await body_of(request)).get("id")
    if company_id in (None, ""):
        raise invalid("company not specified", code="parameter_not_found")
    company = ws.company(an_id(company_id, "id"))
    if company["id"] not in contact["company_ids"] and len(contact["company_ids"]) >= COMPANY_LIMIT:
        raise invalid(
            f"Contact has reached the maximum of {COMPANY_LIMIT} company associations",
            code="contact_company_limit_exceeded",
        )
    ws.attach_company(contact, company)
    return JSONResponse(render_company(ws, company))


async def detach_company(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    company = ws.company(request.path_params["company_id"])
    if company["id"] not in contact["company_ids"]:
        raise not_found("company_not_found", "Company Not Found")
    ws.detach_company(contact, company)
    return JSONResponse(render_company(ws, company))


async def list_company_contacts(request: Request) -> JSONResponse:
    """``GET /companies/{id}/contacts``: the company's contacts, 50 a page."""
    ws = workspace_of(request)
    company = ws.company(request.path_params["company_id"])
    members = [c for c in ws.contacts.values() if company["id"] in c["company_ids"]]
    params = request.query_params
    page, pages = paginate(members, per_page(params.get("per_page"), 50), params.get("starting_after"))
    return JSONResponse(
        {
            "type": "list",
            "data": [render_contact(ws, c) for c in page],
            "total_count": len(members),
            "pages": pages,
        }
    )


# ---- segments and subscription types


async def list_contact_segments(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    return JSONResponse({"type": "list", "data": [render_segment(s) for s in ws.segments_of(contact)]})


async def list_contact_subscriptions(request: Request) -> JSONResponse:
    """The subscription types the contact opted in to or out of."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    data = [render_subscription_type(ws.subscription_types[s]) for s in contact["subscriptions"]]
    return JSONResponse({"type": "list", "data": data})


async def attach_subscription(request: Request) -> JSONResponse:
    """``POST /contacts/{id}/subscriptions`` with ``{"id", "consent_type": "opt_in" | "opt_out"}``."""
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    body = await body_of(request)
    subscription = ws.subscription_types.get(an_id(required(body, "id"), "id"))
    if subscription is None:
        raise not_found("not_found", "Resource Not Found")
    consent = required(body, "consent_type")
    if consent not in CONSENT_TYPES:
        raise invalid("consent_type must be opt_in or opt_out", field="consent_type")
    contact["subscriptions"][subscription["id"]] = consent
    contact["updated_at"] = ws.now()
    return JSONResponse(render_subscription_type(subscription))


async def detach_subscription(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    contact = ws.contact(request.path_params["contact_id"])
    subscription_id = request.path_params["subscription_id"]
    if subscription_id not in contact["subscriptions"]:
        raise not_found("not_found", "Resource Not Found")
    del contact["subscriptions"][subscription_id]
    contact["updated_at"] = ws.now()
    return JSONResponse(render_subscription_type(ws.subscription_types[subscription_id]))
