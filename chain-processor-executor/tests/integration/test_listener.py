"""The PostgreSQL wake-up of an idle worker: ``LISTEN chain_executions_pending`` on a
connection of its own, read off its socket, and opened again when it is lost."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from chain_processor_executor.listener import (
    LISTEN_APPLICATION_NAME,
    PENDING_CHANNEL,
    PendingListener,
)
from tests.conftest import env_url


def _notify(url: str, *payloads: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        for payload in payloads:
            connection.execute("SELECT pg_notify(%s, %s)", (PENDING_CHANNEL, payload))


@pytest.fixture
def listening() -> Iterator[Callable[..., PendingListener]]:
    url = env_url("TEST_DATABASE_URL")
    stopping = threading.Event()
    started: list[PendingListener] = []

    def start(answers: Callable[[str], bool] | None = None) -> PendingListener:
        listener = PendingListener(
            url, threading.Event(), stopping, check_s=0.05, retry_s=0.2, answers=answers
        )
        listener.start()
        assert listener.listening.wait(10), "the listener did not connect"
        listener.wakeup.clear()
        started.append(listener)
        return listener

    yield start
    stopping.set()
    for listener in started:
        listener.join(5)


def test_a_notification_this_worker_answers_wakes_it(
    listening: Callable[..., PendingListener],
) -> None:
    url = env_url("TEST_DATABASE_URL")
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    seen: list[str] = []

    def answers(payload: str) -> bool:
        seen.append(payload)
        return payload == mine

    listener = listening(answers)
    _notify(url, theirs)
    time.sleep(0.3)
    woken_by_theirs = listener.wakeup.is_set()
    _notify(url, mine)
    assert listener.wakeup.wait(10)
    assert not woken_by_theirs
    assert seen == [theirs, mine]


def test_several_notifications_at_once_are_all_read(
    listening: Callable[..., PendingListener],
) -> None:
    url = env_url("TEST_DATABASE_URL")
    seen: list[str] = []

    def answers(payload: str) -> bool:
        seen.append(payload)
        return False

    listening(answers)
    sent = [str(uuid.uuid4()) for _ in range(20)]
    _notify(url, *sent)  # one connection, separate transactions: 20 notifications
    deadline = time.monotonic() + 10
    while len(seen) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen == sent


def test_a_lost_connection_wakes_the_worker_and_is_opened_again(
    listening: Callable[..., PendingListener],
) -> None:
    url = env_url("TEST_DATABASE_URL")
    listener = listening()
    with psycopg.connect(url, autocommit=True) as connection:
        killed = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (LISTEN_APPLICATION_NAME,),
        ).fetchall()
    assert killed
    assert listener.wakeup.wait(10)  # claim at once: a notification may have been missed
    deadline = time.monotonic() + 10
    while not listener.listening.is_set() and time.monotonic() < deadline:
        time.sleep(0.02)
    listener.wakeup.clear()
    _notify(url, str(uuid.uuid4()))
    assert listener.wakeup.wait(10)  # listening again
