"""Database helpers for the test suites of every component (as ``procrastinate.testing``).

Tests isolate themselves in two ways: a session joined into an outer transaction that is
rolled back (cheap, for most tests), or a PostgreSQL database of their own, optionally
cloned from a migrated template (for tests that need real commits, several connections or
NOTIFY). Both are here so that the core, db, api and executor suites share one recipe.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session


def database_url(server_url: str, name: str) -> str:
    """``server_url`` pointing at the database ``name`` instead."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def create_postgres_database(
    admin_url: str, *, prefix: str = "cp_test", template: str | None = None
) -> str:
    """Create a database with a random name (a copy of ``template`` if given); its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    clone = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{clone}')
    return name


def drop_postgres_databases(admin_url: str, *names: str) -> None:
    """Drop the databases ``names``, disconnecting whoever is still connected."""
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database(
    admin_url: str, *, prefix: str = "cp_test", template: str | None = None
) -> Iterator[str]:
    """A database of the caller's own for the duration of the block; its name."""
    name = create_postgres_database(admin_url, prefix=prefix, template=template)
    try:
        yield name
    finally:
        drop_postgres_databases(admin_url, name)


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session whose every change, commits included, is rolled back at the end of the
    block (SQLAlchemy 2, "Joining a Session into an External Transaction")."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
