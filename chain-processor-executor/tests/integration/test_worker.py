"""A worker in this process: claims, runs, heartbeats, wakes on NOTIFY, drains on stop."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, event, update

from chain_processor_db.models import ChainExecution
from chain_processor_executor.config import ExecutorSettings
from chain_processor_executor.listener import PENDING_CHANNEL, SqlitePendingWatcher
from chain_processor_executor.runner import RunControl
from chain_processor_executor.wakeups import WakeupShare, create_share
from chain_processor_executor.worker import Worker
from tests.conftest import Database
from tests.factories import UPPER, builtin, execution, make_chain, submit

SLEEPY = "import time\n\ndef node(text):\n    time.sleep(30)\n    return text\n"


def wait_for(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    """Wait for ``condition``; the timeout is only a safety net."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def settings_for(database: Database, tmp_path: Path, **overrides: object) -> ExecutorSettings:
    values: dict[str, object] = {
        "database_url": database.url,
        "database_pgbouncer": database.pgbouncer,
        "database_listen_url": database.listen_url,
        "executor_concurrency": 2,
        "executor_poll_interval_s": 0.05,
        "executor_max_poll_interval_s": 0.2,
        "executor_cancel_check_s": 0.1,
        "executor_heartbeat_s": 0.2,
        "executor_generated_dir": tmp_path / "generated",
        **overrides,
    }
    return ExecutorSettings.model_validate(values)


