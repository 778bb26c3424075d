"""Intercom's error envelope: every refusal is an ``error.list`` body with a ``request_id``."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse, Response


class ApiError(Exception):
    """Raised by handlers; rendered as Intercom's ``error.list`` body."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(
    status: int,
    code: str,
    message: str | None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """``{"type": "error.list", "request_id": ..., "errors": [{"code", "message"[, "field"]}]}``."""
    entry: dict[str, Any] = {"code": code, "message": message}
    if field:
        entry["field"] = field
    body = {"type": "error.list", "request_id": str(uuid.uuid4()), "errors": [entry]}
    return JSONResponse(body, status_code=status, headers=headers)


_FAULT_CODES = {
    400: ("parameter_invalid", "Bad request"),
    401: ("unauthorized", "Access Token Invalid"),
    403: ("api_plan_restricted", "Active subscription needed."),
    404: ("not_found", "Resource Not Found"),
    429: ("rate_limit_exceeded", "Exceeded rate limit"),
    500: ("server_error", "Server Error"),
    502: ("server_error", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
}


def fault_body(status: int) -> Response:
    """Intercom's error body for an injected fault."""
    code, message = _FAULT_CODES.get(status, ("server_error", "Server Error"))
    return error_response(status, code, message)


def not_found(code: str = "not_found", message: str = "Resource Not Found") -> ApiError:
    return ApiError(404, code, message)


def invalid(message: str, field: str | None = None, code: str = "parameter_invalid") -> ApiError:
    """A 400 ``parameter_invalid`` (or the given code) naming the offending field."""
    return ApiError(400, code, message, field=field)
