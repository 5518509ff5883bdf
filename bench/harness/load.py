"""One open-loop run over HTTP: execution submits and design operations at fixed rates,
spread over users, with live WebSocket watchers, then the drain and the completion times.

Streams are named by what they send: ``exec:<chain label>`` submits an execution of that
chain, ``design`` runs one design operation of :data:`client.DESIGN_MIX`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from bench.harness import client
from bench.harness.http import Http, HttpError
from bench.harness.schedule import Lag, drive, fixed_rate, merge, round_robin
from bench.harness.stats import Samples, summarize

logger = logging.getLogger("bench.load")


@dataclass
class Target:
    """What the run talks to."""

    http: Http
    """The harness's own client (reading results)."""
    ws_url: str
    admin_token: str
    tokens: list[str]
    clients: list[Http]
    """One client per user, as ``tokens``."""
    chains: dict[str, str]
    """Chain label → chain id (one chain per label and scenario)."""
    design: client.Design | None
    direct_url: str


@dataclass
class Watching:
    """Which submissions get a live WebSocket: a random ``fraction`` of them, or (``per_user``)
    one at a time per user, as a person keeping the run view of their latest run open."""

    fraction: float = 0.0
    per_user: bool = False
    busy: set[int] = field(default_factory=set)
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def take(self, user: int) -> bool:
        if self.per_user:
            if user in self.busy:
                return False
            self.busy.add(user)
            return True
        return self.rng.random() < self.fraction


@dataclass
class Outcome:
    submit: dict[str, Samples]
    completion: dict[str, Samples]
    live: dict[str, Samples]
    completed_per_s: dict[str, float]
    lag: Lag
    load_s: float
    drain_s: float
    incomplete: dict[str, int]

    def summary(self, design: client.Design | None) -> dict[str, Any]:
        result: dict[str, Any] = {
            "load_s": round(self.load_s, 1),
            "drain_s": round(self.drain_s, 1),
            "generator_lag": {
                "worst_ms": round(self.lag.worst_s * 1000, 1),
                "late_10ms": self.lag.late,
                "crashed": self.lag.crashed,
            },
            "executions": {
                label: {
                    "submit": summarize(self.submit[label], self.load_s),
                    "completion": summarize(self.completion[label], self.load_s),
                    "live": summarize(self.live[label], self.load_s),
                    "completed_per_s": self.completed_per_s[label],
                    "incomplete": self.incomplete[label],
                }
                for label in self.submit
            },
        }
        if design is not None and any(s.count for s in design.samples.values()):
            everything = Samples()
            for samples in design.samples.values():
                everything = everything.merge(samples)
            result["design"] = {
                "all": summarize(everything, self.load_s),
                **{op: summarize(s, self.load_s) for op, s in design.samples.items()},
            }
        return result


async def run(
    target: Target,
    rates: dict[str, float],
    duration_s: float,
    *,
    watching: Watching,
    drain_timeout_s: float,
    follow_completion: bool = True,
    on_progress: Callable[[str], None] = logger.info,
) -> Outcome:
    """Send the streams of ``rates`` for ``duration_s``, wait for the executions to end (up to
    ``drain_timeout_s``), and read their completion times from the API (unless not
    ``follow_completion``: the API alone, no executor)."""
    labels = [name.removeprefix("exec:") for name in rates if name.startswith("exec:")]
    submit = {label: Samples() for label in labels}
    live = {label: Samples() for label in labels}
    submitted: dict[str, dict[str, float]] = {label: {} for label in labels}
    watchers: list[asyncio.Task[None]] = []
    mono0, wall0 = time.perf_counter(), time.time()
    counter = iter(range(10**9))

    async def follow(label: str, user: int, execution_id: str, scheduled: float) -> None:
        try:
            status = await client.watch(
                target.ws_url, target.tokens[user], execution_id, duration_s + drain_timeout_s + 30
            )
        except Exception as error:  # any failure of the watch is a data point
            live[label].failed(type(error).__name__)
        else:
            latency = time.perf_counter() - scheduled
            if status == "succeeded":
                live[label].ok(latency)
            else:
                live[label].failed(status, latency)
        finally:
            watching.busy.discard(user)

    async def fire(item: tuple[str, int], scheduled: float) -> None:
        stream, user = item
        token = target.tokens[user]
        if stream == "design":
            assert target.design is not None
            await target.design.run(target.design.pick(), target.clients[user], token, scheduled)
            return
        label = stream.removeprefix("exec:")
        i = next(counter)
        execution_id = await client.submit(
            target.clients[user], token, target.chains[label], submit[label], scheduled, i
        )
        if execution_id is None:
            return
        submitted[label][execution_id] = wall0 + (scheduled - mono0)
        if watching.take(user):
            watchers.append(asyncio.create_task(follow(label, user, execution_id, scheduled)))

    arrivals = merge({name: fixed_rate(rate, duration_s) for name, rate in rates.items()})
    schedule = [(a.offset, (a.item, user)) for a, user in round_robin(arrivals, len(target.tokens))]
    on_progress(f"sending {len(schedule)} requests over {duration_s:g} s: {rates}")
    started = time.perf_counter()
    lag = await drive(schedule, fire)
    load_s = time.perf_counter() - started
    drain_started = time.perf_counter()
    if not follow_completion:
        await cancel_leftovers(target.direct_url)
        empty = {label: Samples() for label in labels}
        nothing = dict.fromkeys(labels, 0)
        return Outcome(submit, empty, live, dict.fromkeys(labels, 0.0), lag, load_s, 0.0, nothing)
    await drain(target, [target.chains[label] for label in labels], drain_timeout_s, on_progress)
    if watchers:
        await asyncio.wait(watchers, timeout=10)
    completion, completed_per_s, incomplete = {}, {}, {}
    for label in labels:
        rows = await completion_rows(target, target.chains[label], on_progress)
        completion[label], completed_per_s[label], incomplete[label] = completion_times(
            rows, submitted[label], wall0
        )
        for _ in range(submit[label].errors):  # a refused submit never completes either
            completion[label].failed("not_submitted")
    drain_s = time.perf_counter() - drain_started
    await cancel_leftovers(target.direct_url)
    for task in watchers:
        task.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)
    return Outcome(submit, completion, live, completed_per_s, lag, load_s, drain_s, incomplete)


