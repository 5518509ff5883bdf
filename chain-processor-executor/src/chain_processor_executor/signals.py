"""Signal handlers that only write a byte to a pipe, and a thread that acts on it.

A handler runs in the main thread between two bytecodes, possibly while that thread holds
the lock of the very ``threading.Event`` (or logging handler) the handler would use. Those
locks are not reentrant: a worker that got Ctrl-C's SIGINT and its supervisor's SIGTERM at
once hung for good inside ``Event.set`` (``make up``, 2026-12-07). Writing to a pipe takes no
Python lock; the relay thread then does the work with nothing held.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable


def relay_signals(signums: Iterable[int], act: Callable[[int], None]) -> None:
    """Call ``act(signum)`` in a thread of its own for each of ``signums`` received. Call
    from the main thread (where Python installs handlers)."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)

    def handler(signum: int, _frame: object) -> None:
        try:
            os.write(write_fd, bytes([signum]))
        except BlockingIOError:  # pragma: no cover - 64 KB of signals not yet acted on
            pass

    def relay() -> None:
        while True:
            for signum in os.read(read_fd, 64):
                act(signum)

    threading.Thread(target=relay, name="signals", daemon=True).start()
    for signum in signums:
        signal.signal(signum, handler)
