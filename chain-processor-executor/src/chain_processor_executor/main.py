"""``chain-processor-executor``: the supervisor (default), one worker, or the dead letters.

::

    chain-processor-executor                      # supervisor: EXECUTOR_WORKERS workers
    chain-processor-executor worker --index 0     # one worker (what the supervisor starts)
    chain-processor-executor dead-letters         # list executions failed by lease expiry
    chain-processor-executor requeue ID           # queue a dead letter again (a new execution)
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys
import uuid
from collections.abc import Sequence

from chain_processor_core.utils.gc_tuning import tune_gc
from chain_processor_db.session import create_db_engine
from chain_processor_executor import queue
from chain_processor_executor.config import ExecutorSettings, get_settings
from chain_processor_executor.logs import configure_logging
from chain_processor_executor.signals import relay_signals
from chain_processor_executor.supervisor import Supervisor
from chain_processor_executor.tracing import configure_tracing
from chain_processor_executor.wakeups import WakeupShare
from chain_processor_executor.worker import Worker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chain-processor-executor")
    commands = parser.add_subparsers(dest="command")
    worker = commands.add_parser("worker", help="run one worker process")
    worker.add_argument("--index", type=int, default=0)
    worker.add_argument("--worker-id", default=None)
    worker.add_argument("--parent-pid", type=int, default=None, help="stop when it dies")
    worker.add_argument(
        "--wakeups", default=None, help="the file shared with the supervisor's other workers"
    )
    dead = commands.add_parser("dead-letters", help="list dead letters")
    dead.add_argument("--limit", type=int, default=100)
    requeue = commands.add_parser("requeue", help="queue a dead letter again")
    requeue.add_argument("execution_id", type=uuid.UUID)
    return parser


def run_worker(
    settings: ExecutorSettings,
    index: int,
    worker_id: str | None,
    parent_pid: int | None = None,
    wakeups: str | None = None,
) -> int:
    worker = Worker(
        settings,
        worker_id=worker_id or f"{socket.gethostname()}:w{index}",
        index=index,
        parent_pid=parent_pid,
        wakeups=WakeupShare(wakeups) if wakeups else None,
    )

    relay_signals((signal.SIGTERM, signal.SIGINT), lambda _signum: worker.stop())
    provider = configure_tracing(settings)
    tune_gc(settings.executor_gc_threshold)  # the imports and the worker (core ADR-0003)
    try:
        worker.run()
    finally:
        if provider is not None:
            provider.shutdown()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    if arguments.command == "worker":
        return run_worker(
            settings, arguments.index, arguments.worker_id, arguments.parent_pid, arguments.wakeups
        )
    if arguments.command is None:
        return Supervisor(settings).run()
    engine = create_db_engine(settings.database_url, pgbouncer=settings.database_pgbouncer)
    try:
        with engine.begin() as connection:
            if arguments.command == "dead-letters":
                rows = queue.list_dead_letters(connection, limit=arguments.limit)
                sys.stdout.write(json.dumps(rows, default=str, indent=2) + "\n")
                return 0
            new_id = queue.requeue_dead_letter(connection, execution_id=arguments.execution_id)
    finally:
        engine.dispose()
    if new_id is None:
        sys.stderr.write(f"{arguments.execution_id} is not a dead letter\n")
        return 1
    sys.stdout.write(f"{new_id}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
