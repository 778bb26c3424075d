"""Across machines: the units as procrastinate tasks on the hub's PostgreSQL database.

``hub worker`` runs a procrastinate worker. Each unit is one periodic task (its flow's ``every``
or ``cron`` as a cron line), deferred once per tick whichever worker's deferrer sees it first;
its ``lock`` lets one job of a unit run at a time across all workers, and its ``queueing_lock``
keeps at most one waiting, so a backlog coalesces. A failed run raises, so procrastinate retries
it with exponential backoff. A worker that dies stops its heartbeat; a periodic task puts its
stalled jobs back in the queue (procrastinate's documented recipe). SIGTERM lets the runs under
way finish. Inside a run, the unit's lease and fencing token still guard every write, so a
worker that stalls past its lease cannot write over the run that took over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException, UniqueViolation
from procrastinate.jobs import Job, Status
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.core.config import FlowSettings
from hub.core.errors import ConfigError, HubError
from hub.engine.run import Announce, log_line, run_unit
from hub.engine.runtime import Runtime
from hub.engine.units import Unit, units
from hub.store import RunRecord, Store
from hub.store.engine import MIGRATION_LOCK_ID

log = logging.getLogger("hub.worker")

TASK = "hub.run_unit"
STALLED_TASK = "hub.retry_stalled_jobs"
HEARTBEAT_SECONDS = 5.0
STALLED_AFTER_SECONDS = 20.0
"""A worker silent this long is dead: its jobs go back in the queue."""
RETRY = RetryStrategy(max_attempts=3, exponential_wait=5)
"""A failed run is tried again after 5 s, then 25 s; then the next tick of its schedule."""


class RunFailed(HubError):
    """Raised by the task so procrastinate records the job as failed and retries it."""


class _RunLineOnly(logging.Filter):
    """A failed run is already told in one line (``announce``); procrastinate's own report of the
    job's error keeps its message but not the traceback of ``RunFailed``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], RunFailed):
            record.exc_info, record.exc_text = None, None
        return True


