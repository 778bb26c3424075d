"""Rate limits shared by every hub process through Redis.

Several workers syncing one helpdesk workspace or one store must together stay under
that account's limit, so the allowance lives in Redis: a moving window per account key (the
``limits`` library's Redis strategy, no hand-written Lua). A moving window never lets more than
``limit`` requests through in any ``period``-second span, so a platform counting in fixed
windows never sees more than its limit in one of them either.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Iterator

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from hub.core.errors import ServiceUnavailable

KEY_PREFIX = "hub-limits"


class SharedLimits:
    """Makes Redis-backed limiters, one moving window per platform account key."""

    def __init__(self, redis_url: str, *, prefix: str = KEY_PREFIX) -> None:
        uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
        # A process lives for weeks: a pooled connection left broken by a Redis restart is
        # pinged before reuse when it sat idle a second (redis-py's health check), and one used
        # more recently (several look-ups were in flight when Redis went) is reconnected and its
        # command sent once more: a restarted Redis does not fail the next run. A second send of
        # a hit whose answer was lost counts it twice: slower, never faster than the limit.
        self.storage = RedisStorage(
            uri,
            implementation="redispy",
            key_prefix=prefix,
            health_check_interval=1,
            socket_connect_timeout=5,
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[RedisConnectionError],
        )
        self.strategy = MovingWindowRateLimiter(self.storage)

    async def ping(self) -> None:
        """Raise ``ServiceUnavailable`` unless Redis answers (``/healthz``)."""
        with redis_outage():
            if not await self.storage.check():
                raise ServiceUnavailable("redis", "no answer to PING")

    def window(self, key: str, limit: float, period: float) -> RedisWindowLimiter:
        return RedisWindowLimiter(self, key, limit, period)


class RedisWindowLimiter:
    """At most ``limit`` requests (or cost points) in any ``period`` seconds, across processes."""

    def __init__(self, shared: SharedLimits, key: str, limit: float, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.shared, self.key = shared, key
        # The library counts whole requests over whole seconds: round the window up (slower,
        # never faster than the platform allows).
        self.item = RateLimitItemPerSecond(int(limit), max(1, math.ceil(period)))
        self._paused_until = 0.0

    async def acquire(self, cost: float = 1) -> None:
        delay = self._paused_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        cost = min(max(1, math.ceil(cost)), self.item.amount)
        strategy = self.shared.strategy
        with redis_outage():
            while not await strategy.hit(self.item, self.key, cost=cost):
                stats = await strategy.get_window_stats(self.item, self.key)
                await asyncio.sleep(max(0.005, stats.reset_time - time.time()))

    def pause_until(self, moment: float) -> None:
        self._paused_until = max(self._paused_until, moment)

    def settle(self, cost: float = 1) -> None:
        """Requests are counted when taken: Redis holds no in-flight state to release."""


@contextlib.contextmanager
def redis_outage() -> Iterator[None]:
    """Redis down is an outage of the hub's own infrastructure: ``ServiceUnavailable``, one line."""
    try:
        yield
    except (RedisError, StorageError, OSError) as exc:
        raise ServiceUnavailable("redis", str(exc) or type(exc).__name__) from None
