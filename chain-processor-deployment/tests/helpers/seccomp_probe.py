"""Load a seccomp profile (OCI JSON) into this process with libseccomp, then try what the
executor's sandbox does and what it must not do. Run by /usr/bin/python3 (Debian's
python3-seccomp) as an unprivileged user; prints the errno of each attempt as JSON."""

import ctypes
import json
import os
import subprocess
import sys
import threading
import time

import seccomp

CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS = 0x10000000, 0x40000000, 0x00020000


def load(path: str) -> None:
    profile = json.load(open(path))
    syscall_filter = seccomp.SyscallFilter(defaction=seccomp.ERRNO(profile["defaultErrnoRet"]))
    for rule in profile["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW":
            action = seccomp.ALLOW
        else:
            action = seccomp.ERRNO(rule.get("errnoRet", 1))
        args = [
            seccomp.Arg(a["index"], seccomp.MASKED_EQ, a["value"], a["valueTwo"])
            for a in rule.get("args", [])
        ]
        for name in rule["names"]:
            try:
                syscall_filter.add_rule(action, name, *args)
            except (RuntimeError, ValueError):
                pass  # a name this libseccomp does not know
    syscall_filter.load()


def errno_of(function, *args) -> int:
    return 0 if function(*args) == 0 else ctypes.get_errno()


def main() -> None:
    load(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    # join() returns before the kernel thread is gone, and unshare(CLONE_NEWUSER) refuses a
    # multi-threaded caller (EINVAL): wait until this process is single-threaded again
    deadline = time.monotonic() + 5
    while len(os.listdir("/proc/self/task")) > 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    result = {
        "unshare_user_net": errno_of(libc.unshare, CLONE_NEWUSER | CLONE_NEWNET),
        "unshare_mount_namespace": errno_of(libc.unshare, CLONE_NEWNS),
        "mount": errno_of(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None),
        "ptrace": errno_of(libc.ptrace, 16, 1, None, None),
        "subprocess": subprocess.run(["/bin/true"], check=False).returncode,
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
