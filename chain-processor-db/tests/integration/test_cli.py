"""``chain-processor-db``: upgrade, downgrade, seed and check, each against a database of
the test's own (the CLI commits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, select, text
from sqlalchemy.orm import Session

from chain_processor_core.lib_chains.builtins import BUILTIN_NODES
from chain_processor_core.passwords import verify_password
from chain_processor_db import migrations
from chain_processor_db.cli import main
from chain_processor_db.models import Node, User
from tests.conftest import Database, Databases, engine_for

UNREACHABLE = "postgresql://postgres:hunter2@127.0.0.1:1/nowhere"


@pytest.fixture
def env(settings_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return settings_env


@pytest.fixture
def cli_database(
    migrated_database: Database, env: pytest.MonkeyPatch
) -> Iterator[tuple[Database, Engine]]:
    """A migrated database of the test's own; the CLI is told about PgBouncer like in
    production, through ``DATABASE_PGBOUNCER``."""
    if migrated_database.pgbouncer:
        env.setenv("DATABASE_PGBOUNCER", "true")
    engine = engine_for(migrated_database)
    yield migrated_database, engine
    engine.dispose()


def run(url: str, *args: str) -> int:
    return main(["--database-url", url, *args])


def test_a_new_database_is_upgraded_before_anything_else(
    empty_database: Database, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if empty_database.pgbouncer:
        env.setenv("DATABASE_PGBOUNCER", "true")
    url = empty_database.url

    assert run(url, "check") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "not up to date" in err
    assert run(url, "seed") == 1
    assert capsys.readouterr() == (
        "",
        "error: the database is not at the latest revision: run `upgrade` first\n",
    )

    assert run(url, "upgrade") == 0
    assert capsys.readouterr().out == f"database at revision head: {url}\n"
    assert run(url, "check") == 0
    out = capsys.readouterr().out
    assert out == f"ok: database at head {migrations.head_revision()}, models match migrations\n"
    engine = engine_for(empty_database)
    try:
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()


def test_database_url_and_pgbouncer_from_the_environment(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/from-env.db"
    env.setenv("DATABASE_URL", url)
    env.setenv("DATABASE_PGBOUNCER", "true")  # means nothing to SQLite, but is read

    assert main(["upgrade"]) == 0
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith(f"database at revision head: {url}\n")
    assert (tmp_path / "from-env.db").exists()


def test_check_fails_when_the_schema_drifted(
    cli_database: tuple[Database, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    database, engine = cli_database
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_chain_executions_status"))

    assert run(database.url, "check") == 1

    err = capsys.readouterr().err
    assert err.startswith("models and migrations differ:")
    assert "ix_chain_executions_status" in err


def test_downgrade(
    cli_database: tuple[Database, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    database, engine = cli_database
    head = migrations.head_revision()

    assert run(database.url, "downgrade") == 0  # one revision by default
    assert migrations.current_revision(engine) not in {head, None}
    assert run(database.url, "downgrade", "base") == 0

    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"database downgraded to -1: {database.url}",
        f"database downgraded to base: {database.url}",
    ]
    assert migrations.current_revision(engine) is None
    assert run(database.url, "check") == 1


def test_seed_with_the_admin_password_from_the_environment(
    cli_database: tuple[Database, Engine],
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database, engine = cli_database
    env.setenv("ADMIN_EMAIL", "Ops@Example.com")
    env.setenv("ADMIN_PASSWORD", "from-the-environment")

    assert run(database.url, "seed") == 0

    out = capsys.readouterr().out
    assert out == (
        f"builtin nodes: {len(BUILTIN_NODES)} created, 0 updated\n"
        "admin user ops@example.com created with the password from ADMIN_PASSWORD\n"
    )
    with Session(engine) as session:
        admin = session.scalar(select(User).where(User.email == "ops@example.com"))
        assert admin is not None and admin.is_superuser
        assert verify_password("from-the-environment", admin.password_hash)
        names = session.scalars(select(Node.name).where(Node.is_builtin)).all()
        assert sorted(names) == sorted(BUILTIN_NODES)

    assert run(database.url, "seed") == 0  # again: nothing to do
    assert capsys.readouterr().out == (
        "builtin nodes: 0 created, 0 updated\nadmin user ops@example.com already exists\n"
    )


def test_seed_prints_a_generated_password_once(
    cli_database: tuple[Database, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    database, engine = cli_database

    assert run(database.url, "seed", "--admin-email", "first@example.com") == 0
    lines = capsys.readouterr().out.splitlines()
    assert run(database.url, "seed", "--admin-email", "first@example.com") == 0
    again = capsys.readouterr().out

    prefix = "admin user first@example.com created with password: "
    assert lines[1].startswith(prefix)
    password = lines[1].removeprefix(prefix)
    assert "shown once" in lines[2]
    with Session(engine) as session:
        admin = session.scalar(select(User).where(User.email == "first@example.com"))
        assert admin is not None
        assert verify_password(password, admin.password_hash)
    assert password not in again
    assert "already exists" in again


def test_seed_refuses_a_bad_admin_password_without_showing_it(
    cli_database: tuple[Database, Engine],
    env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database, engine = cli_database
    env.setenv("ADMIN_PASSWORD", "2short")

    assert run(database.url, "seed") == 1

    captured = capsys.readouterr()
    assert captured.err == "error: ADMIN_PASSWORD is not valid\n"
    assert "2short" not in captured.out + captured.err
    with Session(engine) as session:  # the builtin nodes went with the failed transaction
        assert session.scalars(select(Node)).all() == []


@pytest.mark.parametrize(
    "command", [["upgrade"], ["downgrade", "base"], ["check"], ["seed"]], ids="-".join
)
def test_unreachable_database(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert run(UNREACHABLE, *command) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: cannot reach the database (is it running, and is DATABASE_URL right?)\n"
    )
    assert "hunter2" not in captured.err


def test_output_hides_the_password(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    databases = Databases("postgres", tmp_path)
    try:
        database = databases.create()
        # trust authentication ignores the password; a '%' in it must survive Alembic's
        # ConfigParser too.
        url = make_url(database.url).set(password="pa%ss").render_as_string(hide_password=False)

        assert run(url, "upgrade") == 0
    finally:
        databases.drop_all()

    out = capsys.readouterr().out
    assert "pa%ss" not in out
    assert "pa%25ss" not in out
    assert "***" in out


def test_upgrade_a_path_with_a_percent_sign(
    tmp_path: Path, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/100%_sure.db"

    assert run(url, "upgrade") == 0
    assert run(url, "check") == 0
    assert (tmp_path / "100%_sure.db").exists()


def test_a_command_is_required(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([])

    assert caught.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
