"""The migrations build exactly the schema the models describe, and undo it."""

from __future__ import annotations

import pytest
from alembic.util.exc import CommandError
from sqlalchemy import Engine, inspect

from chain_processor_db import migrations
from chain_processor_db.base import Base
from chain_processor_db.models import ChainExecution, ChainStrategy, Node, NodeExecution
from tests.conftest import Database, engine_for

# The tables of the schema document (spec 001) and the versions, executions and audit log
# built around them; later migrations may add more.
SPEC_TABLES = {
    "audit_log",
    "chain_executions",
    "chain_strategies",
    "node_executions",
    "node_versions",
    "nodes",
    "strategy_nodes",
    "strategy_version_nodes",
    "strategy_versions",
    "users",
}
TABLES = set(Base.metadata.tables) | {"alembic_version"}

# Every index named in the schema document (spec 001), with its table and columns.
SPEC_INDEXES = {
    "ix_users_email": ("users", ["email"]),
    "ix_nodes_name": ("nodes", ["name"]),
    "ix_chain_strategies_name": ("chain_strategies", ["name"]),
    "ix_strategy_nodes_strategy_id": ("strategy_nodes", ["strategy_id"]),
    "ix_strategy_nodes_node_id": ("strategy_nodes", ["node_id"]),
    "ix_chain_executions_strategy_id": ("chain_executions", ["strategy_id"]),
    "ix_chain_executions_status": ("chain_executions", ["status"]),
    "ix_node_executions_execution_id": ("node_executions", ["execution_id"]),
    "ix_node_executions_node_id": ("node_executions", ["node_id"]),
    "ix_node_executions_status": ("node_executions", ["status"]),
}


def test_models_match_migrations(database: Database) -> None:
    migrations.check(database.url, pgbouncer=database.pgbouncer)


def test_check_upgrade_downgrade_upgrade(empty_database: Database) -> None:
    url, pgbouncer = empty_database.url, empty_database.pgbouncer
    engine = engine_for(empty_database)
    try:
        with pytest.raises(CommandError, match="not up to date"):
            migrations.check(url, pgbouncer=pgbouncer)

        migrations.upgrade(url, pgbouncer=pgbouncer)
        assert set(inspect(engine).get_table_names()) == TABLES
        assert migrations.current_revision(engine) == migrations.head_revision()

        migrations.downgrade(url, "base", pgbouncer=pgbouncer)
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        assert migrations.current_revision(engine) is None

        migrations.upgrade(url, pgbouncer=pgbouncer)
        assert set(inspect(engine).get_table_names()) == TABLES
        migrations.check(url, pgbouncer=pgbouncer)
    finally:
        engine.dispose()


def test_current_revision_is_head_after_upgrade(engine: Engine) -> None:
    head = migrations.head_revision()

    assert head is not None
    assert migrations.current_revision(engine) == head


def test_every_spec_table_and_index_exists(engine: Engine) -> None:
    inspector = inspect(engine)
    assert SPEC_TABLES | {"alembic_version"} <= set(inspector.get_table_names())

    for name, (table, columns) in SPEC_INDEXES.items():
        indexes = {index["name"]: index for index in inspector.get_indexes(table)}
        assert name in indexes, f"{name} is missing on {table}"
        assert indexes[name]["column_names"] == columns
        assert bool(indexes[name]["unique"]) is (name == "ix_users_email")


@pytest.mark.parametrize("model", [Node, ChainStrategy, ChainExecution, NodeExecution])
def test_metadata_column_is_metadata_json_on_the_model(
    engine: Engine, model: type[Node | ChainStrategy | ChainExecution | NodeExecution]
) -> None:
    table = model.__tablename__
    columns = {column["name"] for column in inspect(engine).get_columns(table)}

    assert "metadata" in columns
    assert "metadata_json" not in columns
    assert model.metadata_json.property.columns[0].name == "metadata"
