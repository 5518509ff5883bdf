"""API attacks against a live API process (uvicorn, PostgreSQL through PgBouncer): forged and
stale tokens, brute force, every route under every role, IDOR, mass assignment, hostile
bodies, injection, path traversal, security headers and clean error bodies.

The in-process versions live in chain-processor-api/tests (unit/test_security.py,
integration/test_login.py, integration/test_role_matrix.py, contract/test_openapi.py); this
layer proves the same on the real server, with real sockets and a real database."""

from __future__ import annotations

import base64
import json
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from client import API, PASSWORD, Account, ApiClient
from conftest import build_stack, destroy_stack
from results import Results
from sanitizer_checks import leaks
from stack import ROOT, SECRET_KEY, PgBouncer, Postgres, Stack

sys.path.insert(0, str(ROOT / "chain-processor-api"))
from tests.integration.test_role_matrix import MATRIX, RANK, concrete

pytestmark = pytest.mark.security

WEB_DIR = Path("/var/tmp/cp-reliability/web-dist")
UPPER = "def node(text):\n    return text.upper()\n"


@dataclass
class Live:
    stack: Stack
    api: ApiClient
    admin: Account
    editor: Account
    other_editor: Account
    viewer: Account
    chain: str


@pytest.fixture(scope="module")
def live(postgres: Postgres, bouncer: PgBouncer) -> Iterator[Live]:
    WEB_DIR.mkdir(parents=True, exist_ok=True)
    (WEB_DIR / "index.html").write_text("<!doctype html><title>ui</title>")
    stack = build_stack(
        postgres, bouncer, "security-api", executor=False, api_env={"WEB_DIST_DIR": str(WEB_DIR)}
    )
    api = ApiClient(stack.base_url)
    admin = api.admin()
    editor = api.create_account(admin, "editor")
    chain = api.create_chain(editor, [api.create_node(editor, UPPER)])
    try:
        yield Live(
            stack, api, admin, editor, api.create_account(admin, "editor"),
            api.create_account(admin, "viewer"), chain,
        )  # fmt: skip
    finally:
        api.close()
        destroy_stack(stack)
        shutil.rmtree(WEB_DIR, ignore_errors=True)


def me(live: Live, token: str) -> httpx.Response:
    return live.api.http.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_tokens(live: Live) -> dict[str, str]:
    claims = claims_of(live.viewer.access)
    now = int(time.time())
    unsigned = b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(json.dumps(claims).encode()) + "."
    header, _, signature = live.viewer.access.split(".")
    tampered = b64(json.dumps({**claims, "sub": claims_of(live.admin.access)["sub"]}).encode())
    return {
        "alg none": unsigned,
        "wrong key": jwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256"),
        "expired": jwt.encode(
            {**claims, "exp": now - 3600, "iat": now - 7200, "nbf": now - 7200},
            SECRET_KEY,
            algorithm="HS256",
        ),
        "not yet valid (nbf in 1 h)": jwt.encode(
            {**claims, "nbf": now + 3600}, SECRET_KEY, algorithm="HS256"
        ),
        "tampered claims (sub = admin, old signature)": f"{header}.{tampered}.{signature}",
        "HS512 with the right key (algorithm not allowed)": jwt.encode(
            claims, SECRET_KEY, algorithm="HS512"
        ),
        "refresh token used as access token": live.viewer.refresh,
        "garbage": "not.a.jwt",
    }


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.quick
def test_forged_and_stale_access_tokens_are_refused(live: Live, results: Results) -> None:
    assert me(live, live.viewer.access).status_code == 200
    wrong = {}
    for name, token in forged_tokens(live).items():
        response = me(live, token)
        ok = response.status_code == 401 and response.headers.get("www-authenticate") == "Bearer"
        results.record("API: JWT", name, "401 + WWW-Authenticate", str(response.status_code), ok)
        if not ok:
            wrong[name] = response.status_code
    assert not wrong, wrong


