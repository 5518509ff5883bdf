"""One sandbox seen from the worker: start its zygote, run an execution's nodes in it, kill it.

A run sends the steps at once and reads one reply per node as the fork sends it, so the
worker learns of each finished node at once (and can publish it) with one round trip per
execution. The worker enforces each node's wall-time limit here (a node past its deadline,
or a cancelled run, kills the sandbox's whole process group) and reads replies with a cap: a
reply frame larger than the output limit allows is never read, the sandbox is killed
instead. Success comes only from an explicit ``ok`` record with the right sequence number
and index; a run ends when the zygote reports on the control pipe that the fork is gone, and
whatever the fork wrote beyond its replies is thrown away with it.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import chain_processor_core
from chain_processor_core.utils.sanitize import sanitize_error_message
from chain_processor_executor.sandbox import child
from chain_processor_executor.sandbox.limits import (
    Reason,
    RunResult,
    SandboxLimits,
    SandboxStartError,
)

CHILD_SCRIPT = Path(child.__file__).resolve()
CANCEL_CHECK_S = 0.05
_CHUNK = 1024 * 1024


def sandbox_sys_path() -> list[str]:
    """The standard library, the installed packages and chain_processor_core: no project
    source folder other than core's."""
    paths = sysconfig.get_paths()
    version = f"{sys.version_info.major}{sys.version_info.minor}"
    candidates = [
        os.path.join(sys.base_prefix, "lib", f"python{version}.zip"),
        paths["stdlib"],
        os.path.join(paths["stdlib"], "lib-dynload"),
        paths["platstdlib"],
        paths["purelib"],
        paths["platlib"],
        str(Path(chain_processor_core.__file__).resolve().parent.parent),
    ]
    return list(dict.fromkeys(path for path in candidates if os.path.exists(path)))


@dataclass(frozen=True)
class StepCall:
    """One node of a run: its code (by content hash), config and wall-time limit."""

    code_hash: str
    code: str
    config: object
    timeout_s: float