async def completion_rows(
    target: Target, chain_id: str, on_progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    """The chain's executions as the API lists them; from the database (same columns) when
    the API does not answer within a minute, which the log says."""
    try:
        async with asyncio.timeout(60):
            return await client.fetch_executions(target.http, target.admin_token, chain_id)
    except (TimeoutError, HttpError) as error:
        on_progress(
            f"the API did not list the executions ({type(error).__name__}): read from the database"
        )
    async with await psycopg.AsyncConnection.connect(target.direct_url, autocommit=True) as db:
        cursor = await db.execute(
            "SELECT id::text, status, completed_at FROM chain_executions WHERE strategy_id = %s",
            (chain_id,),
        )
        return [
            {"id": row[0], "status": row[1], "completed_at": row[2] and row[2].isoformat()}
            for row in await cursor.fetchall()
        ]


def completion_times(
    rows: list[dict[str, Any]], submitted: dict[str, float], wall0: float
) -> tuple[Samples, float, int]:
    """Submit→completed of each execution this run submitted (``completed_at`` as the API
    shows it minus the scheduled send time); unfinished ones count as ``inf``. Also the
    completions per second and the number unfinished."""
    samples, last, incomplete = Samples(), wall0, 0
    for row in rows:
        scheduled = submitted.get(row["id"])
        if scheduled is None:
            continue
        if row["status"] not in client.FINAL or row["completed_at"] is None:
            samples.failed("incomplete", float("inf"))
            incomplete += 1
            continue
        done = datetime.fromisoformat(row["completed_at"]).timestamp()
        last = max(last, done)
        if row["status"] == "succeeded":
            samples.ok(done - scheduled)
        else:
            samples.failed(row["status"], done - scheduled)
    seconds = last - wall0
    succeeded = samples.count - samples.errors
    return samples, round(succeeded / seconds, 1) if seconds > 0 else 0.0, incomplete


async def drain(
    target: Target, chain_ids: list[str], timeout_s: float, on_progress: Callable[[str], None]
) -> None:
    """Wait until the chains have no pending or running execution (counted in the database:
    housekeeping that must not add to the API's load or depend on it answering)."""
    deadline = time.monotonic() + timeout_s
    reported = time.monotonic()
    statement = (
        "SELECT count(*) FROM chain_executions "
        "WHERE strategy_id = ANY(%s::uuid[]) AND status IN ('pending', 'running')"
    )
    async with await psycopg.AsyncConnection.connect(target.direct_url, autocommit=True) as db:
        while chain_ids:
            row = await (await db.execute(statement, (chain_ids,))).fetchone()
            left = row[0] if row else 0
            if left == 0:
                return
            if time.monotonic() > deadline:
                on_progress(f"{left} executions unfinished after {timeout_s:g} s: counted as ∞")
                return
            if time.monotonic() - reported > 10:
                on_progress(f"draining: {left} executions unfinished")
                reported = time.monotonic()
            await asyncio.sleep(0.5)


async def cancel_leftovers(direct_url: str) -> int:
    """Cancel what a timed-out drain left, so the next scenario starts on an empty queue
    (harness housekeeping, straight in the database, not measured); how many executions it
    cancelled or asked to stop."""
    async with await psycopg.AsyncConnection.connect(direct_url, autocommit=True) as connection:
        pending = await connection.execute(
            "UPDATE chain_executions SET status = 'cancelled', completed_at = now() "
            "WHERE status = 'pending'"
        )
        running = await connection.execute(
            "UPDATE chain_executions SET cancel_requested = true WHERE status = 'running'"
        )
        stopped = max(pending.rowcount, 0) + max(running.rowcount, 0)
        for _ in range(120):
            cursor = await connection.execute(
                "SELECT count(*) FROM chain_executions WHERE status = 'running'"
            )
            row = await cursor.fetchone()
            if row is None or row[0] == 0:
                break
            await asyncio.sleep(0.5)
    return stopped