def test_logout_revokes_and_refresh_reuse_ends_the_session(live: Live, results: Results) -> None:
    api = live.api
    account = api.sign_in(live.viewer.email, PASSWORD)
    logout = api.http.post(f"{API}/login/logout", headers=account.headers)
    after_logout = me(live, account.access)
    results.record(
        "API: JWT",
        "access token after logout",
        "401",
        str(after_logout.status_code),
        after_logout.status_code == 401,
    )

    second = api.sign_in(live.viewer.email, PASSWORD)
    rotated = api.http.post(f"{API}/login/refresh", json={"refresh_token": second.refresh})
    reused = api.http.post(f"{API}/login/refresh", json={"refresh_token": second.refresh})
    new_access = rotated.json().get("access_token", "")
    after_reuse = me(live, new_access)
    ok = rotated.status_code == 200 and reused.status_code == 401 and after_reuse.status_code == 401
    results.record(
        "API: JWT",
        "refresh token reused (theft): reuse refused and the whole session revoked",
        "rotate 200, reuse 401, rotated access 401",
        f"rotate {rotated.status_code}, reuse {reused.status_code}, "
        f"rotated access {after_reuse.status_code}",
        ok,
    )
    assert logout.status_code in (200, 204) and after_logout.status_code == 401
    assert ok


def test_brute_force_login_is_throttled(live: Live, results: Results) -> None:
    api = live.api
    email = api.create_account(live.admin, "viewer").email
    statuses = [api.login(email, f"wrong-{i}").status_code for i in range(8)]
    locked = api.login(email, PASSWORD)
    ok = (
        statuses[:5] == [401] * 5
        and 429 in statuses
        and locked.status_code == 429
        and bool(locked.headers.get("retry-after"))
    )
    results.record(
        "API: login", "8 wrong passwords then the right one",
        "401 x5, then 429 with Retry-After (even for the right password)",
        f"{statuses} then {locked.status_code} Retry-After={locked.headers.get('retry-after')}",
        ok,
    )  # fmt: skip
    assert ok, statuses


def test_every_route_under_every_role(live: Live, results: Results) -> None:
    tokens = {"viewer": live.viewer, "editor": live.editor, "admin": live.admin}
    routes = {
        (m.upper(), p)
        for p, ops in live.api.http.get("/openapi.json").json()["paths"].items()
        for m in ops
    }
    unclassified = sorted(routes - set(MATRIX))
    results.record(
        "API: role matrix",
        "every published route has a least role in the API's MATRIX",
        "no unclassified route",
        f"unclassified: {unclassified}" if unclassified else "none",
        not unclassified,
    )
    wrong = [f"{method} {path}: not in MATRIX" for method, path in unclassified]
    for (method, path), needed in sorted(MATRIX.items()):
        if (method, path) not in routes:
            continue  # in the matrix, not (yet) served by this build
        expected, observed = [], []
        for role in (None, "viewer", "editor", "admin"):
            headers = tokens[role].headers if role else {}
            if method == "POST" and path.endswith("/logout"):
                headers = (
                    live.api.sign_in(tokens[role].email, tokens[role].password).headers
                    if role
                    else {}
                )
            with httpx.Client(base_url=live.stack.base_url, timeout=30) as http:
                status = http.request(method, concrete(path), headers=headers, json={}).status_code
            want = (
                "allowed"
                if needed == "public"
                else (
                    "401" if role is None else ("allowed" if RANK[role] >= RANK[needed] else "403")
                )
            )
            got = str(status) if status in (401, 403) or status >= 500 else "allowed"
            expected.append(f"{role or 'anon'}:{want}")
            observed.append(f"{role or 'anon'}:{got}({status})")
            if want != got:
                wrong.append(f"{method} {path} as {role}: {want} != {status}")
        results.record(
            "API: role matrix",
            f"{method} {path} (needs {needed})",
            " ".join(expected),
            " ".join(observed),
            not any(f"{method} {path} " in w for w in wrong),
        )
    assert not wrong, wrong


@pytest.mark.quick
def test_idor_another_editors_execution(live: Live, results: Results) -> None:
    api = live.api
    execution = api.submit(live.editor, live.chain, "mine").json()["id"]
    cancel = api.http.post(
        f"{API}/executions/{execution}/cancel", headers=live.other_editor.headers
    )
    rerun = api.http.post(
        f"{API}/executions/{execution}/rerun", json={}, headers=live.other_editor.headers
    )
    still = api.execution(live.editor, execution)["status"]
    ok = cancel.status_code in (403, 404) and rerun.status_code in (403, 404) and still == "pending"
    results.record(
        "API: IDOR", "editor B cancels / re-runs editor A's execution",
        "403 or 404 each; A's execution untouched",
        f"cancel {cancel.status_code}, rerun {rerun.status_code}, status {still}", ok,
    )  # fmt: skip
    assert ok


