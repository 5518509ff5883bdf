"""A worker process: claims executions in batches and runs each in a thread with a sandbox.

Modelled on procrastinate's worker: explicit concurrency, batch size and poll interval; an
idle worker waits for news of a new execution (a ``NOTIFY`` on PostgreSQL, a commit that left
one pending on SQLite: see :mod:`listener`) or its poll interval, which doubles up to a
maximum; a heartbeat thread renews the leases of everything in flight and turns cancel
requests into :attr:`RunControl.cancel`. :meth:`Worker.stop` (SIGTERM) stops
claiming; in-flight executions get ``graceful_timeout_s`` to finish, then are handed back
to the queue and their sandboxes killed. A worker whose supervisor died (its parent changed)
stops the same way instead of running on as an orphan.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from chain_processor_db.base import utcnow
from chain_processor_db.changes import sqlite_path
from chain_processor_db.session import create_db_engine
from chain_processor_executor import outbox, queue
from chain_processor_executor.config import ExecutorSettings
from chain_processor_executor.connections import ThreadConnections
from chain_processor_executor.listener import PendingListener, SqlitePendingWatcher
from chain_processor_executor.metrics import CLAIM_LATENCY, IN_FLIGHT
from chain_processor_executor.queue import ClaimedExecution
from chain_processor_executor.runner import RunControl, RunnerSettings, run_execution
from chain_processor_executor.sandbox import SandboxPool
from chain_processor_executor.wakeups import WakeupShare

logger = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        settings: ExecutorSettings,
        *,
        worker_id: str,
        index: int = 0,
        engine: Engine | None = None,
        parent_pid: int | None = None,
        wakeups: WakeupShare | None = None,
    ) -> None:
        """``wakeups``: the file this worker shares with the other workers of its supervisor,
        so that one of them, not all, claims for each new execution (:mod:`wakeups`)."""
        self.settings = settings
        self.parent_pid = parent_pid
        self.wakeups = wakeups
        self.worker_id = worker_id
        self.concurrency = settings.executor_concurrency
        self.engine = engine or create_db_engine(
            settings.database_url,
            pgbouncer=settings.database_pgbouncer,
            pool_size=self.concurrency + 2,
        )
        self.pool = SandboxPool(
            self.concurrency, settings.sandbox_limits(), first_slot=index * self.concurrency
        )
        self.runner_settings = RunnerSettings(
            worker_id=worker_id,
            lease_s=settings.executor_lease_s,
            default_timeout_s=settings.executor_node_timeout_s,
            max_timeout_s=settings.executor_max_node_timeout_s,
            generated_dir=settings.executor_generated_dir,
            progress_flush_s=settings.executor_progress_flush_s,
        )
        self.connections = ThreadConnections(self.engine)
        self.stopping = threading.Event()
        self.wakeup = threading.Event()
        self.in_flight: dict[uuid.UUID, RunControl] = {}
        self._lock = threading.Lock()
        self._full = False
        """The last claim found no free slot: a run that ends claims again at once (under
        :attr:`_lock`, with :attr:`in_flight`)."""
        self._finished = threading.Event()
        self.completed = 0

    def stop(self) -> None:
        """Stop claiming; :meth:`run` then drains and returns."""
        self.stopping.set()
        self.wakeup.set()

    def run(self) -> None:
        self.pool.start(self.settings.executor_sandboxes_at_start)
        threads = ThreadPoolExecutor(self.concurrency, thread_name_prefix="execution")
        heartbeat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        heartbeat.start()
        if self.settings.listen_url:
            PendingListener(
                self.settings.listen_url, self.wakeup, self.stopping, answers=self._answers
            ).start()
        elif path := sqlite_path(self.settings.database_url):
            SqlitePendingWatcher(
                path, self.wakeup, self.stopping, check_s=self.settings.executor_sqlite_watch_s
            ).start()
        logger.info(
            "worker started", extra={"action": "worker_started", "worker_id": self.worker_id}
        )
        try:
            self._claim_loop(threads)
            self._drain()
        finally:
            threads.shutdown(wait=True)
            self._finished.set()
            self.pool.close()
            self.connections.close()
            self.engine.dispose()
            if self.wakeups is not None:
                self.wakeups.close()
            logger.info(
                "worker stopped", extra={"action": "worker_stopped", "worker_id": self.worker_id}
            )

    def _claim_loop(self, threads: ThreadPoolExecutor) -> None:
        delay = self.settings.executor_poll_interval_s
        while not self.stopping.is_set():
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                logger.warning("supervisor gone", extra={"action": "supervisor_gone"})
                self.stop()
                break
            claimed, asked = self._claim()
            now = utcnow()
            for execution in claimed:
                CLAIM_LATENCY.observe(max(0.0, (now - execution.created_at).total_seconds()))
                with self._lock:
                    self.in_flight[execution.id] = RunControl()
                IN_FLIGHT.inc()
                threads.submit(self._run_one, execution)
            if claimed:
                delay = self.settings.executor_poll_interval_s
                if len(claimed) == asked:
                    continue  # a whole batch: more may be waiting
            # Fewer than asked: the queue is empty for now. Wait for a NOTIFY of new work, a
            # finished run (when no slot was free) or the poll, which backs off while idle.
            self.wakeup.wait(delay)
            self.wakeup.clear()
            if not claimed:
                delay = min(delay * 2, self.settings.executor_max_poll_interval_s)

    def _free_slots(self) -> int:  # under _lock
        return self.concurrency + self.settings.executor_prefetch - len(self.in_flight)

    def _answers(self, payload: str) -> bool:
        """Whether to claim for a new execution's NOTIFY: only with a free slot, and only if
        no other worker of this supervisor took it (the first with a free slot does)."""
        with self._lock:
            free = self._free_slots()
        if free <= 0:
            return False  # a slot that frees claims anyway (see _run_one)
        return self.wakeups is None or self.wakeups.take(payload)

    def _claim(self) -> tuple[list[ClaimedExecution], int]:
        """The executions claimed and how many were asked for (0: no slot was free)."""
        with self._lock:
            free = self._free_slots()
            self._full = free <= 0
        if free <= 0:
            return [], 0
        limit = min(free, self.settings.executor_batch_size)
        claim = partial(
            queue.claim_executions,
            worker_id=self.worker_id,
            limit=limit,
            lease_s=self.settings.executor_lease_s,
        )
        try:
            if self.engine.dialect.name == "postgresql":
                return claim(self.connections.get()), limit  # one statement: autocommit is atomic
            with self.engine.begin() as connection:
                return claim(connection), limit
        except SQLAlchemyError as error:
            self.connections.discard()
            logger.warning(
                "claim failed", extra={"action": "claim_failed", "error": type(error).__name__}
            )
            return [], limit

    def _run_one(self, execution: ClaimedExecution) -> None:
        control = self.in_flight[execution.id]
        try:
            run_execution(
                execution,
                engine=self.engine,
                pool=self.pool,
                settings=self.runner_settings,
                control=control,
                connections=self.connections,
            )
        except SQLAlchemyError as error:
            # the database is away, full or read-only: the run is handed back (or, if that
            # fails too, its lease expires and the reaper hands it back)
            logger.warning(
                "database unavailable during a run",
                extra={
                    "action": "execution_database_error",
                    "execution_id": str(execution.id),
                    "error": type(error).__name__,
                },
            )
            self._hand_back([execution.id])
        except Exception:
            logger.exception(
                "execution crashed the runner",
                extra={"action": "execution_error", "execution_id": str(execution.id)},
            )
            self._hand_back([execution.id])
        finally:
            with self._lock:
                del self.in_flight[execution.id]
                self.completed += 1
                full = self._full
            IN_FLIGHT.dec()
            if full:  # work may be waiting that no slot could take: claim it now
                self.wakeup.set()

    def _heartbeat(self) -> None:
        last_renewal = time.monotonic()
        while not self._finished.wait(self.settings.executor_cancel_check_s):
            with self._lock:
                controls = dict(self.in_flight)
            if not controls:
                continue
            try:
                with self.engine.begin() as connection:
                    if time.monotonic() - last_renewal >= self.settings.executor_heartbeat_s:
                        held = queue.renew_leases(
                            connection,
                            worker_id=self.worker_id,
                            execution_ids=list(controls),
                            lease_s=self.settings.executor_lease_s,
                        )
                        last_renewal = time.monotonic()
                        cancelled = {i for i, cancel in held.items() if cancel}
                        lost = set(controls) - set(held)
                    else:
                        cancelled = queue.cancel_requested_ids(connection, worker_id=self.worker_id)
                        lost = set()
            except SQLAlchemyError as error:
                logger.warning(
                    "heartbeat failed",
                    extra={"action": "heartbeat_failed", "error": type(error).__name__},
                )
                continue
            for execution_id in cancelled | lost:
                if execution_id in controls:
                    controls[execution_id].lost |= execution_id in lost
                    controls[execution_id].cancel.set()

    def _drain(self) -> None:
        deadline = time.monotonic() + self.settings.executor_graceful_timeout_s
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            remaining = dict(self.in_flight)
        if remaining:
            handed = self._hand_back(list(remaining))
            for control in remaining.values():
                control.lost = True
                control.cancel.set()
            logger.info(
                "executions handed back",
                extra={
                    "action": "executions_handed_back",
                    "execution_ids": [str(i) for i in handed],
                },
            )

    def _hand_back(self, execution_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        try:
            with self.engine.begin() as connection:
                handed = queue.hand_back_executions(
                    connection, worker_id=self.worker_id, execution_ids=execution_ids
                )
                outbox.enqueue_webhooks(connection, handed)  # the cancelled ones
                return handed
        except SQLAlchemyError as error:
            logger.warning(
                "hand back failed; the lease will expire",
                extra={"action": "hand_back_failed", "error": type(error).__name__},
            )
            return []
