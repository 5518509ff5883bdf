"""What the OpenAPI contract promises about methods and parameters (schemathesis' findings):
405 answers list every method of the path in ``Allow``, a method a literal path does not
take is a 405 (not a 422 from a neighbouring ``{id}`` route), and time bounds take only
date-time text."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_405_lists_every_method_of_the_path(client: TestClient, as_admin: dict[str, str]) -> None:
    cases = {
        "/api/v1/executions": "GET, HEAD, POST",
        "/api/v1/chains/00000000-0000-0000-0000-000000000001": "DELETE, GET, HEAD, PATCH",
        "/api/v1/users/me": "GET, HEAD, PATCH",
    }
    for path, allow in cases.items():
        response = client.request("OPTIONS", path, headers=as_admin)
        assert response.status_code == 405, path
        assert response.headers["Allow"] == allow, path
        assert response.json()["code"] == "method_not_allowed"


def test_literal_paths_refuse_other_methods_with_405(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    for path in ("/api/v1/chains/import", "/api/v1/chains/validate", "/api/v1/nodes/test-run"):
        response = client.patch(path, headers=as_admin, json={})
        assert response.status_code == 405, path
        assert response.headers["Allow"] == "POST", path


def test_time_bounds_take_only_date_time_text(client: TestClient, as_admin: dict[str, str]) -> None:
    for path in ("/api/v1/executions", "/api/v1/audit"):
        refused = client.get(path, headers=as_admin, params={"created_before": "0.5"})
        assert refused.status_code == 422, path
        assert refused.json()["field"] == "query.created_before"
        accepted = client.get(
            path, headers=as_admin, params={"created_before": "2999-01-01T00:00:00.123+02:00"}
        )
        assert accepted.status_code == 200, path


def test_unparsable_bodies_are_a_documented_400(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/chains/validate",
        headers={**as_admin, "Content-Type": "application/json"},
        content=b"\xff\xfe{",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    responses = client.get("/openapi.json").json()["paths"]["/api/v1/chains/validate"]["post"]
    assert "400" in responses["responses"]
