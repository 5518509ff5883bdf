from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from chain_processor_executor.sandbox import Reason, RunResult, SandboxLimits, SandboxPool

LIMITS = SandboxLimits(memory_bytes=512 * 1024 * 1024, max_output_bytes=1024 * 1024)


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(2, LIMITS) as pool:
        yield pool


def run(
    pool: SandboxPool, code: str, text: str = "hello", config: object = None, timeout_s: float = 5
) -> RunResult:
    code_hash = hashlib.sha256(code.encode()).hexdigest()
    return pool.run(code_hash, code, text, config, timeout_s)


def assert_still_serving(pool: SandboxPool) -> None:
    """Every sandbox of the pool runs the next node correctly."""
    for _ in range(pool.size + 1):
        result = run(pool, "def node(text):\n    return text[::-1]\n", "abc")
        assert result.ok and result.output == "cba", result


def assert_failed(result: RunResult, reason: Reason, *fragments: str) -> None:
    assert not result.ok and result.output is None, result
    assert result.reason is reason, result
    for fragment in fragments:
        assert fragment in (result.error or ""), result
