"""Node test-runs through the executor's sandbox (FR-2; ADR-0006).

Node code never runs in the API process: a :class:`SandboxRunner` keeps a small
:class:`~chain_processor_executor.sandbox.SandboxPool` (started on first use, closed with the
app) and lets at most ``size`` test-runs in at once; one more is refused at once with
:class:`ServiceUnavailableError` (503, ``Retry-After``) rather than queued behind runs that
may each take the whole time limit. Calls block, so handlers run them in the threadpool.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from chain_processor_core.exceptions.errors import NodeLoadError, ServiceUnavailableError
from chain_processor_core.lib_chains.contract import check_node_code
from chain_processor_core.utils.sanitize import sanitize_error_message
from chain_processor_executor.sandbox import Reason, RunResult, SandboxLimits, SandboxPool
from chain_processor_executor.sandbox.limits import SandboxStartError

TIMEOUT_KEY = "_timeout_s"
"""Config key of a per-step time limit, removed before the node sees its config (as the
executor does)."""


@dataclass(frozen=True)
class TestRun:
    """What one test-run produced: an output, or a reason code and a sanitized error."""

    __test__ = False  # not a pytest class

    output: str | None
    error: str | None
    reason: str | None
    time_ms: float


class SandboxRunner:
    def __init__(
        self,
        *,
        size: int,
        limits: SandboxLimits,
        first_slot: int,
        timeout_s: float,
        max_timeout_s: float,
    ) -> None:
        self.size = size
        self.limits = limits
        self.first_slot = first_slot
        self.timeout_s = timeout_s
        self.max_timeout_s = max_timeout_s
        self._pool: SandboxPool | None = None
        self._pool_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False

    def run(self, code: str, input_text: str, config: dict[str, Any]) -> TestRun:
        """Run ``node(input_text[, config])`` in a sandbox with the executor's limits."""
        config = dict(config)
        timeout_s = _timeout(config.pop(TIMEOUT_KEY, None), self.timeout_s, self.max_timeout_s)
        try:
            check_node_code(code)  # static: parse only, never executed here
        except NodeLoadError as error:
            return TestRun(None, sanitize_error_message(error.detail), Reason.LOAD_ERROR, 0.0)
        if not self._slots.acquire(blocking=False):
            raise ServiceUnavailableError("Every test-run sandbox is busy; try again shortly")
        try:
            pool = self._get_pool()
            code_hash = hashlib.sha256(code.encode("utf-8")).hexdigest()
            result = pool.run(code_hash, code, input_text, config, timeout_s)
        except SandboxStartError as error:
            raise ServiceUnavailableError("The sandbox could not be started") from error
        finally:
            self._slots.release()
        return _test_run(result)

    def _get_pool(self) -> SandboxPool:
        with self._pool_lock:
            if self._closed:
                raise ServiceUnavailableError("The API is shutting down")
            if self._pool is None:
                self._pool = SandboxPool(self.size, self.limits, first_slot=self.first_slot)
            return self._pool

    def close(self) -> None:
        """Kill the sandboxes (those in use when they are handed back)."""
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


def _timeout(value: object, default: float, cap: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return min(default, cap)
    return min(float(value), cap)


def _test_run(result: RunResult) -> TestRun:
    time_ms = round(result.duration_ms, 3)
    if result.ok:
        return TestRun(result.output, None, None, time_ms)
    error = sanitize_error_message(result.error or "The node failed")
    reason = result.reason.value if result.reason is not None else Reason.CRASHED.value
    return TestRun(None, error, reason, time_ms)
