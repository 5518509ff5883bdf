import os

from bench.harness.procs import ProcessInfo, descendants, program, read_process, tree_level


def info(pid, ppid, cmdline="python"):
    return ProcessInfo(pid=pid, ppid=ppid, started=1, cpu_ticks=0, rss_bytes=0, cmdline=cmdline)


# 1 ─ 10 (supervisor) ─┬ 20 (worker) ─ 30, 31 (sandboxes)
#                      └ 21 (worker) ─ 32
TREE = {p.pid: p for p in [info(1, 0), info(10, 1), info(20, 10), info(21, 10),
                           info(30, 20), info(31, 20), info(32, 21)]}  # fmt: skip


def test_descendants_by_depth():
    assert descendants(TREE, 10) == {10, 20, 21, 30, 31, 32}
    assert descendants(TREE, 10, 0) == {10}
    assert descendants(TREE, 10, 1) == {10, 20, 21}
    assert descendants(TREE, 99) == set()


def test_tree_levels_split_supervisor_workers_and_sandboxes():
    assert tree_level(10, 0)(TREE) == {10}
    assert tree_level(10, 1)(TREE) == {20, 21}
    assert tree_level(10, 2, deeper=True)(TREE) == {30, 31, 32}
    assert tree_level(10, 0, deeper=True)(TREE) == {10, 20, 21, 30, 31, 32}


def test_program_matches_the_command_name_only():
    processes = {1: info(1, 0, "/usr/sbin/pgbouncer -d x.ini"),
                 2: info(2, 0, "pip install pgbouncer")}  # fmt: skip
    assert program("pgbouncer")(processes) == {1}


def test_read_process_reads_this_process():
    me = read_process(os.getpid())
    assert me is not None
    assert me.ppid == os.getppid()
    assert me.rss_bytes > 0
    assert "python" in me.cmdline or "pytest" in me.cmdline
