"""Completion webhooks: the outbox row written with the final status, and the sender
(httpx.MockTransport stands in for the receiver; test_supervisor.py uses a real server)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from chain_processor_db.base import utcnow
from chain_processor_db.models import ChainExecution
from chain_processor_db.models.webhooks import WebhookDelivery
from chain_processor_executor.config import ExecutorSettings
from chain_processor_executor.runner import run_execution
from chain_processor_executor.sandbox import SandboxPool
from chain_processor_executor.supervisor import Supervisor
from chain_processor_executor.webhooks import SIGNATURE_HEADER, WebhookSender, verify
from tests.conftest import Database
from tests.factories import UPPER, execution, make_chain, submit
from tests.integration.test_runner import SETTINGS, claim_one
from tests.integration.test_worker import wait_for

SECRET = "s3cret-for-tests-only-0123456789abcdef"
HOOK = "https://hooks.example.com/chain-done"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(1) as pool:
        yield pool


def deliveries(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def make_due(engine: Engine) -> None:
    """Let the backoff pass (instead of waiting for it)."""
    with engine.begin() as connection:
        connection.execute(
            update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def settings(**overrides: object) -> ExecutorSettings:
    values: dict[str, object] = {
        "webhook_secret": SECRET,
        "webhook_backoff_s": 2.0,
        "executor_metrics_port": 0,
        **overrides,
    }
    return ExecutorSettings.model_validate(values)


@pytest.fixture
def sqlite_engine(sqlite_database: Database) -> Iterator[Engine]:
    engine = sqlite_database.engine()
    yield engine
    engine.dispose()


@pytest.fixture
def sender() -> Iterator[Callable[..., WebhookSender]]:
    """``sender(engine, handler, addresses=…, **settings)``: a sender whose requests go to
    ``handler`` and whose host names resolve to ``addresses``."""
    made: list[WebhookSender] = []

    def make(
        engine: Engine,
        handler: Handler,
        addresses: tuple[str, ...] = ("93.184.216.34",),
        **overrides: object,
    ) -> WebhookSender:
        sender = WebhookSender(
            engine,
            settings(**overrides),
            transport=httpx.MockTransport(handler),
            resolver=lambda _host, _port: list(addresses),
        )
        made.append(sender)
        return sender

    yield make
    for sender in made:
        sender.client.close()


def queue_webhook(engine: Engine, pool: SandboxPool, url: str = HOOK) -> uuid.UUID:
    version = make_chain(engine, [UPPER], metadata={"webhook_url": url})
    execution_id = submit(engine, version)
    run_execution(claim_one(engine), engine=engine, pool=pool, settings=SETTINGS)
    return execution_id


def test_a_final_status_queues_its_webhook_in_the_same_transaction(
    engine: Engine, pool: SandboxPool
) -> None:
    execution_id = queue_webhook(engine, pool)
    submit(engine, make_chain(engine, [UPPER]))  # no webhook
    submit(engine, make_chain(engine, [UPPER], metadata={"webhook_url": "ftp://x.example/"}))
    for _ in range(2):
        run_execution(claim_one(engine), engine=engine, pool=pool, settings=SETTINGS)
    [delivery] = deliveries(engine)
    row = execution(engine, execution_id)
    assert (delivery.url, delivery.status, delivery.attempts) == (HOOK, "pending", 0)
    assert row.completed_at is not None
    assert delivery.payload == {
        "execution_id": str(execution_id),
        "strategy_id": str(row.strategy_id),
        "status": "succeeded",
        "output_text": "HELLO",
        "error": None,
        "error_code": None,
        "completed_at": row.completed_at.isoformat(),
    }


def test_the_sender_signs_and_delivers(
    engine: Engine, pool: SandboxPool, sender: Callable[..., WebhookSender]
) -> None:
    execution_id = queue_webhook(engine, pool)
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    assert sender(engine, receiver).deliver_due() == 1
    [request] = received
    assert (request.method, str(request.url)) == ("POST", HOOK)
    assert verify(SECRET.encode(), request.content, request.headers[SIGNATURE_HEADER])
    assert not verify(b"another secret", request.content, request.headers[SIGNATURE_HEADER])
    assert json.loads(request.content)["execution_id"] == str(execution_id)
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, None)


def test_failures_are_retried_with_exponential_backoff(
    sqlite_engine: Engine, pool: SandboxPool, sender: Callable[..., WebhookSender]
) -> None:
    engine = sqlite_engine
    queue_webhook(engine, pool)
    answers = iter([httpx.Response(500), httpx.ConnectError("refused"), httpx.Response(200)])

    def flaky(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    flaky_sender = sender(engine, flaky)
    waits = []
    for _ in range(3):
        before = utcnow()
        flaky_sender.deliver_due()
        [delivery] = deliveries(engine)
        waits.append(((delivery.next_attempt_at - before).total_seconds(), delivery.last_error))
        assert flaky_sender.deliver_due() == 0  # not due yet
        make_due(engine)
    assert [round(wait) for wait, _ in waits[:2]] == [2, 4]
    assert [error for _, error in waits] == ["HTTP 500", "ConnectError: refused", None]
    [delivery] = deliveries(engine)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)


def test_the_sender_gives_up_after_max_attempts(
    sqlite_engine: Engine, pool: SandboxPool, sender: Callable[..., WebhookSender]
) -> None:
    queue_webhook(sqlite_engine, pool)
    down = sender(sqlite_engine, lambda _r: httpx.Response(503), webhook_max_attempts=2)
    down.deliver_due()
    make_due(sqlite_engine)
    down.deliver_due()
    make_due(sqlite_engine)
    assert down.deliver_due() == 0
    [delivery] = deliveries(sqlite_engine)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 2, "HTTP 503")


@pytest.mark.parametrize(
    ("url", "answer", "addresses", "overrides", "error"),
    [
        (HOOK, None, ("10.0.0.7",), {}, "resolves to a non-public address"),
        (HOOK, None, ("169.254.169.254",), {}, "resolves to a non-public address"),
        (HOOK, None, (), {"webhook_allowed_hosts": ["*.trusted.example"]}, "ALLOWED_HOSTS"),
        (HOOK, "http://169.254.169.254/latest", (), {}, "another host"),
        (HOOK, "/moved", (), {"webhook_allow_private_networks": True}, "302 redirect"),
    ],
    ids=["private", "metadata-service", "not-allowed", "redirect-elsewhere", "post-to-get"],
)
def test_refused_targets_fail_at_once(
    sqlite_engine: Engine,
    pool: SandboxPool,
    sender: Callable[..., WebhookSender],
    url: str,
    answer: str | None,
    addresses: tuple[str, ...],
    overrides: dict[str, object],
    error: str,
) -> None:
    queue_webhook(sqlite_engine, pool, url)
    status = 307 if answer and answer.startswith("http:") else 302

    def receiver(request: httpx.Request) -> httpx.Response:
        assert answer is not None, "a refused target was called"
        return httpx.Response(status, headers={"Location": answer})

    sender(sqlite_engine, receiver, addresses or ("93.184.216.34",), **overrides).deliver_due()
    [delivery] = deliveries(sqlite_engine)
    assert delivery.status == "failed" and delivery.attempts == 1
    assert error in (delivery.last_error or "")


def test_same_host_redirects_are_followed_and_hosts_may_be_allowed(
    sqlite_engine: Engine, pool: SandboxPool, sender: Callable[..., WebhookSender]
) -> None:
    queue_webhook(sqlite_engine, pool, "https://api.trusted.example/hook")
    paths: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/hook":
            return httpx.Response(308, headers={"Location": "/hook/v2"})
        assert request.method == "POST" and request.headers[SIGNATURE_HEADER]
        return httpx.Response(200)

    sender(sqlite_engine, receiver, webhook_allowed_hosts=["*.trusted.example"]).deliver_due()
    assert paths == ["/hook", "/hook/v2"]
    assert deliveries(sqlite_engine)[0].status == "delivered"


def test_a_dead_letter_and_a_cancelled_hand_back_get_webhooks(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    engine = sqlite_engine
    version = make_chain(engine, [UPPER], metadata={"webhook_url": HOOK})
    dead, cancelled, retried = (submit(engine, version, max_attempts=1) for _ in range(3))
    claim_one(engine, "gone-worker")
    claim_one(engine, "stopping-worker")
    with engine.begin() as connection:
        connection.execute(
            update(ChainExecution).where(ChainExecution.id == retried).values(max_attempts=2)
        )
    claim_one(engine, "gone-worker")
    with engine.begin() as connection:
        connection.execute(
            update(ChainExecution)
            .where(ChainExecution.worker_id == "gone-worker")
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        connection.execute(
            update(ChainExecution)
            .where(ChainExecution.id == cancelled)
            .values(cancel_requested=True)
        )
    supervisor = Supervisor(settings(database_url=str(engine.url)), engine=engine)
    supervisor.reap()
    supervisor._hand_back("stopping-worker")
    sent = {d.payload["execution_id"]: d.payload["status"] for d in deliveries(engine)}
    assert sent == {str(dead): "failed", str(cancelled): "cancelled"}
    assert execution(engine, retried).status == "pending"


def test_the_sender_thread_delivers_until_stopped(
    sqlite_engine: Engine, pool: SandboxPool, sender: Callable[..., WebhookSender]
) -> None:
    queue_webhook(sqlite_engine, pool)
    thread = sender(sqlite_engine, lambda _r: httpx.Response(200), webhook_poll_interval_s=0.05)
    thread.start()
    wait_for(lambda: deliveries(sqlite_engine)[0].status == "delivered", timeout_s=10)
    thread.stop()
    assert thread.client.is_closed
