"""CPU and memory of groups of processes, read from ``/proc`` (no psutil in the pins).

A group is a function returning its pids at the moment of a sample (a process tree, the
PostgreSQL backends of one database, …). CPU is summed per process between samples (so a
process that starts mid-run counts from its start; one that exits loses at most one
interval); RSS is the sum over the group's live processes, so shared pages are counted once
per process (an upper bound).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    started: int
    """Start time in clock ticks since boot: with the pid, names a process uniquely."""
    cpu_ticks: int
    rss_bytes: int
    cmdline: str


def read_process(pid: int) -> ProcessInfo | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        statm = (PROC / str(pid) / "statm").read_text().split()
        cmdline = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and parens
    return ProcessInfo(
        pid=pid,
        ppid=int(fields[1]),
        started=int(fields[19]),
        cpu_ticks=int(fields[11]) + int(fields[12]),
        rss_bytes=int(statm[1]) * PAGE,
        cmdline=cmdline.strip(),
    )


def snapshot() -> dict[int, ProcessInfo]:
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (info := read_process(int(entry.name))) is not None:
            found[info.pid] = info
    return found


Group = Callable[[dict[int, ProcessInfo]], set[int]]


def program(name: str) -> Group:
    """The processes whose program (first word of the command line) is called ``name``."""

    def select(processes: dict[int, ProcessInfo]) -> set[int]:
        return {
            pid
            for pid, info in processes.items()
            if info.cmdline and info.cmdline.split()[0].rsplit("/", 1)[-1] == name
        }

    return select


def descendants(processes: dict[int, ProcessInfo], root: int, depth: int | None = None) -> set[int]:
    """``root`` and its descendants (``depth`` levels below it: 0 is the root alone; all
    levels when None)."""
    children: dict[int, list[int]] = {}
    for info in processes.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found: set[int] = set()
    frontier = [root] if root in processes else []
    level = 0
    while frontier:
        found.update(frontier)
        if depth is not None and level >= depth:
            break
        frontier = [child for pid in frontier for child in children.get(pid, ())]
        level += 1
    return found


def tree_level(root: int, level: int, *, deeper: bool = False) -> Group:
    """The processes exactly ``level`` below ``root`` (and all deeper ones with ``deeper``)."""

    def select(processes: dict[int, ProcessInfo]) -> set[int]:
        upto = descendants(processes, root, None if deeper else level)
        above = descendants(processes, root, level - 1) if level > 0 else set()
        return upto - above

    return select


def matching(text: str) -> Group:
    """The processes whose command line contains ``text``."""

    def select(processes: dict[int, ProcessInfo]) -> set[int]:
        return {pid for pid, info in processes.items() if text in info.cmdline}

    return select


@dataclass
class Usage:
    cpu_seconds: float = 0.0
    rss_first: int = 0
    rss_last: int = 0
    rss_peak: int = 0
    processes_peak: int = 0
    rss_series: list[tuple[float, int]] = field(default_factory=list)


class Sampler:
    """Samples ``groups`` every ``interval`` seconds while running (``async with``)."""

    def __init__(self, groups: dict[str, Group], interval: float = 1.0) -> None:
        self.groups = groups
        self.interval = interval
        self.usage = {name: Usage() for name in groups}
        self._seen: dict[tuple[int, int], int] = {}
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0
        self.seconds = 0.0

    def sample(self, now: float, *, first: bool = False) -> None:
        processes = snapshot()
        for name, group in self.groups.items():
            usage = self.usage[name]
            pids = group(processes)
            rss = 0
            for pid in pids:
                info = processes[pid]
                key = (pid, info.started)
                before = self._seen.get(key, info.cpu_ticks if first else 0)
                usage.cpu_seconds += (info.cpu_ticks - before) / TICKS
                self._seen[key] = info.cpu_ticks
                rss += info.rss_bytes
            usage.rss_first = rss if first else usage.rss_first
            usage.rss_last = rss
            usage.rss_peak = max(usage.rss_peak, rss)
            usage.processes_peak = max(usage.processes_peak, len(pids))
            usage.rss_series.append((round(now - self._started, 1), rss))

    async def __aenter__(self) -> Sampler:
        loop = asyncio.get_running_loop()
        self._started = loop.time()
        await asyncio.to_thread(self.sample, self._started, first=True)
        self._task = loop.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.sample, loop.time())
        self.seconds = loop.time() - self._started

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interval)
            await asyncio.to_thread(self.sample, loop.time())

    def report(self) -> dict[str, dict[str, float | int]]:
        """Per group: mean CPU (% of one core), RSS at start, end and peak (MiB)."""
        mib = 1024 * 1024
        return {
            name: {
                "cpu_percent": round(100 * u.cpu_seconds / self.seconds, 1) if self.seconds else 0,
                "rss_start_mib": round(u.rss_first / mib, 1),
                "rss_end_mib": round(u.rss_last / mib, 1),
                "rss_peak_mib": round(u.rss_peak / mib, 1),
                "processes": u.processes_peak,
            }
            for name, u in self.usage.items()
        }