@pytest.mark.quick
def test_mass_assignment_viewer_cannot_raise_its_role(live: Live, results: Results) -> None:
    api = live.api
    attempts = [
        {"roles": ["admin"]},
        {"is_active": True, "roles": ["admin"]},
        {"full_name": "x", "role": "admin"},
        {"is_superuser": True},
    ]
    answers = [
        api.http.patch(f"{API}/users/me", json=body, headers=live.viewer.headers).status_code
        for body in attempts
    ]
    roles = api.http.get(f"{API}/users/me", headers=live.viewer.headers).json().get("roles")
    ok = all(status == 422 for status in answers) and roles == ["viewer"]
    results.record(
        "API: mass assignment",
        "viewer PATCH /users/me with roles/is_active/role/is_superuser",
        "422 each; roles stay [viewer]",
        f"{answers}, roles {roles}",
        ok,
    )
    assert ok


def hostile_requests(live: Live) -> dict[str, httpx.Request]:
    headers = {**live.editor.headers, "Content-Type": "application/json"}
    nested = "[" * 100_000 + "]" * 100_000
    deep = f'{{"strategy_id": "{live.chain}", "input_text": "x", "metadata": {nested}}}'
    url = live.stack.base_url + API
    return {
        "oversized body (3 MB)": httpx.Request(
            "POST",
            f"{url}/executions",
            headers=headers,
            content=b'{"input_text": "' + b"x" * 3_000_000 + b'"}',
        ),
        "oversized body without Content-Length (chunked 3 MB)": httpx.Request(
            "POST",
            f"{url}/executions",
            headers={**live.editor.headers, "Content-Type": "application/json"},
            content=iter([b'{"input_text": "', b"x" * 3_000_000, b'"}']),
        ),
        "deep JSON (100,000 nested arrays)": httpx.Request(
            "POST", f"{url}/executions", headers=headers, content=deep.encode()
        ),
        "invalid UTF-8 in JSON": httpx.Request(
            "POST",
            f"{url}/nodes",
            headers=headers,
            content=b'{"name": "\xff\xfe\xc3", "code": "def node(t):\\n    return t\\n"}',
        ),
        "NUL character in a text field": httpx.Request(
            "POST",
            f"{url}/nodes",
            headers=headers,
            content=b'{"name": "a\\u0000b", "code": "def node(t):\\n    return t\\n"}',
        ),
        "lone surrogate in a text field": httpx.Request(
            "POST",
            f"{url}/nodes",
            headers=headers,
            content=b'{"name": "a\\ud800b", "code": "def node(t):\\n    return t\\n"}',
        ),
        "not JSON at all": httpx.Request(
            "POST", f"{url}/executions", headers=headers, content=b"\x00\x01garbage"
        ),
        "huge integer": httpx.Request(
            "POST",
            f"{url}/executions",
            headers=headers,
            content=(
                f'{{"strategy_id": "{live.chain}", "input_text": "x", "priority": {"9" * 5000}}}'
            ).encode(),
        ),
    }


def test_hostile_bodies_get_clear_4xx(live: Live, results: Results) -> None:
    wrong = {}
    for name, request in hostile_requests(live).items():
        with httpx.Client(timeout=60) as http:
            response = http.send(request)
        body = response.text[:2000]
        found = leaks(body)
        ok = 400 <= response.status_code < 500 and not found
        results.record(
            "API: hostile body",
            name,
            "4xx (413/422/400), clean body",
            f"{response.status_code} {body[:100]}{' LEAK ' + str(found) if found else ''}",
            ok,
        )
        if not ok:
            wrong[name] = (response.status_code, body[:300])
    assert not wrong, wrong


INJECTIONS = [
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %(x)s",
    "../../../etc/passwd",
]


