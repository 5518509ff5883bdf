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

The file holds a cursor and :data:`SLOTS` execution ids in a ring, under ``flock``. On
Linux the supervisor unlinks it as soon as it is made and hands its workers the open
descriptor (:class:`ShareFile`): nothing is left in the temporary directory however the
supervisor ends, SIGKILL included.
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


_PROC_FDS = Path("/proc/self/fd")


class ShareFile:
    """The supervisor's share file and what its workers are given to open it.

    Where ``/proc/self/fd`` exists (Linux) the file is unlinked at once and kept open: a
    worker started with :attr:`pass_fds` opens :attr:`argument`, ``/proc/self/fd/<n>``,
    which gives it an open file of its own (``flock`` locks hold between open files, not
    between copies of one descriptor). Elsewhere it is a temporary file, removed by
    :meth:`close`."""

    def __init__(self, directory: str | None = None) -> None:
        path = create_share(directory)
        self._path: Path | None = path
        self.fd: int | None = None
        self.argument = str(path)
        if _PROC_FDS.is_dir():
            self.fd = os.open(path, os.O_RDWR)
            path.unlink()
            self._path = None
            self.argument = f"{_PROC_FDS}/{self.fd}"

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """The descriptors a worker process must inherit."""
        return () if self.fd is None else (self.fd,)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None


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
