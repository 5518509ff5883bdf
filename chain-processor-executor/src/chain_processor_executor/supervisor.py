"""The supervisor: starts N worker processes, restarts dead ones, reaps expired leases, and
on SIGTERM/SIGINT drains the workers and exits 0.

A worker that dies is replaced at once and the executions it held are handed back straight
away (the supervisor knows its worker id), so they need not wait for their lease to expire.
Leases of workers on other hosts are reaped every ``EXECUTOR_REAP_INTERVAL_S``: the reaper is
one idempotent statement, so every executor instance runs it without any lock.

It also serves the workers' metrics on ``EXECUTOR_METRICS_PORT`` (:mod:`metrics_server`) and
sends the completion webhooks of the outbox in a thread (:mod:`webhooks`).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from chain_processor_db.session import create_db_engine
from chain_processor_executor import outbox, queue
from chain_processor_executor.config import ExecutorSettings
from chain_processor_executor.metrics_server import MetricsServer
from chain_processor_executor.signals import relay_signals
from chain_processor_executor.wakeups import ShareFile
from chain_processor_executor.webhooks import WebhookSender

logger = logging.getLogger(__name__)

RESTART_BACKOFF_S = (0.0, 1.0, 2.0, 5.0, 10.0)
CHECK_S = 0.2


@dataclass
class WorkerProcess:
    index: int
    generation: int
    worker_id: str
    process: subprocess.Popen[bytes]
    started: float


class Supervisor:
    def __init__(self, settings: ExecutorSettings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_db_engine(
            settings.database_url, pgbouncer=settings.database_pgbouncer, pool_size=2
        )
        self.stopping = threading.Event()
        self.workers: dict[int, WorkerProcess] = {}
        self.restarts = 0
        self._prefix = f"{socket.gethostname()}:{os.getpid()}"
        self.wakeups: ShareFile | None = None
        """The file its workers share so that one of them claims per new execution."""
        self.metrics: MetricsServer | None = None
        if settings.executor_metrics_port:
            self.metrics = MetricsServer(
                self.engine,
                host=settings.executor_metrics_host,
                port=settings.executor_metrics_port,
            )

    def handle_signal(self, signum: int) -> None:
        """SIGTERM or SIGINT (relayed to a thread: :mod:`signals`): drain and exit."""
        logger.info(
            "supervisor stopping", extra={"action": "supervisor_stopping", "signal": signum}
        )
        self.stopping.set()

    def run(self) -> int:
        relay_signals((signal.SIGTERM, signal.SIGINT), self.handle_signal)
        if self.metrics is not None:
            self.metrics.start()
        sender = WebhookSender(self.engine, self.settings)
        sender.start()
        if self.settings.listen_url and self.settings.executor_workers > 1:
            self.wakeups = ShareFile()
        try:
            for index in range(self.settings.executor_workers):
                self._start(index, 0)
            next_reap = 0.0
            while not self.stopping.wait(CHECK_S):
                if time.monotonic() >= next_reap:
                    self.reap()
                    next_reap = time.monotonic() + self.settings.executor_reap_interval_s
                for worker in list(self.workers.values()):
                    if worker.process.poll() is not None:
                        self._replace(worker)
            self._drain()
        finally:
            sender.stop()
            if self.metrics is not None:
                self.metrics.close()
            self.engine.dispose()
            if self.wakeups is not None:
                self.wakeups.close()
        return 0

    def _start(self, index: int, generation: int) -> WorkerProcess:
        worker_id = f"{self._prefix}:w{index}.{generation}"
        command = [
            sys.executable, "-m", "chain_processor_executor.main", "worker",
            "--index", str(index), "--worker-id", worker_id, "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        inherited: tuple[int, ...] = ()
        if self.wakeups is not None:
            command += ["--wakeups", self.wakeups.argument]
            inherited = self.wakeups.pass_fds
        environment = dict(os.environ)
        if self.metrics is not None:
            environment.update(self.metrics.worker_environment())
        process = subprocess.Popen(command, env=environment, pass_fds=inherited)
        worker = WorkerProcess(index, generation, worker_id, process, time.monotonic())
        self.workers[index] = worker
        logger.info(
            "worker process started",
            extra={"action": "worker_process_started", "worker_id": worker_id, "pid": process.pid},
        )
        return worker

    def _replace(self, worker: WorkerProcess) -> None:
        logger.warning(
            "worker process died",
            extra={
                "action": "worker_process_died",
                "worker_id": worker.worker_id,
                "status": worker.process.returncode,
            },
        )
        self._hand_back(worker.worker_id)
        if self.metrics is not None:
            self.metrics.process_dead(worker.process.pid)
        quick_death = time.monotonic() - worker.started < 10
        generation = worker.generation + 1
        backoff = (
            RESTART_BACKOFF_S[min(generation, len(RESTART_BACKOFF_S) - 1)] if quick_death else 0.0
        )
        if self.stopping.wait(backoff):
            return
        self.restarts += 1
        self._start(worker.index, generation)

    def _drain(self) -> None:
        for worker in self.workers.values():
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.executor_graceful_timeout_s + 5
        for worker in self.workers.values():
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            if worker.process.returncode != 0:
                self._hand_back(worker.worker_id)
        logger.info("supervisor stopped", extra={"action": "supervisor_stopped"})

    def reap(self) -> None:
        try:
            with self.engine.begin() as connection:
                reaped = queue.reap_expired_leases(connection)
                outbox.enqueue_webhooks(connection, [i for i, s in reaped.items() if s.is_final])
        except SQLAlchemyError as error:
            logger.warning(
                "reap failed", extra={"action": "reap_failed", "error": type(error).__name__}
            )
            return
        for execution_id, status in reaped.items():
            logger.warning(
                "lease expired",
                extra={
                    "action": "lease_expired",
                    "execution_id": str(execution_id),
                    "status": status.value,
                },
            )

    def _hand_back(self, worker_id: str) -> None:
        try:
            with self.engine.begin() as connection:
                handed = queue.hand_back_executions(
                    connection, worker_id=worker_id, count_attempt=True
                )
                outbox.enqueue_webhooks(connection, handed)  # the cancelled ones
        except SQLAlchemyError as error:
            logger.warning(
                "hand back failed",
                extra={"action": "hand_back_failed", "error": type(error).__name__},
            )
            return
        if handed:
            logger.info(
                "executions handed back",
                extra={
                    "action": "executions_handed_back",
                    "worker_id": worker_id,
                    "execution_ids": [str(i) for i in handed],
                },
            )
