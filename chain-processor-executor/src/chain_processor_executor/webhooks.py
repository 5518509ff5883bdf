"""Delivering completion webhooks from the outbox, in a thread of the supervisor.

Workers never wait on a webhook: they only add an outbox row with the final status
(:mod:`outbox`). :class:`WebhookSender` claims due rows every ``WEBHOOK_POLL_INTERVAL_S``
and POSTs each payload with httpx: JSON body, ``X-Chain-Processor-Signature:
sha256=<hex HMAC-SHA256 of the body with WEBHOOK_SECRET>``, a timeout, no proxy from the
environment, redirects followed only to the same scheme, host and port and only when they
keep the method (307/308). A failed attempt is retried after ``WEBHOOK_BACKOFF_S`` doubling
up to ``WEBHOOK_MAX_BACKOFF_S``, until ``WEBHOOK_MAX_ATTEMPTS``; then the row is ``failed``.

SSRF guard (:class:`WebhookPolicy`): the host must match ``WEBHOOK_ALLOWED_HOSTS`` when that
is set, and every address it resolves to must be public unless
``WEBHOOK_ALLOW_PRIVATE_NETWORKS``. A refused URL fails at once (no retries). The address is
checked before httpx resolves the name again, so DNS rebinding can slip through: production
should also send webhooks through an egress proxy or firewall (see docs/adr/0004).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from fnmatch import fnmatch
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from chain_processor_db.base import utcnow
from chain_processor_executor import outbox
from chain_processor_executor.config import ExecutorSettings

SIGNATURE_HEADER = "X-Chain-Processor-Signature"
MAX_REDIRECTS = 3
BATCH = 20
MAX_ERROR_CHARS = 500

logger = logging.getLogger(__name__)

Resolver = Callable[[str, int], Sequence[str]]


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value of ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header)


def resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]


class WebhookPolicy:
    """Which URLs a webhook may reach."""

    def __init__(
        self, allowed_hosts: Sequence[str], allow_private: bool, resolver: Resolver = resolve
    ) -> None:
        self.allowed_hosts = [host.lower() for host in allowed_hosts]
        self.allow_private, self.resolver = allow_private, resolver

    def refusal(self, url: httpx.URL) -> str | None:
        """Why ``url`` may not be called, or ``None``."""
        host = url.host.lower()
        if self.allowed_hosts and not any(fnmatch(host, p) for p in self.allowed_hosts):
            return f"host {host} is not in WEBHOOK_ALLOWED_HOSTS"
        if self.allow_private:
            return None
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = self.resolver(host, port)
        except OSError as error:
            return f"host {host} does not resolve ({type(error).__name__})"
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                return f"host {host} resolves to a non-public address"
        return None


class DeliveryError(Exception):
    """One attempt failed; ``final`` when trying again cannot help."""

    def __init__(self, message: str, *, final: bool = False) -> None:
        super().__init__(message[:MAX_ERROR_CHARS])
        self.final = final


class WebhookSender(threading.Thread):
    def __init__(
        self,
        engine: Engine,
        settings: ExecutorSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        super().__init__(name="webhook-sender", daemon=True)
        self.engine, self.settings = engine, settings
        self.secret = settings.webhook_secret.get_secret_value().encode()
        self.policy = WebhookPolicy(
            settings.webhook_allowed_hosts, settings.webhook_allow_private_networks, resolver
        )
        self.client = httpx.Client(
            timeout=settings.webhook_timeout_s,
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={"User-Agent": "chain-processor-executor"},
        )
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.settings.webhook_poll_interval_s):
                self.deliver_due()
        finally:
            self.client.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def deliver_due(self) -> int:
        """One pass: claim what is due, send each, record each. Returns how many were sent."""
        lease_s = self.settings.webhook_timeout_s * (MAX_REDIRECTS + 1) + 30
        try:
            with self.engine.begin() as connection:
                due = outbox.claim_due_webhooks(connection, limit=BATCH, lease_s=lease_s)
        except SQLAlchemyError as error:
            logger.warning(
                "webhook claim failed",
                extra={"action": "webhook_claim_failed", "error": type(error).__name__},
            )
            return 0
        for delivery in due:
            if self.stopping.is_set():
                break  # the claim lease brings the rest back
            self._deliver_one(delivery)
        return len(due)

    def _deliver_one(self, delivery: outbox.DueWebhook) -> None:
        error: DeliveryError | None = None
        try:
            self.post(delivery.url, delivery.payload, delivery.id)
        except DeliveryError as failure:
            error = failure
        retry_at = None
        if error is not None and not error.final:
            if delivery.attempts < self.settings.webhook_max_attempts:
                retry_at = utcnow() + timedelta(seconds=self.backoff_s(delivery.attempts))
        try:
            with self.engine.begin() as connection:
                status = outbox.record_delivery(
                    connection,
                    delivery_id=delivery.id,
                    error=str(error) if error else None,
                    retry_at=retry_at,
                )
        except SQLAlchemyError:
            logger.exception("webhook outcome lost", extra={"action": "webhook_record_failed"})
            return
        logger.log(
            logging.INFO if error is None else logging.WARNING,
            "webhook " + status,
            extra={
                "action": f"webhook_{status}",
                "execution_id": delivery.payload.get("execution_id"),
                "delivery_id": str(delivery.id),
                "attempt": delivery.attempts,
                "error": str(error) if error else None,
            },
        )

    def backoff_s(self, attempts: int) -> float:
        """The wait after the ``attempts``-th failed attempt."""
        wait = self.settings.webhook_backoff_s * 2 ** max(0, attempts - 1)
        return float(min(self.settings.webhook_max_backoff_s, wait))

    def post(self, url: str, payload: dict[str, Any], delivery_id: object) -> None:
        """POST ``payload`` to ``url``; raises :class:`DeliveryError` unless it got a 2xx."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body),
            "X-Chain-Processor-Delivery": str(delivery_id),
        }
        try:
            request = self.client.build_request("POST", url, content=body, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
            raise DeliveryError(f"invalid URL: {error}", final=True) from error
        for _hop in range(MAX_REDIRECTS + 1):
            refusal = self.policy.refusal(request.url)
            if refusal is not None:
                raise DeliveryError(f"refused: {refusal}", final=True)
            try:
                response = self.client.send(request)
                response.close()
            except httpx.HTTPError as error:
                raise DeliveryError(f"{type(error).__name__}: {error}") from error
            if response.is_success:
                return
            if not response.is_redirect:
                raise DeliveryError(f"HTTP {response.status_code}")
            request = self._redirect(request, response)
        raise DeliveryError(f"more than {MAX_REDIRECTS} redirects")

    def _redirect(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        target = response.next_request
        if response.status_code not in (307, 308) or target is None:
            raise DeliveryError(f"HTTP {response.status_code} redirect not followed", final=True)
        same = (target.url.scheme, target.url.host, target.url.port) == (
            request.url.scheme,
            request.url.host,
            request.url.port,
        )
        if not same:
            raise DeliveryError("redirect to another host not followed", final=True)
        return target
