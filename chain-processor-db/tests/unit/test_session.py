"""URLs pick our drivers: psycopg 3 for PostgreSQL, pysqlite for SQLite, nothing else."""

from __future__ import annotations

import pytest

from chain_processor_db.session import normalize_url


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@db:5432/app", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@db/app", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg"),
        ("sqlite:///var/app.db", "sqlite"),
        ("sqlite://", "sqlite"),
    ],
)
def test_normalize_url_picks_the_driver(url: str, driver: str) -> None:
    normalized = normalize_url(url)

    assert normalized.drivername == driver


def test_normalize_url_keeps_everything_but_the_driver() -> None:
    normalized = normalize_url("postgresql://user:secret@db.example:6432/app?sslmode=require")

    assert normalized.username == "user"
    assert normalized.password == "secret"
    assert (normalized.host, normalized.port, normalized.database) == ("db.example", 6432, "app")
    assert normalized.query == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://u@db/app", "oracle://u@db/app", "mssql+pyodbc://db"])
def test_normalize_url_refuses_other_databases(url: str) -> None:
    with pytest.raises(ValueError, match="Unsupported database"):
        normalize_url(url)
