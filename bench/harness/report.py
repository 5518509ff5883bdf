"""Markdown tables and result files (``bench/results/<name>-<timestamp>.{json,md}``)."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A markdown table; cells are rendered with :func:`cell`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        return f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value).replace("|", "\\|")


def latency_cells(summary: dict[str, Any]) -> list[Any]:
    """p50, p95, p99 and max in ms."""
    return [summary.get(key) for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f} %"


def verdict(
    p95_ms: float | None, limit_ms: float, error_rate: float, errors_allowed: float = 0.01
) -> str:
    """``met`` when the p95 is within ``limit_ms`` and errors stay under 1 %."""
    if p95_ms is None:
        return "no data"
    return "met" if p95_ms <= limit_ms and error_rate < errors_allowed else "**not met**"


def machine() -> dict[str, Any]:
    """CPU count, load average and Python speed now (the figures depend on all three)."""
    load = [round(value, 2) for value in os.getloadavg()]
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": load,
        "python_step_ns": python_step_ns(),
    }


def python_step_ns(steps: int = 200_000, rounds: int = 5) -> float:
    """Nanoseconds per step of a fixed pure-Python loop, best of ``rounds``: machines of one
    kind differ (a run measured 3 times slower Python on one than on another), so a figure
    is comparable with another only at a similar speed."""

    def loop() -> float:
        started = time.perf_counter()
        total = 0
        for step in range(steps):
            total += step
        return time.perf_counter() - started

    return round(min(loop() for _ in range(rounds)) * 1e9 / steps, 1)


def jsonable(value: Any) -> Any:
    """``inf`` as the string "inf" (JSON has no infinity)."""
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def write(
    name: str, result: dict[str, Any], markdown: str, timestamp: str | None = None
) -> tuple[Path, Path]:
    """Write (or overwrite: a run rewrites its files after each scenario) the results."""
    timestamp = timestamp or stamp()
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS / f"{name}-{timestamp}.json"
    md_path = RESULTS / f"{name}-{timestamp}.md"
    json_path.write_text(json.dumps(jsonable(result), indent=2) + "\n")
    md_path.write_text(markdown)
    return json_path, md_path
