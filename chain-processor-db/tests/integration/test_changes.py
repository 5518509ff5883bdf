"""SqliteCommits sees other connections' commits to a SQLite file, and only those."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, literal, select

from chain_processor_db.changes import SqliteCommits, sqlite_path
from chain_processor_db.session import create_db_engine

metadata = MetaData()
jobs = Table("jobs", metadata, Column("id", Integer, primary_key=True), Column("state", String))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "app.db"


@pytest.fixture
def engine(path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def commits(engine: Engine, path: Path) -> Iterator[SqliteCommits]:
    watcher = SqliteCommits(str(path))
    yield watcher
    watcher.close()


def add_job(engine: Engine, state: str = "pending") -> None:
    with engine.begin() as connection:
        connection.execute(insert(jobs).values(state=state))


def pending() -> object:
    return select(literal(1)).select_from(jobs).where(jobs.c.state == "pending").limit(1)


def test_a_commit_by_another_connection_is_seen_once(
    engine: Engine, commits: SqliteCommits
) -> None:
    assert commits.changed() is False  # the baseline
    add_job(engine)
    assert commits.changed() is True
    assert commits.changed() is False


def test_reads_and_rolled_back_writes_are_not_changes(
    engine: Engine, commits: SqliteCommits
) -> None:
    commits.changed()
    with engine.begin() as connection:  # BEGIN IMMEDIATE … COMMIT around reads only
        connection.execute(select(jobs)).all()
    with engine.connect() as connection:
        connection.execute(insert(jobs).values(state="pending"))
        connection.rollback()
    assert commits.exists(select(jobs.c.id)) is False
    assert commits.changed() is False


def test_a_commit_from_another_process_is_seen(path: Path, commits: SqliteCommits) -> None:
    commits.changed()
    script = (
        "import sqlite3, sys\n"
        "with sqlite3.connect(sys.argv[1]) as c:\n"
        "    c.execute(\"INSERT INTO jobs (state) VALUES ('pending')\")\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    assert commits.changed() is True


def test_exists_renders_the_statement_with_its_values(
    engine: Engine, commits: SqliteCommits
) -> None:
    add_job(engine, "done")
    assert commits.exists(pending()) is False
    add_job(engine, "pending")
    assert commits.exists(pending()) is True


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    commits = SqliteCommits(str(missing))
    with pytest.raises(sqlite3.Error):
        commits.changed()
    with pytest.raises(sqlite3.Error):
        commits.exists(select(literal(1)))
    assert not missing.exists()


_CLOSE_WHILE_LOOKING = """
import sqlite3, sys, threading
from chain_processor_db.changes import SqliteCommits

sys.setswitchinterval(1e-6)  # switch threads as often as possible
commits = SqliteCommits(sys.argv[1])
looking = True
failures = []

def look():
    while looking:
        try:
            commits.changed()
        except sqlite3.Error as error:
            failures.append(repr(error))

thread = threading.Thread(target=look)
thread.start()
for _ in range(100000):
    commits.close()
looking = False
thread.join()
print(len(failures))
"""


def test_closing_while_another_thread_looks_waits_for_the_look(engine: Engine, path: Path) -> None:
    # An event loop that shuts down closes the watcher while its helper thread may be
    # looking (a make test run crashed so). Without the wait this loop crashes its process
    # with a segmentation fault in sqlite3, every run here: hence a process of its own.
    looked = subprocess.run(
        [sys.executable, "-c", _CLOSE_WHILE_LOOKING, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert looked.returncode == 0, looked.stderr[-2000:]
    assert looked.stdout.split() == ["0"]  # and no look failed for it


def test_after_an_error_the_next_look_reports_a_change(tmp_path: Path) -> None:
    late = tmp_path / "late.db"
    commits = SqliteCommits(str(late))
    with pytest.raises(sqlite3.Error):
        commits.changed()
    engine = create_db_engine(f"sqlite:///{late}")
    metadata.create_all(engine)  # what happened meanwhile was not seen: say so
    try:
        assert commits.changed() is True
        assert commits.changed() is False
    finally:
        commits.close()
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/app.db", "var/app.db"),
        ("sqlite:////srv/app.db", "/srv/app.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://db/app", None),
    ],
)
def test_sqlite_path_names_the_file_of_a_sqlite_url(url: str, expected: str | None) -> None:
    assert sqlite_path(url) == expected
