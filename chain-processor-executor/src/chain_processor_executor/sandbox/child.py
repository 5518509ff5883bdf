"""The sandbox process: a zygote that forks a fresh process for every run it is asked for.

The parent starts this file as a script (``python -I -S child.py SETTINGS_JSON``) with an
empty environment, so it imports only the standard library and what ``preload`` names. It
speaks length-prefixed JSON frames: requests on stdin, node replies on stdout, and the end of
each run on the control descriptor ``settings["control_fd"]``. Descriptors 0-2 then point
at ``/dev/null``, so whatever a node prints goes nowhere.

A request ``{"seq", "input", "steps": [{"hash", "code", "config", "cpu_s"}, ...]}`` is one
execution's nodes. The zygote compiles new code (by content hash; compiling runs none of it),
then forks: the fork runs the steps in order and sends one reply per node as it finishes,
``{"seq", "index", "ok": true, "output"}`` or ``{"seq", "index", "ok": false, "reason",
"error_type", "message"}``, stopping at the first failure; success is never inferred from
anything else. The zygote waits for the fork, empties the working directory and sends
``{"seq", "exit": code}`` or ``{"seq", "signal": n}`` on the control descriptor.

Node code therefore never runs in the zygote: whatever a node does to its process (patched
builtins, hooks, timers, threads, memory) dies with the fork and cannot reach another
execution. :func:`confine` applies the operating-system layers to the zygote (rlimits,
network namespace, separate uid), :func:`confine_run` adds what only a run gets (no child
processes, the audit hook); see docs/adr/0002-sandbox.md for what each one enforces.
"""

from __future__ import annotations

import builtins
import gc
import json
import os
import resource
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import IO, Any

HEADER_BYTES = 4
MAX_REQUEST_BYTES = 64 * 1024 * 1024

TIMEOUT, MEMORY, OUTPUT_LIMIT, CRASHED = "timeout", "memory", "output_limit", "crashed"
INVALID_INPUT = "invalid_input"
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
    """Node code compiled by content hash, and how to load and call it."""

    def __init__(self, max_output_bytes: int) -> None:
        self.max_output_bytes = max_output_bytes
        self.compiled: dict[str, CodeType] = {}
        self.problems: dict[str, str] = {}
        self.functions: dict[str, Callable[..., object]] = {}

    def compile(self, code_hash: str, code: str | None) -> str | None:
        """Compile ``code`` once per hash (compiling runs none of it); the reason it cannot
        be loaded, or ``None``."""
        if code_hash in self.compiled or code_hash in self.problems:
            return self.problems.get(code_hash)
        if code is None:
            return "The node code is not loaded"
        try:
            self.compiled[code_hash] = compile(code, f"<node {code_hash[:12]}>", "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
            self.problems[code_hash] = f"{type(error).__name__}: {_safe_str(error)}"
            return self.problems[code_hash]
        return None

    def load(self, code_hash: str, code: str | None = None) -> Callable[..., object]:
        """Run the module body of a compiled node (this executes node code) and return its
        ``node``; the function is kept, so a process loads each hash once."""
        function = self.functions.get(code_hash)
        if function is not None:
            return function
        if code_hash not in self.compiled:
            problem = self.compile(code_hash, code)
            if problem is not None:
                raise ImportError(problem)
        namespace: dict[str, Any] = {"__name__": "node_code", "__builtins__": builtins}
        exec(self.compiled[code_hash], namespace)
        loaded: object = namespace.get("node")
        if not callable(loaded):
            raise TypeError("Node code must define a function `node`")
        self.functions[code_hash] = loaded
        return loaded

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """One node run: ``{"seq", "hash", "code", "input", "config"}``."""
        seq: int = request["seq"]
        try:
            function = self.load(request["hash"], request.get("code"))
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


def clean_workdir(workdir: str) -> None:
    """Remove what a run left in the working directory, so the next one finds it empty."""
    with os.scandir(workdir) as entries:
        leftovers = [entry.path for entry in entries]
    for path in leftovers:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def run_steps(
    host: NodeHost,
    request: dict[str, Any],
    problems: dict[str, str],
    send: Callable[[dict[str, Any]], None],
) -> None:
    """Run a request's steps in order, each on the previous one's output, sending each
    node's reply (with its ``index``) as soon as it is known; stop at the first failure."""
    seq: int = request["seq"]
    text: object = request["input"]
    for index, step in enumerate(request["steps"]):
        code_hash: str = step["hash"]
        if code_hash in problems:
            reply = failure(seq, LOAD_ERROR, problems[code_hash])
        elif not isinstance(text, str) or not text:
            reply = failure(seq, INVALID_INPUT, "Input cannot be empty")
        else:
            set_cpu_budget(step["cpu_s"])
            reply = host.handle(
                {"seq": seq, "hash": code_hash, "input": text, "config": step.get("config")}
            )
        send({**reply, "index": index})
        if not reply["ok"]:
            return
        text = reply["output"]


def exit_status(status: int) -> dict[str, int]:
    """A ``waitpid`` status as a control record: ``{"signal": n}`` or ``{"exit": code}``."""
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.waitstatus_to_exitcode(status)}


def write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


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


def confine_run(workdir: str) -> None:  # pragma: no cover - sandbox only
    """The limits only a forked run gets: no child processes (the zygote itself must be
    able to fork) and the audit hook."""
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    sys.addaudithook(audit_hook(workdir))


