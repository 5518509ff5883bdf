from __future__ import annotations

import uuid
from typing import Any

import pytest

from chain_processor_api.core.config import Settings
from chain_processor_api.core.rate_limit import RateLimits, TokenBucket
from chain_processor_api.core.security import (
    VERIFIED_CLAIMS,
    create_access_token,
    request_claims,
)
from chain_processor_core.exceptions.errors import NotAuthenticatedError

SECRET = "unit-test-secret-key-that-is-long-enough-0123"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_capacity_then_refills_over_time() -> None:
    clock = Clock()
    bucket = TokenBucket(capacity=3, per_second=0.5, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [None, None, None]
    assert bucket.take("a") == 2  # one token takes two seconds to come back
    assert bucket.take("b") is None  # keys are independent
    clock.now += 2
    assert bucket.take("a") is None
    assert bucket.take("a") == 2
    clock.now += 60
    assert [bucket.take("a") for _ in range(3)] == [None, None, None]  # never beyond capacity
    assert bucket.take("a") is not None


def test_a_bucket_forgets_the_least_recent_keys_beyond_its_bound() -> None:
    bucket = TokenBucket(capacity=1, per_second=0.001, max_keys=2, clock=Clock())
    assert bucket.take("a") is None
    assert bucket.take("b") is None
    assert bucket.take("c") is None  # "a" is forgotten: it starts full again
    assert bucket.take("a") is None
    assert bucket.take("c") is not None


def test_budgets_by_method_and_path() -> None:
    settings = Settings.model_validate({"environment": "test", "secret_key": SECRET})
    limits = RateLimits(settings, api_prefix="/api/v1")
    assert limits.budget("GET", "/api/v1/nodes") == "read"
    assert limits.budget("HEAD", "/api/v1/nodes") == "read"
    assert limits.budget("POST", "/api/v1/nodes") == "write"
    assert limits.budget("DELETE", "/api/v1/chains/x") == "write"
    assert limits.budget("POST", "/api/v1/executions") == "submit"
    assert limits.budget("POST", "/api/v1/executions/abc/rerun") == "submit"
    assert limits.budget("POST", "/api/v1/executions/abc/cancel") == "write"
    assert limits.budget("POST", "/api/v1/ab-runs") == "submit"
    for exempt in ("/health", "/health/detailed", "/metrics", "/", "/docs", "/openapi.json"):
        assert limits.budget("GET", exempt) is None
    assert limits.key(None, "10.0.0.1", {}) == "address:10.0.0.1"
    assert limits.key("not-a-token", "10.0.0.1", {}) == "address:10.0.0.1"


def test_a_users_token_is_decoded_once_per_request() -> None:
    settings = Settings.model_validate({"environment": "test", "secret_key": SECRET})
    limits = RateLimits(settings, api_prefix="/api/v1")
    user = uuid.uuid4()
    token = create_access_token(settings, user_id=user, session_id=uuid.uuid4())
    state: dict[str, Any] = {}

    assert limits.key(token, "10.0.0.1", state) == f"user:{user}"

    # authentication finds the claims the limiter decoded, not a second decoding of them
    assert request_claims(settings, token, state) is state[VERIFIED_CLAIMS][1]
    assert request_claims(settings, token, state).user_id == user
    with pytest.raises(NotAuthenticatedError):  # another token is decoded, not trusted
        request_claims(settings, token + "x", state)
