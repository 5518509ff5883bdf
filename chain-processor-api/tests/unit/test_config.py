from __future__ import annotations

import pytest
from pydantic import ValidationError

from chain_processor_api.core.config import Settings

LONG_SECRET = "x" * 40


@pytest.mark.parametrize("environment", ["test", "staging", "production"])
def test_a_secret_is_required_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is required"):
        Settings(environment=environment)


@pytest.mark.parametrize("secret", ["changethis", "secret", "Change-Me"])
def test_placeholder_secrets_are_refused_in_production(secret: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(environment="production", secret_key=secret)


def test_short_secrets_are_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(environment="production", secret_key="short-but-not-a-placeholder")


def test_production_accepts_a_long_random_secret() -> None:
    settings = Settings(environment="production", secret_key=LONG_SECRET)
    assert settings.jwt_key() == LONG_SECRET


def test_development_generates_one_key_per_process_when_unset() -> None:
    first = Settings(environment="development").jwt_key()
    assert len(first) >= 32
    assert Settings(environment="development").jwt_key() == first


def test_development_accepts_any_secret() -> None:
    assert Settings(environment="development", secret_key="dev").jwt_key() == "dev"


def test_sqlite_is_the_embedded_default() -> None:
    assert Settings(environment="development").is_sqlite
    assert not Settings(environment="development", database_url="postgresql://h/d").is_sqlite