@dataclass
class WarmRun:
    """A fork kept between runs of one trust domain (``key``): it reads its requests from
    ``requests`` and writes a byte on ``done`` after each run; ``hashes`` is what it can run."""

    key: str
    pid: int
    requests: int
    done: int
    hashes: frozenset[str]
    runs: int = 0


class Zygote:  # pragma: no cover - sandbox only; its parts are tested directly
    """The zygote's loop: compile what a request brings, then run its steps in a fork that
    sends each node's reply on ``replies``, and report the end of the run on ``control``
    (which a fork closes before running any node code, so no node can fake the end of a
    run; see the module docstring).

    A request with a ``key`` (one user's runs of one chain version) may reuse the fork that
    ran the previous request of the same key, up to ``max_warm_runs`` runs; any other
    request, and a ``retire`` request, first kills that fork. Without a key, a run gets a
    fork of its own that ends with it."""

    def __init__(
        self, host: NodeHost, replies: int, control: int, workdir: str, max_warm_runs: int
    ) -> None:
        self.host, self.replies, self.control = host, replies, control
        self.workdir, self.max_warm_runs = workdir, max_warm_runs
        self.warm: WarmRun | None = None

    def serve(self, requests: IO[bytes]) -> None:
        self.requests = requests
        while (request := read_frame(requests)) is not None:
            seq = request["seq"]
            if request.get("retire"):
                self.retire()
                self.report({"seq": seq, "retired": True})
                continue
            problems: dict[str, str] = {}
            for step in request["steps"]:
                problem = self.host.compile(step["hash"], step.get("code"))
                if problem is not None:
                    problems[step["hash"]] = problem
            key = request.get("key")
            hashes = {step["hash"] for step in request["steps"]}
            warm = self.warm
            if warm is not None and (
                warm.key != key or warm.runs >= self.max_warm_runs or not hashes <= warm.hashes
            ):
                self.retire()
            if key is None:
                self.run_once(request, problems)
            else:
                self.run_warm(key, request, problems)

    def report(self, record: dict[str, Any]) -> None:
        write_all(self.control, encode_frame(record))

    def run_once(self, request: dict[str, Any], problems: dict[str, str]) -> None:
        gc.freeze()  # fewer copy-on-write faults in the fork
        pid = os.fork()
        if pid == 0:
            self.in_fork(lambda: self.run(request, problems))
        _pid, status = os.waitpid(pid, 0)
        clean_workdir(self.workdir)
        self.report({"seq": request["seq"], **exit_status(status)})

    def run_warm(self, key: str, request: dict[str, Any], problems: dict[str, str]) -> None:
        if self.warm is None:
            requests_read, requests_write = os.pipe()
            done_read, done_write = os.pipe()
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                os.close(requests_write)
                os.close(done_read)
                self.in_fork(lambda: self.serve_warm(requests_read, done_write))
            os.close(requests_read)
            os.close(done_write)
            hashes = frozenset(self.host.compiled) | frozenset(self.host.problems)
            self.warm = WarmRun(key, pid, requests_write, done_read, hashes)
        warm = self.warm
        warm.runs += 1
        try:
            write_all(warm.requests, encode_frame({**request, "problems": problems}))
            finished = os.read(warm.done, 1) == b"d"
        except OSError:
            finished = False
        if finished:
            clean_workdir(self.workdir)
            self.report({"seq": request["seq"], "exit": 0, "warm": True})
            return
        status = self.retire()
        self.report({"seq": request["seq"], **exit_status(status)})

    def serve_warm(self, requests: int, done: int) -> None:
        stream = os.fdopen(requests, "rb")
        while (request := read_frame(stream)) is not None:
            self.run(request, request.pop("problems"))
            os.write(done, b"d")

    def run(self, request: dict[str, Any], problems: dict[str, str]) -> None:
        run_steps(self.host, request, problems, lambda m: write_all(self.replies, encode_frame(m)))

    def in_fork(self, work: Callable[[], None]) -> None:
        code = 0
        try:
            os.close(self.control)
            self.requests.close()
            if self.warm is not None:
                os.close(self.warm.requests)
                os.close(self.warm.done)
            confine_run(self.workdir)
            work()
        except BaseException:
            code = 70
        finally:
            os._exit(code)

    def retire(self) -> int:
        """Kill the warm fork, if any; its wait status (0 when there was none)."""
        warm, self.warm = self.warm, None
        if warm is None:
            return 0
        os.close(warm.requests)
        os.close(warm.done)
        try:
            os.kill(warm.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _pid, status = os.waitpid(warm.pid, 0)
        clean_workdir(self.workdir)
        return status


def main() -> None:  # pragma: no cover - sandbox only; its parts are tested directly
    settings: dict[str, Any] = json.loads(sys.argv[1])
    sys.path[:] = settings["sys_path"]
    requests = os.fdopen(os.dup(0), "rb")
    replies, control = os.dup(1), settings["control_fd"]
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
    host = NodeHost(settings["max_output_bytes"])
    write_all(replies, encode_frame({"ready": True, "isolation": isolation}))
    Zygote(host, replies, control, workdir, settings["max_warm_runs"]).serve(requests)


if __name__ == "__main__":
    main()