@pytest.fixture
def start_worker(database: Database, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[tuple[Worker, threading.Thread]] = []

    def start(
        claims: list[str] | None = None,
        *,
        wakeups: WakeupShare | None = None,
        index: int = 0,
        **overrides: object,
    ) -> Worker:
        """A running worker; its claim statements are appended to ``claims`` when given."""
        worker = Worker(
            settings_for(database, tmp_path, **overrides),
            worker_id=f"test-worker-{index}",
            index=index,
            wakeups=wakeups,
        )
        if claims is not None:
            watch_claims(worker.engine, claims)
        thread = threading.Thread(target=worker.run)
        thread.start()
        started.append((worker, thread))
        return worker

    yield start
    for worker, thread in started:
        worker.stop()
        thread.join(60)


def watch_claims(engine: Engine, claims: list[str]) -> None:
    """Record each claim statement the engine sends (the worker's own engine): the claim
    function's call on PostgreSQL, the statement itself on SQLite."""

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM claim_executions(" in statement or "WITH candidates" in statement:
            claims.append(statement)

    event.listen(engine, "before_cursor_execute", record)


def status(engine: Engine, execution_id: uuid.UUID) -> str:
    return execution(engine, execution_id).status


def test_worker_runs_what_is_submitted(engine: Engine, start_worker: Callable[..., Worker]) -> None:
    version = make_chain(engine, [UPPER, builtin("uppercase")])
    ids = [submit(engine, version, f"text {i}") for i in range(6)]
    worker = start_worker()
    wait_for(lambda: all(status(engine, i) == "succeeded" for i in ids))
    assert [execution(engine, i).output_text for i in ids] == [f"TEXT {i}" for i in range(6)]
    assert worker.completed == 6


def test_a_worker_starts_a_few_sandboxes_and_the_others_when_runs_need_them(
    engine: Engine, start_worker: Callable[..., Worker]
) -> None:
    nap = "import time\n\ndef node(text):\n    time.sleep(0.5)\n    return text\n"
    worker = start_worker(executor_concurrency=3, executor_sandboxes_at_start=1)
    wait_for(lambda: worker.pool.started == 1)
    # three chains: three trust domains, running at once
    ids = [submit(engine, make_chain(engine, [nap]), f"text {i}") for i in range(3)]
    wait_for(lambda: all(status(engine, i) == "succeeded" for i in ids))
    assert worker.pool.started == 3


def test_cancel_reaches_a_running_node_through_the_heartbeat(
    engine: Engine, start_worker: Callable[..., Worker]
) -> None:
    execution_id = submit(engine, make_chain(engine, [SLEEPY]))
    start_worker()
    wait_for(lambda: status(engine, execution_id) == "running")
    with engine.begin() as connection:
        connection.execute(update(ChainExecution).values(cancel_requested=True))
    wait_for(lambda: status(engine, execution_id) == "cancelled", timeout_s=10)


def test_stop_hands_back_what_does_not_finish_in_time(
    engine: Engine, start_worker: Callable[..., Worker]
) -> None:
    execution_id = submit(engine, make_chain(engine, [SLEEPY]))
    worker = start_worker(executor_graceful_timeout_s=0.2)
    wait_for(lambda: status(engine, execution_id) == "running")
    worker.stop()
    wait_for(lambda: worker._finished.is_set())
    row = execution(engine, execution_id)
    assert (row.status, row.worker_id, row.attempts) == ("pending", None, 0)


def test_a_new_execution_wakes_an_idle_worker(
    database: Database, engine: Engine, start_worker: Callable[..., Worker]
) -> None:
    version = make_chain(engine, [UPPER])
    # Idle polling every 60 s: only the wake-up can make this run within the test.
    claims: list[str] = []
    start_worker(claims, executor_poll_interval_s=60, executor_max_poll_interval_s=60)
    wait_for(lambda: len(claims) == 1)
    time.sleep(0.5)  # let the first claim end (empty) and the listener connect
    execution_id = submit(engine, version)
    if database.is_postgres:  # the API's NOTIFY; SQLite workers see the commit itself
        assert database.listen_url is not None
        with psycopg.connect(database.listen_url, autocommit=True) as connection:
            connection.execute(f"NOTIFY {PENDING_CHANNEL}")
    wait_for(lambda: status(engine, execution_id) == "succeeded", timeout_s=20)


def _listening_backends(database: Database) -> int:
    assert database.listen_url is not None
    with psycopg.connect(database.listen_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = %s",
            (f"LISTEN {PENDING_CHANNEL}",),
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "apart"])
def test_workers_sharing_a_wakeup_file_claim_once_per_new_execution(
    database: Database,
    engine: Engine,
    tmp_path: Path,
    start_worker: Callable[..., Worker],
    shared: bool,
) -> None:
    if not database.is_postgres:
        pytest.skip("NOTIFY wakes the workers on PostgreSQL")
    version = make_chain(engine, [UPPER])
    share = create_share(str(tmp_path)) if shared else None
    claims: list[str] = []
    for index in range(2):  # polling every 60 s: only NOTIFYs make them claim
        start_worker(
            claims,
            wakeups=WakeupShare(share) if share else None,
            index=index,
            executor_poll_interval_s=60,
            executor_max_poll_interval_s=60,
        )
    wait_for(lambda: len(claims) == 2 and _listening_backends(database) == 2)
    assert database.listen_url is not None
    with psycopg.connect(database.listen_url, autocommit=True) as notifier:
        for text in ("one", "two", "three"):
            execution_id = submit(engine, version, text)
            notifier.execute("SELECT pg_notify(%s, %s)", (PENDING_CHANNEL, str(execution_id)))
            wait_for(lambda: status(engine, execution_id) == "succeeded", timeout_s=20)  # noqa: B023
    time.sleep(0.3)  # a claim in flight would show now
    # each worker's first claim, then one per execution (two when every worker answers)
    assert len(claims) == 2 + 3 * (1 if shared else 2)


def test_a_full_worker_lets_a_new_execution_pass_to_the_others(
    database: Database, tmp_path: Path
) -> None:
    share_file = create_share(str(tmp_path))
    worker = Worker(
        settings_for(database, tmp_path, executor_concurrency=1, executor_prefetch=0),
        worker_id="full",
        wakeups=WakeupShare(share_file),
    )
    other = WakeupShare(share_file)
    try:
        busy, waiting = str(uuid.uuid4()), str(uuid.uuid4())
        worker.in_flight[uuid.uuid4()] = RunControl()  # its one slot is taken
        assert worker._answers(busy) is False
        assert other.take(busy) is True  # left for a worker with a free slot
        worker.in_flight.clear()
        assert worker._answers(waiting) is True
        assert other.take(waiting) is False
    finally:
        other.close()
        assert worker.wakeups is not None
        worker.wakeups.close()
        worker.engine.dispose()


def test_a_sqlite_watcher_that_cannot_read_the_file_wakes_the_worker_to_poll(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wakeup, stopping = threading.Event(), threading.Event()
    watcher = SqlitePendingWatcher(
        str(tmp_path / "missing.db"), wakeup, stopping, check_s=0.01, retry_s=0.01
    )
    watcher.start()
    try:
        assert wakeup.wait(10)
    finally:
        stopping.set()
        watcher.join(10)
    assert not watcher.is_alive()
    assert any(r.__dict__.get("action") == "watch_failed" for r in caplog.records)


def test_a_worker_that_emptied_the_queue_waits_for_news_before_claiming_again(
    engine: Engine, start_worker: Callable[..., Worker]
) -> None:
    # Polling every 60 s and no LISTEN: a second claim within the test could only come from
    # the end of the run, which must not cause one while the worker had free slots.
    execution_id = submit(engine, make_chain(engine, [UPPER]))
    claims: list[str] = []
    worker = start_worker(
        claims,
        database_listen_url=None,
        executor_poll_interval_s=60,
        executor_max_poll_interval_s=60,
    )
    wait_for(lambda: status(engine, execution_id) == "succeeded")
    wait_for(lambda: worker.completed == 1)
    time.sleep(0.3)
    assert len(claims) == 1


def test_a_full_worker_claims_again_as_soon_as_a_run_ends(
    engine: Engine, start_worker: Callable[..., Worker]
) -> None:
    # One slot, nothing claimed ahead, polling every 60 s and no LISTEN: the second run can
    # only start within the test because the end of the first one woke the worker.
    version = make_chain(engine, [UPPER])
    first, second = submit(engine, version, "one"), submit(engine, version, "two")
    claims: list[str] = []
    start_worker(
        claims,
        database_listen_url=None,
        executor_concurrency=1,
        executor_prefetch=0,
        executor_poll_interval_s=60,
        executor_max_poll_interval_s=60,
    )
    wait_for(lambda: status(engine, first) == "succeeded" and status(engine, second) == "succeeded")
    # One claim per run and one after the last: a full worker asks again when a slot frees
    # (and sends nothing while none is free). The last one follows the end of the second run
    # a moment after its status is written: wait for it, then check that no more come.
    wait_for(lambda: len(claims) >= 3)
    time.sleep(0.3)
    assert len(claims) == 3


def test_a_worker_whose_supervisor_died_stops_by_itself(database: Database, tmp_path: Path) -> None:
    if database.backend != "sqlite":
        pytest.skip("one backend is enough for this check")
    worker = Worker(
        settings_for(database, tmp_path), worker_id="orphan", parent_pid=os.getppid() + 10**6
    )
    thread = threading.Thread(target=worker.run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and worker.stopping.is_set()


def test_a_database_error_during_a_run_hands_it_back_without_a_traceback(
    engine: Engine,
    start_worker: Callable[..., Worker],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy.exc import OperationalError

    from chain_processor_executor import worker as worker_module

    failures = iter([OperationalError("UPDATE", {}, Exception("disk full"))])

    def flaky(*args: object, **kwargs: object) -> object:
        error = next(failures, None)
        if error is not None:
            raise error
        return real(*args, **kwargs)

    real = worker_module.run_execution
    monkeypatch.setattr(worker_module, "run_execution", flaky)
    execution_id = submit(engine, make_chain(engine, [UPPER]))
    with caplog.at_level("WARNING", logger="chain_processor_executor.worker"):
        start_worker()
        wait_for(lambda: status(engine, execution_id) == "succeeded")
    message = "database unavailable during a run"
    record = next(r for r in caplog.records if r.getMessage() == message)
    assert record.levelname == "WARNING" and record.exc_info is None
    assert execution(engine, execution_id).attempts == 1  # handed back without counting