def test_injection_in_every_text_field_is_stored_and_returned_inert(
    live: Live, results: Results
) -> None:
    api, editor = live.api, live.editor
    wrong = []
    for payload in INJECTIONS:
        node = api.http.post(
            f"{API}/nodes",
            headers=editor.headers,
            json={
                "name": f"n{uuid.uuid4().hex[:6]} {payload}",
                "description": payload,
                "tags": ["injection"],
                "metadata": {"k": payload},
                "code": f"# {payload}\ndef node(text):\n    return text\n",
                "change_note": payload,
            },
        )
        chain = api.http.post(
            f"{API}/chains",
            headers=editor.headers,
            json={
                "name": f"c{uuid.uuid4().hex[:6]} {payload}",
                "description": payload,
                "tags": ["injection"],
                "metadata": {"k": payload},
                "nodes": [{"node_id": node.json().get("id")}],
            },
        )
        execution = api.submit(
            editor,
            chain.json().get("id", live.chain),
            payload,
            idempotency_key=f"{payload[:40]}{uuid.uuid4().hex[:8]}",
        )
        profile = api.http.patch(
            f"{API}/users/me", headers=editor.headers, json={"full_name": payload[:100]}
        )
        listing = api.http.get(f"{API}/nodes", params={"search": payload}, headers=editor.headers)
        stored = [
            node.status_code == 201 and node.json()["description"] == payload,
            chain.status_code == 201 and chain.json()["description"] == payload,
            execution.status_code == 201 and execution.json()["input_text"] == payload,
            profile.status_code == 200 and profile.json()["full_name"] == payload[:100],
            listing.status_code in (200, 422),
            all(
                r.headers.get("content-type", "").startswith("application/json")
                for r in (node, chain, execution, profile)
            ),
        ]
        if not all(stored):
            wrong.append(
                (
                    payload,
                    [
                        node.status_code,
                        chain.status_code,
                        execution.status_code,
                        profile.status_code,
                        listing.status_code,
                    ],
                    stored,
                )
            )
    tables = (
        live.stack.postgres.execute("SELECT count(*) FROM users", live.stack.name)
        if live.stack.postgres
        else []
    )
    ok = not wrong and bool(tables)
    results.record(
        "API: injection",
        f"{len(INJECTIONS)} SQL/script/template payloads in node, chain, execution and "
        "profile text fields",
        "stored verbatim, returned as JSON, users table intact",
        f"{len(INJECTIONS) - len(wrong)}/{len(INJECTIONS)} inert; "
        f"users rows {tables[0][0] if tables else 'MISSING'}",
        ok,
    )
    assert ok, wrong


TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/static/..%252f..%252fetc/passwd",
    "//etc/passwd",
    "/index.html/../../../../etc/passwd",
]


def test_path_traversal_in_static_serving_and_export_import(live: Live, results: Results) -> None:
    passwd = Path("/etc/passwd").read_text()[:20]
    served = {}
    for path in TRAVERSALS:
        with httpx.Client(base_url=live.stack.base_url, timeout=10) as http:
            response = http.get(path)
        served[path] = (response.status_code, passwd in response.text)
    static_ok = not any(hit for _, hit in served.values())
    results.record(
        "API: path traversal",
        "static serving of the web UI",
        "never the content of /etc/passwd",
        str({k: v[0] for k, v in served.items()}),
        static_ok,
    )

    api = live.api
    export = api.http.get(
        f"{API}/chains/..%2F..%2Fetc%2Fpasswd/export", headers=live.editor.headers
    )
    document = api.http.get(f"{API}/chains/{live.chain}/export", headers=live.editor.headers).json()
    document["name"] = "../../../../tmp/cp-traversal-" + uuid.uuid4().hex[:6]
    for node in document.get("nodes", []):
        if isinstance(node, dict) and "name" in node:
            node["name"] = "../../../../etc/cron.d/owned"
    imported = api.http.post(f"{API}/chains/import", headers=live.editor.headers, json=document)
    written = list(Path("/tmp").glob("cp-traversal-*")) + list(Path("/etc/cron.d").glob("owned*"))
    ok = (
        export.status_code in (404, 422) and imported.status_code in (201, 409, 422) and not written
    )
    results.record(
        "API: path traversal",
        "export id '../../etc/passwd'; import with names '../../..'",
        "export 404/422; import stores names as text, writes no file",
        f"export {export.status_code}; import {imported.status_code}; files written {len(written)}",
        ok,
    )
    assert static_ok, served
    assert ok


