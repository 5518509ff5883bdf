"""Database settings, read once from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/chain-processor.db"


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: postgresql://… (production) or sqlite:///path (embedded).",
    )
    database_pgbouncer: bool = Field(
        default=False,
        description="The URL points at PgBouncer in transaction pooling: no prepared statements.",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept.")
    database_max_overflow: int = Field(default=10, ge=0, description="Extra connections allowed.")
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    admin_email: str = Field(
        default="admin@example.com", description="Email of the admin user that `seed` creates."
    )
    admin_password: SecretStr | None = Field(
        default=None,
        description="Password of the admin user that `seed` creates; generated when unset.",
    )


@lru_cache
def get_database_settings() -> DatabaseSettings:
    return DatabaseSettings()
