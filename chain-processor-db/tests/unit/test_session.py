"""URLs pick our drivers: psycopg 3 for PostgreSQL, pysqlite for SQLite, nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chain_processor_db.session import json_loads, normalize_url


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


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 1, "f": 1.0, "big": 123456789012345678901234567890, "e": 1e-7}',
        '[null, true, false, "caf\\u00e9", "\\n", {"nested": {"a": []}}]',
        '{"a": 1, "a": 2}',  # the last of duplicate keys wins
        "[Infinity, -Infinity]",
        '"\\ud800"',  # a lone surrogate: pydantic's parser refuses it, json's does not
        b'{"bytes": "too"}',
    ],
)
def test_json_columns_read_as_json_loads_reads_them(text: str | bytes) -> None:
    expected: Any = json.loads(text)
    assert json_loads(text) == expected
    assert [type(value) for value in _leaves(json_loads(text))] == [
        type(value) for value in _leaves(expected)
    ]


def test_invalid_json_is_refused_as_json_loads_refuses_it() -> None:
    with pytest.raises(ValueError):
        json_loads('{"a": ')


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]
