"""PGQueuer's throughput on a trivial job, for comparison with the executor's.

PGQueuer installs its own tables (``pgqueuer``, ``pgqueuer_log``, …) into the bench database
with its Python API (``Queries.install``) and needs ``LISTEN``, so it runs on a direct
connection (PgBouncer in transaction pooling cannot relay ``LISTEN``). ``workers`` processes
each drain the queue with one ``QueueManager`` (batch size 10), as in PGQueuer's own
benchmark; jobs/s = jobs / (last job done - first dequeue start).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from datetime import timedelta

import psycopg
from pgqueuer import Job, PsycopgDriver, Queries, QueueManager
from pgqueuer.types import QueueExecutionMode

ENTRYPOINT = "trivial"


async def _connect(url: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(url, autocommit=True)


async def _install_and_enqueue(url: str, jobs: int) -> None:
    async with await _connect(url) as connection:
        queries = Queries(PsycopgDriver(connection))
        if not await queries.schema_is_installed():
            await queries.install()
        await queries.clear_queue()
        for start in range(0, jobs, 1000):
            count = min(1000, jobs - start)
            await queries.enqueue([ENTRYPOINT] * count, [b"x"] * count, [0] * count)


async def _drain(url: str) -> tuple[float, float, int]:
    async with await _connect(url) as connection:
        manager = QueueManager(Queries(PsycopgDriver(connection)))
        done = 0
        last = 0.0

        @manager.entrypoint(ENTRYPOINT)
        async def trivial(job: Job) -> None:
            nonlocal done, last
            done += 1
            last = time.perf_counter()

        started = time.perf_counter()
        await manager.run(
            dequeue_timeout=timedelta(seconds=0.5),
            batch_size=10,
            mode=QueueExecutionMode.drain,
            log_aggregation_interval=timedelta(0),
        )
        return started, last, done


def _drain_process(url: str, results: multiprocessing.Queue[tuple[float, float, int]]) -> None:
    results.put(asyncio.run(_drain(url)))


def measure(url: str, jobs: int, workers: int = 2) -> dict[str, float]:
    """Enqueue ``jobs`` trivial jobs, drain them with ``workers`` processes."""
    asyncio.run(_install_and_enqueue(url, jobs))
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[float, float, int]] = context.Queue()
    processes = [
        context.Process(target=_drain_process, args=(url, results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes = []
    while len(outcomes) < workers:
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("a PGQueuer process failed") from None
    for process in processes:
        process.join()
    started = min(o[0] for o in outcomes)
    finished = max(o[1] for o in outcomes)
    done = sum(o[2] for o in outcomes)
    return {"jobs": done, "workers": workers, "seconds": finished - started,
            "jobs_per_s": done / (finished - started)}  # fmt: skip
