"""The API's settings: one class, read once from the environment (``get_settings()``).

Nothing else in the package reads ``os.environ``. Outside ``development`` the settings refuse
to load without a real ``SECRET_KEY`` (at least 32 characters, not a placeholder).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url

from chain_processor_core.utils.gc_tuning import DEFAULT_GC_THRESHOLD
from chain_processor_db.config import DEFAULT_DATABASE_URL
from chain_processor_executor.config import EXECUTOR_SANDBOX_SLOTS

PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "change-me", "changeme", "secret", "secret-key", "your-secret-key", "dev"}
)
MIN_SECRET_CHARS = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "staging", "production"] = Field(
        default="development",
        description="Where the API runs; anything but development demands a real SECRET_KEY.",
    )
    api_host: str = Field(default="127.0.0.1", description="Address uvicorn listens on.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port uvicorn listens on.")
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes sharing the port (uvicorn workers). One process uses one "
        "core at most; PostgreSQL only (the embedded SQLite path keeps one).",
    )

    gc_threshold: int = Field(
        default=DEFAULT_GC_THRESHOLD,
        ge=0,
        le=10_000_000,
        description="Allocations between two collections of Python's youngest generation in "
        "a served API process, whose start-up objects are frozen (core ADR-0003); 0 keeps "
        "Python's collector as it is (700, nothing frozen).",
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: postgresql://… (production) or sqlite:///path (embedded).",
    )
    database_pgbouncer: bool = Field(
        default=False,
        description="DATABASE_URL points at PgBouncer in transaction pooling mode.",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept.")
    database_pool_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long a request waits for a free connection before it is answered"
        " 503 (an overloaded API sheds load rather than queueing it for half a minute).",
    )
    database_listen_url: str | None = Field(
        default=None,
        description="Direct PostgreSQL URL for LISTEN (live progress); DATABASE_URL when "
        "unset, unless that goes through PgBouncer, which cannot LISTEN (then: polling).",
    )
    auth_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="How long a checked sign-in is trusted without reading it again, on "
        "PostgreSQL while this process LISTENs for changes to users and sessions (which end "
        "it at once); 0 reads it on every request.",
    )
    run_target_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="How long what a submit reads of a chain (active, current version, "
        "traffic split, the version it pins) is trusted without reading it again, on "
        "PostgreSQL while this process LISTENs for changes to chains (which end it at once); "
        "0 reads it on every submit.",
    )
    live_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often live streams look for progress."
    )
    pgbouncer_url: str | None = Field(
        default=None,
        description="PgBouncer to check in /health/detailed when the API does not use it itself.",
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description="HS256 key for access tokens; at least 32 characters. In development a "
        "random key is generated per process when unset (tokens end at restart).",
    )
    access_token_expire_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Lifetime of an access token."
    )
    refresh_token_expire_days: int = Field(
        default=14, ge=1, le=365, description="Lifetime of a refresh token (each one rotates)."
    )
    jwt_issuer: str = Field(default="chain-processor-api", description="`iss` of access tokens.")
    jwt_leeway_seconds: int = Field(
        default=5, ge=0, le=60, description="Clock skew tolerated on exp/nbf/iat."
    )

    login_max_failures_per_account: int = Field(
        default=5, ge=1, description="Failed logins of one account allowed per window."
    )
    login_max_attempts_per_address: int = Field(
        default=30, ge=1, description="Logins from one client address allowed per window."
    )
    login_window_seconds: int = Field(
        default=15 * 60, ge=1, description="Sliding window of the login throttles."
    )
    rate_limit_enabled: bool = Field(
        default=True, description="Limit API requests per user (or client address)."
    )
    rate_limit_reads_per_minute: int = Field(
        default=6000,
        ge=1,
        description="GET/HEAD requests per user per minute (a token bucket: bursts up to this).",
    )
    rate_limit_writes_per_minute: int = Field(
        default=3000,
        ge=1,
        description="POST/PUT/PATCH/DELETE requests per user per minute, submissions aside.",
    )
    rate_limit_submits_per_minute: int = Field(
        default=6000,
        ge=1,
        description="Execution submissions (new runs, re-runs, A/B runs) per user per minute.",
    )
    live_stream_max_seconds: float = Field(
        default=300,
        gt=0,
        le=3600,
        description="A list stream (executions/events, executions/ws) ends after this long; "
        "clients reconnect, with a token that is then checked again.",
    )
    test_run_sandboxes: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Sandbox processes for node test-runs (started on first use); also the "
        "number of test-runs at once: more get 503.",
    )
    test_run_timeout_s: float = Field(
        default=5.0, gt=0, description="Time limit of a test-run (the executor's default)."
    )
    test_run_max_timeout_s: float = Field(
        default=30.0, gt=0, description="Cap on a `_timeout_s` given in a test-run's config."
    )
    sandbox_first_slot: int = Field(
        default=EXECUTOR_SANDBOX_SLOTS,
        ge=0,
        description="First sandbox slot of this process: slot + SANDBOX_UID_BASE is the "
        "sandbox uid, so keep it apart from the executor workers' slots (0, 1, …).",
    )
    sandbox_uid_base: int | None = Field(
        default=1_000_000, description="First sandbox uid when running as root; null keeps ours."
    )
    sandbox_memory_mb: int = Field(
        default=512, ge=64, description="Address space of a test-run sandbox (RLIMIT_AS)."
    )
    sandbox_require_network_isolation: bool = Field(
        default=True, description="Refuse to test-run where a sandbox gets no network namespace."
    )

    max_request_bytes: int = Field(
        default=1_048_576 * 2,
        ge=1024,
        description="Largest request body accepted (413 beyond); imports get ``max_import_bytes``.",
    )
    max_import_bytes: int = Field(
        default=1_048_576 * 16, ge=1024, description="Largest chain import accepted."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    executor_stale_after_seconds: int = Field(
        default=60,
        ge=1,
        description="A pending execution older than this with no live worker lease means the "
        "executor is away (health becomes degraded).",
    )
    web_dist_dir: Path | None = Field(
        default=None, description="Built web UI served at / with SPA fallback, when present."
    )
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        description="OTLP/HTTP collector (e.g. http://otel:4318); spans are exported only "
        "when set.",
    )
    otel_service_name: str = Field(
        default="chain-processor-api", description="service.name of exported spans."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level logged (JSON lines on stderr)."
    )

    @model_validator(mode="after")
    def _check_workers(self) -> Settings:
        if self.api_workers > 1 and self.is_sqlite:
            raise ValueError("API_WORKERS above 1 needs PostgreSQL: SQLite has one writer")
        return self

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.secret_key is None:
            if self.environment != "development":
                raise ValueError(f"SECRET_KEY is required when ENVIRONMENT={self.environment}")
            return self
        value = self.secret_key.get_secret_value()
        if self.environment == "development":
            return self
        if value.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("SECRET_KEY is a placeholder: set a random value")
        if len(value) < MIN_SECRET_CHARS:
            raise ValueError(f"SECRET_KEY must have at least {MIN_SECRET_CHARS} characters")
        return self

    def jwt_key(self) -> str:
        """The signing key: the configured one, or (development only) one per process."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _development_key()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def listen_url(self) -> str | None:
        """Where to LISTEN for progress (a libpq URL), or None to rely on polling."""
        url = self.database_listen_url
        if url is None and not self.is_sqlite and not self.database_pgbouncer:
            url = self.database_url
        if url is None:
            return None
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@lru_cache
def _development_key() -> str:
    return secrets.token_urlsafe(48)


@lru_cache
def get_settings() -> Settings:
    return Settings()
