"""Running claimed executions node by node, on every backend."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, update

from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.models import ChainExecution
from chain_processor_executor import queue
from chain_processor_executor.queue import ClaimedExecution
from chain_processor_executor.recording import EVENTS_CHANNEL
from chain_processor_executor.runner import RunControl, RunnerSettings, run_execution
from chain_processor_executor.sandbox import SandboxPool
from tests.conftest import Database
from tests.factories import SUFFIX, UPPER, builtin, execution, make_chain, node_rows, submit

SETTINGS = RunnerSettings(worker_id="runner-test", lease_s=30)
SLEEPY = "import time\n\ndef node(text):\n    time.sleep(30)\n    return text\n"
NAP = "import time\n\ndef node(text):\n    time.sleep(1.5)\n    return text\n"


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(1) as pool:
        yield pool


def claim_one(engine: Engine, worker_id: str = SETTINGS.worker_id) -> ClaimedExecution:
    with engine.begin() as connection:
        [claimed] = queue.claim_executions(connection, worker_id=worker_id, limit=1, lease_s=30)
    return claimed


def run(engine: Engine, pool: SandboxPool, settings: RunnerSettings = SETTINGS) -> uuid.UUID:
    claimed = claim_one(engine, settings.worker_id)
    run_execution(claimed, engine=engine, pool=pool, settings=settings)
    return claimed.id


def test_runs_every_node_and_records_each(
    engine: Engine, pool: SandboxPool, tmp_path: Path
) -> None:
    codes = [UPPER, SUFFIX, builtin("lowercase")]
    version = make_chain(engine, codes, configs=[{}, {"suffix": "?", "_timeout_s": 2}, {}])
    submit(engine, version, "hello")
    settings = RunnerSettings(worker_id="w", generated_dir=tmp_path / "lib_chains_generated")
    execution_id = run(engine, pool, settings)
    row = execution(engine, execution_id)
    assert (row.status, row.output_text, row.error, row.worker_id) == (
        "succeeded", "hello?", None, None,
    )  # fmt: skip
    rows = node_rows(engine, execution_id)
    assert [(r.position, r.input_text, r.output_text, r.status) for r in rows] == [
        (0, "hello", "HELLO", "succeeded"),
        (1, "HELLO", "HELLO?", "succeeded"),
        (2, "HELLO?", "hello?", "succeeded"),
    ]
    assert all(r.execution_time_ms is not None and r.completed_at for r in rows)
    assert len(list((tmp_path / "lib_chains_generated").glob("node_*.py"))) == 3


def test_a_failing_node_stops_the_chain_with_its_error(engine: Engine, pool: SandboxPool) -> None:
    failing = "def node(text):\n    raise ValueError('no vowels allowed')\n"
    version = make_chain(engine, [UPPER, failing, UPPER])
    execution_id = submit(engine, version)
    run(engine, pool)
    row = execution(engine, execution_id)
    assert (row.status, row.error_code) == ("failed", "node_error")
    assert row.error == "Node 1 (node-1) failed: ValueError: no vowels allowed"
    rows = node_rows(engine, execution_id)
    assert [(r.position, r.status, r.error_code) for r in rows] == [
        (0, "succeeded", None),
        (1, "failed", "node_error"),
    ]


def test_timeouts_come_from_the_step_then_the_chain(engine: Engine, pool: SandboxPool) -> None:
    version = make_chain(engine, [SLEEPY], metadata={"timeout_s": 0.3})
    execution_id = submit(engine, version)
    run(engine, pool)
    row = execution(engine, execution_id)
    assert (row.status, row.error_code) == ("timed_out", "timeout")
    assert "(0.3 s)" in (row.error or "")
    assert node_rows(engine, execution_id)[0].status == "timed_out"
    version = make_chain(engine, [SLEEPY], configs=[{"_timeout_s": 0.2}], metadata={"timeout_s": 9})
    execution_id = submit(engine, version)
    run(engine, pool)
    assert "(0.2 s)" in (execution(engine, execution_id).error or "")


def test_invalid_code_and_empty_input_fail_before_the_sandbox(
    engine: Engine, pool: SandboxPool
) -> None:
    version = make_chain(engine, ["def nod(text):\n    return text\n"])
    execution_id = submit(engine, version)
    run(engine, pool)
    row = execution(engine, execution_id)
    assert (row.status, row.error_code) == ("failed", "load_error")
    assert "must define a top-level function `node`" in (row.error or "")
    version = make_chain(engine, ["def node(text):\n    return ''\n", UPPER])
    execution_id = submit(engine, version)
    run(engine, pool)
    row = execution(engine, execution_id)
    assert (row.status, row.error_code) == ("failed", "invalid_input")
    assert "Node 1" in (row.error or "")


def test_cancel_during_a_node_kills_it(engine: Engine, pool: SandboxPool) -> None:
    execution_id = submit(engine, make_chain(engine, [SLEEPY, UPPER]))
    claimed = claim_one(engine)
    control = RunControl()
    timer = threading.Timer(0.3, control.cancel.set)
    timer.start()
    started = time.monotonic()
    status = run_execution(claimed, engine=engine, pool=pool, settings=SETTINGS, control=control)
    assert time.monotonic() - started < 10  # safety bound: the node sleeps 30 s
    assert status is ExecutionStatus.CANCELLED
    row = execution(engine, execution_id)
    assert (row.status, row.error_code) == ("cancelled", "cancelled")
    assert [(r.position, r.status) for r in node_rows(engine, execution_id)] == [(0, "cancelled")]


def test_cancel_requested_in_the_database_is_seen_at_the_next_progress_write(
    engine: Engine, pool: SandboxPool
) -> None:
    slow = "import time\n\ndef node(text):\n    time.sleep(2)\n    return text\n"
    execution_id = submit(engine, make_chain(engine, [UPPER, slow, UPPER]))
    claimed = claim_one(engine)
    with engine.begin() as connection:
        connection.execute(update(ChainExecution).values(cancel_requested=True))
    status = run_execution(claimed, engine=engine, pool=pool, settings=SETTINGS)
    assert status is ExecutionStatus.CANCELLED
    rows = node_rows(engine, execution_id)
    assert [(r.position, r.status) for r in rows] == [(0, "succeeded"), (1, "cancelled")]


def test_fast_nodes_are_written_together_and_slow_ones_at_once(
    engine: Engine, pool: SandboxPool
) -> None:
    """A node's row is readable while a later node still runs (no hidden progress), and
    nodes finishing together are written in one go."""
    slow = "import time\n\ndef node(text):\n    time.sleep(1)\n    return text\n"
    execution_id = submit(engine, make_chain(engine, [UPPER, UPPER, slow, UPPER]))
    claimed = claim_one(engine)
    seen: list[list[int]] = []

    def watch() -> None:
        time.sleep(0.6)  # node 2 is sleeping now
        seen.append([r.position for r in node_rows(engine, execution_id)])

    watcher = threading.Thread(target=watch)
    watcher.start()
    assert run_execution(claimed, engine=engine, pool=pool, settings=SETTINGS) is (
        ExecutionStatus.SUCCEEDED
    )
    watcher.join()
    assert seen == [[0, 1]]
    rows = node_rows(engine, execution_id)
    assert [r.output_text for r in rows] == ["HELLO"] * 4
    first, second = rows[0], rows[1]
    assert first.completed_at and second.started_at and second.completed_at
    assert first.completed_at <= second.started_at <= second.completed_at


def test_rerun_from_node_n_reuses_earlier_outputs(engine: Engine, pool: SandboxPool) -> None:
    version = make_chain(engine, [UPPER, SUFFIX, SUFFIX], configs=[{}, {}, {"suffix": "?"}])
    parent = submit(engine, version, "abc")
    run(engine, pool)
    child = submit(engine, version, "abc", parent_execution_id=parent, start_position=2)
    run(engine, pool)
    row = execution(engine, child)
    assert (row.status, row.output_text) == ("succeeded", "ABC!?")
    rows = node_rows(engine, child)
    assert [(r.position, r.output_text) for r in rows] == [(0, "ABC"), (1, "ABC!"), (2, "ABC!?")]
    assert rows[0].metadata_json == {"copied_from": str(parent)}
    orphan = submit(engine, version, "abc", start_position=1)
    run(engine, pool)
    assert execution(engine, orphan).error_code == "rerun_source_missing"


def test_a_retry_overwrites_the_earlier_attempt(engine: Engine, pool: SandboxPool) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER, UPPER]))
    claim_one(engine, "first-worker")
    with engine.begin() as connection:
        queue.hand_back_executions(connection, worker_id="first-worker")
    run(engine, pool)
    run_again = node_rows(engine, execution_id)
    assert [r.position for r in run_again] == [0, 1]
    assert execution(engine, execution_id).status == "succeeded"


def test_a_worker_that_lost_its_lease_writes_nothing(engine: Engine, pool: SandboxPool) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER]))
    claimed = claim_one(engine)
    with engine.begin() as connection:
        queue.hand_back_executions(connection, worker_id=SETTINGS.worker_id)
    control = RunControl()
    assert (
        run_execution(claimed, engine=engine, pool=pool, settings=SETTINGS, control=control) is None
    )
    assert control.lost
    assert node_rows(engine, execution_id) == []
    assert execution(engine, execution_id).status == "pending"


def test_a_version_without_steps_fails(engine: Engine, pool: SandboxPool) -> None:
    execution_id = submit(engine, make_chain(engine, []))
    run(engine, pool)
    assert execution(engine, execution_id).error_code == "no_steps"


def test_each_write_is_published_with_one_notification(
    pg_database: Database, pool: SandboxPool
) -> None:
    engine = pg_database.engine()
    assert pg_database.listen_url is not None
    fast = submit(engine, make_chain(engine, [UPPER, UPPER, builtin("uppercase")]))
    slow = submit(engine, make_chain(engine, [UPPER, builtin("uppercase"), NAP]))
    # Rows wait up to 0.3 s for the next node: the fast chain's three nodes and its end are
    # one write; the slow one's first two are written while the third naps, then the end.
    settings = dataclasses.replace(SETTINGS, progress_flush_s=0.3)
    with psycopg.connect(pg_database.listen_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {EVENTS_CHANNEL}")
        run(engine, pool, settings)
        first = [json.loads(n.payload) for n in listener.notifies(timeout=2)]
        run(engine, pool, settings)
        second = [json.loads(n.payload) for n in listener.notifies(timeout=2)]
    assert first == [{"execution_id": str(fast), "nodes": [0, 2], "status": "succeeded"}]
    assert second == [
        {"execution_id": str(slow), "nodes": [0, 1], "status": None},
        {"execution_id": str(slow), "nodes": [2, 2], "status": "succeeded"},
    ]
    engine.dispose()


def test_notifications_commit_apart_from_the_writes_without_waiting_for_the_flush(
    pg_database: Database, pool: SandboxPool
) -> None:
    # PostgreSQL serializes the commits of transactions that NOTIFY through the WAL flush:
    # the durable writes carry no NOTIFY, and each notification follows its write in an
    # autocommit statement of its own with synchronous_commit off for that transaction.
    engine = pg_database.engine()
    slow = submit(engine, make_chain(engine, [UPPER, builtin("uppercase"), NAP]))
    seen: list[tuple[str, bool]] = []

    def before(connection: Any, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(
            (" ".join(statement.split()), connection.connection.dbapi_connection.autocommit)
        )

    event.listen(engine, "before_cursor_execute", before)
    try:
        run(engine, pool, dataclasses.replace(SETTINGS, progress_flush_s=0.3))
    finally:
        event.remove(engine, "before_cursor_execute", before)
    writes = [
        i
        for i, (sql, _) in enumerate(seen)
        if "record_node_executions(" in sql or "finish_execution(" in sql
    ]
    notices = [i for i, (sql, _) in enumerate(seen) if "pg_notify" in sql]
    assert len(writes) == 2 and notices == [i + 1 for i in writes]  # each write, then its own
    for i in notices:
        sql, autocommit = seen[i]
        assert sql.startswith("SELECT set_config('synchronous_commit', 'off', true), pg_notify(")
        assert autocommit  # a transaction of its own: the setting ends with it
    assert execution(engine, slow).status == "succeeded"
    engine.dispose()


def test_a_run_with_a_webhook_is_published_in_the_same_shape(
    pg_database: Database, pool: SandboxPool
) -> None:
    # The end of a run with a webhook is written by the transaction that queues the webhook,
    # not by the one-statement finish: its notification must read the same.
    engine = pg_database.engine()
    assert pg_database.listen_url is not None
    metadata = {"webhook_url": "https://hooks.example/done"}
    hooked = submit(engine, make_chain(engine, [UPPER, builtin("uppercase")], metadata=metadata))
    with psycopg.connect(pg_database.listen_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {EVENTS_CHANNEL}")
        run(engine, pool, dataclasses.replace(SETTINGS, progress_flush_s=0.3))
        seen = [json.loads(n.payload) for n in listener.notifies(timeout=2)]
    assert seen == [{"execution_id": str(hooked), "nodes": [0, 1], "status": "succeeded"}]
    engine.dispose()
