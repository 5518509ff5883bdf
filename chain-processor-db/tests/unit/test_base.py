"""Timestamps are timezone-aware UTC on the Python side, whatever the database stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Dialect, make_url

import chain_processor_db.models  # noqa: F401 - registers the tables on Base.metadata
from chain_processor_db.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow

PARIS_SUMMER = timezone(timedelta(hours=2))


SQLITE = make_url("sqlite://").get_dialect()()
POSTGRESQL = make_url("postgresql+psycopg://").get_dialect()()


@pytest.fixture(params=[SQLITE, POSTGRESQL], ids=["sqlite", "postgresql"])
def dialect(request: pytest.FixtureRequest) -> Dialect:
    assert isinstance(request.param, Dialect)
    return request.param


def test_naive_datetimes_are_refused(dialect: Dialect) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1, 12, 0), dialect)


def test_none_passes_both_ways(dialect: Dialect) -> None:
    assert UTCDateTime().process_bind_param(None, dialect) is None
    assert UTCDateTime().process_result_value(None, dialect) is None


def test_aware_values_are_stored_as_utc() -> None:
    local = datetime(2026, 6, 1, 14, 30, tzinfo=PARIS_SUMMER)

    assert UTCDateTime().process_bind_param(local, SQLITE) == datetime(2026, 6, 1, 12, 30)
    stored = UTCDateTime().process_bind_param(local, POSTGRESQL)
    assert stored == local
    assert stored is not None and stored.tzinfo == UTC


def test_read_values_come_back_aware_utc(dialect: Dialect) -> None:
    naive = UTCDateTime().process_result_value(datetime(2026, 6, 1, 12, 30), dialect)
    local = UTCDateTime().process_result_value(
        datetime(2026, 6, 1, 14, 30, tzinfo=PARIS_SUMMER), dialect
    )

    assert naive == local == datetime(2026, 6, 1, 12, 30, tzinfo=UTC)
    assert naive is not None and naive.tzinfo == UTC
    assert local is not None and local.tzinfo == UTC


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo == UTC


def test_constraints_are_named_by_the_convention() -> None:
    assert Base.metadata.naming_convention == NAMING_CONVENTION
    constraints = [c for table in Base.metadata.tables.values() for c in table.constraints]
    names = {str(constraint.name) for constraint in constraints}

    assert all(constraint.name for constraint in constraints)
    assert {"pk_users", "ck_nodes_name_not_empty", "uq_node_versions_node_id_version"} <= names
