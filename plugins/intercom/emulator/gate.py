"""What every request meets first: auth (401 without rate-limit headers), version, rate limits."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugins.intercom.emulator.errors import error_response
from plugins.intercom.emulator.workspace import VERSIONS, Workspace


class Gate:
    """Auth first (401 without rate-limit headers), then version, then the rate-limit windows."""

    def __init__(self, app: ASGIApp, workspace: Workspace) -> None:
        self.app, self.ws = app, workspace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        status_holder: dict[str, int] = {}

        async def record_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        response = self._refusal(request)
        if response is not None:
            await response(scope, receive, record_send)
        else:
            allowed, remaining, reset = self.ws.app_window.hit()
            headers = {
                "X-RateLimit-Limit": str(self.ws.app_window.limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset),
            }
            workspace_ok = allowed and self.ws.workspace_window.hit()[0]
            if not allowed or not workspace_ok:
                limit = self.ws.app_window.limit if not allowed else self.ws.workspace_window.limit
                window = f"{self.ws.window_seconds:g}_seconds" if not allowed else "60_seconds"
                headers["X-RateLimit-Remaining"] = "0"
                response = error_response(
                    429, "rate_limit_exceeded", f"Exceeded rate limit of {limit} in {window}", headers=headers
                )
                await response(scope, receive, record_send)
            else:
                await self.app(scope, receive, _with_headers(record_send, headers))
        self.ws.requests.append((request.method, request.url.path, status_holder.get("status", 0)))

    def _refusal(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), self.ws.token):
            return error_response(401, "unauthorized", "Access Token Invalid")
        version = request.headers.get("intercom-version") or self.ws.default_version
        if version not in VERSIONS:
            return error_response(
                400, "intercom_version_invalid", f"Requested version {version} is not valid"
            )
        request.scope.setdefault("state", {})["version"] = version
        return None


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = dict(message)
            message["headers"] = [
                *message.get("headers", []),
                *((k.lower().encode(), v.encode()) for k, v in headers.items()),
            ]
        await send(message)

    return wrapped