@pytest.mark.quick
def test_security_headers_on_every_kind_of_response(live: Live, results: Results) -> None:
    required = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "content-security-policy": None,
    }
    probes = {
        "API 200": ("GET", f"{API}/users/me", live.viewer.headers),
        "API 401": ("GET", f"{API}/users/me", {}),
        "API 404": ("GET", f"{API}/nodes/{uuid.uuid4()}", live.viewer.headers),
        "API 422": ("GET", f"{API}/nodes/not-a-uuid", live.viewer.headers),
        "health": ("GET", "/health", {}),
        "web UI": ("GET", "/", {}),
        "openapi": ("GET", "/openapi.json", {}),
    }
    wrong = {}
    for name, (method, path, headers) in probes.items():
        response = live.api.http.request(method, path, headers=headers)
        missing = [
            h
            for h, v in required.items()
            if h not in response.headers or (v and response.headers[h] != v)
        ]
        if path.startswith(API) and response.headers.get("cache-control") != "no-store":
            missing.append("cache-control: no-store")
        results.record(
            "API: headers",
            f"security headers on {name} ({response.status_code})",
            "nosniff, DENY, no-referrer, CSP (+ no-store on API)",
            "all present" if not missing else f"missing {missing}",
            not missing,
        )
        if missing:
            wrong[name] = missing
    assert not wrong, wrong


@pytest.mark.quick
def test_error_bodies_carry_no_trace_path_host_or_secret(live: Live, results: Results) -> None:
    """Real exceptions through the API: bad ids, bad bodies, unknown routes, wrong methods."""
    probes = [
        ("GET", f"{API}/executions/{uuid.uuid4()}"),
        ("GET", f"{API}/executions/not-a-uuid"),
        ("POST", f"{API}/chains/validate"),
        ("DELETE", "/health"),
        ("GET", "/api/v1/nope"),
        ("GET", f"{API}/executions?offset=-1"),
        ("GET", f"{API}/executions?created_after=yesterday"),
    ]
    leaked = {}
    for method, path in probes:
        response = live.api.http.request(
            method, path, headers=live.admin.headers, content=b"{bad json"
        )
        found = leaks(response.text)
        if found:
            leaked[f"{method} {path}"] = found
    ok = not leaked
    results.record(
        "API: error bodies",
        f"{len(probes)} real error paths",
        "no trace, path, host, driver or secret",
        "clean" if ok else str(leaked),
        ok,
    )
    assert ok, leaked


def test_sanitizer_on_real_driver_exceptions(results: Results) -> None:
    """Core's sanitizer (spec §14.2) on the text of real exceptions raised by the drivers."""
    import psycopg
    import sqlalchemy

    from chain_processor_core.utils.sanitize import sanitize_error_message

    texts = []
    try:
        psycopg.connect(
            "postgresql://app:canary-db-password-93b7@127.0.0.1:1/prod", connect_timeout=2
        )
    except psycopg.Error as error:
        texts.append(str(error))
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://app:canary-db-password-93b7@127.0.0.1:1/prod"
    )
    try:
        engine.connect()
    except sqlalchemy.exc.SQLAlchemyError as error:
        texts.append(str(error))
    engine.dispose()
    try:
        open("/etc/cp-secrets/service.env")
    except OSError as error:
        texts.append(str(error))
    try:
        exec(compile("raise ValueError('token=' + 'x'*10)", "/work/main/app/node.py", "exec"))
    except ValueError as error:
        import traceback

        texts.append("".join(traceback.format_exception(error)))
    cleaned = [sanitize_error_message(text) for text in texts]
    # A full traceback keeps its frame lines (their paths redacted): no code path sends one.
    kinds = ("path", "connection string", "host:port")
    found = {i: leaks(text, kinds) for i, text in enumerate(cleaned) if leaks(text, kinds)}
    ok = not found
    results.record(
        "API: sanitizer",
        f"{len(texts)} real exception texts (psycopg, SQLAlchemy, OSError, traceback)",
        "no path, host, connection string or password",
        "clean" if ok else f"leaks {found}: {[cleaned[i][:200] for i in found]}",
        ok,
    )
    assert ok, [cleaned[i] for i in found]
