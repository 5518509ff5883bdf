"""One claim per new execution among a supervisor's workers, not one per worker.

Every worker LISTENs for ``chain_executions_pending``, so each submit woke all of them and
each claimed: with N workers, N - 1 claims found nothing (a statement through PgBouncer and
PostgreSQL, and the worker's own CPU, for each). The workers of one supervisor now share a
small file: the ids of the executions whose NOTIFY one of them has taken. A worker with a
free slot takes a notification that no one took and claims; the others let it pass.

Nothing waits longer for it in the cases that matter: a worker with no free slot never takes
one (another that has a slot will), a notification whose payload is not an execution id
wakes everyone, and the poll stays the safety net (for a taker that dies before its claim,
say). Workers on other hosts have their own supervisor and file: one claim per host.

The file holds a cursor and :data:`SLOTS` execution ids in a ring, under ``flock``.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import tempfile
import uuid
from pathlib import Path

SLOTS = 256
"""Notifications remembered: far more than arrive while one is being taken."""
_CURSOR = struct.Struct("<Q")
_ID = 16
SIZE = _CURSOR.size + SLOTS * _ID


def create_share(directory: str | None = None) -> Path:
    """A new, empty share file (the supervisor's; it removes it when it stops)."""
    handle, name = tempfile.mkstemp(prefix="cp-wakeups-", dir=directory)
    try:
        os.ftruncate(handle, SIZE)
    finally:
        os.close(handle)
    return Path(name)


class WakeupShare:
    """A worker's view of its supervisor's share file."""

    def __init__(self, path: str | Path) -> None:
        self._fd = os.open(path, os.O_RDWR)
        try:
            self._map = mmap.mmap(self._fd, SIZE)
        except (OSError, ValueError):
            os.close(self._fd)
            raise

    def take(self, payload: str) -> bool:
        """Whether this worker should claim for the notification ``payload``: True for the
        first worker to take an execution id, False for the others; True for anything that
        is not an execution id."""
        try:
            wanted = uuid.UUID(payload).bytes
        except ValueError:
            return True
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            found = self._map.find(wanted, _CURSOR.size)
            while found != -1:
                if (found - _CURSOR.size) % _ID == 0:  # a whole slot, not across two
                    return False
                found = self._map.find(wanted, found + 1)
            (cursor,) = _CURSOR.unpack_from(self._map, 0)
            start = _CURSOR.size + (cursor % SLOTS) * _ID
            self._map[start : start + _ID] = wanted
            _CURSOR.pack_into(self._map, 0, cursor + 1)
            return True
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)
