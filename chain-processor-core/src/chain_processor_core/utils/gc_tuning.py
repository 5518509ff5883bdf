"""Python's cyclic garbage collector, set for a long-running service (core ADR-0003).

A service process imports its libraries and builds its application once, then serves for
days; with Python's defaults a collection of the youngest generation runs every 700
container allocations and now and then a full one walks every object the process holds,
including the hundreds of thousands made at start-up that live as long as the process.
:func:`tune_gc` collects once, freezes what is left (frozen objects are never examined
again) and raises the youngest generation's threshold.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DEFAULT_GC_THRESHOLD = 20_000
"""Container allocations (net of deallocations) between two collections of the youngest
generation; Python's default is 700."""


@dataclass(frozen=True)
class GcState:
    """What the collector was set to: its three thresholds and how many objects are frozen."""

    thresholds: tuple[int, int, int]
    frozen: int


def tune_gc(threshold: int = DEFAULT_GC_THRESHOLD) -> GcState:
    """Collect, freeze the surviving objects and collect the youngest generation every
    ``threshold`` allocations (the older generations' thresholds are kept). ``0`` leaves the
    collector as Python set it. Call it once the process has built what it keeps; it logs
    one ``gc_set`` line with the outcome."""
    if threshold < 0:
        raise ValueError(f"the threshold cannot be negative, got {threshold}")
    if threshold:
        gc.collect()
        gc.freeze()
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(threshold, middle, oldest)
    state = gc_state()
    logger.info(
        "garbage collector set",
        extra={"action": "gc_set", "gc_thresholds": state.thresholds, "gc_frozen": state.frozen},
    )
    return state


def gc_state() -> GcState:
    """The collector's current thresholds and frozen object count."""
    youngest, middle, oldest = gc.get_threshold()
    return GcState(thresholds=(youngest, middle, oldest), frozen=gc.get_freeze_count())
