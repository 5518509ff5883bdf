"""Engines as each database needs them: SQLite pragmas, PgBouncer without prepared statements."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from chain_processor_db.config import DatabaseSettings
from chain_processor_db.session import (
    SQLITE_BUSY_TIMEOUT_MS,
    create_db_engine,
    create_session_factory,
    engine_from_settings,
    sqlite_needs_reopen,
)
from tests.conftest import Database, Databases


def _sqlite_error(name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(name.lower())
    error.sqlite_errorname = name
    return error


def _run_same_statement(engine: Engine, *, connections: int, times: int) -> list[int]:
    """Run one statement ``times`` times on each of several connections, one transaction
    each, interleaved so that a pooler hands each transaction to any server connection."""
    opened = [engine.connect() for _ in range(connections)]
    results = []
    try:
        for i in range(times):
            for connection in opened:
                results.append(connection.execute(text("SELECT :x + 1"), {"x": i}).scalar_one())
                connection.commit()
    finally:
        for connection in opened:
            connection.close()
    return results


@pytest.fixture
def pgbouncer_database(tmp_path: Path) -> Iterator[Database]:
    databases = Databases("pgbouncer", tmp_path)
    try:
        yield databases.create()
    finally:
        databases.drop_all()


def test_same_statement_many_times_on_pooled_connections(database: Database) -> None:
    engine = create_db_engine(database.url, pgbouncer=database.pgbouncer, pool_size=3)
    try:
        results = _run_same_statement(engine, connections=3, times=12)
    finally:
        engine.dispose()

    assert results == [i + 1 for i in range(12) for _ in range(3)]


def test_prepared_statements_break_through_pgbouncer(pgbouncer_database: Database) -> None:
    # Why pgbouncer=True exists: psycopg prepares a statement run often (`_pg3_0`), and in
    # transaction pooling the next transaction lands on a server that already has one.
    engine = create_db_engine(pgbouncer_database.url, pgbouncer=False, pool_size=3)
    try:
        with pytest.raises(ProgrammingError) as caught:
            _run_same_statement(engine, connections=3, times=12)
    finally:
        engine.dispose()

    assert isinstance(caught.value.orig, psycopg.errors.DuplicatePreparedStatement)


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/nested/app.db")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            }
    finally:
        engine.dispose()

    assert pragma == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }
    assert (tmp_path / "nested" / "app.db").exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_sqlite_in_memory_engine(url: str) -> None:
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine)() as session:
            assert session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_once(tmp_path: Path) -> None:
    # BEGIN IMMEDIATE: a second writer cannot even begin while the first one is open.
    url = f"sqlite:///{tmp_path}/lock.db"
    engine = create_db_engine(url)
    other = create_db_engine(url)
    try:
        with engine.connect() as first:
            first.execute(text("SELECT 1"))
            raw = other.raw_connection()
            try:
                second = raw.driver_connection
                assert isinstance(second, sqlite3.Connection)
                second.execute("PRAGMA busy_timeout = 0")
                with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                    second.execute("BEGIN IMMEDIATE")
            finally:
                raw.close()
    finally:
        engine.dispose()
        other.dispose()


def test_sqlite_read_only_connection_is_replaced_once_the_file_is_writable(
    tmp_path: Path,
) -> None:
    # A connection opened while the file was read-only (a read-only mount) stays read-only
    # after the file is writable again; `query_only` puts a pooled connection in that state.
    engine = create_db_engine(f"sqlite:///{tmp_path}/app.db")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA query_only = ON")
            stuck = connection.connection.driver_connection
        with pytest.raises(OperationalError, match="readonly"), engine.begin() as connection:
            assert connection.connection.driver_connection is stuck
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.begin() as connection:
            assert connection.connection.driver_connection is not stuck
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert connection.exec_driver_sql("SELECT x FROM t").scalars().all() == [2]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("error", "reopen"),
    [
        (_sqlite_error("SQLITE_READONLY_DBMOVED"), True),
        (_sqlite_error("SQLITE_CANTOPEN"), True),
        (_sqlite_error("SQLITE_IOERR_WRITE"), True),
        (_sqlite_error("SQLITE_FULL"), False),
        (_sqlite_error("SQLITE_BUSY"), False),
        (sqlite3.OperationalError("no error name"), False),
        (OSError("not SQLite"), False),
    ],
)
def test_which_sqlite_errors_reopen_the_connection(error: BaseException, reopen: bool) -> None:
    assert sqlite_needs_reopen(error) is reopen


def test_engine_from_settings(database: Database) -> None:
    settings = DatabaseSettings(
        database_url=database.url, database_pgbouncer=database.pgbouncer, database_pool_size=3
    )
    engine = engine_from_settings(settings)
    try:
        results = _run_same_statement(engine, connections=3, times=12)
    finally:
        engine.dispose()

    assert len(results) == 36


def test_engine_uses_our_driver(database: Database, engine: Engine) -> None:
    expected = "sqlite" if database.backend == "sqlite" else "postgresql+psycopg"

    assert engine.url.drivername == expected
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


def _terminate(database: Database, pid: int) -> None:
    other = create_db_engine(database.url, pool_size=1)
    try:
        with other.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()


@contextlib.contextmanager
def _pooled_connection_dropped(
    database: Database, ping_after_idle_s: float
) -> Iterator[tuple[Engine, int]]:
    """A one-connection pool whose connection the server has just terminated, and the
    backend pid it had."""
    if database.backend != "postgres":
        pytest.skip("the server connection of a direct PostgreSQL pool")
    engine = create_db_engine(
        database.url, pool_size=1, max_overflow=0, ping_after_idle_s=ping_after_idle_s
    )
    try:
        first = _backend_pid(engine)
        _terminate(database, first)
        yield engine, first
    finally:
        engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced_on_checkout(database: Database) -> None:
    with _pooled_connection_dropped(database, ping_after_idle_s=0.1) as (engine, first):
        time.sleep(0.2)

        assert _backend_pid(engine) not in (first, None)


def test_a_connection_back_out_at_once_is_not_pinged(database: Database) -> None:
    """The price of skipping the ping: the one request that meets a connection dropped a
    moment ago fails, and the pool starts afresh for the next."""
    with _pooled_connection_dropped(database, ping_after_idle_s=60) as (engine, first):
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first
