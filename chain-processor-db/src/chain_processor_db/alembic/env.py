"""Alembic environment: migrates the connection it is handed, or the configured URL."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import chain_processor_db.models  # noqa: F401 - registers every table on Base.metadata
from chain_processor_db.base import Base, UTCDateTime
from chain_processor_db.config import get_database_settings
from chain_processor_db.session import create_db_engine


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write our Python-side type wrappers as the plain column types they store."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    settings = get_database_settings()
    url = config.get_main_option("sqlalchemy.url") or settings.database_url
    pgbouncer = bool(config.attributes.get("pgbouncer", settings.database_pgbouncer))
    engine = create_db_engine(url, pgbouncer=pgbouncer, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run against a database.")
run_migrations()
