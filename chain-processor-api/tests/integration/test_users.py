from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_api.core.config import Settings
from chain_processor_api.services.auth import start_session
from chain_processor_db.models import AuditLog, User
from tests.conftest import PASSWORD, Database

USERS = "/api/v1/users"


def last_audit(session: Session, action: str) -> AuditLog:
    entry = session.scalar(
        select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.created_at.desc())
    )
    assert entry is not None, action
    return entry


class TestMe:
    def test_read_me(self, client: TestClient, as_viewer: dict[str, str]) -> None:
        body = client.get(f"{USERS}/me", headers=as_viewer).json()
        assert body["email"] == "viewer@example.com"
        assert body["roles"] == ["viewer"]
        assert "password_hash" not in body

    def test_update_my_name_and_preferences(
        self, client: TestClient, session: Session, as_viewer: dict[str, str]
    ) -> None:
        response = client.patch(
            f"{USERS}/me",
            headers=as_viewer,
            json={"full_name": "Vera", "preferences": {"theme": "dark"}},
        )
        assert response.status_code == 200
        assert response.json()["full_name"] == "Vera"
        entry = last_audit(session, "user.update_me")
        assert entry.before is not None and entry.before["full_name"] == "Viewer"
        assert entry.after is not None and entry.after["preferences"] == {"theme": "dark"}
        assert entry.actor_email == "viewer@example.com"
        assert entry.request_id == response.headers["X-Request-ID"]

    def test_mass_assignment_of_a_role_is_refused(
        self, client: TestClient, as_viewer: dict[str, str]
    ) -> None:
        for field, value in (("roles", ["admin"]), ("is_active", True), ("is_superuser", True)):
            response = client.patch(f"{USERS}/me", headers=as_viewer, json={field: value})
            assert response.status_code == 422
            assert response.json()["field"] == f"body.{field}"
        assert client.get(f"{USERS}/me", headers=as_viewer).json()["roles"] == ["viewer"]

    def test_password_change_revokes_every_session(
        self, client: TestClient, session: Session, settings: Settings, users: dict[str, User]
    ) -> None:
        other = start_session(
            session, settings, user=users["viewer"], client_address=None, user_agent=None
        )
        session.commit()
        headers = {"Authorization": f"Bearer {other.access_token}"}
        response = client.post(
            f"{USERS}/me/password",
            headers=headers,
            json={"current_password": PASSWORD, "new_password": "a-new-password-1"},
        )
        assert response.status_code == 200
        fresh = response.json()
        assert client.get(f"{USERS}/me", headers=headers).status_code == 401
        refresh = client.post("/api/v1/login/refresh", json={"refresh_token": other.refresh_token})
        assert refresh.status_code == 401
        new_headers = {"Authorization": f"Bearer {fresh['access_token']}"}
        assert client.get(f"{USERS}/me", headers=new_headers).status_code == 200
        signed_in = client.post(
            "/api/v1/login/access-token",
            data={"username": "viewer@example.com", "password": "a-new-password-1"},
        )
        assert signed_in.status_code == 200
        assert last_audit(session, "user.password_change").after is None

    def test_password_change_needs_the_current_password(
        self, client: TestClient, as_viewer: dict[str, str]
    ) -> None:
        wrong = client.post(
            f"{USERS}/me/password",
            headers=as_viewer,
            json={"current_password": "not-it-at-all", "new_password": "a-new-password-1"},
        )
        assert wrong.status_code == 422
        assert wrong.json()["field"] == "current_password"
        same = client.post(
            f"{USERS}/me/password",
            headers=as_viewer,
            json={"current_password": PASSWORD, "new_password": PASSWORD},
        )
        assert same.status_code == 422
        assert same.json()["field"] == "new_password"
        short = client.post(
            f"{USERS}/me/password",
            headers=as_viewer,
            json={"current_password": PASSWORD, "new_password": "short"},
        )
        assert short.status_code == 422

    def test_password_guessing_through_the_change_form_is_throttled(
        self, client: TestClient, as_viewer: dict[str, str]
    ) -> None:
        body = {"current_password": "guess-guess", "new_password": "a-new-password-1"}
        for _ in range(5):
            client.post(f"{USERS}/me/password", headers=as_viewer, json=body)
        response = client.post(f"{USERS}/me/password", headers=as_viewer, json=body)
        assert response.status_code == 429


