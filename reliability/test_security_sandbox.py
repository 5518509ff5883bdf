"""The sandbox attack list of issue 8, end to end: each attack is a node saved through the API
as a user would, run in a chain by the real executor next to a harmless execution. Each must
end with a clear node error and reason code, show no secret, leave the harmless execution
untouched and the worker processes serving. The same attacks at the sandbox-pool level are in
chain-processor-executor/tests/integration/sandbox/test_attacks.py."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from client import Account, ApiClient
from conftest import build_stack, destroy_stack
from results import Results
from stack import CANARIES, SERVICE_SECRET, WORK, PgBouncer, Postgres, Stack

pytestmark = pytest.mark.security

SECRET_FILE = WORK / "service.env"
ESCAPE_FILE = WORK / "escaped-from-the-sandbox.txt"
HARMLESS = "def node(text):\n    return text[::-1]\n"


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    reasons: frozenset[str]  # acceptable node error codes; "succeeded" when it may run

    @property
    def id(self) -> str:
        return self.name


def attack(name: str, body: str, *reasons: str, imports: str = "") -> Attack:
    head = f"{imports}\n\n" if imports else ""
    return Attack(name, f"{head}def node(text):\n{body}\n", frozenset(reasons))


ATTACKS = [
    attack("infinite loop", "    while True:\n        pass", "timeout"),
    attack("busy loop in C: huge pow", "    return str(pow(7, 10**9) % 10)", "timeout"),
    attack(
        "busy loop in C: catastrophic regex",
        "    return str(re.match(r'(a+)+$', 'a' * 64 + 'b'))",
        "timeout",
        imports="import re",
    ),
    attack(
        "allocate 10 GB",
        "    block = bytearray(10 * 1024**3)\n    return str(len(block))",
        "memory",
    ),
    attack("fork bomb", "    while True:\n        os.fork()", "node_error", imports="import os"),
    attack(
        "read environment variables",
        "    return repr(dict(os.environ))",
        "succeeded",
        imports="import os",
    ),
    attack(
        "read /proc/self/environ",
        "    return repr(open('/proc/self/environ', 'rb').read())",
        "node_error",
        "succeeded",
    ),
    attack(
        "read the worker's /proc/<ppid>/environ",
        "    return open(f'/proc/{os.getppid()}/environ').read()",
        "node_error",
        imports="import os",
    ),
    attack(
        "read the service's secret file",
        f"    return open({str(SECRET_FILE)!r}).read()",
        "node_error",
    ),
    attack("read /etc/shadow", "    return open('/etc/shadow').read()", "node_error"),
    attack(
        "socket to the database port",
        "    s = socket.socket()\n    s.settimeout(2)\n    s.connect(('127.0.0.1', {pg_port}))\n"
        "    return 'connected'",
        "node_error",
        imports="import socket",
    ),
    attack(
        "socket anywhere (1.1.1.1:53)",
        "    s = socket.socket()\n    s.settimeout(2)\n    s.connect(('1.1.1.1', 53))\n"
        "    return 'connected'",
        "node_error",
        imports="import socket",
    ),
    attack(
        "write outside the working directory",
        f"    open({str(ESCAPE_FILE)!r}, 'w').write(text)\n    return 'written'",
        "node_error",
    ),
    attack(
        "ctypes call into libc",
        "    return str(ctypes.CDLL(None).getpid())",
        "node_error",
        "load_error",
        imports="import ctypes",
    ),
    attack("os.system", "    return str(os.system('id'))", "node_error", imports="import os"),
    attack(
        "subprocess.run",
        "    return subprocess.run(['id'], capture_output=True, text=True).stdout",
        "node_error",
        "load_error",
        imports="import subprocess",
    ),
    attack("100 MB of output", "    return 'x' * 100_000_000", "output_limit"),
    attack("recursion until RecursionError", "    return node(text)", "node_error"),
    attack(
        "recursion past the C stack",
        "    sys.setrecursionlimit(10**9)\n    nested = []\n    for _ in range(10**6):\n"
        "        nested = [nested]\n    return repr(nested)",
        "crashed",
        "node_error",
        "timeout",  # building the nested list may outlast the 1 s limit on a busy host
        imports="import sys",
    ),
    attack(
        "SIGKILL to the parent worker",
        "    os.kill(os.getppid(), signal.SIGKILL)\n    return 'killed'",
        "node_error",
        imports="import os, signal",
    ),
    attack(
        "SIGTERM to the supervisor (parent of the parent)",
        "    status = open(f'/proc/{os.getppid()}/status').read()\n"
        "    grand = int(status.split('PPid:')[1].split()[0])\n"
        "    os.kill(grand, signal.SIGTERM)\n    return 'signalled'",
        "node_error",
        imports="import os, signal",
    ),
    attack(
        "SIGKILL to every process it may signal (kill -1)",
        "    os.kill(-1, signal.SIGKILL)\n    return 'killed all'",
        "node_error",
        "crashed",
        imports="import os, signal",
    ),
    attack("sys.exit(0) pretending success", "    sys.exit(0)", "node_error", imports="import sys"),
    attack("return a non-string", "    return 42", "invalid_output"),
]


@dataclass
class Bench:
    stack: Stack
    api: ApiClient
    attacker: Account
    bystander: Account
    harmless_chain: str


@pytest.fixture(scope="module")
def bench(postgres: Postgres, bouncer: PgBouncer) -> Iterator[Bench]:
    SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    SECRET_FILE.write_text(f"DATABASE_PASSWORD={SERVICE_SECRET}\n")
    SECRET_FILE.chmod(stat.S_IRUSR | stat.S_IWUSR)  # the service's own file, mode 600
    stack = build_stack(
        postgres, bouncer, "security-sandbox", EXECUTOR_WORKERS="1", EXECUTOR_CONCURRENCY="2"
    )
    api = ApiClient(stack.base_url)
    admin = api.admin()
    attacker = api.create_account(admin, "editor")
    bystander = api.create_account(admin, "editor")
    harmless = api.create_chain(bystander, [api.create_node(bystander, HARMLESS)])
    try:
        yield Bench(stack, api, attacker, bystander, harmless)
    finally:
        api.close()
        destroy_stack(stack)
        SECRET_FILE.unlink(missing_ok=True)


def secrets_in(*texts: Any) -> list[str]:
    joined = " ".join(str(t) for t in texts)
    return [c[:10] for c in CANARIES if c in joined]


QUICK = {"read the service's secret file", "socket to the database port"}
CASES = [
    pytest.param(a, id=a.id, marks=[pytest.mark.quick] if a.name in QUICK else []) for a in ATTACKS
]


@pytest.mark.parametrize("case", CASES)
def test_sandbox_attack_through_the_api(bench: Bench, results: Results, case: Attack) -> None:
    api, stack = bench.api, bench.stack
    assert stack.postgres is not None
    workers_before = stack.executor_workers()
    code = case.code.replace("{pg_port}", str(stack.postgres.port))
    chain = api.create_chain(
        bench.attacker, [api.create_node(bench.attacker, code)], {"timeout_s": 1}
    )
    hostile = api.submit(bench.attacker, chain, "attack").json()["id"]
    bystander = api.submit(bench.bystander, bench.harmless_chain, "unaffected").json()["id"]
    execution = api.wait_final(bench.attacker, hostile, timeout_s=60)
    rows = api.node_rows(bench.attacker, hostile)
    other = api.wait_final(bench.bystander, bystander, timeout_s=60)
    after = api.submit(bench.bystander, bench.harmless_chain, "still serving").json()["id"]
    still = api.wait_final(bench.bystander, after, timeout_s=60)

    outcome = execution["status"] if execution["status"] == "succeeded" else execution["error_code"]
    node_code = rows[0]["error_code"] if rows else None
    leaked = secrets_in(execution.get("output_text"), execution.get("error"), rows)
    same_workers = stack.executor_workers() == workers_before
    supervisor_alive = stack.executor is not None and stack.executor.alive()
    checks = {
        "reason": outcome in case.reasons and (outcome == "succeeded" or node_code == outcome),
        "no secret": not leaked,
        "bystander ok": other["status"] == "succeeded" and other["output_text"] == "detceffanu",
        "worker serving": still["status"] == "succeeded",
        "same worker pids": same_workers,
        "supervisor alive": supervisor_alive,
        "no escape file": not ESCAPE_FILE.exists(),
    }
    failed = [name for name, ok in checks.items() if not ok]
    error_text = (execution.get("error") or "")[:120]
    results.record(
        "sandbox attack (API → executor)",
        case.name,
        f"{' or '.join(sorted(case.reasons))}; no secret; bystander ok; worker serving",
        f"{outcome} ({error_text}){'; FAILED: ' + ', '.join(failed) if failed else ''}",
        not failed,
        error=execution.get("error"),
        secrets_found=leaked,
    )
    assert not failed, (failed, execution, rows)


TAMPER_BY_MAIN = (
    "import sys\n\n"
    "def node(text):\n"
    "    main = sys.modules['__main__']\n"
    "    original = main.encode_frame\n"
    "    def forged(message):\n"
    "        if message.get('ok'):\n"
    "            message = dict(message, output='TAMPERED')\n"
    "        return original(message)\n"
    "    if getattr(main.encode_frame, '__name__', '') != 'forged':\n"
    "        main.encode_frame = forged\n"
    "    return 'planted'\n"
)
TAMPER_BY_BUILTINS = (
    "import builtins\n\n"
    "def node(text):\n"
    "    builtins.sorted = lambda *args, **kwargs: ['TAMPERED']\n"
    "    return 'planted'\n"
)
TAMPER_BY_THREAD = (
    "import os, threading, time\n\n"
    "def later():\n"
    "    time.sleep(0.3)\n"
    "    for fd in range(3, 64):\n"
    "        try:\n"
    "            os.write(fd, b'\\x00\\x00\\x00\\x02{}')\n"
    "        except OSError:\n"
    "            pass\n\n"
    "def node(text):\n"
    "    threading.Thread(target=later, daemon=True).start()\n"
    "    return 'planted'\n"
)
VICTIM = "def node(text):\n    return ''.join(sorted(text))\n"


@pytest.fixture(scope="module")
def single_sandbox(postgres: Postgres, bouncer: PgBouncer) -> Iterator[Stack]:
    """One worker with one sandbox: every node of every execution runs in the same process."""
    stack = build_stack(
        postgres, bouncer, "security-tamper", EXECUTOR_WORKERS="1", EXECUTOR_CONCURRENCY="1"
    )
    try:
        yield stack
    finally:
        destroy_stack(stack)


@pytest.mark.parametrize(
    "tamper",
    [TAMPER_BY_MAIN, TAMPER_BY_BUILTINS, TAMPER_BY_THREAD],
    ids=["reply-encoder", "builtins", "thread-left-behind"],
)
def test_a_node_cannot_tamper_with_another_executions_results(
    single_sandbox: Stack, results: Results, tamper: str
) -> None:
    api = ApiClient(single_sandbox.base_url)
    admin = api.admin()
    attacker = api.create_account(admin, "editor")
    victim = api.create_account(admin, "editor")
    hostile = api.create_chain(attacker, [api.create_node(attacker, tamper)])
    honest = api.create_chain(victim, [api.create_node(victim, VICTIM)])
    first = api.wait_final(attacker, api.submit(attacker, hostile, "x").json()["id"])
    outputs = []
    for text in ("cba", "fed", "ihg"):
        execution = api.wait_final(victim, api.submit(victim, honest, text).json()["id"])
        outputs.append(execution["output_text"])
    api.close()
    intact = outputs == ["abc", "def", "ghi"]
    name = {
        TAMPER_BY_MAIN: "reply encoder",
        TAMPER_BY_BUILTINS: "builtins.sorted",
        TAMPER_BY_THREAD: "a thread writing to every descriptor",
    }[tamper]
    results.record(
        "sandbox attack (API → executor)",
        f"tamper with another user's later results via {name}",
        "victim outputs abc, def, ghi",
        f"attacker {first['status']}; victim outputs {outputs}",
        intact,
    )
    assert intact, outputs


def test_secret_file_setup_is_what_the_attacks_assume() -> None:
    """The canary file exists only during the attacks; its mode is the service's own."""
    assert not SECRET_FILE.exists() or os.stat(SECRET_FILE).st_mode & 0o077 == 0
