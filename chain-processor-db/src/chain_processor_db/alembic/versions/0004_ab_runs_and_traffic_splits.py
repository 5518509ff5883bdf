"""A/B runs (two executions of one input) and weighted traffic splits of a chain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:40:22.598439
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "traffic_splits",
        sa.Column("strategy_id", sa.Uuid(), nullable=False),
        sa.Column(
            "variants",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["chain_strategies.id"],
            name=op.f("fk_traffic_splits_strategy_id_chain_strategies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_traffic_splits_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("strategy_id", name=op.f("pk_traffic_splits")),
    )
    op.create_table(
        "ab_runs",
        sa.Column("input_text", sa.Text(), nullable=False),
        sa.Column("execution_a_id", sa.Uuid(), nullable=False),
        sa.Column("execution_b_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ab_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["execution_a_id"],
            ["chain_executions.id"],
            name=op.f("fk_ab_runs_execution_a_id_chain_executions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["execution_b_id"],
            ["chain_executions.id"],
            name=op.f("fk_ab_runs_execution_b_id_chain_executions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ab_runs")),
    )
    with op.batch_alter_table("ab_runs", schema=None) as batch_op:
        batch_op.create_index("ix_ab_runs_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_ab_runs_execution_a_id", ["execution_a_id"], unique=False)
        batch_op.create_index("ix_ab_runs_execution_b_id", ["execution_b_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ab_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_ab_runs_execution_b_id")
        batch_op.drop_index("ix_ab_runs_execution_a_id")
        batch_op.drop_index("ix_ab_runs_created_at")

    op.drop_table("ab_runs")
    op.drop_table("traffic_splits")
