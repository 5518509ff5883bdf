"""Signals are acted on in a thread, never inside the interrupted code's locks."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from chain_processor_executor.signals import relay_signals


@pytest.fixture
def restore_handlers() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGUSR1, signal.SIGUSR2)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("restore_handlers")
def test_each_signal_is_acted_on_in_another_thread() -> None:
    seen: list[tuple[int, str]] = []
    done = threading.Event()

    def act(signum: int) -> None:
        seen.append((signum, threading.current_thread().name))
        if len(seen) == 2:
            done.set()

    relay_signals((signal.SIGUSR1, signal.SIGUSR2), act)
    os.kill(os.getpid(), signal.SIGUSR1)
    os.kill(os.getpid(), signal.SIGUSR2)

    assert done.wait(5)
    assert seen == [(signal.SIGUSR1, "signals"), (signal.SIGUSR2, "signals")]


@pytest.mark.usefixtures("restore_handlers")
def test_a_signal_that_arrives_while_the_main_thread_holds_the_events_lock_does_not_hang() -> None:
    # What hung a worker: its handler set an Event whose (non-reentrant) lock the interrupted
    # main thread held. Relayed, the handler returns and the set waits for the lock instead.
    wakeup = threading.Event()
    relay_signals((signal.SIGUSR1,), lambda _signum: wakeup.set())
    with wakeup._cond:  # held, as inside Event.clear() or Event.set()
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(0.1)  # the handler runs here, in this thread, and returns
        assert not wakeup.is_set()
    assert wakeup.wait(5)
