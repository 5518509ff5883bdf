from __future__ import annotations

from chain_processor_api.core.throttle import LoginThrottle, SlidingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_window_allows_limit_events_then_says_when_to_retry() -> None:
    clock = Clock()
    window = SlidingWindow(limit=2, window_seconds=60, clock=clock)
    window.hit("a")
    clock.now += 10
    assert window.retry_after("a") is None
    window.hit("a")
    assert window.retry_after("a") == 50
    assert window.retry_after("b") is None
    clock.now += 50
    assert window.retry_after("a") is None


def test_window_forgets_the_oldest_keys_beyond_its_capacity() -> None:
    window = SlidingWindow(limit=1, window_seconds=60, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        window.hit(key)
    assert window.retry_after("a") is None
    assert window.retry_after("c") == 60


def test_reset_clears_a_key() -> None:
    window = SlidingWindow(limit=1, window_seconds=60, clock=Clock())
    window.hit("a")
    window.reset("a")
    assert window.retry_after("a") is None


def test_login_throttle_counts_failures_per_account_and_attempts_per_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(
        max_failures_per_account=2, max_attempts_per_address=3, window_seconds=60, clock=clock
    )
    for _ in range(2):
        throttle.attempt(address="1.2.3.4")
        throttle.failed(account="a@x")
    assert throttle.retry_after(account="a@x", address="5.6.7.8") == 60
    throttle.succeeded(account="a@x")
    assert throttle.retry_after(account="a@x", address="5.6.7.8") is None
    throttle.attempt(address="1.2.3.4")
    assert throttle.retry_after(account="b@x", address="1.2.3.4") == 60
