"""Write docker/seccomp/executor.json: the executor's seccomp profile.

The executor's sandboxes call unshare(CLONE_NEWUSER | CLONE_NEWNET) to get a network
namespace of their own (chain-processor-executor ADR-0002) and refuse to run node code
without it. The container runtimes' default profiles (Docker's, containerd's RuntimeDefault)
allow unshare only with CAP_SYS_ADMIN, which the executor must not have. This profile is an
allowlist: every x86-64 syscall of the kernel headers except the ones below, with unshare
allowed for exactly those two flags and clone only without namespace flags, as the
runtimes' defaults do. Unknown syscalls fail with EPERM.

    python scripts/build_seccomp.py [--header /usr/include/x86_64-linux-gnu/asm/unistd_64.h]

The header comes with Debian's linux-libc-dev. Review the diff before committing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "docker/seccomp/executor.json"
HEADER = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
CLONE_NAMESPACES = 0x7E020000
ALL_BITS = 2**64 - 1

# Denied: kernel and host administration, other processes' memory, kernel keyrings,
# filesystem mounting, entering other namespaces, obsolete and unimplemented calls.
DENIED = {
    "acct",
    "add_key",
    "afs_syscall",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "epoll_ctl_old",
    "epoll_wait_old",
    "fanotify_init",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_kernel_syms",
    "getpmsg",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "personality",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "putpmsg",
    "query_module",
    "quotactl",
    "quotactl_fd",
    "reboot",
    "request_key",
    "security",
    "setdomainname",
    "sethostname",
    "setns",
    "settimeofday",
    "swapoff",
    "swapon",
    "_sysctl",
    "sysfs",
    "syslog",
    "tuxcall",
    "umount2",
    "uselib",
    "userfaultfd",
    "ustat",
    "vhangup",
    "vserver",
}
# Allowed only with argument filters below.
FILTERED = {"clone", "clone3", "unshare"}


def syscalls(header: Path) -> list[str]:
    names = re.findall(r"#define __NR_(\w+)\s+\d+", header.read_text())
    return sorted(set(names))


def profile(names: list[str]) -> dict[str, object]:
    allowed = [n for n in names if n not in DENIED | FILTERED]
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        # The OCI form (containerd, CRI-O, runc), which Docker reads too.
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [
            {"names": allowed, "action": "SCMP_ACT_ALLOW"},
            # Threads and processes, but no new namespaces.
            {
                "names": ["clone"],
                "action": "SCMP_ACT_ALLOW",
                "args": [
                    {
                        "index": 0,
                        "value": CLONE_NAMESPACES,
                        "valueTwo": 0,
                        "op": "SCMP_CMP_MASKED_EQ",
                    }
                ],
            },
            # ENOSYS: clone3's flags cannot be filtered, so libc falls back to clone.
            {
                "names": ["clone3"],
                "action": "SCMP_ACT_ERRNO",
                "errnoRet": 38,
            },
            # Only CLONE_NEWUSER | CLONE_NEWNET: the sandbox's own network namespace.
            {
                "names": ["unshare"],
                "action": "SCMP_ACT_ALLOW",
                "args": [
                    {
                        "index": 0,
                        "value": ALL_BITS ^ (CLONE_NEWUSER | CLONE_NEWNET),
                        "valueTwo": 0,
                        "op": "SCMP_CMP_MASKED_EQ",
                    }
                ],
            },
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--header", type=Path, default=HEADER)
    args = parser.parse_args(argv)
    names = syscalls(args.header)
    OUTPUT.write_text(json.dumps(profile(names), indent=2) + "\n")
    sys.stdout.write(f"wrote {OUTPUT.name}: {len(names)} syscalls known\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
