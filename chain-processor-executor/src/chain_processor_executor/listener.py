"""Wake-up on ``NOTIFY chain_executions_pending``, on a connection straight to PostgreSQL.

PgBouncer in transaction pooling cannot relay ``LISTEN``, so this uses its own psycopg
connection (``DATABASE_LISTEN_URL``). It only sets an event: the worker claims through the
normal path, and keeps polling in case a notification is lost (or this connection is down).
"""

from __future__ import annotations

import logging
import threading

import psycopg

PENDING_CHANNEL = "chain_executions_pending"
"""The API runs ``NOTIFY chain_executions_pending`` after inserting an execution."""

logger = logging.getLogger(__name__)


class PendingListener(threading.Thread):
    def __init__(
        self,
        url: str,
        wakeup: threading.Event,
        stopping: threading.Event,
        *,
        check_s: float = 0.5,
        retry_s: float = 2.0,
    ) -> None:
        super().__init__(name="pending-listener", daemon=True)
        self.url, self.wakeup, self.stopping = url, wakeup, stopping
        self.check_s, self.retry_s = check_s, retry_s
        self.listening = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                self.listening.clear()
                logger.warning(
                    "listen connection failed",
                    extra={"action": "listen_failed", "error": type(error).__name__},
                )
                self.wakeup.set()  # poll at once: a notification may have been missed
                self.stopping.wait(self.retry_s)

    def _listen(self) -> None:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f"LISTEN {PENDING_CHANNEL}")
            self.listening.set()
            while not self.stopping.is_set():
                for _notification in connection.notifies(timeout=self.check_s, stop_after=1):
                    self.wakeup.set()
