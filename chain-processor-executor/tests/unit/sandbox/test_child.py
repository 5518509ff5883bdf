"""The sandbox process's parts, run in this process (the sandbox itself runs them under
its limits; see tests/integration/sandbox)."""

from __future__ import annotations

import io
import os
import resource
import signal
import threading
from pathlib import Path

import pytest

from chain_processor_executor.sandbox import child
from chain_processor_executor.sandbox.child import NodeHost


def request(
    code: str | None, text: str = "abc", config: object = None, seq: int = 1
) -> dict[str, object]:
    return {
        "seq": seq,
        "hash": "h" if code is None else str(hash(code)),
        "code": code,
        "input": text,
        "config": config,
    }


def test_frames_round_trip_and_end_of_file_is_none() -> None:
    stream = io.BytesIO(child.encode_frame({"seq": 1, "text": "é"}) + b"\x00\x00")
    assert child.read_frame(stream) == {"seq": 1, "text": "é"}
    assert child.read_frame(stream) is None


def test_an_oversized_request_is_refused() -> None:
    header = (child.MAX_REQUEST_BYTES + 1).to_bytes(child.HEADER_BYTES, "big")
    assert child.read_frame(io.BytesIO(header)) is None


def test_host_loads_once_and_passes_config_when_asked() -> None:
    host = NodeHost(max_output_bytes=100)
    code = (
        "calls = []\n\n"
        "def node(text, config):\n"
        "    calls.append(1)\n"
        "    return text + config['x'] + str(len(calls))\n"
    )
    assert host.handle(request(code, config={"x": "!"})) == {
        "seq": 1,
        "ok": True,
        "output": "abc!1",
    }
    again = {**request(code, config={"x": "?"}, seq=2), "code": None}
    assert host.handle(again) == {"seq": 2, "ok": True, "output": "abc?2"}


@pytest.mark.parametrize(
    ("code", "reason", "message"),
    [
        (None, child.LOAD_ERROR, "not loaded"),
        ("x = 1\n", child.LOAD_ERROR, "must define a function `node`"),
        ("raise KeyError('at import')\n", child.LOAD_ERROR, "at import"),
        ("raise MemoryError()\n", child.MEMORY, ""),
        ("def node(text):\n    raise MemoryError('big')\n", child.MEMORY, "big"),
        ("def node(text):\n    raise SystemExit(0)\n", child.NODE_ERROR, "0"),
        ("def node(text):\n    return None\n", child.INVALID_OUTPUT, "NoneType"),
        ("def node(text):\n    return '\\ud800'\n", child.INVALID_OUTPUT, "not valid Unicode"),
        (
            "def node(text):\n    return 'x' * 101\n",
            child.OUTPUT_LIMIT,
            "101 bytes; the limit is 100",
        ),
    ],
)
def test_host_failures_carry_a_reason(code: str | None, reason: str, message: str) -> None:
    reply = NodeHost(max_output_bytes=100).handle(request(code))
    assert (reply["ok"], reply["reason"]) == (False, reason)
    assert message in reply["message"]


def test_failure_survives_an_exception_that_cannot_be_printed() -> None:
    class Broken(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert child.failure(3, child.NODE_ERROR, Broken()) == {
        "seq": 3, "ok": False, "reason": "node_error", "error_type": "Broken", "message": "",
    }  # fmt: skip


def test_cpu_budget_moves_the_soft_limit_only() -> None:
    before = resource.getrlimit(resource.RLIMIT_CPU)
    try:
        child.set_cpu_budget(60)
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        assert hard == before[1] and soft >= 61
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, before)


def test_cpu_soft_limit_never_passes_the_hard_limit() -> None:
    assert child.cpu_soft_limit(12.7, 6, resource.RLIM_INFINITY) == 19
    assert child.cpu_soft_limit(12.7, 6, 15) == 15


def test_clean_workdir_removes_files_folders_and_links(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "sub" / "deep.txt").write_text("x")
    (work / "file.txt").write_text("x")
    (work / "link").symlink_to(tmp_path)
    child.clean_workdir(str(work))
    assert list(work.iterdir()) == [] and tmp_path.exists()


