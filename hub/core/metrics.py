"""Prometheus metrics of the hub, served by ``hub serve`` at ``GET /metrics``.

The HTTP layer, the ledger and the runner call the small functions below (one line each), so
they never import prometheus-client themselves. The metrics live in one registry of the
process; a process that never serves them pays only for the counters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

PLATFORM_REQUESTS = Counter(
    "hub_platform_requests",
    "Requests sent to platforms, by platform and HTTP status (or 'error' without an answer)",
    ["platform", "status"],
    registry=REGISTRY,
)
RETRIES = Counter("hub_retries", "Requests retried, by platform", ["platform"], registry=REGISTRY)
RATE_LIMITED = Counter(
    "hub_rate_limited", "429 (or throttled) answers, by platform", ["platform"], registry=REGISTRY
)
LIMITER_WAIT = Counter(
    "hub_limiter_wait_seconds",
    "Time spent waiting for the client-side rate limiter, by platform",
    ["platform"],
    registry=REGISTRY,
)
LEDGER_ACTIONS = Counter(
    "hub_ledger_actions",
    "Platform writes through the ledger, by flow, action and outcome (done, refused, duplicate, recovered)",
    ["flow", "action", "outcome"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "hub_dead_letters", "Records parked in the dead-letter table", ["flow"], registry=REGISTRY
)
RUN_SECONDS = Histogram(
    "hub_run_duration_seconds",
    "Duration of flow runs, by flow and status",
    ["flow", "status"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
WEBHOOKS = Counter(
    "hub_webhooks",
    "Webhook deliveries received, by platform and result (stored, duplicate, refused_<status>)",
    ["platform", "result"],
    registry=REGISTRY,
)
INBOX_PROCESSED = Counter(
    "hub_inbox_processed",
    "Inbox events processed, by platform, action and status (done, failed, ignored)",
    ["platform", "action", "status"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "hub_webhook_ack_seconds",
    "Time from receiving a webhook to acknowledging it",
    ["platform"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)


def platform_request(platform: str, status: int | str) -> None:
    """One request answered (``status`` is the HTTP code) or lost (``"error"``)."""
    PLATFORM_REQUESTS.labels(platform, str(status)).inc()
    if status == 429:
        RATE_LIMITED.labels(platform).inc()


def retry(platform: str) -> None:
    RETRIES.labels(platform).inc()


@contextmanager
def limiter_wait(platform: str) -> Iterator[None]:
    """Time the block (a limiter's ``acquire``) as rate-limit waiting."""
    started = time.perf_counter()
    try:
        yield
    finally:
        LIMITER_WAIT.labels(platform).inc(time.perf_counter() - started)


def ledger_action(flow: str, action: str, outcome: str) -> None:
    LEDGER_ACTIONS.labels(flow, action, outcome).inc()


def dead_letter(flow: str) -> None:
    DEAD_LETTERS.labels(flow).inc()


def run_finished(flow: str, status: str, seconds: float) -> None:
    RUN_SECONDS.labels(flow, status).observe(seconds)


def webhook(platform: str, result: str, seconds: float | None = None) -> None:
    WEBHOOKS.labels(platform, result).inc()
    if seconds is not None:
        ACK_SECONDS.labels(platform).observe(seconds)


def inbox_processed(platform: str, action: str, status: str) -> None:
    INBOX_PROCESSED.labels(platform, action, status).inc()


def exposition() -> bytes:
    """Every metric in the Prometheus text format."""
    return generate_latest(REGISTRY)
