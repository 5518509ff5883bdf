"""Every way a node may try to harm the service: each ends with a clear reason code, and the
pool keeps serving the next node (see docs/adr/0002-sandbox.md for what enforces what)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chain_processor_executor.sandbox import Reason, SandboxPool
from tests.integration.sandbox.conftest import assert_failed, assert_still_serving, run


def test_infinite_loop_times_out(pool: SandboxPool) -> None:
    result = run(pool, "def node(text):\n    while True:\n        pass\n", timeout_s=0.5)
    assert_failed(result, Reason.TIMEOUT, "time limit (0.5 s)")
    assert_still_serving(pool)


def test_c_level_busy_loop_in_pow_times_out(pool: SandboxPool) -> None:
    code = "def node(text):\n    return str(pow(7, 10**9) % 10)\n"
    assert_failed(run(pool, code, timeout_s=0.5), Reason.TIMEOUT)
    assert_still_serving(pool)


def test_catastrophic_regex_times_out(pool: SandboxPool) -> None:
    code = "import re\n\ndef node(text):\n    return str(re.match(r'(a+)+$', 'a' * 64 + 'b'))\n"
    assert_failed(run(pool, code, timeout_s=0.5), Reason.TIMEOUT)
    assert_still_serving(pool)


def test_allocating_10_gb_fails_with_memory(pool: SandboxPool) -> None:
    code = "def node(text):\n    block = bytearray(10 * 1024**3)\n    return str(len(block))\n"
    assert_failed(run(pool, code), Reason.MEMORY, "MemoryError")
    assert_still_serving(pool)


def test_fork_bomb_is_refused(pool: SandboxPool) -> None:
    code = "import os\n\ndef node(text):\n    while True:\n        os.fork()\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "PermissionError")
    assert_still_serving(pool)


@pytest.mark.parametrize(
    "call", ["os.system('id')", "os.posix_spawn('/bin/sh', ['sh', '-c', 'id'], {})"]
)
def test_subprocess_is_refused(pool: SandboxPool, call: str) -> None:
    code = f"import os\n\ndef node(text):\n    return str({call})\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "not allowed")
    assert_still_serving(pool)


def test_environment_has_no_database_url(
    pool: SandboxPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/prod")
    code = "import os\n\ndef node(text):\n    return ','.join(sorted(os.environ))\n"
    result = run(pool, code)
    # Only what the interpreter itself sets (PEP 538 locale coercion) is there.
    assert result.ok and set((result.output or "").split(",")) <= {"", "LC_CTYPE"}, result
    assert_still_serving(pool)


def test_proc_self_environ_reveals_nothing(pool: SandboxPool) -> None:
    code = "def node(text):\n    return repr(open('/proc/self/environ', 'rb').read())\n"
    result = run(pool, code)
    if pool.limits.uid_base is not None and os.geteuid() == 0:
        # After the uid switch the process is not dumpable: /proc/self is root's.
        assert_failed(result, Reason.NODE_ERROR, "PermissionError")
    else:
        assert result.ok and result.output == "b''", result
    assert_still_serving(pool)


def test_parent_environ_is_not_readable(pool: SandboxPool) -> None:
    code = "import os\n\ndef node(text):\n    return open(f'/proc/{os.getppid()}/environ').read()\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "PermissionError")
    assert_still_serving(pool)


def test_socket_to_postgres_is_refused(pool: SandboxPool) -> None:
    code = (
        "import socket\n\n"
        "def node(text):\n"
        "    socket.socket().connect(('127.0.0.1', 5432))\n"
        "    return 'connected'\n"
    )
    assert_failed(run(pool, code), Reason.NODE_ERROR, "PermissionError")
    assert_still_serving(pool)


def test_network_namespace_has_only_a_loopback_that_is_down(pool: SandboxPool) -> None:
    # The kernel layer under the audit hook: even a socket that got through has no network.
    code = "def node(text):\n    return open('/proc/self/net/dev').read()\n"
    result = run(pool, code)
    assert result.ok and result.output is not None, result
    interfaces = [line.split(":")[0].strip() for line in result.output.splitlines()[2:]]
    assert interfaces == ["lo"]
    assert " 0       0" in result.output  # nothing ever went through it


def test_writing_outside_the_working_directory_is_refused(
    pool: SandboxPool, tmp_path: Path
) -> None:
    target = tmp_path / "owned-by-the-service.txt"
    code = f"def node(text):\n    open({str(target)!r}, 'w').write(text)\n    return 'written'\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "PermissionError")
    assert not target.exists()
    assert_still_serving(pool)


def test_writing_in_the_working_directory_works_and_is_cleaned(pool: SandboxPool) -> None:
    code = (
        "import os\n\n"
        "def node(text):\n"
        "    seen = sorted(os.listdir('.'))\n"
        "    open('scratch.txt', 'w').write(text)\n"
        "    return repr(seen) + open('scratch.txt').read()\n"
    )
    for _ in range(pool.size * 2):
        result = run(pool, code)
        assert result.ok and result.output == "[]hello", result


def test_sys_exit_zero_is_not_success(pool: SandboxPool) -> None:
    code = "import sys\n\ndef node(text):\n    sys.exit(0)\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "SystemExit")
    assert_still_serving(pool)


def test_os_exit_zero_is_a_crash(pool: SandboxPool) -> None:
    code = "import os\n\ndef node(text):\n    os._exit(0)\n"
    assert_failed(run(pool, code), Reason.CRASHED, "without a result (status 0)")
    assert_still_serving(pool)


def test_raising_reports_a_sanitized_error(pool: SandboxPool) -> None:
    code = (
        "def node(text):\n"
        "    raise ValueError('cannot read /etc/app/secrets.env with password=hunter2')\n"
    )
    result = run(pool, code)
    assert_failed(result, Reason.NODE_ERROR, "ValueError: cannot read [PATH]")
    assert "hunter2" not in (result.error or "") and "/etc/app" not in (result.error or "")
    assert_still_serving(pool)


def test_returning_a_non_string_is_invalid_output(pool: SandboxPool) -> None:
    assert_failed(run(pool, "def node(text):\n    return 42\n"), Reason.INVALID_OUTPUT, "int")
    assert_still_serving(pool)


def test_100_mb_of_output_hits_the_output_limit(pool: SandboxPool) -> None:
    code = "def node(text):\n    return 'x' * 100_000_000\n"
    assert_failed(run(pool, code), Reason.OUTPUT_LIMIT, "limit is 1048576")
    assert_still_serving(pool)


def test_printing_100_mb_goes_nowhere(pool: SandboxPool) -> None:
    code = "def node(text):\n    print('x' * 100_000_000)\n    return 'printed'\n"
    result = run(pool, code)
    assert result.ok and result.output == "printed", result
    assert_still_serving(pool)


def test_deep_recursion_is_a_node_error(pool: SandboxPool) -> None:
    code = "def node(text):\n    return node(text)\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "RecursionError")
    assert_still_serving(pool)


def test_recursion_past_the_c_stack_is_a_crash(pool: SandboxPool) -> None:
    code = (
        "import sys\n\n"
        "def node(text):\n"
        "    sys.setrecursionlimit(10**9)\n"
        "    nested = []\n"
        "    for _ in range(10**6):\n"
        "        nested = [nested]\n"
        "    return repr(nested)\n"
    )
    assert_failed(run(pool, code), Reason.CRASHED)
    assert_still_serving(pool)


def test_killing_the_parent_is_refused(pool: SandboxPool) -> None:
    code = "import os\n\ndef node(text):\n    os.kill(os.getppid(), 9)\n    return 'killed'\n"
    assert_failed(run(pool, code), Reason.NODE_ERROR, "PermissionError")
    assert_still_serving(pool)


def test_ctypes_is_refused(pool: SandboxPool) -> None:
    code = "import ctypes\n\ndef node(text):\n    return str(ctypes.CDLL(None).getpid())\n"
    result = run(pool, code)
    assert not result.ok and result.reason in (Reason.NODE_ERROR, Reason.LOAD_ERROR), result
    assert_still_serving(pool)


def test_timer_left_behind_does_not_reach_the_next_node(pool: SandboxPool) -> None:
    code = (
        "import signal\n\n"
        "def node(text):\n"
        "    signal.signal(signal.SIGALRM, signal.SIG_DFL)\n"
        "    signal.setitimer(signal.ITIMER_REAL, 0.3)\n"
        "    return 'armed'\n"
    )
    assert run(pool, code).ok
    sleeper = "import time\n\ndef node(text):\n    time.sleep(0.6)\n    return 'slept'\n"
    for _ in range(pool.size):
        result = run(pool, sleeper)
        assert result.ok and result.output == "slept", result


def test_operating_system_limits_are_in_place(pool: SandboxPool) -> None:
    code = (
        "import os, resource\n\n"
        "def node(text):\n"
        "    names = ['AS', 'FSIZE', 'NOFILE', 'NPROC', 'CORE']\n"
        "    limits = [resource.getrlimit(getattr(resource, 'RLIMIT_' + n))[0] for n in names]\n"
        "    return repr((os.getuid(), os.getcwd(), limits))\n"
    )
    result = run(pool, code)
    assert result.ok and result.output is not None, result
    uid, cwd, limits = eval(result.output)  # a repr of ints and a str
    assert limits == [
        pool.limits.memory_bytes,
        pool.limits.file_bytes,
        pool.limits.open_files,
        0,
        0,
    ]
    assert os.path.basename(cwd).startswith("cp-sandbox-")
    if os.geteuid() == 0 and pool.limits.uid_base is not None:
        assert uid >= pool.limits.uid_base
