"""One sandbox process seen from the worker: start it, run a node in it, kill it.

The worker enforces the wall-time limit here (a run past its deadline, or cancelled, kills
the sandbox's whole process group) and reads replies with a cap: a reply frame larger than
the output limit allows is never read, the sandbox is killed instead. Success comes only
from an explicit ``ok`` record with the right sequence number.
"""

from __future__ import annotations

import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
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


class SandboxProcess:
    """A pre-started interpreter that runs node code for one worker thread at a time."""

    def __init__(self, limits: SandboxLimits, slot: int, python: str = sys.executable) -> None:
        self.limits = limits
        self.slot = slot
        self.loaded: set[str] = set()
        self.broken = False
        self._seq = 0
        self.workdir = tempfile.mkdtemp(prefix=f"cp-sandbox-{slot}-")
        uid = limits.uid_base + slot if limits.uid_base is not None and os.geteuid() == 0 else None
        if uid is not None:
            os.chown(self.workdir, uid, uid)
        settings = {
            "sys_path": sandbox_sys_path(),
            "workdir": self.workdir,
            "preload": list(limits.preload),
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "open_files": limits.open_files,
            "max_output_bytes": limits.max_output_bytes,
            "uid": uid,
        }
        self.process = subprocess.Popen(
            [python, "-I", "-S", str(CHILD_SCRIPT), json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            cwd=self.workdir,
            start_new_session=True,
            bufsize=0,
        )
        self.isolation = self._start(uid)

    def _start(self, uid: int | None) -> dict[str, Any]:
        hello = self._read_frame(time.monotonic() + self.limits.start_timeout_s, None)
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
        self._seq += 1
        request = {
            "seq": self._seq,
            "hash": code_hash,
            "code": None if code_hash in self.loaded else code,
            "input": input_text,
            "config": config,
            "cpu_s": math.ceil(timeout_s) + 1,
        }
        started = time.monotonic()
        deadline = started + timeout_s
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(child.encode_frame(request))
        except (BrokenPipeError, OSError):
            return self._crashed(started)
        reply = self._read_frame(deadline, cancel)
        elapsed = (time.monotonic() - started) * 1000
        if isinstance(reply, Reason):
            self.kill()
            message = _KILL_MESSAGES[reply].format(timeout_s=timeout_s)
            return RunResult.failed(reply, message, elapsed)
        if reply is None or reply.get("seq") != self._seq:
            return self._crashed(started)
        if self._has_pending_bytes():
            self.broken = True  # something wrote more than one reply: do not reuse
        return self._result(reply, code_hash, elapsed)

    def _result(self, reply: dict[str, Any], code_hash: str, elapsed: float) -> RunResult:
        if reply.get("ok") is True and isinstance(reply.get("output"), str):
            self.loaded.add(code_hash)
            return RunResult(ok=True, output=reply["output"], duration_ms=elapsed)
        try:
            reason = Reason(str(reply.get("reason")))
        except ValueError:
            reason = Reason.CRASHED
        if reason not in (Reason.LOAD_ERROR, Reason.MEMORY):
            self.loaded.add(code_hash)
        if reason is Reason.MEMORY:
            self.broken = True
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

    def _read_frame(
        self, deadline: float, cancel: threading.Event | None
    ) -> dict[str, Any] | Reason | None:
        """The next reply, ``None`` at end of file or on a malformed frame, or the reason
        to kill the sandbox (timeout, cancelled, output limit)."""
        header = self._read_exactly(child.HEADER_BYTES, deadline, cancel)
        if not isinstance(header, bytes):
            return header
        size = int.from_bytes(header, "big")
        if size > self.limits.max_output_bytes * 6 + 64 * 1024:
            return Reason.OUTPUT_LIMIT
        payload = self._read_exactly(size, deadline, cancel)
        if not isinstance(payload, bytes):
            return payload
        try:
            message = json.loads(payload)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def _read_exactly(
        self, size: int, deadline: float, cancel: threading.Event | None
    ) -> bytes | Reason | None:
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        poller = select.poll()
        poller.register(descriptor, select.POLLIN)
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            if cancel is not None and cancel.is_set():
                return Reason.CANCELLED
            wait = deadline - time.monotonic()
            if wait <= 0:
                return Reason.TIMEOUT
            if cancel is not None:
                wait = min(wait, CANCEL_CHECK_S)
            if not poller.poll(math.ceil(wait * 1000)):
                continue
            chunk = os.read(descriptor, min(remaining, _CHUNK))
            if not chunk:
                return None
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _has_pending_bytes(self) -> bool:
        assert self.process.stdout is not None
        poller = select.poll()
        poller.register(self.process.stdout.fileno(), select.POLLIN)
        return bool(poller.poll(0))

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
        shutil.rmtree(self.workdir, ignore_errors=True)
        return status


_KILL_MESSAGES = {
    Reason.TIMEOUT: "The node ran longer than its time limit ({timeout_s:g} s)",
    Reason.CANCELLED: "The execution was cancelled while the node ran",
    Reason.OUTPUT_LIMIT: "The node's reply is larger than the output limit",
}
