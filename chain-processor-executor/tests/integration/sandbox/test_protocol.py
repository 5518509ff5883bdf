"""The worker's side of the protocol against sandboxes that misbehave at the protocol level
(stand-in processes speaking the frames wrongly): nothing but a correct ``ok`` record with
the right sequence number and index counts as success, a run ends only when the control
pipe says so, and a broken sandbox is never reused."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from chain_processor_executor.sandbox import Reason, SandboxLimits, SandboxPool
from chain_processor_executor.sandbox.limits import SandboxStartError
from chain_processor_executor.sandbox.process import SandboxProcess

PRELUDE = """\
import json, os, signal, sys, time
settings = json.loads(sys.argv[-1])
out, inp = os.fdopen(1, "wb", buffering=0), os.fdopen(0, "rb")
control = os.fdopen(settings["control_fd"], "wb", buffering=0)
def frame(message):
    data = json.dumps(message).encode()
    return len(data).to_bytes(4, "big") + data
def send(message):
    out.write(frame(message))
def end(seq, **status):
    control.write(frame({"seq": seq, **(status or {"exit": 0})}))
def receive():
    return json.loads(inp.read(int.from_bytes(inp.read(4), "big")))
def hello(**isolation):
    send({"ready": True, "isolation": {"network": True, "uid": settings["uid"], **isolation}})
