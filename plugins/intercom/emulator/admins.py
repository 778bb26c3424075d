"""Admins (teammates), their away mode and reasons, and the workspace's activity log."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from plugins.intercom.emulator.common import at_least, body_of, version_of, workspace_of
from plugins.intercom.emulator.errors import ApiError, invalid, not_found
from plugins.intercom.emulator.paging import paginate, per_page
from plugins.intercom.emulator.render import render_admin
from plugins.intercom.emulator.workspace import Workspace

DEFAULT_AVATAR = "https://static.intercomassets.com/assets/default-avatars/admins/128.png"


async def me(request: Request) -> JSONResponse:
    """``GET /me``: the token's admin with its app (``admin_with_app``)."""
    ws = workspace_of(request)
    rendered = render_admin(ws.token_admin(), version_of(request))
    rendered["email_verified"] = True
    rendered["avatar"] = {"type": "avatar", "image_url": DEFAULT_AVATAR}
    rendered["app"] = {
        "type": "app",
        "id_code": ws.workspace_id,
        "name": "Hub sandbox",
        "created_at": 1_700_000_000,
        "secure": False,
        "identity_verification": False,
        "timezone": ws.timezone,
        "region": "US",
    }
    return JSONResponse(rendered)


async def list_admins(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    version = version_of(request)
    return JSONResponse(
        {"type": "admin.list", "admins": [render_admin(a, version) for a in ws.admins.values()]}
    )


async def get_admin(request: Request) -> JSONResponse:
    ws = workspace_of(request)
    return JSONResponse(render_admin(ws.admin(request.path_params["admin_id"]), version_of(request)))


async def set_away(request: Request) -> JSONResponse:
    """``PUT /admins/{id}/away``: both flags required; a reason (2.14) must exist and be live."""
    ws = workspace_of(request)
    admin = ws.admin(request.path_params["admin_id"])
    body = await body_of(request)
    for name in ("away_mode_enabled", "away_mode_reassign"):
        if not isinstance(body.get(name), bool):
            raise ApiError(400, "parameter_not_found", f"{name} is required", field=name)
    reason_id = body.get("away_status_reason_id") if at_least(request, (2, 14)) else None
    _check_reason(ws, reason_id)
    if (
        body["away_mode_enabled"]
        and reason_id is None
        and ws.require_away_reason
        and at_least(request, (2, 14))
    ):
        raise ApiError(400, "away_status_reason_mandatory", "Away status reason is mandatory")
    was_away = admin["away_mode_enabled"]
    admin["away_mode_enabled"] = body["away_mode_enabled"]
    admin["away_mode_reassign"] = body["away_mode_reassign"]
    admin["away_status_reason_id"] = (
        str(reason_id) if body["away_mode_enabled"] and reason_id is not None else None
    )
    if was_away != admin["away_mode_enabled"]:
        mode = "away" if admin["away_mode_enabled"] else "available"
        ws.log_activity(
            admin, "admin_away_mode_change", f"{admin['name']} changed their away mode to {mode}."
        )
    rendered = render_admin(admin, version_of(request))
    ws.emit("admin.away_mode_updated", rendered)
    return JSONResponse(rendered)


def _check_reason(ws: Workspace, reason_id: Any) -> None:
    if reason_id is None:
        return
    reason = ws.away_reasons.get(str(reason_id))
    if reason is None or isinstance(reason_id, bool):
        raise invalid("Away status reason not found", field="away_status_reason_id")
    if reason["deleted"]:
        raise invalid("Away status reason is deleted", field="away_status_reason_id")


async def list_activity_logs(request: Request) -> JSONResponse:
    """``GET /admins/activity_logs?created_at_after=&created_at_before=`` (UNIX timestamps as text)."""
    ws = workspace_of(request)
    after = _timestamp(request.query_params.get("created_at_after"), "created_at_after", required=True)
    before = _timestamp(request.query_params.get("created_at_before"), "created_at_before", required=False)
    logs = [
        entry
        for entry in reversed(ws.activity_logs)  # newest first
        if entry["created_at"] >= after and (before is None or entry["created_at"] <= before)
    ]
    params = request.query_params
    size = per_page(params.get("per_page"), 20)
    page, pages = paginate(logs, size, params.get("starting_after"), null_next=True)
    return JSONResponse({"type": "activity_log.list", "pages": pages, "activity_logs": page})


def _timestamp(value: str | None, name: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise invalid(f"{name} is required", field=name, code="parameter_not_found")
        return None
    try:
        return int(str(value))
    except ValueError:
        raise invalid(f"{name} must be a UNIX timestamp", field=name) from None


async def list_away_reasons(request: Request) -> JSONResponse:
    if not at_least(request, (2, 14)):
        raise not_found("not_found", "Resource Not Found")  # the endpoint arrived in 2.14
    return JSONResponse({"type": "list", "data": list(workspace_of(request).away_reasons.values())})
