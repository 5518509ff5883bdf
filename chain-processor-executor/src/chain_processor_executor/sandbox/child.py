"""The sandbox process: runs node code for its parent, one request at a time.

The parent starts this file as a script (``python -I -S child.py SETTINGS_JSON``) with an
empty environment, so it imports only the standard library. It speaks length-prefixed JSON
frames: requests on stdin, results on stdout; both are moved to other descriptors at start and
descriptors 0-2 point at ``/dev/null``, so whatever a node prints goes nowhere.

A request ``{"seq", "hash", "code", "input", "config", "cpu_s"}`` loads the code once per
process (its module namespace is kept by content hash) and calls ``node``. The reply is one
record ``{"seq", "ok": true, "output"}`` or ``{"seq", "ok": false, "reason", "error_type",
"message"}``; success is never inferred from anything else. :func:`confine` applies the
operating-system layers (rlimits, network namespace, separate uid) and :func:`audit_hook`
adds a Python-level second line; see docs/adr/0002-sandbox.md for what each one enforces.
"""

from __future__ import annotations

import builtins
import json
import os
import resource
import shutil
import signal
import sys
from collections.abc import Callable
from typing import IO, Any

HEADER_BYTES = 4
MAX_REQUEST_BYTES = 64 * 1024 * 1024

TIMEOUT, MEMORY, OUTPUT_LIMIT, CRASHED = "timeout", "memory", "output_limit", "crashed"
NODE_ERROR, INVALID_OUTPUT, LOAD_ERROR, CANCELLED = (
    "node_error",
    "invalid_output",
    "load_error",
    "cancelled",
)

BLOCKED_EVENTS = frozenset(
    {
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
        "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill",
        "socket.__new__", "sys.addaudithook", "sys.settrace", "sys.setprofile",
    }
)  # fmt: skip
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000
_TIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)


def encode_frame(message: dict[str, Any]) -> bytes:
    payload = json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return len(payload).to_bytes(HEADER_BYTES, "big") + payload


