"""Driver errors translated into domain errors, in this one place.

Constraint violations become :mod:`chain_processor_core.exceptions` errors that name the
field concerned but never echo the offending value back (it may be a secret). Values the
database cannot store or compare at all (a NUL character in a text, a number out of its
column's range: SQLSTATE class 22, ``DataError``) become a ``ValidationError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from chain_processor_core.exceptions.errors import (
    AlreadyExistsError,
    ChainProcessorError,
    ConflictError,
    NotFoundError,
    ServiceUnavailableError,
    StaleVersionError,
    ValidationError,
)

# SQLSTATE classes: https://www.postgresql.org/docs/15/errcodes-appendix.html
_PG_UNIQUE, _PG_FOREIGN_KEY, _PG_CHECK, _PG_NOT_NULL = "23505", "23503", "23514", "23502"
_KEY_COLUMNS = re.compile(r"Key \(([^)]*)\)")
_SQLITE_COLUMNS = re.compile(r"constraint failed: ([\w., ]+)")


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn integrity, stale-row and connection errors raised inside into domain errors."""
    try:
        yield
    except IntegrityError as exc:
        raise integrity_error(exc) from exc
    except DataError as exc:
        raise data_error(exc) from exc
    except StaleDataError as exc:
        raise StaleVersionError() from exc
    except OperationalError as exc:
        if is_unavailable(exc):
            raise ServiceUnavailableError("The database is not available") from exc
        raise
    except DBAPIError as exc:
        if is_unavailable(exc):
            raise ServiceUnavailableError("The database cannot take writes now") from exc
        raise


# SQLSTATEs that mean "try again later", not "your request is wrong": connection
# exceptions (08), read-only transaction (25006, e.g. a standby or a full-disk guard),
# insufficient resources (53: disk full, out of memory, too many connections) and
# operator intervention (57P: shutdown, starting up).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "25006", "53", "57P")


# SQLite's result codes that mean "try again later" (extended codes start with these):
# another writer holds the lock, the disk is full or read-only, the file cannot be opened
# or written. Its other OperationalErrors (SQLITE_ERROR: no such table, a syntax error)
# are bugs, not outages.
_SQLITE_UNAVAILABLE_PREFIXES = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_NOMEM",
    "SQLITE_PROTOCOL",
)


def is_unavailable(exc: DBAPIError) -> bool:
    """Whether ``exc`` says the database cannot serve now (an outage, not a bad request)."""
    if isinstance(exc, OperationalError):
        name = getattr(exc.orig, "sqlite_errorname", None)
        return name is None or name.startswith(_SQLITE_UNAVAILABLE_PREFIXES)
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)


def flush(session: Session) -> None:
    """``session.flush()`` with driver errors translated."""
    with translate_errors():
        session.flush()


def integrity_error(exc: DBAPIError) -> ChainProcessorError:
    """The domain error for one integrity violation, from PostgreSQL or SQLite."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return _from_postgres(sqlstate, getattr(orig, "diag", None))
    return _from_sqlite(str(orig), str(exc.statement or ""))


_PG_NUMERIC_RANGE = "22003"


def data_error(exc: DBAPIError) -> ValidationError:
    """The domain error for a value the database cannot store or compare."""
    if getattr(exc.orig, "sqlstate", None) == _PG_NUMERIC_RANGE:
        return ValidationError("A number is out of the range the database can store")
    return ValidationError(
        "A value cannot be stored: a number is out of range or a text contains a NUL character"
    )


def _from_postgres(sqlstate: str, diag: object) -> ChainProcessorError:
    detail = getattr(diag, "message_detail", None) or ""
    constraint = getattr(diag, "constraint_name", None) or ""
    match = _KEY_COLUMNS.search(detail)
    # PostgreSQL quotes column names that are keywords: Key (execution_id, "position")=…
    field = match.group(1).split(", ")[-1].strip('"') if match else None
    if sqlstate == _PG_UNIQUE:
        return AlreadyExistsError(_exists_message(field), field=field)
    if sqlstate == _PG_FOREIGN_KEY:
        if "still referenced" in detail:
            return ConflictError("The resource is still in use and cannot be deleted")
        return NotFoundError(f"{field or 'A reference'} points to nothing", field=field)
    if sqlstate == _PG_NOT_NULL:
        column = getattr(diag, "column_name", None)
        return ValidationError(f"{column} is required", field=column)
    if sqlstate == _PG_CHECK:
        return ValidationError(_check_message(constraint), field=_check_field(constraint))
    return ValidationError("The data breaks a database rule")


def _from_sqlite(message: str, statement: str) -> ChainProcessorError:
    columns = _SQLITE_COLUMNS.search(message)
    names = columns.group(1).split(", ") if columns else []
    field = names[-1].split(".")[-1] if names else None
    if message.startswith("UNIQUE"):
        return AlreadyExistsError(_exists_message(field), field=field)
    if message.startswith("FOREIGN KEY"):
        if statement.lstrip().upper().startswith("DELETE"):
            return ConflictError("The resource is still in use and cannot be deleted")
        return NotFoundError("A reference points to nothing")
    if message.startswith("NOT NULL"):
        return ValidationError(f"{field} is required", field=field)
    if message.startswith("CHECK") and names:
        return ValidationError(_check_message(names[0]), field=_check_field(names[0]))
    return ValidationError("The data breaks a database rule")


def _exists_message(field: str | None) -> str:
    return f"Another record already has this {field}" if field else "The record already exists"


_CHECK_FIELDS = {
    "email_not_empty": "email",
    "name_not_empty": "name",
    "code_not_empty": "code",
    "input_not_empty": "input_text",
    "status_known": "status",
    "priority_range": "priority",
    "start_position_not_negative": "start_position",
    "position_not_negative": "position",
}


def _check_field(constraint: str) -> str | None:
    return next((f for rule, f in _CHECK_FIELDS.items() if constraint.endswith(rule)), None)


def _check_message(constraint: str) -> str:
    field = _check_field(constraint)
    if field is None:
        return "The data breaks a database rule"
    if constraint.endswith("not_empty"):
        return f"{field} must not be empty"
    return f"{field} is not an allowed value"
