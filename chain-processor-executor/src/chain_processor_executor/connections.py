"""Long-lived autocommit connections, one per thread, for the hot path on PostgreSQL.

A claim, a batch of node rows and the end of a run are each one statement, so in autocommit
they are one round trip each. Borrowing a pooled connection per statement would add the
pool's liveness ping (``SELECT 1``) and ``BEGIN``/``COMMIT`` to each; keeping one per thread
saves those. A connection that failed is dropped, and the thread's next use opens a fresh
one (through the pool, with its ping), so a PostgreSQL or PgBouncer restart costs one failed
statement, which the caller already handles.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, Engine


class ThreadConnections:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[Connection] = set()

    def get(self) -> Connection:
        """This thread's autocommit connection, opened on first use or after a failure."""
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.invalidated:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._local.connection = connection
            with self._lock:
                self._open.add(connection)
        return connection

    def discard(self) -> None:
        """Drop this thread's connection (after an error): it is not reused."""
        connection: Connection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                self._open.discard(connection)
            try:
                connection.invalidate()
            finally:
                connection.close()

    def close(self) -> None:
        """Close every thread's connection (the worker is stopping)."""
        with self._lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            connection.close()
