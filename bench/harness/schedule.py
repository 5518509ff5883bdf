"""Open-loop arrivals: requests go out on a fixed schedule, whatever the server does.

A closed loop (send, wait for the answer, send the next) slows down with the server and so
hides its stalls ("coordinated omission"). Here every arrival has a scheduled time fixed in
advance; it is sent at that time even when earlier ones have not been answered, and its
latency is counted from the scheduled time, so time spent queued in the client counts too.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
logger = logging.getLogger("bench.schedule")


@dataclass(frozen=True, order=True)
class Arrival(Generic[T]):
    offset: float
    """Seconds after the start of the run."""
    index: int
    item: T


def fixed_rate(rate: float, duration: float) -> list[float]:
    """Offsets of ``rate`` arrivals per second, evenly spaced, for ``duration`` seconds."""
    if rate <= 0 or duration <= 0:
        return []
    count = round(rate * duration)
    return [i / rate for i in range(count)]


def merge(streams: dict[T, list[float]]) -> list[Arrival[T]]:
    """One schedule of several streams (``{label: offsets}``), ordered by time; equal times
    keep the order of ``streams``."""
    tagged = (
        [Arrival(offset, position, label) for offset in offsets]
        for position, (label, offsets) in enumerate(streams.items())
    )
    merged = heapq.merge(*tagged)
    return [Arrival(a.offset, index, a.item) for index, a in enumerate(merged)]


def round_robin(arrivals: Iterable[Arrival[T]], owners: int) -> list[tuple[Arrival[T], int]]:
    """Hand each arrival to one of ``owners`` in turn (per label, so every owner gets a
    share of every stream)."""
    counters: dict[object, int] = {}
    handed = []
    for arrival in arrivals:
        turn = counters.get(arrival.item, 0)
        counters[arrival.item] = turn + 1
        handed.append((arrival, turn % owners))
    return handed


@dataclass
class Lag:
    """How late the generator itself sent (a loaded client shows up here, not as latency
    of the server: latency is counted from the scheduled time either way)."""

    worst_s: float = 0.0
    late: int = 0
    """Arrivals sent more than 10 ms after their scheduled time."""
    crashed: int = 0
    """Arrivals whose ``fire`` raised (a harness bug: logged, never silent)."""


async def drive(
    schedule: list[tuple[float, T]],
    fire: Callable[[T, float], Awaitable[None]],
    clock: Callable[[], float] = time.perf_counter,
) -> Lag:
    """Start ``fire(item, scheduled_time)`` at each ``(offset, item)`` of ``schedule`` (sorted
    by offset) without waiting for earlier ones; return when all have finished."""
    lag = Lag()
    tasks: set[asyncio.Task[None]] = set()
    start = clock()
    for offset, item in schedule:
        scheduled = start + offset
        delay = scheduled - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        late = clock() - scheduled
        lag.worst_s = max(lag.worst_s, late)
        lag.late += late > 0.010
        task = asyncio.create_task(_guarded(fire, item, scheduled, lag))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    return lag


async def _guarded(
    fire: Callable[[T, float], Awaitable[None]], item: T, scheduled: float, lag: Lag
) -> None:
    try:
        await fire(item, scheduled)
    except Exception:
        lag.crashed += 1
        logger.exception("an arrival crashed the harness")