def steps_request(*codes: str, text: str = "abc") -> dict[str, object]:
    return {
        "seq": 7,
        "input": text,
        "steps": [{"hash": str(hash(c)), "config": None, "cpu_s": 60} for c in codes],
    }


def run_steps(host: NodeHost, request: dict[str, object]) -> list[dict[str, object]]:
    replies: list[dict[str, object]] = []
    problems = {}
    for step in request["steps"]:  # type: ignore[attr-defined]
        code = CODES.get(step["hash"])
        problem = host.compile(step["hash"], code)
        if problem is not None:
            problems[step["hash"]] = problem
    child.run_steps(host, request, problems, replies.append)
    return replies


UPPER = "def node(text):\n    return text.upper()\n"
BANG = "def node(text):\n    return text + '!'\n"
EMPTY = "def node(text):\n    return ''\n"
BROKEN = "def node(text):\n    return (\n"
CODES = {str(hash(code)): code for code in (UPPER, BANG, EMPTY, BROKEN)}


def test_run_steps_chains_outputs_and_answers_for_each_node() -> None:
    replies = run_steps(NodeHost(100), steps_request(UPPER, BANG, BANG))
    assert replies == [
        {"seq": 7, "ok": True, "output": "ABC", "index": 0},
        {"seq": 7, "ok": True, "output": "ABC!", "index": 1},
        {"seq": 7, "ok": True, "output": "ABC!!", "index": 2},
    ]


def test_run_steps_stops_at_the_first_failure() -> None:
    replies = run_steps(NodeHost(100), steps_request(UPPER, EMPTY, BANG, BANG))
    assert [(r["index"], r["ok"]) for r in replies] == [(0, True), (1, True), (2, False)]
    assert (replies[2]["reason"], replies[2]["message"]) == (
        child.INVALID_INPUT,
        "Input cannot be empty",
    )


def test_code_that_does_not_compile_fails_its_node_only_when_reached() -> None:
    host = NodeHost(100)
    replies = run_steps(host, steps_request(UPPER, BROKEN))
    assert [r["ok"] for r in replies] == [True, False]
    assert replies[1]["reason"] == child.LOAD_ERROR
    assert "SyntaxError" in str(replies[1]["message"])
    # the problem is remembered: the worker does not send the code again
    assert host.compile(str(hash(BROKEN)), None) == replies[1]["message"]
    assert host.compile("never-sent", None) == "The node code is not loaded"


@pytest.mark.parametrize(
    ("status", "record"),
    [(0, {"exit": 0}), (70 << 8, {"exit": 70}), (signal.SIGXCPU, {"signal": signal.SIGXCPU})],
)
def test_exit_status_is_reported_as_a_record(status: int, record: dict[str, int]) -> None:
    assert child.exit_status(status) == record


def test_write_all_writes_everything_through_short_writes() -> None:
    read, write = os.pipe()
    try:
        data = b"x" * 200_000  # more than a pipe holds: written in several calls
        reader = io.FileIO(read, closefd=False)
        chunks: list[bytes] = []
        thread = threading.Thread(target=lambda: chunks.append(reader.readall()))
        thread.start()
        child.write_all(write, data)
        os.close(write)
        write = -1
        thread.join(10)
        assert b"".join(chunks) == data
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("os.fork", ()),
        ("subprocess.Popen", ("id", [], None, None)),
        ("socket.__new__", (None, 2, 1, 0)),
        ("ctypes.dlopen", ("libc.so.6",)),
        ("object.__setattr__", (object(), "__code__", None)),
        ("open", ("/etc/passwd", "w", 0)),
        ("open", (b"/tmp/elsewhere", None, os.O_WRONLY | os.O_CREAT)),
        ("open", (3, "w", 0)),
    ],
)
def test_audit_hook_refuses(event: str, args: tuple[object, ...], tmp_path: Path) -> None:
    hook = child.audit_hook(str(tmp_path))
    with pytest.raises(PermissionError):
        hook(event, args)


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("open", ("/etc/passwd", "r", 0)),
        ("open", ("inside.txt", "w", 0)),
        ("object.__setattr__", (object(), "__doc__", None)),
        ("exec", (None,)),
    ],
)
def test_audit_hook_allows(
    event: str, args: tuple[object, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    child.audit_hook(str(tmp_path))(event, args)
