"""Sign-in, refresh rotation, logout and the token attacks of issue 8, over HTTP."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_api.core.config import Settings
from chain_processor_api.core.throttle import LoginThrottle
from chain_processor_api.schemas.auth import Token
from chain_processor_api.services.auth import start_session
from chain_processor_db.base import utcnow
from chain_processor_db.models import AuditLog, User
from chain_processor_db.models.auth import AuthSession, RefreshToken
from tests.conftest import PASSWORD, SECRET, email_of

LOGIN = "/api/v1/login/access-token"
REFRESH = "/api/v1/login/refresh"
ME = "/api/v1/users/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, data={"username": email, "password": password})


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).order_by(AuditLog.created_at)))


@pytest.fixture
def pair(session: Session, settings: Settings, users: dict[str, User]) -> Token:
    """A token pair of the editor, issued without hashing a password."""
    token = start_session(
        session, settings, user=users["editor"], client_address="testclient", user_agent=None
    )
    session.commit()
    return token


class TestSignIn:
    def test_the_right_password_gives_a_working_token_pair(
        self, client: TestClient, session: Session, users: dict[str, User]
    ) -> None:
        response = login(client, email_of("viewer").upper())
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 15 * 60
        assert body["refresh_token"]
        me = client.get(ME, headers=bearer(body["access_token"]))
        assert me.json()["email"] == email_of("viewer")
        assert me.json()["last_login"] is not None
        assert "login" in audit_actions(session)

    @pytest.mark.parametrize("email", [email_of("viewer"), "nobody@example.com"])
    def test_wrong_credentials_get_the_same_401(self, client: TestClient, email: str) -> None:
        response = login(client, email, "wrong-password")
        assert response.status_code == 401
        assert response.json() == {
            "detail": "Incorrect email or password",
            "code": "not_authenticated",
            "field": None,
        }
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_an_absurdly_long_password_is_refused_without_hashing(self, client: TestClient) -> None:
        response = login(client, email_of("viewer"), "x" * 100_000)
        assert response.status_code == 401

    def test_a_disabled_account_cannot_sign_in(
        self, client: TestClient, session: Session, users: dict[str, User]
    ) -> None:
        users["viewer"].is_active = False
        session.commit()
        assert login(client, email_of("viewer")).status_code == 403

    def test_missing_form_fields_are_a_422(self, client: TestClient) -> None:
        response = client.post(LOGIN, data={"username": "x"})
        assert response.status_code == 422
        assert response.json()["field"] == "body.password"

    def test_failed_attempts_lock_the_account_for_a_while(self, client: TestClient) -> None:
        for _ in range(5):
            assert login(client, email_of("viewer"), "wrong-password").status_code == 401
        locked = login(client, email_of("viewer"))
        assert locked.status_code == 429
        assert locked.json()["code"] == "too_many_requests"
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        # Other accounts are not affected by this one's lock.
        assert login(client, email_of("editor")).status_code == 200

    def test_one_address_is_throttled_across_accounts(
        self, client: TestClient, app: FastAPI
    ) -> None:
        app.state.login_throttle = LoginThrottle(
            max_failures_per_account=100, max_attempts_per_address=2, window_seconds=60
        )
        for number in range(2):
            assert login(client, f"user{number}@example.com", "x").status_code == 401
        response = login(client, email_of("admin"))
        assert response.status_code == 429
        assert 55 <= int(response.headers["Retry-After"]) <= 60  # a slow machine ticks on


class TestRefresh:
    def test_a_refresh_token_rotates(self, client: TestClient, pair: Token) -> None:
        response = client.post(REFRESH, json={"refresh_token": pair.refresh_token})
        assert response.status_code == 200
        fresh = response.json()
        assert fresh["refresh_token"] != pair.refresh_token
        assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200

    def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
        self, client: TestClient, session: Session, pair: Token
    ) -> None:
        fresh = client.post(REFRESH, json={"refresh_token": pair.refresh_token}).json()
        reuse = client.post(REFRESH, json={"refresh_token": pair.refresh_token})
        assert reuse.status_code == 401
        assert reuse.json()["code"] == "refresh_token_reused"
        # Everything issued from that sign-in is dead, the newest tokens included.
        again = client.post(REFRESH, json={"refresh_token": fresh["refresh_token"]})
        assert again.status_code == 401
        assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 401
        assert client.get(ME, headers=bearer(pair.access_token)).status_code == 401
        revoked = session.scalars(select(AuthSession.revoked_reason)).all()
        assert "refresh_reuse" in revoked
        assert "login.refresh_reuse" in audit_actions(session)

    def test_unknown_and_malformed_refresh_tokens_are_refused(self, client: TestClient) -> None:
        assert client.post(REFRESH, json={"refresh_token": "made-up"}).status_code == 401
        assert client.post(REFRESH, json={"refresh_token": ""}).status_code == 422
        assert client.post(REFRESH, json={}).status_code == 422

    def test_an_expired_refresh_token_is_refused(
        self, client: TestClient, session: Session, pair: Token
    ) -> None:
        for token in session.scalars(select(RefreshToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        response = client.post(REFRESH, json={"refresh_token": pair.refresh_token})
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    def test_a_disabled_user_cannot_refresh(
        self, client: TestClient, session: Session, users: dict[str, User], pair: Token
    ) -> None:
        users["editor"].is_active = False
        session.commit()
        assert client.post(REFRESH, json={"refresh_token": pair.refresh_token}).status_code == 401


class TestLogout:
    def test_logout_ends_the_access_and_refresh_tokens(
        self, client: TestClient, session: Session, pair: Token
    ) -> None:
        response = client.post("/api/v1/login/logout", headers=bearer(pair.access_token))
        assert response.status_code == 204
        assert client.get(ME, headers=bearer(pair.access_token)).status_code == 401
        refused = client.post(REFRESH, json={"refresh_token": pair.refresh_token})
        assert refused.status_code == 401
        assert "logout" in audit_actions(session)

    def test_logout_needs_a_token(self, client: TestClient) -> None:
        assert client.post("/api/v1/login/logout").status_code == 401


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestTokenAttacks:
    """Each forged or stale access token gets a 401 on a protected route."""

    @pytest.fixture
    def claims(self, pair: Token) -> dict[str, Any]:
        return dict(jwt.decode(pair.access_token, options={"verify_signature": False}))

    def assert_refused(self, client: TestClient, token: str) -> None:
        response = client.get(ME, headers=bearer(token))
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "not_authenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_the_genuine_token_works(self, client: TestClient, pair: Token) -> None:
        assert client.get(ME, headers=bearer(pair.access_token)).status_code == 200

    def test_alg_none(self, client: TestClient, claims: dict[str, Any]) -> None:
        self.assert_refused(client, f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.")

    def test_wrong_key(self, client: TestClient, claims: dict[str, Any]) -> None:
        self.assert_refused(client, jwt.encode(claims, "another-key-" * 4, algorithm="HS256"))

    def test_expired(self, client: TestClient, claims: dict[str, Any]) -> None:
        past = datetime.now(UTC) - timedelta(hours=1)
        expired = {**claims, "iat": past, "nbf": past, "exp": past + timedelta(minutes=15)}
        self.assert_refused(client, jwt.encode(expired, SECRET, algorithm="HS256"))

    def test_not_valid_yet(self, client: TestClient, claims: dict[str, Any]) -> None:
        future = datetime.now(UTC) + timedelta(minutes=10)
        early = {**claims, "nbf": future, "exp": future + timedelta(minutes=15)}
        self.assert_refused(client, jwt.encode(early, SECRET, algorithm="HS256"))

    def test_tampered_subject(
        self, client: TestClient, pair: Token, claims: dict[str, Any], users: dict[str, User]
    ) -> None:
        header, _payload, signature = pair.access_token.split(".")
        forged = _b64({**claims, "sub": str(users["admin"].id)})
        self.assert_refused(client, f"{header}.{forged}.{signature}")

    def test_a_session_of_another_user(
        self, client: TestClient, claims: dict[str, Any], users: dict[str, User]
    ) -> None:
        # Signed correctly (a leaked key would allow it) but the session is not the admin's.
        forged = {**claims, "sub": str(users["admin"].id)}
        self.assert_refused(client, jwt.encode(forged, SECRET, algorithm="HS256"))

    def test_an_unknown_session(self, client: TestClient, claims: dict[str, Any]) -> None:
        forged = {**claims, "sid": str(uuid.uuid4())}
        self.assert_refused(client, jwt.encode(forged, SECRET, algorithm="HS256"))

    def test_no_token_or_garbage(self, client: TestClient) -> None:
        self.assert_refused(client, "garbage")
        response = client.get(ME)
        assert response.status_code == 401

    def test_a_token_of_a_deleted_or_disabled_user(
        self, client: TestClient, session: Session, users: dict[str, User], pair: Token
    ) -> None:
        users["editor"].is_active = False
        session.commit()
        self.assert_refused(client, pair.access_token)
