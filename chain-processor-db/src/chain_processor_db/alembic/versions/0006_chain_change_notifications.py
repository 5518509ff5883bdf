"""Triggers NOTIFY chain_strategy_changes with the chain's id when what a submit reads of it
changes.

The chain's active flag or current version, any of its versions, its traffic split: API
processes keep what a submit reads of a chain for a few seconds and forget a chain's on this
notification (API ADR-0012). PostgreSQL only: SQLite has no NOTIFY.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 22:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "chain_strategy_changes"

_FUNCTION = f"""
CREATE FUNCTION notify_chain_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'chain_strategies' THEN
            PERFORM pg_notify('{CHANNEL}', OLD.id::text);
        ELSE
            PERFORM pg_notify('{CHANNEL}', OLD.strategy_id::text);
        END IF;
    ELSIF TG_TABLE_NAME = 'chain_strategies' THEN
        PERFORM pg_notify('{CHANNEL}', NEW.id::text);
    ELSE
        PERFORM pg_notify('{CHANNEL}', NEW.strategy_id::text);
        IF TG_OP = 'UPDATE' AND OLD.strategy_id IS DISTINCT FROM NEW.strategy_id THEN
            PERFORM pg_notify('{CHANNEL}', OLD.strategy_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

_TRIGGERS = {
    "chain_strategies_notify_chain_change": (
        "AFTER UPDATE OF is_active, current_version OR DELETE ON chain_strategies"
    ),
    "strategy_versions_notify_chain_change": "AFTER INSERT OR UPDATE OR DELETE ON strategy_versions",
    "traffic_splits_notify_chain_change": "AFTER INSERT OR UPDATE OR DELETE ON traffic_splits",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for name, when in _TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION notify_chain_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, when in _TRIGGERS.items():
        op.execute(f"DROP TRIGGER {name} ON {when.rsplit(' ', 1)[1]}")
    op.execute("DROP FUNCTION notify_chain_change()")
