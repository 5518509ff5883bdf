"""Commits to a SQLite file by other connections, seen without reading a table.

SQLite has no ``LISTEN``/``NOTIFY``, so on the embedded default the executor and the API's
live streams used to find new work and progress by polling tables. ``PRAGMA data_version``
on a connection kept open changes whenever another connection, in any process, has
committed to the file since that connection last asked; asking reads no table and takes no
write lock, so it can be asked every tenth of a second. Only when it has changed does a
caller read what it is waiting for (:meth:`SqliteCommits.exists`).

The connection is the driver's own, in autocommit: a SQLAlchemy connection of our engines
would begin ``BEGIN IMMEDIATE`` transactions (see :mod:`.session`), that is take the write
lock for a look.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Select, make_url
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL

from chain_processor_db.session import SQLITE_BUSY_TIMEOUT_MS

_SQLITE = sqlite.dialect()


def sqlite_path(url: str | URL) -> str | None:
    """The file of a ``sqlite://`` URL; None for another database or an in-memory one
    (whose commits no other connection can make)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


class SqliteCommits:
    """Whether anyone else committed to ``path`` since the last :meth:`changed`.

    Looks come from one owner at a time (a thread, or an event loop's helper threads one
    after the other). :meth:`close` may come from another thread while a look is under way
    (an event loop shutting down while its helper thread looks): it waits for the look, as
    closing a ``sqlite3`` connection in use by another thread can crash the process.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None
        self._missed = False
        self._lock = threading.RLock()

    def changed(self) -> bool:
        """True when another connection committed since the last call. The first call only
        takes the baseline (False). After an error the next look reopens the connection and
        answers True, as a commit may have been missed. Raises :class:`sqlite3.Error` while the
        file cannot be read."""
        with self._lock:
            try:
                version: int = self._execute("PRAGMA data_version")
            except sqlite3.Error:
                self.close()
                self._missed = True
                raise
            previous, self._version = self._version, version
            if previous is None:  # a new connection: its numbers start afresh
                missed, self._missed = self._missed, False
                return missed
            return version != previous

    def exists(self, statement: Select[Any]) -> bool:
        """Whether ``statement`` (a SELECT, rendered for SQLite with its values inline)
        returns a row."""
        sql = str(statement.compile(dialect=_SQLITE, compile_kwargs={"literal_binds": True}))
        try:
            return self._execute(sql) is not None
        except sqlite3.Error:
            self.close()
            raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            self._version = None

    def _execute(self, sql: str) -> Any:
        with self._lock:
            if self._connection is None:
                # mode=rw: a missing file is an error, not a new empty database
                self._connection = sqlite3.connect(
                    f"{Path(self.path).absolute().as_uri()}?mode=rw",
                    uri=True,
                    isolation_level=None,
                    timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                    check_same_thread=False,
                )
            row = self._connection.execute(sql).fetchone()
            return None if row is None else row[0]
