"""The statements of every run as PL/pgSQL functions: the submit's, and the executor's
claim, progress write and end of a run.

Through PgBouncer in transaction pooling (1.18 keeps no prepared statements there)
PostgreSQL parsed and planned each of these statements anew on every call; a function's
statements are planned once per server connection and kept (executor ADR-0009). The API and
the executor call them on PostgreSQL only; on SQLite they run the same changes as before.
Each function changes only what the statement it replaces changed, from the same statuses
(``chain_processor_executor.queue.STATEMENT_TRANSITIONS``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 01:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The node rows a worker sends, as JSON text: one object per row (ids and times as text).
_NODE_ROWS = """
        SELECT * FROM jsonb_to_recordset(p_rows) AS r(
            node_id uuid, node_version_id uuid, position integer, input_text text,
            output_text text, error text, error_code text, status text,
            started_at timestamptz, completed_at timestamptz, execution_time_ms integer,
            metadata jsonb)"""

# Upsert those rows for the execution in the CTE named by {owner} (empty: nothing written).
_UPSERT_NODES = """
        INSERT INTO node_executions (
            id, execution_id, node_id, node_version_id, position, input_text, output_text,
            error, error_code, status, started_at, completed_at, execution_time_ms, metadata,
            created_at, updated_at)
        SELECT gen_random_uuid(), owner.id, r.node_id, r.node_version_id, r.position,
            r.input_text, r.output_text, r.error, r.error_code, r.status, r.started_at,
            r.completed_at, r.execution_time_ms, r.metadata, p_now, p_now
        FROM node_rows AS r CROSS JOIN {owner} AS owner
        ON CONFLICT (execution_id, position) DO UPDATE SET
            node_id = excluded.node_id, node_version_id = excluded.node_version_id,
            input_text = excluded.input_text, output_text = excluded.output_text,
            error = excluded.error, error_code = excluded.error_code,
            status = excluded.status, started_at = excluded.started_at,
            completed_at = excluded.completed_at,
            execution_time_ms = excluded.execution_time_ms, metadata = excluded.metadata,
            updated_at = excluded.updated_at"""

_FUNCTIONS = {
    "queue_execution(jsonb, jsonb)": """
CREATE FUNCTION queue_execution(p_execution jsonb, p_audit jsonb) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    queued_id uuid;
BEGIN
    -- The execution (every column given) and its audit row, all or nothing; a repeated
    -- idempotency key stores neither and returns NULL.
    WITH queued AS (
        INSERT INTO chain_executions
        SELECT * FROM jsonb_populate_record(NULL::chain_executions, p_execution)
        ON CONFLICT (created_by_id, idempotency_key) DO NOTHING
        RETURNING chain_executions.id
    ), audited AS (
        INSERT INTO audit_log
        SELECT entry.* FROM jsonb_populate_record(NULL::audit_log, p_audit) AS entry, queued
    )
    SELECT queued.id INTO queued_id FROM queued;
    RETURN queued_id;
END
$$""",
    "claim_executions(text, integer, timestamptz, timestamptz)": """
CREATE FUNCTION claim_executions(
    p_worker_id text, p_limit integer, p_now timestamptz, p_lease_expires_at timestamptz
) RETURNS TABLE (
    id uuid, strategy_id uuid, strategy_version_id uuid, input_text text,
    start_position integer, parent_execution_id uuid, attempts integer, priority integer,
    created_at timestamptz, started_at timestamptz, metadata jsonb, created_by_id uuid
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    -- Up to p_limit pending executions, highest priority then oldest first, each claimed
    -- once: MATERIALIZED chooses (and locks) the candidates exactly once.
    RETURN QUERY
    WITH candidates AS MATERIALIZED (
        SELECT c.id FROM chain_executions AS c
        WHERE c.status = 'pending'
        ORDER BY c.priority DESC, c.created_at, c.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE chain_executions AS e SET status = 'running', attempts = e.attempts + 1,
            worker_id = p_worker_id, lease_expires_at = p_lease_expires_at,
            started_at = coalesce(e.started_at, p_now), updated_at = p_now
        WHERE e.id IN (SELECT candidates.id FROM candidates) AND e.status = 'pending'
        RETURNING e.id, e.strategy_id, e.strategy_version_id, e.input_text,
            e.start_position, e.parent_execution_id, e.attempts, e.priority, e.created_at,
            e.started_at, e.metadata, e.created_by_id
    )
    SELECT * FROM claimed;
END
$$""",
    "record_node_executions(jsonb, uuid, text, timestamptz, timestamptz)": f"""
CREATE FUNCTION record_node_executions(
    p_rows jsonb, p_execution_id uuid, p_worker_id text, p_lease_expires_at timestamptz,
    p_now timestamptz
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    cancel boolean;
BEGIN
    -- Renew the lease if this worker holds the run; only then upsert the node rows.
    -- NULL: the lease is lost (nothing written); else whether a cancel was requested.
    WITH touched AS (
        UPDATE chain_executions AS e SET lease_expires_at = p_lease_expires_at
        WHERE e.id = p_execution_id AND e.worker_id = p_worker_id AND e.status = 'running'
        RETURNING e.id, e.cancel_requested
    ), node_rows AS ({_NODE_ROWS}
    ), recorded AS ({_UPSERT_NODES.format(owner="touched")}
    )
    SELECT touched.cancel_requested INTO cancel FROM touched;
    RETURN cancel;
END
$$""",
    ("finish_execution(jsonb, uuid, text, text, text, text, text, timestamptz, integer)"): f"""
CREATE FUNCTION finish_execution(
    p_rows jsonb, p_execution_id uuid, p_worker_id text, p_status text, p_output_text text,
    p_error text, p_error_code text, p_now timestamptz, p_execution_time_ms integer
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    finished_id uuid;
BEGIN
    -- End the run if this worker holds it; only then upsert its last node rows.
    WITH finished AS (
        UPDATE chain_executions AS e SET status = p_status, output_text = p_output_text,
            error = p_error, error_code = p_error_code, completed_at = p_now,
            execution_time_ms = p_execution_time_ms, worker_id = NULL,
            lease_expires_at = NULL, updated_at = p_now
        WHERE e.id = p_execution_id AND e.worker_id = p_worker_id AND e.status = 'running'
        RETURNING e.id
    ), node_rows AS ({_NODE_ROWS}
    ), recorded AS ({_UPSERT_NODES.format(owner="finished")}
    )
    SELECT finished.id INTO finished_id FROM finished;
    RETURN finished_id IS NOT NULL;
END
$$""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for definition in _FUNCTIONS.values():
        op.execute(definition)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for signature in _FUNCTIONS:
        op.execute(f"DROP FUNCTION {signature}")
