"""Latency statistics. An operation that never finished counts as ``inf``: it stays in the
percentiles (a p99 of ``inf`` says more than one computed over survivors only)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

QUANTILES = (0.50, 0.95, 0.99)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the values
    at or below it. ``nan`` for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be within [0, 1]")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Samples:
    """Latencies (seconds) of one kind of operation, and its failures."""

    latencies: list[float] = field(default_factory=list)
    count: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def ok(self, latency_s: float) -> None:
        self.count += 1
        self.latencies.append(latency_s)

    def failed(self, kind: str, latency_s: float | None = None) -> None:
        """A failure; its latency (when it got an answer) still counts."""
        self.count += 1
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        if latency_s is not None:
            self.latencies.append(latency_s)

    def merge(self, other: Samples) -> Samples:
        kinds = dict(self.error_kinds)
        for kind, count in other.error_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
        return Samples(
            [*self.latencies, *other.latencies],
            self.count + other.count,
            self.errors + other.errors,
            kinds,
        )


def summarize(samples: Samples, seconds: float) -> dict[str, object]:
    """Count, throughput of successes, error rate and latency percentiles in ms."""
    values = samples.latencies
    attempts = samples.count
    succeeded = attempts - samples.errors
    summary: dict[str, object] = {
        "count": attempts,
        "errors": samples.errors,
        "error_rate": round(samples.errors / attempts, 4) if attempts else 0.0,
        "throughput_per_s": round(succeeded / seconds, 1) if seconds > 0 else 0.0,
    }
    for fraction in QUANTILES:
        summary[f"p{round(fraction * 100)}_ms"] = _ms(percentile(values, fraction))
    summary["max_ms"] = _ms(max(values)) if values else None
    if samples.error_kinds:
        summary["error_kinds"] = dict(sorted(samples.error_kinds.items()))
    return summary


def _ms(seconds: float) -> float | None:
    if math.isnan(seconds):
        return None
    if math.isinf(seconds):
        return math.inf
    return round(seconds * 1000, 1)
