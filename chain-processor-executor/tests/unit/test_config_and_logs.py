from __future__ import annotations

import json
import logging
import sys

import pytest

from chain_processor_executor.config import ExecutorSettings, get_settings
from chain_processor_executor.logs import JSONFormatter, configure_logging, log_context


def settings(**values: object) -> ExecutorSettings:
    return ExecutorSettings.model_validate(values)


def test_listen_url_defaults_to_the_direct_postgres_url() -> None:
    direct = settings(database_url="postgresql://u:p%40ss@db:5432/cp")
    assert direct.listen_url == "postgresql://u:p%40ss@db:5432/cp"
    assert settings(database_url="postgresql://db/cp", database_pgbouncer=True).listen_url is None
    assert settings(database_url="sqlite:///x.db").listen_url is None
    explicit = settings(
        database_url="postgresql://bouncer/cp", database_listen_url="postgresql://db/cp"
    )
    assert explicit.listen_url == "postgresql://db/cp"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXECUTOR_WORKERS", "3")
    monkeypatch.setenv("EXECUTOR_SANDBOX_MEMORY_MB", "256")
    get_settings.cache_clear()
    try:
        loaded = get_settings()
        assert loaded.executor_workers == 3
        assert loaded.sandbox_limits().memory_bytes == 256 * 1024 * 1024
    finally:
        get_settings.cache_clear()


def test_log_lines_are_json_with_the_extra_fields() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.INFO, __file__, 1, "execution finished", (), exc_info=sys.exc_info(),
            extra={"action": "execution_finished", "execution_id": "abc"},
        )  # fmt: skip
    event = json.loads(JSONFormatter().format(record))
    assert event["message"] == "execution finished"
    assert "ValueError: boom" in event["exception"]
    assert (event["action"], event["execution_id"], event["level"]) == (
        "execution_finished", "abc", "info",
    )  # fmt: skip


def test_configure_logging_installs_one_handler() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("debug", json_lines=False)
        assert len(root.handlers) == 1 and root.level == logging.DEBUG
        configure_logging("info")
        assert isinstance(root.handlers[0].formatter, JSONFormatter)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def test_log_context_adds_fields_inside_the_block_only() -> None:
    def line() -> dict[str, object]:
        record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "m", (), None)
        event: dict[str, object] = json.loads(JSONFormatter().format(record))
        return event

    with log_context(execution_id="e1", request_id=None):
        with log_context(request_id="r1"):
            assert (line()["execution_id"], line()["request_id"]) == ("e1", "r1")
        assert "request_id" not in line()
    assert "execution_id" not in line()


@pytest.mark.parametrize("secret", ["change-me", "too-short"])
def test_a_placeholder_webhook_secret_is_refused_outside_development(secret: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        settings(environment="production", webhook_secret=secret)
    assert settings(environment="development", webhook_secret=secret).environment == "development"
    strong = "x" * 40
    assert settings(environment="production", webhook_secret=strong).environment == "production"


def test_the_sandboxes_of_all_workers_must_fit_the_executors_slots() -> None:
    assert settings(executor_workers=56, executor_concurrency=16).executor_concurrency == 16
    with pytest.raises(ValueError, match="912 sandboxes, more than the 900 slots"):
        settings(executor_workers=57, executor_concurrency=16)
    # unset, the concurrency is lowered to fit: a 64-core host still starts
    many = settings(database_url="postgresql://u@db/cp", executor_workers=64)
    assert many.executor_concurrency == 14
    with pytest.raises(ValueError, match="901 sandboxes"):
        settings(database_url="postgresql://u@db/cp", executor_workers=901)


def test_sqlite_runs_fewer_executions_at_once_unless_told_otherwise() -> None:
    postgres = settings(database_url="postgresql://u@db/cp").executor_concurrency
    sqlite = settings(database_url="sqlite:///var/cp.db").executor_concurrency
    told = settings(database_url="sqlite:///var/cp.db", executor_concurrency=9)
    assert (postgres, sqlite, told.executor_concurrency) == (16, 4, 9)
