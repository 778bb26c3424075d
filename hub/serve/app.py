"""``hub serve``: webhook intake, the CS Assist inbox app, health, metrics and the ops console
at ``/console`` (Starlette; the console is ``hub.serve.console``).

A webhook is verified by its platform's plugin on the raw bytes (``hub_webhook``), written to
the inbox (once per delivery id; deliveries arriving together share one commit) and
acknowledged; the inbox worker, on its own thread with its own event loop, then runs the
matching flow step for it. Nothing is stored for a delivery that fails the check, is too large,
is unreadable or is older than the replay window.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.core import metrics
from hub.core.errors import CapabilityMissing, HubError
from hub.core.manager import Hub
from hub.core.panel import AppRequest
from hub.core.webhooks import WebhookEvent, WebhookRefused
from hub.engine import Runtime
from hub.serve.inbox import Inbox
from hub.serve.inbox_app import InboxApp
from hub.serve.processor import Processor
from hub.store import PROCESS as OWNER
from hub.store import utcnow

log = logging.getLogger("hub.serve")


@dataclass(frozen=True)
class ServeOptions:
    """Limits of the server (``hub serve`` options)."""

    max_body_bytes: int = 1_000_000
    """Bigger deliveries are refused with 413 (platform payloads are a few KB)."""
    replay_window: timedelta = timedelta(days=3)
    """A delivery saying it happened longer ago than this is refused (Shopify retries for 48 h)."""
    batch_size: int = 20
    busy_batch_size: int = 2
    """Rows the worker takes at a time while deliveries keep arriving (acks first)."""
    poll_seconds: float = 1.0
    yield_seconds: float = 5.0
    """How long the worker lets a burst of deliveries be acknowledged before its next (small)
    batch: while deliveries keep coming, acknowledging them comes first."""
    quiet_seconds: float = 0.05
    """The intake counts as busy until this long after its last delivery."""
    switch_interval: float = 0.0005
    """The interpreter's thread switch interval while the worker runs (Python's default is 5 ms:
    an acknowledgement would wait that long for the worker's thread to let go)."""
    worker_nice: int = 10
    """How much lower the worker thread's CPU priority is than intake's (Linux; 0: the same)."""
    worker: bool = True
    """Run the inbox worker in the background (tests may drain it themselves)."""
    freeze_heap: bool = False
    """Once started, move every object alive into the collector's permanent generation
    (``gc.freeze``), as ``hub serve`` does: a full collection then scans only what came after.
    Before it, a full collection of the started server's heap paused the process 60-90 ms every
    few seconds under load, which was the whole tail of the acknowledgement times
    (bench/webhook_load.py). Off for apps made and dropped in one process (tests): what is frozen
    is never collected."""


UNKNOWN_PLATFORM = "unknown"
"""The metrics label of requests whose path names no enabled plugin (any name, one series)."""
NO_SUCH_PLUGIN = "no enabled plugin has that name"


class BodyTooLarge(Exception):
    pass


class BodyCutShort(Exception):
    """The sender hung up before its body was whole (nobody hears the answer; no traceback)."""