def read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next request, or ``None`` when the parent closed the pipe."""
    header = stream.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        return None
    size = int.from_bytes(header, "big")
    if size > MAX_REQUEST_BYTES:
        return None
    message: dict[str, Any] = json.loads(stream.read(size))
    return message


def failure(seq: int, reason: str, error: BaseException | str) -> dict[str, Any]:
    if isinstance(error, str):
        error_type, message = "", error
    else:
        error_type, message = type(error).__name__, _safe_str(error)
    record = {"reason": reason, "error_type": error_type, "message": message[:10_000]}
    return {"seq": seq, "ok": False, **record}


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return ""


class NodeHost:
    """The loaded node functions of this process and how to call them."""

    def __init__(self, max_output_bytes: int) -> None:
        self.max_output_bytes = max_output_bytes
        self.functions: dict[str, Callable[..., object]] = {}

    def load(self, code_hash: str, code: str) -> Callable[..., object]:
        namespace: dict[str, Any] = {"__name__": "node_code", "__builtins__": builtins}
        exec(compile(code, f"<node {code_hash[:12]}>", "exec"), namespace)
        function: Callable[..., object] | None = namespace.get("node")
        if not callable(function):
            raise TypeError("Node code must define a function `node`")
        self.functions[code_hash] = function
        return function

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        seq: int = request["seq"]
        code_hash: str = request["hash"]
        function = self.functions.get(code_hash)
        if function is None:
            if request.get("code") is None:
                return failure(seq, LOAD_ERROR, "The node code is not loaded")
            try:
                function = self.load(code_hash, request["code"])
            except MemoryError as error:
                return failure(seq, MEMORY, error)
            except BaseException as error:
                return failure(seq, LOAD_ERROR, error)
        return self.call(seq, function, request["input"], request.get("config"))

    def call(
        self, seq: int, function: Callable[..., object], text: str, config: object
    ) -> dict[str, Any]:
        takes_config = getattr(getattr(function, "__code__", None), "co_argcount", 1) >= 2
        try:
            result = function(text, config) if takes_config else function(text)
        except MemoryError as error:
            return failure(seq, MEMORY, error)
        except BaseException as error:
            return failure(seq, NODE_ERROR, error)
        if not isinstance(result, str):
            return failure(
                seq, INVALID_OUTPUT, f"Node returned {type(result).__name__}, expected str"
            )
        try:
            size = len(result.encode("utf-8"))
        except UnicodeEncodeError:
            return failure(seq, INVALID_OUTPUT, "Node returned text that is not valid Unicode")
        if size > self.max_output_bytes:
            limit = self.max_output_bytes
            return failure(seq, OUTPUT_LIMIT, f"Node output is {size} bytes; the limit is {limit}")
        return {"seq": seq, "ok": True, "output": result}


def cpu_soft_limit(used_s: float, seconds: int, hard: int) -> int:
    """The RLIMIT_CPU soft limit that leaves ``seconds`` more CPU time (RLIMIT_CPU counts
    the whole life of the process, and a sandbox runs many nodes)."""
    soft = int(used_s) + 1 + seconds
    return soft if hard == resource.RLIM_INFINITY else min(soft, hard)


def set_cpu_budget(seconds: int) -> None:
    """Let this process use ``seconds`` more CPU time before the kernel stops it (SIGXCPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = cpu_soft_limit(usage.ru_utime + usage.ru_stime, seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def reset_after_run(workdir: str, recursion_limit: int) -> None:
    """Undo what a node may have left behind for the next one: timers, hooks, files."""
    for timer in _TIMERS:
        signal.setitimer(timer, 0)
    sys.setrecursionlimit(recursion_limit)
    os.chdir(workdir)
    with os.scandir(workdir) as entries:
        leftovers = [entry.path for entry in entries]
    for path in leftovers:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def audit_hook(workdir: str) -> Callable[[str, tuple[Any, ...]], None]:
    """A hook refusing process creation, signals, sockets, ctypes and writes outside
    ``workdir``: a second line behind the operating-system limits, never the only one."""
    prefix = os.path.join(workdir, "")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in BLOCKED_EVENTS or event.startswith("ctypes."):
            raise PermissionError(f"{event} is not allowed in a node")
        if event == "object.__setattr__" and len(args) > 1 and args[1] == "__code__":
            raise PermissionError("Replacing code objects is not allowed in a node")
        if event == "open" and _writes(args):
            path = args[0]
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            if not isinstance(path, str) or not os.path.abspath(path).startswith(prefix):
                raise PermissionError("A node may only write files in its working directory")

    return hook


def _writes(args: tuple[Any, ...]) -> bool:
    mode = args[1] if len(args) > 1 else None
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str) and any(char in mode for char in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def confine(settings: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - sandbox only
    """Apply the operating-system limits to this process; say which ones hold."""
    limits = [
        (resource.RLIMIT_AS, settings["memory_bytes"]),
        (resource.RLIMIT_FSIZE, settings["file_bytes"]),
        (resource.RLIMIT_NOFILE, settings["open_files"]),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, 0),
    ]
    for limit, value in limits:
        resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    uid = settings.get("uid")
    network = _unshare(_CLONE_NEWNET if uid is not None else _CLONE_NEWUSER | _CLONE_NEWNET)
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return {"network": network, "uid": os.getuid(), "separate_uid": uid is not None}


def _unshare(flags: int) -> bool:  # pragma: no cover - sandbox only
    import ctypes  # loaded before the audit hook refuses ctypes to node code

    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.unshare(flags)) == 0


def main() -> None:  # pragma: no cover - sandbox only; its parts are tested directly
    settings: dict[str, Any] = json.loads(sys.argv[1])
    sys.path[:] = settings["sys_path"]
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(null, descriptor)
    workdir = settings["workdir"]
    os.chdir(workdir)
    for module in settings["preload"]:
        try:
            __import__(module)
        except Exception:
            pass  # a missing module fails the nodes that need it, with its own error
    isolation = confine(settings)
    sys.addaudithook(audit_hook(workdir))
    host = NodeHost(settings["max_output_bytes"])
    recursion_limit = sys.getrecursionlimit()
    replies.write(encode_frame({"ready": True, "isolation": isolation}))
    replies.flush()
    while (request := read_frame(requests)) is not None:
        set_cpu_budget(request["cpu_s"])
        reply = host.handle(request)
        reset_after_run(workdir, recursion_limit)
        replies.write(encode_frame(reply))
        replies.flush()


if __name__ == "__main__":
    main()
