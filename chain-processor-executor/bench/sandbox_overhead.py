"""Per-node sandbox overhead: round trips of a trivial node and a builtin node through one
pre-started sandbox, compared with calling the same function in this process.

Run: ``../.venv/bin/python bench/sandbox_overhead.py [runs]``. Prints medians and p95 in ms.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from collections.abc import Callable

from chain_processor_core.lib_chains.builtins import builtin_source, run_builtin
from chain_processor_executor.sandbox import SandboxPool

TRIVIAL = "def node(input_text):\n    return input_text\n"


def measure(call: Callable[[], object], runs: int) -> list[float]:
    for _ in range(100):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)


def report(name: str, samples: list[float]) -> None:
    p95 = samples[int(len(samples) * 0.95)]
    line = f"{name:<28} median {statistics.median(samples):.3f} ms   p95 {p95:.3f} ms\n"
    sys.stdout.write(line)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    builtin = builtin_source("uppercase")
    with SandboxPool(1) as pool:
        for label, code in (("trivial node", TRIVIAL), ("builtin uppercase", builtin)):
            code_hash = hashlib.sha256(code.encode()).hexdigest()
            report(
                f"sandbox: {label}",
                measure(lambda c=code, h=code_hash: pool.run(h, c, "hello world", None, 5), runs),
            )
    report(
        "in process: builtin", measure(lambda: run_builtin("uppercase", "hello world", None), runs)
    )


if __name__ == "__main__":
    main()
