"""Fixed-window rate limits: one interface, an in-process and a Redis backend.

A key is ``<name>:<who>`` (``login_ip:203.0.113.9``); each window of
``window`` seconds has its own counter, so a burst at a window's end and the
next one's start can pass up to twice the limit (accepted: the limits are a
flood guard; lockout and bcrypt do the rest). Redis keeps the counters for
every worker and host (``INCR`` and ``EXPIRE`` in one transaction); the
in-process backend is for the single-process embedded server.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from app.cloud.server.settings import RateLimit


class RateLimiter(Protocol):
    """Counts hits; :meth:`hit` answers how long to wait, or None when allowed.

    ``blocking`` says whether :meth:`hit` waits on the network (then the server
    calls it from its thread pool, never on the event loop).
    """

    blocking: bool

    def hit(self, key: str, limit: RateLimit) -> int | None:
        """Count one hit on ``key``; None when within ``limit``, else Retry-After seconds."""
        ...

    def ping(self) -> bool:
        """True when the backend answers."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def _window(limit: RateLimit, now: float) -> tuple[int, int]:
    """The current window's index and the whole seconds until it ends (at least 1)."""
    index = int(now // limit.window)
    return index, max(1, math.ceil((index + 1) * limit.window - now))


class MemoryRateLimiter:
    """Counters in this process (one worker only); old windows are swept as it goes."""

    blocking = False

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._ends: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: RateLimit) -> int | None:
        """See :class:`RateLimiter`."""
        now = self._clock()
        index, retry_after = _window(limit, now)
        slot = (f"{key}/{limit.window}", index)
        with self._lock:
            if len(self._counts) > 10_000:
                for old in [k for k, end in self._ends.items() if end <= now]:
                    del self._counts[old], self._ends[old]
            count = self._counts.get(slot, 0) + 1
            self._counts[slot] = count
            self._ends[slot] = (index + 1) * limit.window
        return None if count <= limit.limit else retry_after

    def ping(self) -> bool:
        """Always answers."""
        return True

    def close(self) -> None:
        """Nothing to release."""


class RedisRateLimiter:
    """Counters in Redis, shared by every worker and host; keys start with ``prefix``."""

    blocking = True

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix

    def hit(self, key: str, limit: RateLimit) -> int | None:
        """See :class:`RateLimiter`."""
        index, retry_after = _window(limit, time.time())
        name = f"{self._prefix}rl:{key}:{limit.window}:{index}"
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, limit.window + 1)
            count, _ = pipe.execute()
        return None if int(count) <= limit.limit else retry_after

    def ping(self) -> bool:
        """True when Redis answers PING."""
        try:
            return bool(self._redis.ping())
        except Exception:
            return False

    def close(self) -> None:
        """Close the connection pool."""
        self._redis.close()


def create_rate_limiter(redis_url: str | None, prefix: str) -> RateLimiter:
    """Redis when a URL is given, else in-process counters."""
    if redis_url:
        return RedisRateLimiter(redis_url, prefix)
    return MemoryRateLimiter()
