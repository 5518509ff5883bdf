"""A pool of sandbox processes shared by the threads of one worker.

A thread borrows a sandbox for one node run or one execution's chain. Some sandboxes start
with the pool, the others when first needed, up to ``size``: a run of a trust domain that no
idle sandbox keeps a fork of takes an idle sandbox keeping none, else a new one, and only
when all ``size`` are started the idle sandbox used last, whose kept fork ends (executor
ADR-0008). A sandbox that was killed (timeout, cancel,
crash, output over the limit) or that may be damaged (out of memory) is replaced by a fresh
one before it goes back to the pool, so the next node always gets a working sandbox.
Each replacement counts in ``executor_sandbox_restarts_total{reason}``: the reason code of
the run that ended the sandbox, ``protocol`` when it answered more than once, ``unknown``
when it was borrowed through :meth:`SandboxPool.sandbox` directly.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from chain_processor_executor.metrics import SANDBOX_RESTARTS
from chain_processor_executor.sandbox.limits import RunResult, SandboxLimits
from chain_processor_executor.sandbox.process import SandboxProcess, StepCall


class SandboxPool:
    """``size`` sandbox processes using slots ``first_slot … first_slot + size - 1`` (each
    slot has its own uid when the worker runs as root)."""

    def __init__(
        self,
        size: int,
        limits: SandboxLimits | None = None,
        *,
        first_slot: int = 0,
        python: str = sys.executable,
    ) -> None:
        self.size = size
        self.limits = limits or SandboxLimits()
        self.python = python
        self.restarts = 0
        self._idle: list[SandboxProcess] = []
        self._missing = list(range(first_slot, first_slot + size))
        self._condition = threading.Condition()
        self._closed = False

    def start(self, count: int | None = None) -> SandboxPool:
        """Start ``count`` sandboxes now (every one when ``None``) rather than on first use."""
        wanted = self.size if count is None else min(count, self.size)
        while self.started < wanted:
            process = SandboxProcess(self.limits, self._missing[-1], self.python)
            self._missing.pop()
            self._idle.append(process)
        return self

    @property
    def started(self) -> int:
        """Sandboxes started (idle or borrowed)."""
        return self.size - len(self._missing)

    @contextmanager
    def sandbox(self) -> Iterator[SandboxProcess]:
        process = self._acquire()
        try:
            yield process
        finally:
            self._release(process, "unknown")

    def run(
        self,
        code_hash: str,
        code: str,
        input_text: str,
        config: object,
        timeout_s: float,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        process = self._acquire()
        reason = "unknown"
        try:
            result = process.run(code_hash, code, input_text, config, timeout_s, cancel)
            reason = result.reason.value if result.reason else "protocol"
            return result
        finally:
            self._release(process, reason)

    def run_chain(
        self,
        steps: Sequence[StepCall],
        input_text: str,
        cancel: threading.Event | None = None,
        idle_s: float | None = None,
        key: str | None = None,
    ) -> Iterator[RunResult | None]:
        """:meth:`SandboxProcess.run_chain` in a borrowed sandbox (one that keeps a fork of
        ``key`` when there is one), handed back (or replaced) when the iterator ends or is
        closed."""
        process = self._acquire(key)
        reason = "unknown"
        try:
            for result in process.run_chain(steps, input_text, cancel, idle_s, key):
                if result is not None:
                    reason = result.reason.value if result.reason else "protocol"
                yield result
        finally:
            self._release(process, reason)

    def _acquire(self, key: str | None = None) -> SandboxProcess:
        with self._condition:
            while not self._idle and not self._missing:
                self._condition.wait()
            if self._idle:
                # a sandbox keeping a fork of this key, else one keeping none, else a new
                # one, else the one used last (then its kept fork ends)
                index = min(
                    range(len(self._idle)),
                    key=lambda i: (
                        self._idle[i].warm_key != key or key is None,
                        self._idle[i].warm_key is not None,
                        -i,
                    ),
                )
                kept = self._idle[index].warm_key
                if kept is None or kept == key or not self._missing:
                    return self._idle.pop(index)
            slot = self._missing.pop()
        try:
            return SandboxProcess(self.limits, slot, self.python)
        except BaseException:
            with self._condition:
                self._missing.append(slot)
                self._condition.notify()
            raise

    def _release(self, process: SandboxProcess, reason: str) -> None:
        if not process.alive:
            process.kill()
            self.restarts += 1
            SANDBOX_RESTARTS.labels(reason=reason).inc()
            try:
                process = SandboxProcess(self.limits, process.slot, self.python)
            except BaseException:
                with self._condition:
                    self._missing.append(process.slot)
                    self._condition.notify()
                raise
        with self._condition:
            if self._closed:
                process.kill()
                return
            self._idle.append(process)
            self._condition.notify()

    def close(self) -> None:
        """Kill every idle sandbox; sandboxes still in use are killed when returned."""
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
        for process in idle:
            process.kill()

    def __enter__(self) -> SandboxPool:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()
