"""Disk full and read-only database: writes get a clear 503/507 (never a 500 with a trace),
reads keep working, nothing is corrupted, and writing resumes once the storage is back."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest
from client import API, Account, ApiClient
from conftest import MakeSqliteStack, MakeStack
from load import APPEND_A, APPEND_B, audit, wait_all_final
from results import Results
from sanitizer_checks import leaks
from stack import WORK, Postgres, Stack

pytestmark = pytest.mark.fault

CLEAR = {503, 507}
TABLES = ("chain_executions", "node_executions")
QUEUED_WHILE_FULL = 5
FULL_FOR_S = 8


def probe(
    api: ApiClient, account: Account, chain: str, count: int, size: int = 0
) -> tuple[Counter[int | str], list[dict[str, object]], list[str]]:
    """Submit ``count`` executions (each with ``size`` incompressible characters more); the
    statuses (or transport errors), the error bodies and the ids acknowledged."""
    statuses: Counter[int | str] = Counter()
    errors: list[dict[str, object]] = []
    ids: list[str] = []
    for index in range(count):
        text = f"storage-{index}-" + os.urandom(size // 2).hex()
        try:
            response = api.submit(account, chain, text)
        except httpx.HTTPError as error:
            statuses[type(error).__name__] += 1
            continue
        statuses[response.status_code] += 1
        if response.status_code == 201:
            ids.append(response.json()["id"])
        else:
            errors.append(response.json())
    return statuses, errors, ids


def fresh_get(stack: Stack, path: str, account: Account) -> int | str:
    """The status of a GET on a new connection (a 500 may have closed the pooled one)."""
    try:
        return httpx.get(stack.base_url + path, headers=account.headers, timeout=10).status_code
    except httpx.HTTPError as error:
        return type(error).__name__


def run_storage_fault(
    stack: Stack,
    results: Results,
    case: str,
    break_storage: Callable[[], None],
    mend_storage: Callable[[], None],
    integrity: Callable[[], str],
    size: int = 0,
    reads: int = 200,
    refused_after: int = 0,
) -> None:
    """Writes while the storage is broken, reads (answering ``reads``), writes after it is
    mended (at most ``refused_after`` of them still 503/507), then the audit: every
    acknowledged execution there once, final, right output."""
    api = ApiClient(stack.base_url)
    editor = api.create_account(api.admin(), "editor")
    chain = api.create_chain(
        editor, [api.create_node(editor, APPEND_A), api.create_node(editor, APPEND_B)]
    )
    _, _, before = probe(api, editor, chain, 5)
    wait_all_final(stack, before, timeout_s=30)

    break_storage()
    try:
        statuses, errors, during = probe(api, editor, chain, 10, size)
        read = fresh_get(stack, f"{API}/executions", editor)
        one = fresh_get(stack, f"{API}/executions/{before[0]}", editor)
    finally:
        mend_storage()
    time.sleep(1)
    after_statuses, _, after = probe(api, editor, chain, 5)
    acknowledged = before + during + after
    wait_all_final(stack, acknowledged, timeout_s=60)
    outcome = audit(stack, acknowledged)
    check = integrity()
    leaked = [body for body in errors if leaks(body)]
    clear = set(statuses) <= CLEAR | {201} and bool(set(statuses) & CLEAR)
    reads_ok = read == reads and one == reads
    resumed = set(after_statuses) <= CLEAR | {201} and after_statuses[201] >= 5 - refused_after
    ok = clear and not leaked and reads_ok and resumed and outcome.clean and check == "ok"
    observed = (
        f"writes {dict(statuses)} {errors[0] if errors else ''}; reads {read}/"
        f"{one}; after mending {dict(after_statuses)}; lost {outcome.lost}, "
        f"stuck {outcome.stuck}, unacknowledged rows {outcome.unknown_rows}; integrity {check}"
    )
    resumes = (
        f"resumes after ({refused_after} refused at most)" if refused_after else "resumes after"
    )
    results.record(
        "fault: storage",
        case,
        f"writes 503/507 with a clean body, reads {reads}, {resumes}, integrity ok",
        observed,
        ok,
        **outcome.figures(),
    )
    api.close()
    assert not leaked, leaked
    assert clear, f"writes answered {dict(statuses)}: {errors[:1]}"
    assert reads_ok and resumed, observed
    assert outcome.clean and check == "ok", observed


def amcheck(postgres: Postgres, database: str) -> Callable[[], str]:
    def check() -> str:
        postgres.execute("CREATE EXTENSION IF NOT EXISTS amcheck", database)
        rows = postgres.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' "
            "AND i.indrelid::regclass::text IN ('chain_executions', 'node_executions')",
            database,
        )
        for (index,) in rows:
            postgres.execute(f"SELECT bt_index_check('{index}'::regclass, true)", database)
        return "ok"

    return check


def test_read_only_database_gives_a_clear_error(make_stack: MakeStack, results: Results) -> None:
    stack = make_stack()
    postgres = stack.postgres
    assert postgres is not None

    def read_only() -> None:
        postgres.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        postgres.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)

    def writable() -> None:
        postgres.execute("ALTER SYSTEM RESET default_transaction_read_only")
        postgres.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)

    run_storage_fault(
        stack, results, "PostgreSQL read-only (default_transaction_read_only=on)",
        read_only, writable, amcheck(postgres, stack.name),
    )  # fmt: skip


def test_full_tablespace_gives_a_clear_error(make_stack: MakeStack, results: Results) -> None:
    stack = make_stack()
    postgres = stack.postgres
    assert postgres is not None
    mount = WORK / f"tablespace-{stack.name}"
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    filler = mount / "filler"
    try:
        shutil.chown(mount, "postgres", "postgres")
        (mount / "pg").mkdir()
        shutil.chown(mount / "pg", "postgres", "postgres")
        space = f"ts_{stack.name}"
        postgres.execute(f"CREATE TABLESPACE {space} LOCATION '{mount / 'pg'}'")
        for table in TABLES:
            postgres.execute(f"ALTER TABLE {table} SET TABLESPACE {space}", stack.name)

        def fill() -> None:
            subprocess.run(
                ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
            )

        def free() -> None:
            filler.unlink(missing_ok=True)

        run_storage_fault(
            stack, results, "tablespace of the execution tables full (16 MB tmpfs)",
            fill, free, amcheck(postgres, stack.name), size=400_000,
        )  # fmt: skip
    finally:
        filler.unlink(missing_ok=True)
        stack.stop()
        postgres.execute(f"DROP DATABASE IF EXISTS {stack.name} WITH (FORCE)")
        postgres.execute(f"DROP TABLESPACE IF EXISTS ts_{stack.name}")
        subprocess.run(["umount", "-l", str(mount)], check=False)
        shutil.rmtree(mount, ignore_errors=True)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``path`` for the block; unmounted and removed after."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        shutil.rmtree(path, ignore_errors=True)


def sqlite_integrity(path: Path) -> Callable[[], str]:
    """``PRAGMA integrity_check`` of the SQLite file, on a connection of its own."""

    def check() -> str:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(str(row[0]) for row in rows)

    return check


def test_sqlite_disk_full_gives_a_clear_error(
    make_sqlite_stack: MakeSqliteStack, results: Results
) -> None:
    """The embedded default: the file system holding the SQLite file (and its WAL) fills up
    while the API and the executor run on it."""
    with tmpfs(WORK / f"sqlite-full-{uuid.uuid4().hex[:8]}", "24m") as directory:
        stack = make_sqlite_stack(directory, EXECUTOR_WORKERS="1")
        assert stack.sqlite_path is not None
        filler = directory / "filler"
        try:

            def fill() -> None:
                subprocess.run(
                    ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"],
                    capture_output=True,
                    check=False,
                )

            def free() -> None:
                filler.unlink(missing_ok=True)

            run_storage_fault(
                stack, results, "SQLite: file system of the database full (24 MB tmpfs)",
                fill, free, sqlite_integrity(stack.sqlite_path), size=400_000,
            )  # fmt: skip
        finally:
            stack.stop()


def executor_log_actions(stack: Stack) -> Counter[str]:
    """How often the executor logged each ``action`` (its log is JSON lines)."""
    assert stack.executor is not None
    actions: Counter[str] = Counter()
    for line in stack.executor.log.read_text(errors="replace").splitlines():
        try:
            actions[str(json.loads(line).get("action", "-"))] += 1
        except (ValueError, AttributeError):
            actions["(not json)"] += 1
    return actions


def test_sqlite_disk_full_while_the_executor_records_results(
    make_sqlite_stack: MakeSqliteStack, results: Results
) -> None:
    """The executor's side of a full disk: executions accepted while there was space, the
    disk full when the executor claims them and writes their (large) results."""
    with tmpfs(WORK / f"sqlite-full-{uuid.uuid4().hex[:8]}", "24m") as directory:
        stack = make_sqlite_stack(directory, executor=False)
        assert stack.sqlite_path is not None
        filler = directory / "filler"
        api = ApiClient(stack.base_url)
        try:
            editor = api.create_account(api.admin(), "editor")
            chain = api.create_chain(
                editor, [api.create_node(editor, APPEND_A), api.create_node(editor, APPEND_B)]
            )
            statuses, _, queued = probe(api, editor, chain, QUEUED_WHILE_FULL, 400_000)
            assert statuses == {201: QUEUED_WHILE_FULL}, statuses
            subprocess.run(
                ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
            )
            stack.start_executor(EXECUTOR_WORKERS="1")
            time.sleep(FULL_FOR_S)
            during = Counter(
                str(row[0]) for row in stack.query("SELECT status FROM chain_executions")
            )
            supervisor_alive = stack.executor is not None and stack.executor.alive()
            workers = len(stack.executor_workers())
            actions = executor_log_actions(stack)
            read = fresh_get(stack, f"{API}/executions/{queued[0]}", editor)
            filler.unlink()
            drained_s = wait_all_final(stack, queued, timeout_s=90)
            outcome = audit(stack, queued)
            check = sqlite_integrity(stack.sqlite_path)()
        finally:
            filler.unlink(missing_ok=True)
            api.close()
            stack.stop()
    errors = {a: n for a, n in actions.items() if a not in ("-",)}
    nothing_wrongly_final = during.get("failed", 0) == 0
    ok = (
        supervisor_alive
        and workers >= 1
        and nothing_wrongly_final
        and read == 200
        and outcome.clean
        and outcome.by_status.get("succeeded", 0) == QUEUED_WHILE_FULL
        and check == "ok"
    )
    observed = (
        f"while full ({FULL_FOR_S} s): statuses {dict(during)}, supervisor "
        f"{'alive' if supervisor_alive else 'DEAD'}, {workers} worker(s), executor log "
        f"{errors}, API read {read}; space freed: {outcome.by_status} in {drained_s:.1f} s "
        f"with the right output, lost {outcome.lost}, stuck {outcome.stuck}, "
        f"duplicated {outcome.duplicated}; integrity {check}"
    )
    results.record(
        "fault: storage",
        "SQLite: disk full while the executor writes results (executions queued before)",
        "no execution failed or half-written; executor alive, logs the error; all succeed "
        "once space is back; integrity ok",
        observed,
        ok,
        **outcome.figures(),
    )
    assert ok, observed


@pytest.mark.parametrize(
    ("stopped", "reads", "refused_after"),
    [
        # SIGTERM: SQLite removes its -wal and -shm files on the last close. Without a -shm
        # it cannot open a WAL database on a read-only mount at all: reads fail too.
        ("stopped cleanly", 503, 0),
        # SIGKILL: -wal and -shm stay; connections open read-only and reads work. Once the
        # mount is writable again, the first write on such a connection fails and makes the
        # pool replace them all (chain_processor_db/session.py); without that, every write
        # failed until a restart.
        ("killed", 200, 1),
    ],
)
def test_sqlite_read_only_database_gives_a_clear_error(
    make_sqlite_stack: MakeSqliteStack,
    results: Results,
    stopped: str,
    reads: int,
    refused_after: int,
) -> None:
    """The embedded default on a read-only mount: the services start on a database whose file
    system is mounted read-only (a read-only volume, a restore onto one), then it is made
    writable again while they keep running. Linux refuses to make a mount read-only while a
    process holds a file on it open for writing (EBUSY), so the services are restarted onto
    the read-only mount: that is how a running SQLite service meets a read-only database."""
    directory = WORK / f"sqlite-ro-{uuid.uuid4().hex[:8]}"
    directory.mkdir(parents=True)
    stack = make_sqlite_stack(directory, EXECUTOR_WORKERS="1")
    assert stack.sqlite_path is not None
    mounted = False
    try:

        def read_only() -> None:
            nonlocal mounted
            for service in (stack.executor, stack.api):
                assert service is not None
                if stopped == "killed":
                    os.killpg(service.pid, signal.SIGKILL)
                service.stop()
            subprocess.run(["mount", "--bind", str(directory), str(directory)], check=True)
            mounted = True
            subprocess.run(["mount", "-o", "remount,bind,ro", str(directory)], check=True)
            stack.start_api()
            stack.start_executor(EXECUTOR_WORKERS="1")

        def writable() -> None:
            subprocess.run(["mount", "-o", "remount,bind,rw", str(directory)], check=True)

        run_storage_fault(
            stack, results,
            f"SQLite: services {stopped}, restarted on a read-only mount, made writable while "
            "they run",
            read_only, writable, sqlite_integrity(stack.sqlite_path), reads=reads,
            refused_after=refused_after,
        )  # fmt: skip
    finally:
        stack.stop()
        if mounted:
            subprocess.run(["umount", "-l", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)
