"""What wakes an idle worker before its poll: new executions.

On PostgreSQL, ``NOTIFY chain_executions_pending`` on a connection straight to the server:
PgBouncer in transaction pooling cannot relay ``LISTEN``, so :class:`PendingListener` uses
its own psycopg connection (``DATABASE_LISTEN_URL``). On SQLite, :class:`SqlitePendingWatcher`
looks for commits by others to the file (:mod:`chain_processor_db.changes`) and, after one,
for a pending execution. Both only set an event: the worker claims through the normal path,
and keeps polling in case a wake-up is lost (or the connection is down).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from select import POLLIN, poll

import psycopg
from sqlalchemy import literal, select

from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.changes import SqliteCommits
from chain_processor_db.models import ChainExecution

PENDING_CHANNEL = "chain_executions_pending"
"""The API runs ``NOTIFY chain_executions_pending`` after inserting an execution."""

LISTEN_APPLICATION_NAME = "chain-processor-executor-listen"
"""How a worker's LISTEN connection shows in ``pg_stat_activity``."""

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
        answers: Callable[[str], bool] | None = None,
    ) -> None:
        """``answers(payload)`` says whether a notification is this worker's to claim for
        (:mod:`wakeups`); without it, every notification wakes the worker."""
        super().__init__(name="pending-listener", daemon=True)
        self.url, self.wakeup, self.stopping = url, wakeup, stopping
        self.check_s, self.retry_s = check_s, retry_s
        self.answers = answers
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
        """Notifications are read at the libpq level when the socket is readable: a call of
        ``Connection.notifies`` per notification cost about a tenth of a worker's CPU under
        load (every submit reaches every worker)."""
        with psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=5,
            application_name=LISTEN_APPLICATION_NAME,
        ) as connection:
            connection.execute(f"LISTEN {PENDING_CHANNEL}")
            self.listening.set()
            pgconn = connection.pgconn
            readable = poll()
            readable.register(pgconn.socket, POLLIN)
            while not self.stopping.is_set():
                if not readable.poll(self.check_s * 1000):
                    continue
                pgconn.consume_input()  # raises once the connection is lost
                while (notification := pgconn.notifies()) is not None:
                    payload = notification.extra.decode("utf-8", "replace")
                    if self.answers is None or self.answers(payload):
                        self.wakeup.set()


_ANY_PENDING = (
    select(literal(1))
    .select_from(ChainExecution)
    .where(ChainExecution.status == ExecutionStatus.PENDING.value)
    .limit(1)
)


class SqlitePendingWatcher(threading.Thread):
    """Wakes the worker soon after an execution is queued in a SQLite file.

    Every ``check_s`` it asks whether another connection committed (which reads no table);
    only then does it look for a pending execution, so the worker's own progress writes do
    not make it claim in vain, and an idle platform reads nothing.
    """

    def __init__(
        self,
        path: str,
        wakeup: threading.Event,
        stopping: threading.Event,
        *,
        check_s: float,
        retry_s: float = 2.0,
    ) -> None:
        super().__init__(name="pending-watcher", daemon=True)
        self.commits = SqliteCommits(path)
        self.wakeup, self.stopping = wakeup, stopping
        self.check_s, self.retry_s = check_s, retry_s

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.check_s):
                try:
                    if self.commits.changed() and self.commits.exists(_ANY_PENDING):
                        self.wakeup.set()
                except sqlite3.Error as error:
                    logger.warning(
                        "watching the database file failed",
                        extra={"action": "watch_failed", "error": type(error).__name__},
                    )
                    self.wakeup.set()  # claim at once: a new execution may have been missed
                    self.stopping.wait(self.retry_s)
        finally:
            self.commits.close()
