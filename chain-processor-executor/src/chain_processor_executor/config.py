"""The executor's settings, read once from the environment (nothing else reads it)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url

from chain_processor_core.utils.gc_tuning import DEFAULT_GC_THRESHOLD
from chain_processor_executor.sandbox import SandboxLimits

PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "change-me", "changeme", "secret", "secret-key", "your-secret-key", "dev"}
)
MIN_SECRET_CHARS = 32


SQLITE_CONCURRENCY = 4
"""Runs a worker runs at once on SQLite unless ``EXECUTOR_CONCURRENCY`` says otherwise: one
writer at a time, so more would mostly wait for the file's lock."""

EXECUTOR_SANDBOX_SLOTS = 900
"""Sandbox slots 0 … 899 belong to the executor's workers (worker *i* takes
``EXECUTOR_CONCURRENCY`` of them from ``i * EXECUTOR_CONCURRENCY``); the API's test-run
sandboxes start at 900, so no two sandboxes on one host share a uid."""


class ExecutorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "staging", "production"] = Field(
        default="development",
        description="Where the executor runs; anything but development demands a real "
        "WEBHOOK_SECRET.",
    )

    database_url: str = Field(
        default="sqlite:///var/chain-processor.db",
        description="SQLAlchemy URL of the database: postgresql://… or sqlite:///path.",
    )
    database_pgbouncer: bool = Field(
        default=False, description="DATABASE_URL points at PgBouncer in transaction pooling."
    )
    database_listen_url: str | None = Field(
        default=None,
        description="Direct PostgreSQL URL for LISTEN (PgBouncer cannot relay it). Defaults "
        "to DATABASE_URL unless that is PgBouncer; without one, workers only poll.",
    )
    executor_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, description="Worker processes."
    )
    executor_concurrency: int = Field(
        default=16,
        ge=1,
        le=64,
        description="Executions one worker runs at once, and its most sandboxes (each keeps "
        f"a fork for the last trust domain it ran; ADR-0008); {SQLITE_CONCURRENCY} by default "
        "on SQLite, whose writers take turns.",
    )
    executor_sandboxes_at_start: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description="Sandboxes a worker starts with (all when unset); the others start when "
        "first needed, up to EXECUTOR_CONCURRENCY.",
    )
    executor_batch_size: int = Field(default=8, ge=1, description="Most executions per claim.")
    executor_prefetch: int = Field(
        default=2,
        ge=0,
        description="Executions a worker claims ahead of its free threads, so a thread that"
        " finishes starts the next one without waiting for a claim.",
    )
    executor_poll_interval_s: float = Field(
        default=0.5, gt=0, description="First wait of an idle worker between claims."
    )
    executor_max_poll_interval_s: float = Field(
        default=5.0, gt=0, description="The idle wait doubles up to this."
    )
    executor_sqlite_watch_s: float = Field(
        default=0.1,
        gt=0,
        le=5,
        description="On SQLite, how often an idle worker checks whether others committed to "
        "the file (and then whether an execution is pending): its wake-up, as NOTIFY is on "
        "PostgreSQL.",
    )
    executor_lease_s: float = Field(
        default=30.0, gt=0, description="How long a claim holds without a heartbeat."
    )
    executor_heartbeat_s: float = Field(default=10.0, gt=0, description="Lease renewal period.")
    executor_cancel_check_s: float = Field(
        default=0.5, gt=0, description="How often running executions are checked for cancel."
    )
    executor_graceful_timeout_s: float = Field(
        default=30.0, ge=0, description="On SIGTERM, how long in-flight work may finish."
    )
    executor_reap_interval_s: float = Field(
        default=10.0, gt=0, description="How often the supervisor reaps expired leases."
    )
    executor_progress_flush_s: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="The longest a finished node's row waits before it is written and published"
        " (rows of nodes finishing within this are written together).",
    )
    executor_node_timeout_s: float = Field(default=5.0, gt=0, description="Default node limit.")
    executor_max_node_timeout_s: float = Field(
        default=300.0, gt=0, description="No node or chain setting may exceed this limit."
    )
    executor_sandbox_memory_mb: int = Field(
        default=512, ge=64, description="Address space of a sandbox process (RLIMIT_AS)."
    )
    executor_sandbox_max_output_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest output of one node."
    )
    executor_sandbox_file_bytes: int = Field(
        default=1024 * 1024, ge=0, description="Largest file a node may write (RLIMIT_FSIZE)."
    )
    executor_sandbox_uid_base: int | None = Field(
        default=1_000_000,
        description="First uid of the sandboxes when running as root (one uid per sandbox).",
    )
    executor_sandbox_require_network_isolation: bool = Field(
        default=True, description="Refuse to run nodes without a network namespace."
    )
    executor_generated_dir: Path | None = Field(
        default=Path("var/lib_chains_generated"),
        description="Where node code is copied for inspection (spec §5.3); empty: nowhere.",
    )
    executor_metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="Port of /metrics (Prometheus); 0: off."
    )
    executor_metrics_host: str = Field(
        default="0.0.0.0", description="Address /metrics listens on (no secrets are exposed)."
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector (e.g. http://otel:4318); spans are exported only "
        "when set.",
    )
    otel_service_name: str = Field(
        default="chain-processor-executor", description="service.name of exported spans."
    )
    webhook_secret: SecretStr = Field(
        default=SecretStr("change-me"),
        description="HMAC-SHA256 key of the X-Chain-Processor-Signature header of webhooks.",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="Deliveries tried before a webhook is given up."
    )
    webhook_backoff_s: float = Field(
        default=2.0, gt=0, description="Wait after the first failed attempt; doubles after each."
    )
    webhook_max_backoff_s: float = Field(
        default=3600.0, gt=0, description="The wait between attempts doubles up to this."
    )
    webhook_timeout_s: float = Field(
        default=10.0, gt=0, description="Connect/read/write timeout of one delivery."
    )
    webhook_poll_interval_s: float = Field(
        default=1.0, gt=0, description="How often the supervisor looks for due webhooks."
    )
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts webhooks may reach (JSON list; '*.example.com' matches "
        "subdomains). Empty: any host whose addresses are public.",
    )
    webhook_allow_private_networks: bool = Field(
        default=False,
        description="Also deliver to loopback, private, link-local and reserved addresses "
        "(development and tests only: see the SSRF notes in the README).",
    )
    executor_gc_threshold: int = Field(
        default=DEFAULT_GC_THRESHOLD,
        ge=0,
        le=10_000_000,
        description="Allocations between two collections of Python's youngest generation in "
        "a worker process, whose start-up objects are frozen (core ADR-0003); 0 keeps "
        "Python's collector as it is.",
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    log_json: bool = Field(default=True, description="Log JSON lines (else plain text).")

    @model_validator(mode="after")
    def _default_concurrency(self) -> ExecutorSettings:
        """Unless set: fewer runs at once on SQLite, and no more sandboxes in all than the
        executor's slots (a host with more than 56 cores runs fewer than 16 per worker)."""
        if "executor_concurrency" not in self.model_fields_set:
            wanted = SQLITE_CONCURRENCY if self.is_sqlite else self.executor_concurrency
            fitting = EXECUTOR_SANDBOX_SLOTS // self.executor_workers
            self.executor_concurrency = max(1, min(wanted, fitting))
        return self

    @model_validator(mode="after")
    def _check_sandbox_slots(self) -> ExecutorSettings:
        sandboxes = self.executor_workers * self.executor_concurrency
        if sandboxes > EXECUTOR_SANDBOX_SLOTS:
            raise ValueError(
                f"EXECUTOR_WORKERS x EXECUTOR_CONCURRENCY is {sandboxes} sandboxes, more than "
                f"the {EXECUTOR_SANDBOX_SLOTS} slots (uids) kept for the executor: the API's "
                "test-run sandboxes start at the next one"
            )
        return self

    @model_validator(mode="after")
    def _check_webhook_secret(self) -> ExecutorSettings:
        if self.environment == "development":
            return self
        value = self.webhook_secret.get_secret_value()
        if value.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("WEBHOOK_SECRET is a placeholder: set a random value")
        if len(value) < MIN_SECRET_CHARS:
            raise ValueError(f"WEBHOOK_SECRET must have at least {MIN_SECRET_CHARS} characters")
        return self

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def listen_url(self) -> str | None:
        if self.database_listen_url:
            return self.database_listen_url
        url = make_url(self.database_url)
        if url.get_backend_name() != "postgresql" or self.database_pgbouncer:
            return None
        return url.set(drivername="postgresql").render_as_string(hide_password=False)

    def sandbox_limits(self) -> SandboxLimits:
        return SandboxLimits(
            memory_bytes=self.executor_sandbox_memory_mb * 1024 * 1024,
            max_output_bytes=self.executor_sandbox_max_output_bytes,
            file_bytes=self.executor_sandbox_file_bytes,
            uid_base=self.executor_sandbox_uid_base,
            require_network_isolation=self.executor_sandbox_require_network_isolation,
        )


@lru_cache
def get_settings() -> ExecutorSettings:
    return ExecutorSettings()
