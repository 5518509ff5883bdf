"""Engines and sessions for PostgreSQL (psycopg 3, directly or through PgBouncer) and SQLite.

Pitfalls handled here so that no caller has to know them:

- PgBouncer in transaction pooling hands each transaction to any server connection, so
  psycopg's automatic prepared statements (named ``_pg3_N``) collide: they are switched off
  (``prepare_threshold=None``) when ``pgbouncer=True``.
- A pooled connection the server has dropped (a restart, an idle timeout) is found by a
  ping when it is checked out after sitting idle, not on every checkout.
- SQLite allows one writer at a time. Transactions start with ``BEGIN IMMEDIATE`` so a
  writer waits (``busy_timeout``) instead of failing half-way when it upgrades a read lock;
  WAL lets readers go on meanwhile, and foreign keys are switched on for every connection.
- A SQLite connection opened while its file could not be written (a read-only mount, a
  WAL database whose ``-shm`` could not be created) stays read-only for its whole life, even
  once the file is writable again. Errors that say so (``SQLITE_READONLY*``,
  ``SQLITE_CANTOPEN``, ``SQLITE_IOERR*``) make the pool drop its connections, so the next
  request opens fresh ones and the service recovers by itself.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from chain_processor_db.config import DatabaseSettings

SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle this long is pinged before it is handed out."""


def normalize_url(url: str | URL) -> URL:
    """Pick our drivers: ``postgresql://`` means psycopg 3; SQLite stays pysqlite."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise ValueError(f"Unsupported database {backend!r}: use postgresql:// or sqlite://")


def json_loads(text: str | bytes) -> Any:
    """What ``json.loads`` gives, at several times its speed: JSON columns (step configs,
    canvas positions, metadata) are most of what a list page parses. The standard parser
    takes what pydantic's refuses (a lone surrogate escape, which SQLite may hold)."""
    try:
        return pydantic_core.from_json(text)
    except ValueError:
        return json.loads(text)


def create_db_engine(
    url: str | URL,
    *,
    pgbouncer: bool = False,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    ping_after_idle_s: float = PING_AFTER_IDLE_S,
    echo: bool = False,
) -> Engine:
    """An engine for ``url`` with the settings its database needs; a checkout waits at most
    ``pool_timeout`` seconds for a free connection, and a PostgreSQL connection idle in the
    pool for ``ping_after_idle_s`` or more is checked (and replaced if dead) first."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed, echo=echo)
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if pgbouncer:
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        parsed,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        json_deserializer=json_loads,
        echo=echo,
    )
    _ping_after_idle(engine, ping_after_idle_s)
    return engine


def _ping_after_idle(engine: Engine, idle_s: float) -> None:
    """SQLAlchemy's ``pool_pre_ping``, but only for connections that sat idle: under load a
    connection goes back out within milliseconds, and a ping (one more round trip on every
    checkout, two a request) would cost more than the rare request that meets a connection
    the server dropped meanwhile (it fails as unavailable, and the pool starts afresh)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and checks out another (a fresh one at worst).
            raise DisconnectionError(f"idle connection is dead: {exc}") from exc


def engine_from_settings(settings: DatabaseSettings) -> Engine:
    return create_db_engine(
        settings.database_url,
        pgbouncer=settings.database_pgbouncer,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        echo=settings.database_echo,
    )


def _create_sqlite_engine(url: URL, *, echo: bool) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        json_deserializer=json_loads,
        echo=echo,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if not sqlite_needs_reopen(context.original_exception):
            return
        # The failed connection is dropped (a "disconnect"). SQLite really closes it only once
        # its statement is finalized, and SQLAlchemy leaves the cursor of a "disconnect" open:
        # close it. Every connection of the process shares one view of the -shm file, so the
        # idle ones go too (a new pool).
        context.is_disconnect = True
        cursor = getattr(context.execution_context, "cursor", None)
        if cursor is not None:
            with suppress(sqlite3.Error):
                cursor.close()
        engine.dispose()

    return engine


# Errors after which a SQLite connection must be reopened to see the file as it is now.
_SQLITE_REOPEN_PREFIXES = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def sqlite_needs_reopen(error: BaseException) -> bool:
    """Whether ``error`` says the SQLite connection is stuck with how the file was (read-only
    or unreachable when it was opened) and must be replaced by a new one."""
    name = getattr(error, "sqlite_errorname", None) or ""
    return isinstance(error, sqlite3.Error) and name.startswith(_SQLITE_REOPEN_PREFIXES)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def create_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for work that only reads, or writes only in statements that stand alone
    (:func:`~chain_processor_db.repositories.executions.queue_execution`): on PostgreSQL each
    statement runs on its own (in autocommit, as any statement does at READ COMMITTED), with
    no BEGIN and COMMIT round trips around them; on SQLite, where a transaction is what keeps
    a reader's snapshot apart from the writer, the usual sessions."""
    if engine.dialect.name != "postgresql":
        return create_session_factory(engine)
    return sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )
