"""The executor's seccomp profile: the shape runtimes read, and, loaded for real with
libseccomp in an unprivileged process, it allows what the sandboxes do (threads,
subprocesses, unshare of a user + network namespace) and refuses the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import build_seccomp
import pytest
from conftest import ROOT, run

PROFILE = ROOT / "docker/seccomp/executor.json"
PROBE = Path(__file__).parent / "helpers/seccomp_probe.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3-seccomp binds to it
EPERM = 1


def profile() -> dict:
    loaded: dict = json.loads(PROFILE.read_text())
    return loaded


def test_allowlist_shape() -> None:
    data = profile()
    assert data["defaultAction"] == "SCMP_ACT_ERRNO"
    assert data["architectures"][0] == "SCMP_ARCH_X86_64"
    allowed = set(data["syscalls"][0]["names"])
    assert {"read", "write", "openat", "execve", "futex", "mmap"} <= allowed
    assert not allowed & (build_seccomp.DENIED | build_seccomp.FILTERED)


def test_unshare_only_for_user_and_network_namespaces() -> None:
    rule = next(r for r in profile()["syscalls"] if r["names"] == ["unshare"])
    (arg,) = rule["args"]
    allowed_bits = (2**64 - 1) ^ arg["value"]
    assert allowed_bits == build_seccomp.CLONE_NEWUSER | build_seccomp.CLONE_NEWNET
    assert arg["op"] == "SCMP_CMP_MASKED_EQ" and arg["valueTwo"] == 0


@pytest.fixture(scope="module")
def probe() -> dict[str, int]:
    if run([SYSTEM_PYTHON, "-c", "import seccomp"]).returncode != 0:
        pytest.fail("python3-seccomp is not installed (scripts/test.sh installs it)")
    command = [SYSTEM_PYTHON, PROBE, PROFILE]
    if os.geteuid() == 0:  # the executor runs unprivileged: so does the probe
        command = ["runuser", "-u", "nobody", "--", *command]
    result = run(command, cwd="/")
    assert result.returncode == 0, result.stderr
    outcome: dict[str, int] = json.loads(result.stdout)
    return outcome


def test_sandbox_operations_are_allowed(probe: dict[str, int]) -> None:
    assert probe["subprocess"] == 0
    unshare = probe["unshare_user_net"]
    userns = Path("/proc/sys/user/max_user_namespaces")
    if userns.exists() and userns.read_text().strip() == "0":
        pytest.skip("this kernel has user namespaces switched off")
    assert unshare == 0, f"unshare(CLONE_NEWUSER|CLONE_NEWNET) failed with errno {unshare}"


def test_everything_else_is_refused(probe: dict[str, int]) -> None:
    assert probe["unshare_mount_namespace"] == EPERM
    assert probe["mount"] == EPERM
    assert probe["ptrace"] == EPERM