class InboxWriter:
    """Group commit: deliveries arriving together are stored in one transaction, then acked.

    Each delivery is on disk before its acknowledgement (SQLite's default full sync); batching
    only shares the disk sync between the deliveries that arrived while the previous write was
    under way. The writes run on one thread of their own, so the server's event loop goes on
    reading and verifying the next deliveries while the disk syncs.
    """

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self._waiting: list[tuple[WebhookEvent, asyncio.Future[bool]]] = []
        self._flushing = False
        self._task: asyncio.Task[None] | None = None  # kept so the running flush is not collected
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-inbox-writer")

    async def add(self, event: WebhookEvent) -> bool:
        """Store ``event``; True when new, False when this delivery was stored before."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((event, future))
        if not self._flushing:
            self._flushing = True
            self._task = asyncio.create_task(self._flush())
        return await future

    def close(self) -> None:
        self._thread.shutdown(wait=True)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                events = [event for event, _ in batch]
                try:
                    stored = await loop.run_in_executor(self._thread, self.inbox.add_many, events)
                except Exception as exc:  # the database is gone: every delivery of the batch gets a 503
                    stored = [exc] * len(batch)
                for (_, future), outcome in zip(batch, stored, strict=True):
                    if future.done():  # its request was cancelled (the sender hung up)
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)  # only this delivery's request fails
                    else:
                        future.set_result(outcome)
        finally:
            self._flushing = False


class Worker:
    """Acts on the inbox apart from intake: on a thread of its own, with its own event loop and
    its own started hub (``start``), or on demand in the caller's loop (``drain``: tests, benches).

    Apart, because a flow step is slow beside an acknowledgement: it waits on platforms and
    commits the ledger (each commit a disk sync) while it holds its event loop. On the server's
    loop every acknowledgement queued behind those steps. The worker's hub has its own plugin
    clients (an HTTP client is bound to the loop that made it), so its requests are paced by its
    own limiters; the server's hub only verifies deliveries and answers the inbox app.

    Acknowledging still comes first: while deliveries are being received the worker waits (up to
    ``yield_seconds``) before taking its next batch, so a burst is acknowledged at once and acted
    on right after.
    """

    def __init__(self, runtime: Runtime, inbox: Inbox, processor: Processor, options: ServeOptions) -> None:
        self.runtime, self.inbox, self.processor, self.options = runtime, inbox, processor, options
        self.owner = f"{OWNER}:inbox:{uuid.uuid4().hex[:6]}"
        self.receiving = 0
        """Deliveries being received right now (the webhook endpoint counts them)."""
        self.last_delivery = 0.0
        """When intake last stored a delivery (``time.monotonic``)."""
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._main: asyncio.Task[None] | None = None
        self._started = threading.Event()

    def wake(self) -> None:
        """A delivery was stored: look at the inbox now (safe from any thread)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the worker's loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Requeue what a dead process left claimed, then run the worker on its own thread."""
        self.inbox.requeue_abandoned(timedelta(minutes=10))
        sys.setswitchinterval(min(sys.getswitchinterval(), self.options.switch_interval))
        self._thread = threading.Thread(target=self._run, name="hub-inbox-worker", daemon=True)
        self._thread.start()
        self._started.wait(30)

    async def stop(self) -> None:
        """Stop the worker (a step cut short leaves its rows claimed, requeued at the next start)."""
        loop, main, thread = self._loop, self._main, self._thread
        if loop is not None and main is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(main.cancel)
        if thread is not None:
            await asyncio.to_thread(thread.join, 30)

    async def step(self, processor: Processor | None = None, limit: int | None = None) -> int:
        """Claim and process one batch; how many rows were handled (deferred ones excluded)."""
        rows = self.inbox.claim(self.owner, limit or self.options.batch_size)
        if not rows:
            return 0
        deferred = await (processor or self.processor).process(rows)
        return len(rows) - len(deferred)

    async def drain(self) -> None:
        """Process until no pending row is ready, here, with the server's hub (tests, benches)."""
        while await self.step():
            pass

    def _run(self) -> None:
        if sys.platform == "linux" and self.options.worker_nice:
            # Linux schedules threads one by one: intake's thread gets the core first.
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.options.worker_nice)
        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        self._main = asyncio.current_task()
        hub = self.runtime.hub()
        try:
            await hub.start()
            self._started.set()
            await self._work(Processor(self.runtime, hub, self.inbox))
        finally:
            self._started.set()
            await hub.stop()

    def _busy(self) -> bool:
        quiet = time.monotonic() - self.last_delivery >= self.options.quiet_seconds
        return bool(self.receiving) or not quiet

    async def _let_acks_go_first(self) -> int:
        """Wait for intake to go quiet (up to ``yield_seconds``); the batch size to take then:
        the whole batch when quiet, a few rows when deliveries are still coming in."""
        waited = 0.0
        while self._busy() and waited < self.options.yield_seconds:
            await asyncio.sleep(0.01)
            waited += 0.01
        return self.options.busy_batch_size if self._busy() else self.options.batch_size

    async def _work(self, processor: Processor) -> None:
        assert self._wake is not None
        while True:
            limit = await self._let_acks_go_first()
            try:
                handled = await self.step(processor, limit)
            except Exception:  # the worker must outlive one bad batch; its rows are requeued later
                log.exception("inbox worker: batch failed")
                handled = 0
            if handled:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.options.poll_seconds)


