"""A sliding-window limiter for sign-in attempts (in memory, per process).

The account lockout (in the database) stops guessing one account's password;
this limiter also slows guessing across many emails, including ones that have
no account, and keeps a script from burning CPU on bcrypt.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from app.storage import errors
from app.storage.clock import Clock


class RateLimiter:
    """At most ``per_key`` attempts per key and ``total`` attempts overall per ``window``."""

    def __init__(
        self,
        clock: Clock,
        *,
        per_key: int = 10,
        total: int = 30,
        window: timedelta = timedelta(minutes=1),
    ) -> None:
        self._clock = clock
        self.per_key = per_key
        self.total = total
        self.window = window
        self._lock = threading.Lock()
        self._by_key: dict[str, deque[datetime]] = {}
        self._all: deque[datetime] = deque()

    def _prune(self, times: deque[datetime], now: datetime) -> None:
        while times and now - times[0] >= self.window:
            times.popleft()

    def hit(self, key: str) -> None:
        """Record one attempt for ``key``, or raise :class:`errors.TooManyAttempts`."""
        now = self._clock()
        with self._lock:
            times = self._by_key.setdefault(key, deque())
            self._prune(times, now)
            self._prune(self._all, now)
            for window_times, limit in ((times, self.per_key), (self._all, self.total)):
                if len(window_times) >= limit:
                    retry = (window_times[0] + self.window - now).total_seconds()
                    raise errors.TooManyAttempts(retry)
            times.append(now)
            self._all.append(now)
            if len(self._by_key) > 10_000:  # forget idle keys; bounded memory
                self._by_key = {k: v for k, v in self._by_key.items() if v}