def conninfo(runtime: Runtime) -> str:
    """The libpq connection string of the hub's database; workers need PostgreSQL."""
    url = make_url(runtime.config.hub.database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            runtime.config.source,
            "hub.database_url",
            "hub worker needs PostgreSQL (procrastinate's queue); one machine can use `hub schedule`",
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def cron_line(runtime: Runtime, name: str, settings: FlowSettings) -> str | None:
    """The flow's schedule as a cron line (seconds as croniter's sixth field), None if unscheduled."""
    if settings.cron:
        return settings.cron
    if not settings.interval:
        return None
    seconds = int(settings.interval.total_seconds())
    # (unit in seconds, how many make the next unit, cron line): 60 s is a minute, not "*/60 s".
    periods = ((1, 60, "* * * * * */{n}"), (60, 60, "*/{n} * * * *"), (3600, 24, "0 */{n} * * *"))
    for step, size, line in periods:
        n, rest = divmod(seconds, step)
        if rest == 0 and n > 0 and size % n == 0 and (n < size or step == 3600):
            return line.format(n=n)
    raise ConfigError(
        runtime.config.source,
        f"flows.{name}.every",
        f"workers run on cron lines: {seconds}s must divide a minute, an hour or a day (or use cron)",
    )


def ensure_queue_schema(store: Store) -> None:
    """Install procrastinate's tables once, serialised with the hub's own migrations."""
    from procrastinate.schema import SchemaManager

    with store.engine.begin() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        exists = connection.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
        if not exists:
            # Escaped as procrastinate's own SchemaManager does: the driver reads % as a placeholder.
            connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def build_queue(runtime: Runtime, *, periodic: bool = True, announce: Announce = log_line) -> App:
    """The procrastinate app: the unit task, one periodic schedule per unit, stalled-job recovery."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(runtime)))

    @app.task(name=TASK, retry=RETRY)
    async def run_unit_task(flow: str, scope: str, timestamp: int | None = None) -> None:
        unit = Unit(flow, scope)
        report = await run_unit(runtime, unit)
        announce(unit, report)
        if report.status == "failed":
            raise RunFailed(report.error or "run failed")

    @app.task(name=STALLED_TASK, queueing_lock=STALLED_TASK)
    async def retry_stalled_jobs(timestamp: int | None = None) -> None:
        await requeue_stalled(app)

    if periodic:
        for unit in units(runtime):
            line = cron_line(runtime, unit.flow, runtime.config.flow(unit.flow))
            if line is None:
                continue
            app.periodic(cron=line, periodic_id=str(unit), **job_options(unit))(run_unit_task)
        app.periodic(cron="* * * * * */10", periodic_id=STALLED_TASK)(retry_stalled_jobs)
    return app


def job_options(unit: Unit) -> dict[str, Any]:
    """How a unit's job is deferred: one running and one waiting at most, across all workers."""
    return {
        "lock": unit.lease,
        "queueing_lock": unit.lease,
        "task_kwargs": {"flow": unit.flow, "scope": unit.scope},
    }


async def requeue_stalled(app: App) -> int:
    """Put the jobs of workers that stopped sending heartbeats back in the queue.

    Every live worker looks, so two may find the same stalled job: the one that comes second
    finds it no longer running and leaves it be.
    """
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
    for job in stalled:
        try:
            await _requeue(app, job)
        except ConnectorException:
            if await _still_doing(app, job.id):
                raise
            log.info("job %s was requeued by another worker", job.id)
    return len(stalled)


async def _requeue(app: App, job: Job) -> None:
    try:
        await app.job_manager.retry_job(job)
        log.warning("job %s (%s) was running on a dead worker: queued again", job.id, job.task_kwargs)
    except UniqueViolation:
        # A run of the unit is already waiting (its queueing lock): end the dead one so its
        # lock no longer holds the waiting one back.
        await app.job_manager.finish_job(job, Status.FAILED, delete_job=False)
        log.warning(
            "job %s (%s) was running on a dead worker: the unit's waiting job takes over",
            job.id,
            job.task_kwargs,
        )


async def _still_doing(app: App, job_id: int | None) -> bool:
    found = await app.job_manager.list_jobs_async(id=job_id)
    return any(job.status == Status.DOING for job in found)


async def defer(app: App, unit: Unit) -> bool:
    """Queue one run of ``unit`` now; False when one is already waiting."""
    options = job_options(unit)
    kwargs = options.pop("task_kwargs")
    try:
        await app.tasks[TASK].configure(**options).defer_async(**kwargs)
    except AlreadyEnqueued:
        return False
    return True


async def run_worker(
    runtime: Runtime,
    *,
    until_done_since: datetime | None = None,
    poll: float = 1.0,
    concurrency: int = 2,
    announce: Announce = log_line,
) -> None:
    """Work the queue until SIGTERM/SIGINT (or, with ``until_done_since``, until every unit's
    newest run since then is ok: the mode of catch-ups and tests)."""
    conninfo(runtime)  # one line naming the key on SQLite, before anything touches the database
    ensure_queue_schema(runtime.store)
    app = build_queue(runtime, periodic=until_done_since is None, announce=announce)
    for handler in logging.getLogger().handlers:  # procrastinate logs from per-worker child loggers
        handler.addFilter(_RunLineOnly())
    async with app.open_async(), runtime.session():
        worker = asyncio.create_task(
            app.run_worker_async(
                concurrency=concurrency,
                fetch_job_polling_interval=poll,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
                install_signal_handlers=True,
            )
        )
        if until_done_since is None:
            await worker
            return
        try:
            await _until_done(app, runtime, until_done_since, poll, worker)
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


async def _until_done(
    app: App, runtime: Runtime, since: datetime, poll: float, worker: asyncio.Task[None]
) -> None:
    while not worker.done():
        last = runtime.store.runs.latest()  # one query a round, not one per unit
        pending = [u for u in units(runtime) if not _done_since(last.get((u.flow, u.scope)), since)]
        if not pending:
            return
        await requeue_stalled(app)
        for unit in pending:
            if runtime.store.leases.holder(unit.lease) is None:
                await defer(app, unit)
        await asyncio.sleep(poll)


def _done_since(last: RunRecord | None, since: datetime) -> bool:
    # partial: the run went through; its refused writes are parked, not worth running it again
    return last is not None and last.status in ("ok", "partial") and last.started_at >= since


def queue_status(runtime: Runtime) -> dict[str, Any]:
    """What the queue holds per unit (``todo``, ``doing``, ``failed`` jobs) and the live workers."""
    conninfo(runtime)  # a clear error on SQLite
    ensure_queue_schema(runtime.store)
    with runtime.store.engine.connect() as connection:
        jobs = connection.execute(
            text(
                "SELECT lock, status::text AS status, count(*) AS n FROM procrastinate_jobs "
                "WHERE task_name = :task GROUP BY lock, status"
            ),
            {"task": TASK},
        ).all()
        workers = connection.execute(
            text("SELECT id, last_heartbeat FROM procrastinate_workers ORDER BY id")
        ).all()
    per_unit: dict[str, dict[str, int]] = {}
    for row in jobs:
        per_unit.setdefault(row.lock or "", {})[row.status] = int(row.n)
    return {"units": per_unit, "workers": [(row.id, row.last_heartbeat) for row in workers]}