class SandboxProcess:
    """A pre-started zygote that runs one execution at a time for one worker thread, each in
    a fresh fork of itself."""

    def __init__(self, limits: SandboxLimits, slot: int, python: str = sys.executable) -> None:
        self.limits = limits
        self.slot = slot
        self.loaded: set[str] = set()
        self.broken = False
        self._seq = 0
        self.warm_key: str | None = None
        """The trust domain whose runs the zygote's kept fork serves, if it keeps one."""
        self.workdir = tempfile.mkdtemp(prefix=f"cp-sandbox-{slot}-")
        uid = limits.uid_base + slot if limits.uid_base is not None and os.geteuid() == 0 else None
        if uid is not None:
            os.chown(self.workdir, uid, uid)
        control_read, control_write = os.pipe()
        settings = {
            "sys_path": sandbox_sys_path(),
            "workdir": self.workdir,
            "preload": list(limits.preload),
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "open_files": limits.open_files,
            "max_output_bytes": limits.max_output_bytes,
            "uid": uid,
            "control_fd": control_write,
            "max_warm_runs": limits.max_warm_runs,
        }
        try:
            self.process = subprocess.Popen(
                [python, "-I", "-S", str(CHILD_SCRIPT), json.dumps(settings)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={},
                cwd=self.workdir,
                start_new_session=True,
                bufsize=0,
                pass_fds=(control_write,),
            )
        except BaseException:
            os.close(control_read)
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        finally:
            os.close(control_write)
        self.control = control_read
        self._data = bytearray()
        self.isolation = self._start(uid)

    def _start(self, uid: int | None) -> dict[str, Any]:
        hello = self._next_frame(time.monotonic() + self.limits.start_timeout_s, None)
        if not isinstance(hello, dict) or not hello.get("ready"):
            self.kill()
            raise SandboxStartError(f"The sandbox did not start: {hello!r}")
        isolation: dict[str, Any] = hello["isolation"]
        if self.limits.require_network_isolation and not isolation.get("network"):
            self.kill()
            raise SandboxStartError("The sandbox could not get a network namespace")
        if uid is not None and isolation.get("uid") != uid:
            self.kill()
            raise SandboxStartError("The sandbox did not switch to its own uid")
        return isolation

    @property
    def alive(self) -> bool:
        return not self.broken and self.process.poll() is None

    def run(
        self,
        code_hash: str,
        code: str,
        input_text: str,
        config: object,
        timeout_s: float,
        cancel: threading.Event | None = None,
    ) -> RunResult:
        """Run ``node`` of ``code`` on ``input_text``; never raises for what the node did."""
        results = list(
            self.run_chain([StepCall(code_hash, code, config, timeout_s)], input_text, cancel)
        )
        result = results[-1]
        assert result is not None
        return result

    def run_chain(
        self,
        steps: Sequence[StepCall],
        input_text: str,
        cancel: threading.Event | None = None,
        idle_s: float | None = None,
        key: str | None = None,
    ) -> Iterator[RunResult | None]:
        """Run ``steps`` in order, each on the previous output, and yield each node's result
        as soon as it is known, up to and including the first failure; yield ``None`` when
        ``idle_s`` passed with no news. Never raises for what a node did. Closing the
        iterator early kills a run still going.

        Runs with the same ``key`` (one trust domain: one user's runs of one chain version)
        may share a fork, one after the other; a run of another key, or without one, never
        meets a process that ran node code before it."""
        started = time.monotonic()
        if self.warm_key is not None and self.warm_key != key and not self._retire():
            self.kill()
            yield RunResult.failed(Reason.CRASHED, "The sandbox could not be reset")
            return
        self._seq = secrets.randbits(52)  # unguessable: a fork cannot answer a run it never saw
        cap = self.limits.max_cached_nodes
        if len(self.loaded) + len(steps) > cap:
            self.broken = True  # recycled when handed back: its compiled code is dropped
        request = {
            "seq": self._seq,
            "key": key,
            "input": input_text,
            "steps": [
                {
                    "hash": step.code_hash,
                    "code": None if step.code_hash in self.loaded else step.code,
                    "config": step.config,
                    "cpu_s": math.ceil(step.timeout_s) + 1,
                }
                for step in steps
            ],
        }
        self.warm_key = None  # until the zygote says it kept the fork
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(child.encode_frame(request))
        except (BrokenPipeError, OSError):
            yield self._crashed(started)
            return
        self.loaded.update(step.code_hash for step in steps)
        done = False
        try:
            yield from self._replies(steps, started, cancel, idle_s, key)
            done = True
        finally:
            if not done:
                self.kill()

    def _replies(
        self,
        steps: Sequence[StepCall],
        started: float,
        cancel: threading.Event | None,
        idle_s: float | None,
        key: str | None,
    ) -> Iterator[RunResult | None]:
        index, node_started, last_news = 0, started, started
        while index < len(steps):
            deadline = node_started + steps[index].timeout_s
            wake = deadline if idle_s is None else min(deadline, last_news + idle_s)
            reply = self._next_frame(wake, cancel, watch_control=True)
            now = time.monotonic()
            elapsed = (now - node_started) * 1000
            if reply is _Event.IDLE:
                if now < deadline:
                    last_news = now
                    yield None
                    continue
                reply = Reason.TIMEOUT
            if isinstance(reply, Reason):
                self.kill()
                message = _KILL_MESSAGES[reply].format(timeout_s=steps[index].timeout_s)
                yield RunResult.failed(reply, message, elapsed)
                return
            if reply is _Event.ENDED:
                yield self._ended(node_started)
                return
            if isinstance(reply, dict) and reply.get("seq") != self._seq and now < deadline:
                continue  # written for an earlier run of this trust domain: not this run's
            if not isinstance(reply, dict) or reply.get("index") != index:
                yield self._crashed(node_started)
                return
            result = self._result(reply, elapsed)
            yield result
            if not result.ok:
                break
            index += 1
            node_started = last_news = now
        self._await_end(time.monotonic() + self.limits.end_timeout_s, key)

    def _ended(self, started: float) -> RunResult:
        """The fork ended before answering for the current node: say how."""
        status = self._control_record()
        elapsed = (time.monotonic() - started) * 1000
        if status is None:
            return self._crashed(started)
        self._data.clear()
        if status.get("signal") == signal.SIGXCPU:
            return RunResult.failed(Reason.TIMEOUT, "The node used up its CPU time", elapsed)
        if status.get("signal") is not None:
            how = f"signal {status['signal']}"
        else:
            how = f"status {status.get('exit')}"
        return RunResult.failed(
            Reason.CRASHED, f"The node's process ended without a result ({how})", elapsed
        )

    def _retire(self) -> bool:
        """Have the zygote kill the fork it keeps, then drop whatever that fork wrote."""
        self._seq = secrets.randbits(52)
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(child.encode_frame({"seq": self._seq, "retire": True}))
        except (BrokenPipeError, OSError):
            return False
        deadline = time.monotonic() + self.limits.end_timeout_s
        while self._next_frame(deadline, None, watch_control=True) is not _Event.ENDED:
            if time.monotonic() > deadline:
                return False
        record = self._control_record()
        self._data.clear()
        self.warm_key = None
        return record is not None and record.get("retired") is True

    def _await_end(self, deadline: float, key: str | None) -> None:
        """Wait for the zygote's end-of-run record and drop whatever else the fork wrote."""
        while True:
            reply = self._next_frame(deadline, None, watch_control=True)
            if time.monotonic() > deadline:
                self.kill()
                return
            if reply is _Event.ENDED:
                record = self._control_record()
                if record is None:
                    self.kill()
                elif record.get("warm") is True:
                    self.warm_key = key
                self._data.clear()
                return
            if not isinstance(reply, dict):
                self.kill()  # no end in time, or garbage: never reuse
                return

    def _result(self, reply: dict[str, Any], elapsed: float) -> RunResult:
        if reply.get("ok") is True and isinstance(reply.get("output"), str):
            return RunResult(ok=True, output=reply["output"], duration_ms=elapsed)
        try:
            reason = Reason(str(reply.get("reason")))
        except ValueError:
            reason = Reason.CRASHED
        error_type, message = str(reply.get("error_type") or ""), str(reply.get("message") or "")
        text = sanitize_error_message(message)
        error = f"{error_type}: {text}" if error_type and text else error_type or text
        return RunResult.failed(reason, error or reason.value, elapsed)

    def _crashed(self, started: float) -> RunResult:
        status = self.kill()
        elapsed = (time.monotonic() - started) * 1000
        if status == -signal.SIGXCPU:
            return RunResult.failed(Reason.TIMEOUT, "The node used up its CPU time", elapsed)
        return RunResult.failed(
            Reason.CRASHED, f"The sandbox process ended without a result (status {status})", elapsed
        )

    def _control_record(self) -> dict[str, Any] | None:
        """The zygote's end-of-run record for this run, ``None`` if it is missing or wrong."""
        header = self._read_control(child.HEADER_BYTES)
        if header is None:
            return None
        payload = self._read_control(min(int.from_bytes(header, "big"), 4096))
        try:
            record = json.loads(payload) if payload is not None else None
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("seq") != self._seq:
            return None
        return record

    def _read_control(self, size: int) -> bytes | None:
        chunks: list[bytes] = []
        deadline = time.monotonic() + self.limits.end_timeout_s
        while size and time.monotonic() < deadline:
            if not select.select([self.control], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            chunk = os.read(self.control, size)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return None if size else b"".join(chunks)

    def _next_frame(
        self, deadline: float, cancel: threading.Event | None, *, watch_control: bool = False
    ) -> dict[str, Any] | Reason | _Event | None:
        """The next reply frame; ``None`` at end of file or on a malformed frame; the reason
        to kill the sandbox (cancelled, output limit); ``IDLE`` when ``deadline`` passed;
        ``ENDED`` when the zygote reports the end of the run and no whole frame is left."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        poller = select.poll()
        poller.register(descriptor, select.POLLIN)
        if watch_control:
            poller.register(self.control, select.POLLIN)
        limit = self.limits.max_output_bytes * 6 + 64 * 1024
        while True:
            frame = self._take_frame(limit)
            if frame is not _Event.NEED_MORE:
                return frame
            if cancel is not None and cancel.is_set():
                return Reason.CANCELLED
            wait = deadline - time.monotonic()
            if wait <= 0:
                return _Event.IDLE
            if cancel is not None:
                wait = min(wait, CANCEL_CHECK_S)
            events = dict(poller.poll(math.ceil(wait * 1000)))
            if events.get(descriptor):
                chunk = os.read(descriptor, _CHUNK)
                if not chunk:
                    return None
                self._data += chunk
                continue
            if events.get(self.control):
                self._drain_data()
                frame = self._take_frame(limit)
                return _Event.ENDED if frame is _Event.NEED_MORE else frame

    def _drain_data(self) -> None:
        """Read what is already in the reply pipe (the fork is gone, so it is all there)."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        while select.select([descriptor], [], [], 0)[0]:
            chunk = os.read(descriptor, _CHUNK)
            if not chunk:
                return
            self._data += chunk
            if len(self._data) > self.limits.max_output_bytes * 6 + 64 * 1024:
                return

    def _take_frame(self, limit: int) -> dict[str, Any] | Reason | _Event | None:
        if len(self._data) < child.HEADER_BYTES:
            return _Event.NEED_MORE
        size = int.from_bytes(self._data[: child.HEADER_BYTES], "big")
        if size > limit:
            return Reason.OUTPUT_LIMIT
        end = child.HEADER_BYTES + size
        if len(self._data) < end:
            return _Event.NEED_MORE
        payload = bytes(self._data[child.HEADER_BYTES : end])
        del self._data[:end]
        try:
            message = json.loads(payload)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def kill(self) -> int | None:
        """Kill the sandbox's process group, reap it, remove its working directory."""
        self.broken = True
        if self.process.returncode is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.kill()
        status = self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        if self.control >= 0:
            os.close(self.control)
            self.control = -1
        shutil.rmtree(self.workdir, ignore_errors=True)
        return status


class _Event(Enum):
    """What the reply pipe said besides a frame."""

    IDLE = "idle"
    ENDED = "ended"
    NEED_MORE = "need_more"


_KILL_MESSAGES = {
    Reason.TIMEOUT: "The node ran longer than its time limit ({timeout_s:g} s)",
    Reason.CANCELLED: "The execution was cancelled while the node ran",
    Reason.OUTPUT_LIMIT: "The node's reply is larger than the output limit",
}