@dataclass
class ServerState:
    runtime: Runtime
    hub: Hub
    inbox: Inbox
    writer: InboxWriter
    worker: Worker
    app: InboxApp
    options: ServeOptions
    scheduler: Any | None


def create_app(
    runtime: Runtime, options: ServeOptions | None = None, *, scheduler: Any | None = None
) -> Starlette:
    """The server: webhooks, inbox app, health and metrics, with the hub started for its lifetime."""
    options = options or ServeOptions()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        inbox = Inbox(runtime.store)
        writer = InboxWriter(inbox)
        async with runtime.session() as hub:
            worker = Worker(runtime, inbox, Processor(runtime, hub, inbox), options)
            app.state.hub_server = ServerState(
                runtime, hub, inbox, writer, worker, InboxApp(runtime, hub), options, scheduler
            )
            if options.worker:
                await asyncio.to_thread(worker.start)
            if options.freeze_heap:
                gc.collect()  # what is garbage already goes now, not frozen with the rest
                gc.freeze()
            try:
                yield
            finally:
                await worker.stop()
                writer.close()

    from hub.serve.console.app import console_routes  # it reads this module's server state

    return Starlette(
        routes=[
            Route("/webhooks/{platform}", receive_webhook, methods=["POST"]),
            Route("/inbox-app/{platform}/initialize", inbox_app_endpoint("initialize"), methods=["POST"]),
            Route("/inbox-app/{platform}/submit", inbox_app_endpoint("submit"), methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            *console_routes(runtime.config.console),
        ],
        lifespan=lifespan,
    )


def server(request: Request) -> ServerState:
    state: ServerState = request.app.state.hub_server
    return state


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused (``BodyTooLarge``) as soon as it passes ``limit`` bytes;
    ``BodyCutShort`` when the sender hangs up before it is whole."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
    except ClientDisconnect:
        raise BodyCutShort from None
    return b"".join(chunks)


def _refusal(platform: str, status: int, reason: str, started: float) -> JSONResponse:
    metrics.webhook(platform, f"refused_{status}", time.perf_counter() - started)
    log.warning("webhook %s refused (%d): %s", platform, status, reason)
    return JSONResponse({"error": reason}, status_code=status)


async def verified(read: Awaitable[Any]) -> Any:
    """Await a plugin's verify-and-read hook; whatever the input makes it raise is a 400.

    These hooks only read the request (no I/O), so any exception is caused by the bytes and
    headers sent and would be raised again on every retry: answering 5xx would make the platform
    retry for days. ``WebhookRefused`` keeps its own status; a ``WebhookEvent`` the hook could
    not build (an id with a NUL byte, a topic too long) names the field. ``None`` when no
    enabled plugin serves the platform.
    """
    try:
        return await read
    except CapabilityMissing:
        return None
    except WebhookRefused:
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "delivery"
        raise WebhookRefused(400, f"{field}: {first['msg'].removeprefix('Value error, ')}") from None
    except Exception as exc:
        log.warning("unreadable request refused: %s", exc, exc_info=True)
        raise WebhookRefused(400, f"unreadable request ({type(exc).__name__})") from None


def _stale(event: WebhookEvent, window: timedelta) -> bool:
    return event.occurred_at is not None and utcnow() - event.occurred_at > window


async def receive_webhook(request: Request) -> Response:
    """Verify, store once, acknowledge; the worker acts on it next."""
    started = time.perf_counter()
    state = server(request)
    state.worker.receiving += 1
    try:
        return await _receive(request, state, started)
    finally:
        state.worker.receiving -= 1


def _known(state: ServerState, platform: str) -> bool:
    """Whether the path's ``platform`` names an enabled plugin; checked before the name is used.

    The path is the sender's to choose, unsigned: as a metrics label each new name would be a
    new series for the life of the process, in a log line a newline would forge another, and
    the hub would cache a hook route for it. Any other name is a 404 that does not repeat it.
    """
    return state.hub.config.plugin_enabled(platform)


async def _receive(request: Request, state: ServerState, started: float) -> Response:
    platform = request.path_params["platform"]
    if not _known(state, platform):
        return _refusal(UNKNOWN_PLATFORM, 404, NO_SUCH_PLUGIN, started)
    try:
        body = await read_body(request, state.options.max_body_bytes)
    except BodyTooLarge:
        return _refusal(platform, 413, "body too large", started)
    except BodyCutShort:
        return _refusal(platform, 400, "the sender hung up before the body was whole", started)
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        event = await verified(state.hub.serving.webhook(platform, headers, body))
    except WebhookRefused as refused:
        return _refusal(platform, refused.status, refused.reason, started)
    if event is None:
        return _refusal(platform, 404, f"no enabled plugin takes {platform} webhooks", started)
    if _stale(event, state.options.replay_window):
        return _refusal(platform, 401, "delivery older than the replay window", started)
    try:
        fresh = await state.writer.add(event)
    except Exception:  # the store failed this one delivery (not its content): the platform retries
        log.exception("webhook %s: delivery %r not stored", platform, event.delivery_id)
        return _refusal(platform, 503, "delivery not stored, retry later", started)
    state.worker.last_delivery = time.monotonic()
    state.worker.wake()
    result = "stored" if fresh else "duplicate"
    metrics.webhook(platform, result, time.perf_counter() - started)
    return JSONResponse({"result": result, "delivery": event.delivery_id})


async def _app_request(request: Request) -> tuple[ServerState, str, AppRequest] | Response:
    state = server(request)
    platform = request.path_params["platform"]
    if not _known(state, platform):
        return JSONResponse({"error": NO_SUCH_PLUGIN}, status_code=404)
    try:
        body = await read_body(request, state.options.max_body_bytes)
    except BodyTooLarge:
        return JSONResponse({"error": "body too large"}, status_code=413)
    except BodyCutShort:
        return JSONResponse({"error": "the sender hung up before the body was whole"}, status_code=400)
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        payload = await verified(state.hub.serving.app_request(platform, headers, body))
    except WebhookRefused as refused:
        log.warning("inbox app request refused (%d): %s", refused.status, refused.reason)
        return JSONResponse({"error": refused.reason}, status_code=refused.status)
    if payload is None:
        return JSONResponse({"error": f"no enabled plugin serves {platform} inbox apps"}, status_code=404)
    return state, platform, payload


def inbox_app_endpoint(step: str) -> Callable[[Request], Awaitable[Response]]:
    """``POST /inbox-app/{platform}/<step>``: ``initialize`` shows the summary, ``submit`` acts."""

    async def endpoint(request: Request) -> Response:
        checked = await _app_request(request)
        if isinstance(checked, Response):
            return checked
        state, platform, payload = checked
        try:
            panel = await getattr(state.app, step)(platform, payload)
            return JSONResponse(await state.hub.serving.app_response(platform, panel))
        except (HubError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


async def healthz(request: Request) -> Response:
    """200 when the database, Redis (if configured), every enabled plugin, the inbox worker and
    the scheduler (if any) are up; 503 naming what is down otherwise."""
    checks = await health_checks(server(request))
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status_code=200 if healthy else 503
    )


async def health_checks(state: ServerState) -> dict[str, str]:
    """``"ok"`` or what is wrong, per part: ``database``, ``redis`` (when configured),
    ``plugin:<name>`` for each enabled plugin, ``inbox_worker`` and ``scheduler`` (when run here).
    Read by ``/healthz`` and the console's overview."""
    checks: dict[str, str] = {"database": await _check(run_in_threadpool(state.runtime.store.ping))}
    shared = state.hub.context.shared
    if shared is not None:
        checks["redis"] = await _check(shared.ping())
    for name, status in state.hub.plugin_health().items():
        checks[f"plugin:{name}"] = status
    if state.options.worker:
        checks["inbox_worker"] = "ok" if state.worker.alive else "stopped"
    if state.scheduler is not None:
        checks["scheduler"] = "ok" if getattr(state.scheduler, "running", False) else "stopped"
    return checks


async def _check(probe: Any) -> str:
    try:
        await probe
    except Exception as exc:  # any error of the probe means the service is not usable
        return f"unreachable: {type(exc).__name__}"
    return "ok"


async def metrics_endpoint(request: Request) -> Response:
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
