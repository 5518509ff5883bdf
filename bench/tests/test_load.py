"""The harness's clean-up between scenarios, against a real PostgreSQL (``TEST_DATABASE_URL``)."""

import asyncio
import os

import psycopg
import pytest

from bench.harness import load
from chain_processor_db.testing import database_url, postgres_database

ADMIN_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture
def queue_url():
    if not ADMIN_URL:
        if os.environ.get("CP_REQUIRE_POSTGRES"):
            pytest.fail("CP_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
        pytest.skip("TEST_DATABASE_URL is not set")
    with postgres_database(ADMIN_URL, prefix="cp_bench_test") as name:
        url = database_url(ADMIN_URL, name)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "CREATE TABLE chain_executions (id serial PRIMARY KEY, status text NOT NULL, "
                "completed_at timestamptz, cancel_requested boolean NOT NULL DEFAULT false)"
            )
            connection.execute(
                "INSERT INTO chain_executions (status) VALUES "
                "('pending'), ('pending'), ('pending'), ('succeeded'), ('failed')"
            )
        yield url


def statuses(url):
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT status, completed_at IS NOT NULL FROM chain_executions ORDER BY id"
        ).fetchall()
    return rows


def test_leftovers_are_cancelled_counted_and_the_ended_runs_left_alone(queue_url):
    assert asyncio.run(load.cancel_leftovers(queue_url)) == 3
    assert statuses(queue_url) == [
        ("cancelled", True), ("cancelled", True), ("cancelled", True),
        ("succeeded", False), ("failed", False),
    ]  # fmt: skip
    assert asyncio.run(load.cancel_leftovers(queue_url)) == 0  # an empty queue: nothing to do