"""

BEHAVIOURS = {
    "no_hello": "sys.exit(3)",
    "no_network": "hello(network=False); time.sleep(30)",
    "wrong_uid": "hello(uid=0); time.sleep(30)",
    "huge": "hello(); receive(); out.write((2**31).to_bytes(4, 'big')); time.sleep(30)",
    "wrong_seq": (
        "hello(); r = receive(); send({'seq': r['seq'] + 1, 'index': 0, 'ok': True, 'output': 'x'})"
    ),
    "wrong_index": (
        "hello(); r = receive(); send({'seq': r['seq'], 'index': 1, 'ok': True, 'output': 'x'})"
    ),
    "smuggler": (
        "hello()\nwhile True:\n    r = receive()\n"
        "    send({'seq': r['seq'], 'index': 0, 'ok': True, 'output': 'real'})\n"
        "    send({'seq': r['seq'] + 1, 'index': 0, 'ok': True, 'output': 'smuggled'})\n"
        "    end(r['seq'])"
    ),
    "unknown_reason": (
        "hello(); r = receive(); "
        "send({'seq': r['seq'], 'index': 0, 'ok': False, 'reason': 'weird', 'message': 'm'}); "
        "end(r['seq']); time.sleep(30)"
    ),
    "fork_xcpu": "hello(); r = receive(); end(r['seq'], signal=signal.SIGXCPU); time.sleep(30)",
    "fork_segv": "hello(); r = receive(); end(r['seq'], signal=signal.SIGSEGV); time.sleep(30)",
    "fork_exit": "hello(); r = receive(); end(r['seq'], exit=70); time.sleep(30)",
    "wrong_end": "hello(); r = receive(); end(r['seq'] + 5); time.sleep(30)",
    "no_end": (
        "hello(); r = receive(); "
        "send({'seq': r['seq'], 'index': 0, 'ok': True, 'output': 'x'}); time.sleep(30)"
    ),
    "garbage": "hello(); receive(); out.write(b'\\x00\\x00\\x00\\x03abc'); time.sleep(30)",
    "xcpu": "hello(); receive(); os.kill(os.getpid(), signal.SIGXCPU); time.sleep(30)",
    "gone": "hello()",
    "stall": "hello(); receive(); out.write((10).to_bytes(4, 'big') + b'{'); time.sleep(30)",
}

LIMITS = SandboxLimits(start_timeout_s=10)


def fake_python(tmp_path: Path, behaviour: str) -> str:
    script = tmp_path / f"{behaviour}.py"
    script.write_text(f"#!{sys.executable}\n{PRELUDE}{BEHAVIOURS[behaviour]}\n")
    script.chmod(0o755)
    return str(script)


def start(tmp_path: Path, behaviour: str) -> SandboxProcess:
    return SandboxProcess(LIMITS, 0, fake_python(tmp_path, behaviour))


def run(process: SandboxProcess, timeout_s: float = 5) -> object:
    return process.run("hash", "code", "input", None, timeout_s)


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [("no_hello", "did not start"), ("no_network", "network namespace")]
    + ([("wrong_uid", "own uid")] if os.geteuid() == 0 else []),
)
def test_a_sandbox_without_its_isolation_does_not_start(
    tmp_path: Path, behaviour: str, message: str
) -> None:
    with pytest.raises(SandboxStartError, match=message):
        start(tmp_path, behaviour)


@pytest.mark.parametrize(
    ("behaviour", "reason", "message"),
    [
        ("huge", Reason.OUTPUT_LIMIT, "larger than the output limit"),
        ("wrong_seq", Reason.CRASHED, "without a result"),
        ("wrong_index", Reason.CRASHED, "without a result"),
        ("fork_xcpu", Reason.TIMEOUT, "CPU time"),
        ("fork_segv", Reason.CRASHED, "signal 11"),
        ("fork_exit", Reason.CRASHED, "status 70"),
        ("wrong_end", Reason.CRASHED, "without a result"),
        ("unknown_reason", Reason.CRASHED, "m"),
        ("garbage", Reason.CRASHED, "without a result"),
        ("xcpu", Reason.TIMEOUT, "CPU time"),
        ("stall", Reason.TIMEOUT, "time limit (0.5 s)"),
    ],
)
def test_a_misbehaving_sandbox_fails_the_node(
    tmp_path: Path, behaviour: str, reason: Reason, message: str
) -> None:
    process = start(tmp_path, behaviour)
    result = process.run("hash", "code", "input", None, 0.5)
    assert (result.ok, result.reason) == (False, reason), result
    assert message in (result.error or "")
    process.kill()


def test_frames_written_past_the_last_reply_never_reach_the_next_run(tmp_path: Path) -> None:
    process = start(tmp_path, "smuggler")
    first = process.run("hash", "code", "input", None, 5)
    assert first.ok and first.output == "real"
    # the smuggled frame carried the next run's number: it was dropped with the first run
    second = process.run("hash", "code", "input", None, 5)
    assert second.ok and second.output == "real"
    assert process.alive
    process.kill()


def test_a_run_whose_end_never_comes_is_not_reused(tmp_path: Path) -> None:
    process = SandboxProcess(
        SandboxLimits(start_timeout_s=10, end_timeout_s=0.3), 0, fake_python(tmp_path, "no_end")
    )
    assert process.run("hash", "code", "input", None, 5).output == "x"
    assert not process.alive
    process.kill()


def test_a_sandbox_that_went_away_is_a_crash(tmp_path: Path) -> None:
    process = start(tmp_path, "gone")
    process.process.wait(10)
    result = process.run("hash", "code", "x" * 1_000_000, None, 5)
    assert result.reason is Reason.CRASHED


def test_cancel_before_the_reply_kills_the_run() -> None:
    with SandboxPool(1) as pool:
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        code = "import time\n\ndef node(text):\n    time.sleep(30)\n    return text\n"
        result = pool.run("sleepy", code, "input", None, 30, cancel)
        assert result.reason is Reason.CANCELLED
        assert pool.restarts == 1
        assert pool.run("h", "def node(t):\n    return t\n", "ok", None, 5).output == "ok"


def test_a_pool_whose_sandboxes_cannot_start_keeps_its_slots(tmp_path: Path) -> None:
    pool = SandboxPool(1, LIMITS, python=fake_python(tmp_path, "no_hello"))
    with pytest.raises(SandboxStartError):
        pool.start()
    with pytest.raises(SandboxStartError):
        pool.run("hash", "code", "input", None, 1)
    pool.python = sys.executable
    assert pool.run("h", "def node(t):\n    return t\n", "ok", None, 5).output == "ok"
    with pytest.raises(SandboxStartError), pool.sandbox() as process:
        process.kill()
        pool.python = fake_python(tmp_path, "no_hello")
    pool.python = sys.executable
    assert pool.run("h", "def node(t):\n    return t\n", "ok", None, 5).output == "ok"
    pool.close()


def test_a_sandbox_returned_to_a_closed_pool_is_killed() -> None:
    pool = SandboxPool(1).start()
    with pool.sandbox() as process:
        pool.close()
    assert not process.alive
