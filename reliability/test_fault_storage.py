"""Disk full and read-only database: writes get a clear 503/507 (never a 500 with a trace),
reads keep working, nothing is corrupted, and writing resumes once the storage is back."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from client import API, Account, ApiClient
from conftest import MakeStack
from load import APPEND_A, APPEND_B, audit, wait_all_final
from results import Results
from sanitizer_checks import leaks
from stack import WORK, Postgres, Stack

pytestmark = pytest.mark.fault

CLEAR = {503, 507}
TABLES = ("chain_executions", "node_executions")


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
) -> None:
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
    reads_ok = read == 200 and one == 200
    ok = (
        clear
        and not leaked
        and reads_ok
        and after_statuses == {201: 5}
        and outcome.clean
        and check == "ok"
    )
    observed = (
        f"writes {dict(statuses)} {errors[0] if errors else ''}; reads {read}/"
        f"{one}; after mending {dict(after_statuses)}; lost {outcome.lost}, "
        f"stuck {outcome.stuck}, unacknowledged rows {outcome.unknown_rows}; integrity {check}"
    )
    results.record(
        "fault: storage",
        case,
        "writes 503/507 with a clean body, reads 200, resumes after, integrity ok",
        observed,
        ok,
        **outcome.figures(),
    )
    api.close()
    assert not leaked, leaked
    assert clear, f"writes answered {dict(statuses)}: {errors[:1]}"
    assert reads_ok and after_statuses == {201: 5}, observed
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


def _sqlite_integrity(path: Path) -> Callable[[], str]:
    def check() -> str:
        import sqlite3

        with sqlite3.connect(path) as connection:
            return str(connection.execute("PRAGMA integrity_check").fetchone()[0])

    return check
