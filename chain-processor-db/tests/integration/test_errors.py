"""Driver errors become domain errors in one place, from real violations on each backend.

The violations of our own schema (duplicates, dangling references, rows in use, broken
CHECKs) are also reached through the query functions in ``repositories/``; here are the
rest: errors with no field to name, rules we do not know, an unreachable database.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import (
    AlreadyExistsError,
    NotFoundError,
    ServiceUnavailableError,
    StaleVersionError,
    ValidationError,
)
from chain_processor_db.errors import flush, is_unavailable, translate_errors
from chain_processor_db.models import Node, User
from chain_processor_db.session import create_db_engine
from tests.factories import save_behind_the_orms_back

POSTGRES_ONLY = pytest.mark.parametrize("database", ["postgres", "pgbouncer"], indirect=True)
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"


def _user(email: str | None = None, **fields: object) -> User:
    email = f"{uuid.uuid4().hex}@example.com" if email is None else email
    return User(email=email, password_hash="x", **fields)


def test_unreachable_database_is_service_unavailable() -> None:
    engine = create_db_engine(UNREACHABLE)
    try:
        with pytest.raises(ServiceUnavailableError) as caught, translate_errors():
            engine.connect()
    finally:
        engine.dispose()

    assert caught.value.detail == "The database is not available"


def test_flush_on_an_unreachable_database_is_service_unavailable() -> None:
    engine = create_db_engine(UNREACHABLE)
    try:
        with Session(engine) as session:
            session.add(_user())
            with pytest.raises(ServiceUnavailableError):
                flush(session)
    finally:
        engine.dispose()


def test_duplicate_is_already_exists_naming_the_field(session: Session) -> None:
    session.add(_user("twin@example.com"))
    flush(session)
    session.add(_user("twin@example.com"))

    with pytest.raises(AlreadyExistsError) as caught:
        flush(session)

    assert caught.value.field == "email"
    assert caught.value.detail == "Another record already has this email"
    assert "twin" not in caught.value.detail


def test_missing_value_is_a_validation_error_naming_the_field(session: Session) -> None:
    user = _user()
    user.password_hash = None  # type: ignore[assignment]
    session.add(user)

    with pytest.raises(ValidationError) as caught:
        flush(session)

    assert caught.value.field == "password_hash"
    assert caught.value.detail == "password_hash is required"


def test_broken_check_names_the_field(session: Session) -> None:
    session.add(_user(email=""))

    with pytest.raises(ValidationError) as caught:
        flush(session)

    assert caught.value.field == "email"
    assert caught.value.detail == "email must not be empty"


def test_dangling_reference_is_not_found(session: Session) -> None:
    session.add(Node(name="orphan", code="x", created_by_id=uuid.uuid4()))

    with pytest.raises(NotFoundError) as caught:
        flush(session)

    assert caught.value.field in {"created_by_id", None}  # SQLite does not say which


def test_check_we_do_not_know_is_a_generic_validation_error(session: Session) -> None:
    session.execute(
        text("CREATE TEMPORARY TABLE probe (x INTEGER CONSTRAINT ck_probe_positive CHECK (x > 0))")
    )

    with pytest.raises(ValidationError) as caught, translate_errors():
        session.execute(text("INSERT INTO probe (x) VALUES (-1)"))

    assert caught.value.field is None
    assert caught.value.detail == "The data breaks a database rule"


def test_integrity_error_of_another_kind_is_a_generic_validation_error(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("CREATE TEMPORARY TABLE probe (x INTEGER)"))
        session.execute(
            text(
                "CREATE TEMPORARY TRIGGER probe_refuses BEFORE INSERT ON probe "
                "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
            )
        )
        violation = "INSERT INTO probe (x) VALUES (1)"
    else:
        violation = "DO $$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '23000'; END $$"

    with pytest.raises(ValidationError) as caught, translate_errors():
        session.execute(text(violation))

    assert type(caught.value) is ValidationError
    assert caught.value.field is None
    assert caught.value.detail == "The data breaks a database rule"


@POSTGRES_ONLY
@pytest.mark.parametrize(
    ("sqlstate", "error", "detail"),
    [
        ("23505", AlreadyExistsError, "The record already exists"),
        ("23503", NotFoundError, "A reference points to nothing"),
        ("23514", ValidationError, "The data breaks a database rule"),
    ],
)
def test_postgres_violation_without_key_detail(
    session: Session, sqlstate: str, error: type[Exception], detail: str
) -> None:
    with pytest.raises(error) as caught, translate_errors():
        session.execute(
            text(f"DO $$ BEGIN RAISE EXCEPTION 'rule' USING ERRCODE = '{sqlstate}'; END $$")
        )

    assert type(caught.value) is error
    assert caught.value.detail == detail  # type: ignore[attr-defined]
    assert caught.value.field is None  # type: ignore[attr-defined]


def test_row_changed_underneath_is_stale(session: Session) -> None:
    user = _user()
    session.add(user)
    flush(session)
    save_behind_the_orms_back(session, user)

    user.full_name = "Late writer"
    with pytest.raises(StaleVersionError):
        flush(session)


@POSTGRES_ONLY
def test_nul_character_is_a_validation_error(session: Session) -> None:
    session.add(_user(full_name="a\x00b"))

    with pytest.raises(ValidationError) as caught:
        flush(session)

    assert type(caught.value) is ValidationError
    assert "NUL character" in caught.value.detail
    assert "a\x00b" not in caught.value.detail


@POSTGRES_ONLY
def test_numeric_overflow_is_a_validation_error(session: Session) -> None:
    with pytest.raises(ValidationError) as caught, translate_errors():
        session.execute(text("SELECT CAST(:big AS integer)"), {"big": 2**40})

    assert type(caught.value) is ValidationError
    assert caught.value.detail == "A number is out of the range the database can store"


@POSTGRES_ONLY
def test_write_to_a_read_only_database_is_service_unavailable(session: Session) -> None:
    # What a standby, or a primary put in read-only mode because its disk filled, answers.
    session.execute(text("SET TRANSACTION READ ONLY"))
    session.add(_user())

    with pytest.raises(ServiceUnavailableError, match="cannot take writes"):
        flush(session)


def test_other_driver_errors_pass_through(session: Session) -> None:
    # On SQLite a missing table is an OperationalError too: a bug, not an outage.
    with pytest.raises(DBAPIError) as caught, translate_errors():
        session.execute(text("SELECT * FROM no_such_table"))

    assert not is_unavailable(caught.value)


def test_sqlite_locked_by_another_writer_is_service_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/locked.db"
    holder = create_db_engine(url)
    impatient = create_engine(url, connect_args={"timeout": 0})
    try:
        with holder.connect() as writer:
            writer.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            writer.commit()
            writer.exec_driver_sql("INSERT INTO t VALUES (0)")  # holds the write lock
            with impatient.connect() as other:
                with pytest.raises(ServiceUnavailableError) as caught, translate_errors():
                    other.exec_driver_sql("INSERT INTO t VALUES (1)")
            writer.rollback()
    finally:
        holder.dispose()
        impatient.dispose()

    assert _sqlite_error_name(caught) == "SQLITE_BUSY"


# The embedded SQLite default: a full disk and a read-only database are "try again later"
# (503), like PostgreSQL's 53100 and 25006. Real SQLite errors on a file of the test's own.


def _sqlite_table(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path}/storage.db")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE filler (data BLOB)")
    return engine


def _sqlite_error_name(caught: pytest.ExceptionInfo[ServiceUnavailableError]) -> str:
    cause = caught.value.__cause__
    assert isinstance(cause, DBAPIError)
    assert is_unavailable(cause)
    return str(getattr(cause.orig, "sqlite_errorname", ""))


def test_sqlite_disk_full_is_service_unavailable(tmp_path: Path) -> None:
    # max_page_count caps the file: SQLite answers exactly as on a full file system.
    engine = _sqlite_table(tmp_path)
    try:
        with engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
            connection.exec_driver_sql(f"PRAGMA max_page_count = {pages + 2}")
            connection.commit()
            with pytest.raises(ServiceUnavailableError) as caught, translate_errors():
                with connection.begin():
                    connection.execute(
                        text("INSERT INTO filler VALUES (:data)"), {"data": b"x" * 65536}
                    )
    finally:
        engine.dispose()

    assert _sqlite_error_name(caught) == "SQLITE_FULL"
    assert caught.value.detail == "The database is not available"


def test_sqlite_flush_on_a_full_database_is_service_unavailable(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/full.db")
    try:
        User.metadata.create_all(engine, tables=[User.__table__])  # type: ignore[list-item]
        with Session(engine) as session:
            session.connection().exec_driver_sql("PRAGMA max_page_count = 1")
            session.add(_user(full_name="x" * 100_000))
            with pytest.raises(ServiceUnavailableError) as caught:
                flush(session)
    finally:
        engine.dispose()

    assert _sqlite_error_name(caught) == "SQLITE_FULL"


def test_sqlite_write_to_a_read_only_database_is_service_unavailable(tmp_path: Path) -> None:
    engine = _sqlite_table(tmp_path)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA query_only = ON")
            connection.commit()
            with pytest.raises(ServiceUnavailableError) as caught, translate_errors():
                with connection.begin():
                    connection.execute(text("INSERT INTO filler VALUES (x'00')"))
    finally:
        engine.dispose()

    assert _sqlite_error_name(caught) == "SQLITE_READONLY"
