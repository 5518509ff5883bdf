"""Triggers NOTIFY chain_auth_changes with the user's id when a user or a session changes.

The user row updated or deleted, a sign-in session revoked or deleted: API processes keep the
sign-ins they checked for a few seconds and forget a user's on this notification (API
ADR-0011). PostgreSQL only: SQLite has no NOTIFY.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 14:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "chain_auth_changes"

_FUNCTION = f"""
CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('{CHANNEL}', OLD.id::text);
    ELSE
        PERFORM pg_notify('{CHANNEL}', OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute(
        "CREATE TRIGGER users_notify_auth_change AFTER UPDATE OR DELETE ON users"
        " FOR EACH ROW EXECUTE FUNCTION notify_auth_change()"
    )
    op.execute(
        "CREATE TRIGGER auth_sessions_notify_auth_change"
        " AFTER UPDATE OF revoked_at, user_id OR DELETE ON auth_sessions"
        " FOR EACH ROW EXECUTE FUNCTION notify_auth_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER auth_sessions_notify_auth_change ON auth_sessions")
    op.execute("DROP TRIGGER users_notify_auth_change ON users")
    op.execute("DROP FUNCTION notify_auth_change()")