class TestAdmin:
    def test_list_users(self, client: TestClient, as_admin: dict[str, str]) -> None:
        body = client.get(USERS, headers=as_admin, params={"limit": 2}).json()
        assert body["count"] >= 3
        assert len(body["data"]) == 2

    def test_create_read_update_delete(
        self, client: TestClient, session: Session, as_admin: dict[str, str]
    ) -> None:
        created = client.post(
            USERS,
            headers=as_admin,
            json={"email": "New@Example.com", "password": "long-enough-1", "roles": ["editor"]},
        )
        assert created.status_code == 201
        user_id = created.json()["id"]
        assert created.json()["email"] == "new@example.com"
        assert client.get(f"{USERS}/{user_id}", headers=as_admin).json()["roles"] == ["editor"]
        updated = client.patch(
            f"{USERS}/{user_id}", headers=as_admin, json={"roles": ["viewer"], "full_name": "N"}
        )
        assert updated.json()["roles"] == ["viewer"]
        assert client.delete(f"{USERS}/{user_id}", headers=as_admin).status_code == 204
        assert client.get(f"{USERS}/{user_id}", headers=as_admin).status_code == 404
        actions = {e.action for e in session.scalars(select(AuditLog))}
        assert {"user.create", "user.update", "user.delete"} <= actions
        assert last_audit(session, "user.delete").before is not None

    def test_duplicate_email_is_a_409(self, client: TestClient, as_admin: dict[str, str]) -> None:
        response = client.post(
            USERS,
            headers=as_admin,
            json={"email": "editor@example.com", "password": "long-enough-1"},
        )
        assert response.status_code == 409
        assert response.json()["code"] == "already_exists"

    def test_bad_input_is_a_422(self, client: TestClient, as_admin: dict[str, str]) -> None:
        bad = [
            {"email": "not-an-email", "password": "long-enough-1"},
            {"email": "a@example.com", "password": "short"},
            {"email": "a@example.com", "password": "long-enough-1", "roles": ["root"]},
            {"email": "a@example.com", "password": "long-enough-1", "roles": []},
        ]
        for body in bad:
            assert client.post(USERS, headers=as_admin, json=body).status_code == 422

    def test_unknown_users_are_404(self, client: TestClient, as_admin: dict[str, str]) -> None:
        missing = f"{USERS}/{uuid.uuid4()}"
        assert client.get(missing, headers=as_admin).status_code == 404
        assert client.patch(missing, headers=as_admin, json={}).status_code == 404
        assert client.delete(missing, headers=as_admin).status_code == 404
        # Ids are matched by the route itself (`{user_id:uuid}`): anything else names nothing.
        assert client.get(f"{USERS}/not-a-uuid", headers=as_admin).status_code == 404

    def test_deactivating_a_user_ends_their_sessions(
        self,
        client: TestClient,
        as_admin: dict[str, str],
        as_editor: dict[str, str],
        users: dict[str, User],
    ) -> None:
        assert client.get(f"{USERS}/me", headers=as_editor).status_code == 200
        response = client.patch(
            f"{USERS}/{users['editor'].id}", headers=as_admin, json={"is_active": False}
        )
        assert response.status_code == 200
        assert client.get(f"{USERS}/me", headers=as_editor).status_code == 401

    def test_the_last_admin_stays(
        self, client: TestClient, as_admin: dict[str, str], users: dict[str, User]
    ) -> None:
        admin = f"{USERS}/{users['admin'].id}"
        assert client.delete(admin, headers=as_admin).status_code == 409
        demoted = client.patch(admin, headers=as_admin, json={"roles": ["viewer"]})
        assert demoted.status_code == 409
        assert "last active admin" in demoted.json()["detail"]
        disabled = client.patch(admin, headers=as_admin, json={"is_active": False})
        assert disabled.status_code == 409

    def test_an_admin_can_remove_another_admin(
        self, client: TestClient, as_admin: dict[str, str]
    ) -> None:
        other = client.post(
            USERS,
            headers=as_admin,
            json={"email": "a2@example.com", "password": "long-enough-1", "roles": ["admin"]},
        ).json()
        demoted = client.patch(
            f"{USERS}/{other['id']}", headers=as_admin, json={"roles": ["viewer"]}
        )
        assert demoted.status_code == 200
        assert client.delete(f"{USERS}/{other['id']}", headers=as_admin).status_code == 204


class TestHostileInput:
    def test_a_nul_character_is_a_422_not_a_500(
        self, client: TestClient, database: Database, as_viewer: dict[str, str]
    ) -> None:
        named = client.patch(f"{USERS}/me", headers=as_viewer, json={"full_name": "a\x00b"})
        assert named.status_code == 422  # the text types refuse NUL on every backend
        assert named.json()["field"] == "body.full_name"
        body = {"preferences": {"k\x00": "v"}}
        response = client.patch(f"{USERS}/me", headers=as_viewer, json=body)
        # Free-form JSON: SQLite stores NUL characters; PostgreSQL cannot, and says so.
        assert response.status_code == (422 if database.is_postgres else 200)
        searched = client.get("/api/v1/nodes", headers=as_viewer, params={"search": "a\x00"})
        assert searched.status_code == (422 if database.is_postgres else 200)

    def test_huge_offsets_are_a_422_not_a_500(
        self, client: TestClient, as_admin: dict[str, str]
    ) -> None:
        for path in (
            USERS,
            "/api/v1/nodes",
            "/api/v1/chains",
            "/api/v1/executions",
            "/api/v1/audit",
        ):
            response = client.get(path, headers=as_admin, params={"offset": 2**63})
            assert response.status_code == 422, path
            response = client.get(path, headers=as_admin, params={"offset": 10**9})
            assert response.status_code == 200, path

    def test_script_and_sql_in_text_fields_are_stored_as_text(
        self, client: TestClient, as_viewer: dict[str, str]
    ) -> None:
        hostile = "<script>alert(1)</script>'; DROP TABLE users; --"
        response = client.patch(f"{USERS}/me", headers=as_viewer, json={"full_name": hostile})
        assert response.status_code == 200
        assert client.get(f"{USERS}/me", headers=as_viewer).json()["full_name"] == hostile
        assert response.headers["Content-Type"] == "application/json"
