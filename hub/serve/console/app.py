"""The console's routes: server-rendered pages (Jinja2) under ``/console`` of ``hub serve``.

Pages: overview (units, last and next run, health), runs, dead letters (retry and drop), the
ledger (searchable by order, ticket, conversation or customer) and the CS Assist look-up.
Every page needs a login (``auth``); every POST is checked for a cross-site origin and its
CSRF token; retry and drop need the admin role. Whatever a page shows passes through the
redactor (``hub.core.redact``) twice: each value before it is escaped, and the page at the end.
htmx (vendored in ``static/``, no build step) turns retry and drop into in-place row updates;
without JavaScript the same forms post and redirect back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.core.config import ConsoleSection
from hub.core.errors import ConfigError
from hub.core.redact import redact
from hub.engine.dead_letters import Busy, find_letter, retry_letter, settle
from hub.serve.app import ServerState, server
from hub.serve.console import data
from hub.serve.console.auth import CSRF_FIELD, ConsoleAuth, User, client_of

log = logging.getLogger("hub.serve.console")

HERE = Path(__file__).parent
PATH = "/console"
SECURITY_HEADERS = {
    # Only the console's own files run or style it (htmx reads its options from a meta tag).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # the pages hold customers' data
}
RUN_LIMITS = (20, 50, 200)
MAX_FORM_BYTES = 16_000
"""The console's forms hold a token, a password or an email: a few hundred bytes."""
Handler = Callable[[Request, User], Awaitable[Response]]


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` of a template, redacted before it is escaped (a secret with ``&``
    in it would no longer match once escaped to ``&amp;``)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return Markup(redact(str(value)))
    return redact(value if isinstance(value, str) else str(value))


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    finalize=_finalize,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["pretty"] = data.pretty


class Console:
    """The console's pages for one ``[console]`` configuration."""

    def __init__(self, settings: ConsoleSection) -> None:
        self.auth = ConsoleAuth(settings)
        self.settings = settings

    def mount(self) -> Mount:
        """The ``/console`` mount: pages, static files and the session middleware."""
        routes: list[BaseRoute] = [
            Route("/", self.guard(self.overview), methods=["GET"], name="console_overview"),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.guard(self.logout, form=True), methods=["POST"]),
            Route("/runs", self.guard(self.runs), methods=["GET"]),
            Route("/dead-letters", self.guard(self.dead_letters), methods=["GET"]),
            Route(
                "/dead-letters/{letter:int}/retry",
                self.guard(self.retry, form=True, admin=True),
                methods=["POST"],
            ),
            Route(
                "/dead-letters/{letter:int}/drop",
                self.guard(self.drop, form=True, admin=True),
                methods=["POST"],
            ),
            Route("/ledger", self.guard(self.ledger), methods=["GET"]),
            Route("/lookup", self.guard(self.lookup_page), methods=["GET"]),
            Route("/lookup", self.guard(self.lookup, form=True), methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="console_static"),
        ]
        session = Middleware(
            SessionMiddleware,
            secret_key=self.auth.session_secret,
            session_cookie="hub_console",
            max_age=self.settings.session_minutes * 60,
            path=PATH,
            same_site="lax",
            https_only=self.settings.secure_cookie,
        )
        return Mount(PATH, routes=routes, middleware=[session])

    # ---- the gate

    def guard(self, handler: Handler, *, form: bool = False, admin: bool = False) -> Callable[..., Any]:
        """``handler`` behind the login; with ``form``, behind the cross-site checks too; with
        ``admin``, refused (403) to the read-only role."""

        async def endpoint(request: Request) -> Response:
            user = self.auth.user(request)
            if user is None:
                if request.method == "GET":
                    return RedirectResponse(f"{base(request)}/login", status_code=303)
                return refuse(403, "Log in first.")
            if form:
                if (too_big := _body_refusal(request)) is not None:
                    return too_big
                refusal = self.auth.form_refusal(request, await request.form())
                if refusal is not None:
                    log.warning("console: %s %s refused: %s", request.method, request.url.path, refusal)
                    return refuse(403, refusal)
            if admin and not user.can_change:
                return refuse(403, "Your role is read-only: it may view, not retry or drop.")
            return await handler(request, user)

        return endpoint

    # ---- login

    async def login_page(self, request: Request) -> Response:
        if self.auth.user(request) is not None:
            return RedirectResponse(f"{base(request)}/", status_code=303)
        return self.render(request, "login.html", None, error=None)

    async def login(self, request: Request) -> Response:
        if (too_big := _body_refusal(request)) is not None:
            return too_big
        form = await request.form()
        refusal = self.auth.form_refusal(request, form)
        if refusal is not None:
            return refuse(403, refusal)
        client = client_of(request)
        if self.auth.throttle.blocked(client):
            return self.render(
                request, "login.html", None, status=429, error="Too many wrong passwords: wait a minute."
            )
        password = form.get("password")
        role = await self.auth.check_password(password if isinstance(password, str) else "")
        if role is None:
            self.auth.throttle.failed(client)
            log.warning("console: wrong password from %s", client)
            return self.render(request, "login.html", None, status=401, error="Wrong password.")
        self.auth.log_in(request, role)
        log.info("console: %s logged in from %s", role, client)
        return RedirectResponse(f"{base(request)}/", status_code=303)

    async def logout(self, request: Request, user: User) -> Response:
        self.auth.log_out(request)
        return RedirectResponse(f"{base(request)}/login", status_code=303)

    # ---- pages

    async def overview(self, request: Request, user: User) -> Response:
        view = await data.overview(state(request))
        return self.render(request, "overview.html", user, page="overview", view=view)

    async def runs(self, request: Request, user: User) -> Response:
        flow = request.query_params.get("flow") or None
        limit = _int(request.query_params.get("limit"), RUN_LIMITS[0])
        limit = limit if limit in RUN_LIMITS else RUN_LIMITS[0]
        flows = sorted(state(request).runtime.config.flows)
        rows = await data.runs(state(request), flow, limit)
        return self.render(
            request,
            "runs.html",
            user,
            page="runs",
            rows=rows,
            flow=flow,
            flows=flows,
            limit=limit,
            limits=RUN_LIMITS,
        )

    async def dead_letters(self, request: Request, user: User) -> Response:
        letters = await run_in_threadpool(state(request).runtime.store.dead_letters.entries)
        return self.render(
            request, "dead_letters.html", user, page="dead_letters", letters=letters, results={}
        )

    async def retry(self, request: Request, user: User) -> Response:
        current = state(request)
        letter = await run_in_threadpool(find_letter, current.runtime, request.path_params["letter"])
        if letter is None:
            return await self._letter_answer(
                request, user, None, "gone", "no such dead letter (dropped already?)"
            )
        try:
            retried = await retry_letter(current.runtime, current.hub, letter)
        except (Busy, ConfigError) as exc:
            return await self._letter_answer(
                request, user, letter, "failed", f"{letter.id} not retried: {exc}"
            )
        message = await run_in_threadpool(settle, current.runtime, letter, retried)
        log.info("console: %s retried dead letter %s: %s", user.name, letter.id, message)
        status = "done" if retried.done else "failed"
        kept = None if retried.done else await run_in_threadpool(find_letter, current.runtime, letter.id)
        return await self._letter_answer(request, user, kept or letter, status, message)

    async def drop(self, request: Request, user: User) -> Response:
        current = state(request)
        letter = await run_in_threadpool(find_letter, current.runtime, request.path_params["letter"])
        dropped = letter is not None and await run_in_threadpool(
            current.runtime.store.dead_letters.drop, letter.id
        )
        message = f"{letter.id} dropped" if dropped and letter else "no such dead letter (dropped already?)"
        log.info("console: %s dropped dead letter %s", user.name, request.path_params["letter"])
        return await self._letter_answer(request, user, letter, "dropped" if dropped else "gone", message)

    async def _letter_answer(
        self, request: Request, user: User, letter: Any, status: str, message: str
    ) -> Response:
        """htmx: the letter's row, showing what happened; a plain form: back to the list."""
        if request.headers.get("hx-request") == "true":
            return self.render(
                request, "letter_row.html", user, letter=letter, result={"status": status, "message": message}
            )
        request.session["flash"] = redact(message)[:300]
        return RedirectResponse(f"{base(request)}/dead-letters", status_code=303)

    async def ledger(self, request: Request, user: User) -> Response:
        field = request.query_params.get("field", "any")
        field = field if field in data.LEDGER_FIELDS else "any"
        text = request.query_params.get("q", "")[:200]
        entries = await data.ledger(state(request), field, text)
        return self.render(
            request,
            "ledger.html",
            user,
            page="ledger",
            entries=entries,
            field=field,
            fields=["any", *data.LEDGER_FIELDS],
            text=text,
        )

    async def lookup_page(self, request: Request, user: User) -> Response:
        return self.render(
            request, "lookup.html", user, page="lookup", email="", phone="", summary=None, error=None
        )

    async def lookup(self, request: Request, user: User) -> Response:
        # A POST although it changes nothing: emails and phones stay out of URLs and proxy logs.
        from hub.flows.summary import build_summary

        form = await request.form()
        email_in, phone_in = str(form.get("email") or "")[:200], str(form.get("phone") or "")[:50]
        email, phone, error = data.check_lookup(email_in, phone_in)
        summary, searched = None, error is None
        if error is None:
            try:
                summary = await build_summary(state(request).hub, email, phone)
            except Exception as exc:  # a platform down: say so on the page, not as a 500
                log.warning("console: look-up failed", exc_info=True)
                error = f"The look-up failed: {type(exc).__name__}: {exc}"
        if searched and error is None and summary is None:
            error = f"No store knows {email or phone}."
        return self.render(
            request,
            "lookup.html",
            user,
            page="lookup",
            email=email_in,
            phone=phone_in,
            summary=summary,
            error=error,
            status=400 if error and not searched else 200,
        )

    # ---- rendering

    def render(
        self, request: Request, template: str, user: User | None, *, status: int = 200, **context: Any
    ) -> Response:
        """The template with the page's common context, redacted as a whole at the end."""
        flash = request.session.pop("flash", None) if user is not None else None
        page = TEMPLATES.get_template(template).render(
            base=base(request),
            user=user,
            csrf=self.auth.csrf_token(request),
            csrf_field=CSRF_FIELD,
            flash=flash,
            takes_passwords=self.auth.takes_passwords,
            proxy_header=self.settings.proxy_user_header,
            page=context.pop("page", None),
            **context,
        )
        return HTMLResponse(redact(page), status_code=status, headers=SECURITY_HEADERS)


def console_routes(settings: ConsoleSection) -> list[BaseRoute]:
    """The ``/console`` routes of ``hub serve``: the console when ``[console]`` sets a way to
    log in, else one page saying how to turn it on."""
    if settings.enabled:
        return [Console(settings).mount()]
    return [Route(PATH, not_configured), Route(PATH + "/{rest:path}", not_configured)]


async def not_configured(request: Request) -> Response:
    return PlainTextResponse(
        "The console is off: set [console] password_hash (`hub console hash-password`) or "
        "proxy_user_header in the configuration (docs/console.md).",
        status_code=404,
    )


def state(request: Request) -> ServerState:
    return server(request)


def base(request: Request) -> str:
    """The console's URL path as the browser sees it (``/console``, under any root path)."""
    return str(request.scope.get("root_path", "")).rstrip("/") or PATH


def refuse(status: int, reason: str) -> Response:
    return PlainTextResponse(reason, status_code=status, headers=SECURITY_HEADERS)


def _body_refusal(request: Request) -> Response | None:
    """413 for a form bigger than ``MAX_FORM_BYTES``, 411 for one that does not say its size
    (browsers always do): the form is parsed in memory, so its size is checked first."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        return refuse(411, "A form must say its length (Content-Length).")
    if int(declared) > MAX_FORM_BYTES:
        return refuse(413, "Form too large.")
    return None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default
