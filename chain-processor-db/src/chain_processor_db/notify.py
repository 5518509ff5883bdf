"""NOTIFY without holding every other notifier behind a WAL flush.

PostgreSQL serializes the commits of all transactions that NOTIFY: a database-wide lock is
taken before the commit record is written and released only when the commit ends, WAL
flush included. A write that notifies in its own transaction therefore makes every other
notifying commit wait for its fsync; under load the submits and the runner's writes queued
on ``Lock:object`` (bench/README.md, issue 7). A notification is sent instead in a
transaction of its own, after the durable write it announces, with ``synchronous_commit``
off for that transaction alone: its commit holds the lock only for as long as it takes to
queue the notification. A crash in between can lose the notification, never the write; the
listeners' polls cover that.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

NOTIFY_WITHOUT_FLUSH = (
    "SELECT set_config('synchronous_commit', 'off', true), pg_notify(%(channel)s, %(payload)s)"
)
NOTIFY = "SELECT pg_notify(%(channel)s, %(payload)s)"


def in_autocommit(connection: Connection) -> bool:
    """Whether each statement of ``connection`` commits on its own (the driver's autocommit)."""
    return bool(getattr(connection.connection.dbapi_connection, "autocommit", False))


def notify_after_write(connection: Connection, channel: str, payload: str) -> None:
    """``NOTIFY channel, payload`` on PostgreSQL: on an autocommit connection in a
    transaction of its own that does not wait for the WAL flush; inside a transaction, as
    part of it (sent when it commits, and its ``synchronous_commit`` left alone).

    On an autocommit connection the write it announces has committed already: a failure to
    notify (the server or the pooler gone in between) is logged, not raised, so that a
    caller does not report a stored write as failed; the listeners' polls find it."""
    parameters = {"channel": channel, "payload": payload}
    # The driver's SQL: nothing to compile, and it runs once per write.
    if not in_autocommit(connection):
        connection.exec_driver_sql(NOTIFY, parameters)
        return
    try:
        connection.exec_driver_sql(NOTIFY_WITHOUT_FLUSH, parameters)
    except DBAPIError as error:
        logger.warning(
            "a notification after a committed write was not sent; listeners will poll",
            extra={"action": "notify_failed", "channel": channel, "error": str(error.orig)},
        )
