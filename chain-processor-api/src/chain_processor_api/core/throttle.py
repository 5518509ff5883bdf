"""In-memory sliding-window counters for login throttling.

One process only: with several API processes each keeps its own windows, so the effective
limit is multiplied by the process count (see ``docs/adr/0003-login-throttling.md``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindow:
    """At most ``limit`` events per key in any ``window_seconds``."""

    def __init__(
        self,
        *,
        limit: int,
        window_seconds: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        with self._lock:
            events = self._current(key)
            if events is None or len(events) < self.limit:
                return None
            return max(1, math.ceil(events[0] + self.window_seconds - self._clock()))

    def hit(self, key: str) -> None:
        with self._lock:
            events = self._current(key)
            if events is None:
                events = self._events[key] = deque()
                while len(self._events) > self.max_keys:
                    self._events.popitem(last=False)
            events.append(self._clock())
            self._events.move_to_end(key)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def _current(self, key: str) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        horizon = self._clock() - self.window_seconds
        while events and events[0] <= horizon:
            events.popleft()
        return events


class LoginThrottle:
    """Failed logins per account, and login attempts per client address."""

    def __init__(
        self,
        *,
        max_failures_per_account: int,
        max_attempts_per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = SlidingWindow(
            limit=max_failures_per_account, window_seconds=window_seconds, clock=clock
        )
        self.addresses = SlidingWindow(
            limit=max_attempts_per_address, window_seconds=window_seconds, clock=clock
        )

    def retry_after(self, *, account: str, address: str) -> int | None:
        waits = [
            wait
            for wait in (self.accounts.retry_after(account), self.addresses.retry_after(address))
            if wait is not None
        ]
        return max(waits) if waits else None

    def attempt(self, *, address: str) -> None:
        self.addresses.hit(address)

    def failed(self, *, account: str) -> None:
        self.accounts.hit(account)

    def succeeded(self, *, account: str) -> None:
        self.accounts.reset(account)
