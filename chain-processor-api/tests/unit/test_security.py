"""Access-token attacks refused by ``decode_access_token`` (the API-level tests repeat them
over HTTP)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from chain_processor_api.core import security
from chain_processor_api.core.config import Settings
from chain_processor_api.core.security import (
    create_access_token,
    decode_access_token,
    hash_refresh_token,
    new_refresh_token,
)
from chain_processor_core.exceptions.errors import NotAuthenticatedError

SETTINGS = Settings(environment="test", secret_key="k" * 64)
USER, SESSION = uuid.uuid4(), uuid.uuid4()


def claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": str(USER),
        "sid": str(SESSION),
        "jti": "j",
        "type": "access",
        "iss": SETTINGS.jwt_issuer,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def sign(payload: dict[str, Any], key: str = "k" * 64, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_fresh_token_decodes_to_its_user_and_session() -> None:
    decoded = decode_access_token(
        SETTINGS, create_access_token(SETTINGS, user_id=USER, session_id=SESSION)
    )
    assert (decoded.user_id, decoded.session_id) == (USER, SESSION)
    assert decoded.expires_at > datetime.now(UTC)


def test_alg_none_is_refused() -> None:
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(iat=1, nbf=1, exp=2**40))}."
    with pytest.raises(NotAuthenticatedError, match="not valid"):
        decode_access_token(SETTINGS, token)


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(NotAuthenticatedError, match="not valid"):
        decode_access_token(SETTINGS, sign(claims(), key="o" * 64))


def test_another_algorithm_is_refused() -> None:
    with pytest.raises(NotAuthenticatedError, match="not valid"):
        decode_access_token(SETTINGS, sign(claims(), algorithm="HS512"))


def test_an_expired_token_is_refused() -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = sign(claims(iat=past, nbf=past, exp=past + timedelta(minutes=1)))
    with pytest.raises(NotAuthenticatedError, match="expired"):
        decode_access_token(SETTINGS, token)


def test_a_token_not_valid_yet_is_refused() -> None:
    with pytest.raises(NotAuthenticatedError, match="not valid yet"):
        decode_access_token(SETTINGS, sign(claims(nbf=datetime.now(UTC) + timedelta(minutes=5))))


def test_tampered_claims_break_the_signature() -> None:
    header, _payload, signature = create_access_token(
        SETTINGS, user_id=USER, session_id=SESSION
    ).split(".")
    forged = b64(claims(sub=str(uuid.uuid4()), iat=1, nbf=1, exp=2**40))
    with pytest.raises(NotAuthenticatedError, match="not valid"):
        decode_access_token(SETTINGS, f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("missing", ["exp", "sid", "jti", "nbf", "type"])
def test_every_claim_is_required(missing: str) -> None:
    with pytest.raises(NotAuthenticatedError):
        decode_access_token(SETTINGS, sign(claims(**{missing: None})))


def test_other_token_types_and_issuers_are_refused() -> None:
    with pytest.raises(NotAuthenticatedError, match="not an access token"):
        decode_access_token(SETTINGS, sign(claims(type="refresh")))
    with pytest.raises(NotAuthenticatedError, match="not valid"):
        decode_access_token(SETTINGS, sign(claims(iss="someone-else")))


def test_malformed_subjects_are_refused() -> None:
    with pytest.raises(NotAuthenticatedError, match="not valid"):
        decode_access_token(SETTINGS, sign(claims(sub="not-a-uuid")))


def test_garbage_is_refused() -> None:
    with pytest.raises(NotAuthenticatedError):
        decode_access_token(SETTINGS, "not.a.token")


def test_refresh_tokens_are_random_and_hashed() -> None:
    first, second = new_refresh_token(), new_refresh_token()
    assert first != second and len(first) >= 43
    assert hash_refresh_token(first) == hash_refresh_token(first)
    assert len(hash_refresh_token(first)) == 64 and first not in hash_refresh_token(first)


def test_a_token_verified_once_is_not_verified_again_but_its_times_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(environment="test", secret_key="k" * 64, jwt_leeway_seconds=0)
    calls: list[str] = []
    verify = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return verify(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    issued = datetime.now(UTC) - timedelta(minutes=15) + timedelta(seconds=1)
    token = create_access_token(settings, user_id=USER, session_id=SESSION, now=issued)
    first, again = decode_access_token(settings, token), decode_access_token(settings, token)
    assert first == again and calls == [token]
    monkeypatch.setattr(time, "time", lambda: issued.timestamp() + 15 * 60)
    with pytest.raises(NotAuthenticatedError, match="expired"):
        decode_access_token(settings, token)  # kept, yet refused at its exp
    assert calls == [token]
    monkeypatch.setattr(time, "time", lambda: issued.timestamp() - 1)
    with pytest.raises(NotAuthenticatedError, match="not valid yet"):
        decode_access_token(settings, token)  # a clock that went back past its nbf


def test_a_kept_token_counts_only_under_its_key_and_issuer() -> None:
    token = create_access_token(SETTINGS, user_id=USER, session_id=SESSION)
    assert decode_access_token(SETTINGS, token).user_id == USER
    for other in (
        Settings(environment="test", secret_key="o" * 64),
        Settings(environment="test", secret_key="k" * 64, jwt_issuer="someone-else"),
    ):
        with pytest.raises(NotAuthenticatedError, match="not valid"):
            decode_access_token(other, token)


def test_a_full_list_of_verified_tokens_lets_the_oldest_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(security, "VERIFIED_TOKENS_KEPT", 2)
    monkeypatch.setattr(security, "_VERIFIED", {})
    tokens = [create_access_token(SETTINGS, user_id=USER, session_id=SESSION) for _ in range(3)]
    for token in tokens:
        decode_access_token(SETTINGS, token)
    assert [key[0] for key in security._VERIFIED] == tokens[1:]
