"""Several API processes on one port (``API_WORKERS``): a token one of them issued holds in
all of them, ``/metrics`` sums all of them, and no two share test-run sandbox slots (uids)."""

from __future__ import annotations

import gc
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from chain_processor_api import main
from chain_processor_api.core.config import Settings
from tests.conftest import PASSWORD, Database, email_of, make_settings

WORKERS = 2
REQUESTS = 40


@pytest.fixture(scope="module")
def database(own_database: Database) -> Database:
    """Its own: these tests commit through the app's real sessions."""
    return own_database


def test_workers_need_postgresql(database: Database) -> None:
    if database.is_postgres:
        assert make_settings(database, api_workers=WORKERS).api_workers == WORKERS
        return
    with pytest.raises(ValidationError, match="API_WORKERS above 1 needs PostgreSQL"):
        make_settings(database, api_workers=WORKERS)


@pytest.fixture
def served(database: Database, tmp_path: Path) -> Iterator[str]:
    """``chain-processor-api`` with two workers and no ``SECRET_KEY`` (development)."""
    if not database.is_postgres:
        pytest.skip("several workers need PostgreSQL")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DATABASE_URL": database.url,
        "API_PORT": str(port),
        "API_WORKERS": str(WORKERS),
        "ENVIRONMENT": "development",
        "RATE_LIMIT_ENABLED": "false",
    }
    log = (tmp_path / "api.log").open("wb")
    command = [str(Path(sys.executable).with_name("chain-processor-api"))]
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, tmp_path / "api.log")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_workers_share_the_signing_key_and_the_metrics(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        login = client.post(
            "/api/v1/login/access-token",
            data={"username": email_of("viewer"), "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        # A new connection per request: uvicorn's workers each accept their share.
        statuses = [
            httpx.get(f"{served}/api/v1/users/me", headers=headers).status_code
            for _ in range(REQUESTS)
        ]
        metrics = client.get("/metrics")

    assert statuses == [200] * REQUESTS
    assert metrics.status_code == 200
    served_me = re.findall(
        r'^http_requests_total\{method="GET",route="/api/v1/users/me",status="200"\} (\S+)$',
        metrics.text,
        flags=re.MULTILINE,
    )
    assert [float(count) for count in served_me] == [REQUESTS]


def test_each_worker_holds_its_own_number_and_sandbox_slots(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database.is_postgres:
        pytest.skip("several workers need PostgreSQL")
    settings = make_settings(database, api_workers=WORKERS, test_run_sandboxes=3)
    monkeypatch.setattr(main, "get_settings", lambda: settings)
    monkeypatch.setenv(main.WORKER_DIR, str(tmp_path))
    monkeypatch.setattr(main, "_claimed", [])
    apps: list[FastAPI] = []
    thresholds = gc.get_threshold()
    try:
        apps = [main.create_worker_app() for _ in range(WORKERS)]
        assert gc.get_threshold()[0] == settings.gc_threshold
        slots = [app.state.sandbox_runner.first_slot for app in apps]
        assert slots == [settings.sandbox_first_slot, settings.sandbox_first_slot + 3]
        with pytest.raises(RuntimeError, match="all 2 API worker numbers are held"):
            main.claim_worker_number(tmp_path, WORKERS)
        # A worker that dies gives its number (and slots) to the one started in its place.
        os.close(main._claimed.pop(0))
        assert main.claim_worker_number(tmp_path, WORKERS) == 0
    finally:
        for app in apps:
            app.state.sandbox_runner.close()
        for descriptor in main._claimed:
            os.close(descriptor)
        gc.unfreeze()  # what a worker froze belongs to the test process here
        gc.set_threshold(*thresholds)


def test_each_served_worker_sets_its_garbage_collector(served: str, tmp_path: Path) -> None:
    lines = (tmp_path / "api.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if '"gc_set"' in line]

    assert len(records) == WORKERS, lines[-20:]
    for record in records:
        assert record["gc_thresholds"][0] == Settings.model_fields["gc_threshold"].default
        assert record["gc_frozen"] > 10_000  # the imports and the app, examined no more


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the API exited: {log.read_text()[-2000:]}")
        started = log.read_text().count("Started server process")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200 and started == WORKERS:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the API's {WORKERS} workers did not answer: {log.read_text()[-2000:]}")
