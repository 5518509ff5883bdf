"""docker compose config, with the Compose v2 binary (no engine needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run

PROD_SECRETS = {"ADMIN_PASSWORD": "a-real-admin-password", "SECRET_KEY": "s" * 40}
SPEC_SERVICES = {
    "postgres",
    "pgbouncer",
    "api",
    "executor",
    "web",
    "prometheus",
    "grafana",
    "jaeger",
    "loki",
    "promtail",
}


def config(compose: str, *files: str, env: dict[str, str] | None = None, quiet: bool = False):
    args = [compose]
    for name in files:
        args += ["-f", name]
    args += ["--env-file", ".env.example", "config"] + (["-q"] if quiet else [])
    clean = {k: v for k, v in os.environ.items() if k not in PROD_SECRETS}
    return run(args, cwd=ROOT, env={**clean, **(env or {})})


@pytest.mark.parametrize(
    ("files", "env"),
    [
        (["docker-compose.yml"], {}),
        (["docker-compose.yml", "docker-compose.prod.yml"], PROD_SECRETS),
    ],
    ids=["dev", "prod"],
)
def test_config_is_valid(compose: str, files: list[str], env: dict[str, str]) -> None:
    result = config(compose, *files, env=env, quiet=True)
    assert result.returncode == 0, result.stderr


def test_dev_config_without_env_file_uses_defaults(compose: str) -> None:
    result = run([compose, "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_prod_refuses_missing_secrets(compose: str) -> None:
    result = config(compose, "docker-compose.yml", "docker-compose.prod.yml")
    assert result.returncode != 0
    assert "ADMIN_PASSWORD" in result.stderr or "SECRET_KEY" in result.stderr


@pytest.fixture(scope="module")
def dev(compose: str) -> dict:
    result = config(compose, "docker-compose.yml")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def prod(compose: str) -> dict:
    result = config(compose, "docker-compose.yml", "docker-compose.prod.yml", env=PROD_SECRETS)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_has_the_spec_services_and_a_migration(dev: dict) -> None:
    assert SPEC_SERVICES | {"migrate", "alertmanager"} <= set(dev["services"])


def test_api_and_executor_wait_for_the_migration(dev: dict) -> None:
    for name in ("api", "executor"):
        depends = dev["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name


def test_migration_goes_straight_to_postgres_and_the_services_through_pgbouncer(dev: dict) -> None:
    services = dev["services"]
    assert "@postgres:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["migrate"]["environment"]["DATABASE_PGBOUNCER"] == "false"
    for name in ("api", "executor"):
        env = services[name]["environment"]
        assert "@pgbouncer:5432/" in env["DATABASE_URL"], name
        assert env["DATABASE_PGBOUNCER"] == "true"
    assert "@postgres:5432/" in services["executor"]["environment"]["DATABASE_LISTEN_URL"]


def test_images_build_from_the_repository_root(dev: dict) -> None:
    for name in ("api", "executor", "web", "migrate"):
        build = dev["services"][name]["build"]
        assert build["context"] == str(ROOT.parent), name
        assert (ROOT.parent / build["dockerfile"]).is_file(), build["dockerfile"]


def test_third_party_images_are_pinned(dev: dict) -> None:
    for name, service in dev["services"].items():
        image = service.get("image", "")
        if name in {"api", "executor", "web", "migrate"}:
            continue
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image}"


def test_dev_publishes_ports_on_loopback_only(dev: dict) -> None:
    for name, service in dev["services"].items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", name


def test_prod_hardens_the_application_containers(prod: dict) -> None:
    services = prod["services"]
    for name in ("api", "executor", "web", "migrate"):
        service = services[name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "build" not in service, name
    assert services["api"]["environment"]["ENVIRONMENT"] == "production"
    assert "ports" not in services["postgres"] or not services["postgres"]["ports"]
    assert "ports" not in services["pgbouncer"] or not services["pgbouncer"]["ports"]


def test_executor_runs_with_its_seccomp_profile(dev: dict, prod: dict) -> None:
    for config in (dev, prod):
        executor = config["services"]["executor"]
        profiles = [
            o.split("=", 1)[1] for o in executor["security_opt"] if o.startswith("seccomp=")
        ]
        assert len(profiles) == 1 and (ROOT / profiles[0]).is_file()
        assert executor["environment"]["EXECUTOR_SANDBOX_REQUIRE_NETWORK_ISOLATION"] == "true"
        assert "cap_add" not in executor


def test_executor_gets_time_to_drain(dev: dict) -> None:
    grace = dev["services"]["executor"]["stop_grace_period"]  # Go duration, e.g. 1m15s
    minutes, _, seconds = grace.rstrip("s").rpartition("m")
    assert int(minutes or 0) * 60 + int(seconds or 0) >= 60, grace


def test_mounted_configuration_exists(dev: dict) -> None:
    for name, service in dev["services"].items():
        for volume in service.get("volumes", []):
            if volume["type"] == "bind" and not volume["source"].startswith("/var/run/"):
                assert Path(volume["source"]).exists(), f"{name}: {volume['source']}"
    for secret in dev["secrets"].values():
        assert Path(secret["file"]).is_file(), secret["file"]


def test_cors_origins_is_a_json_list(dev: dict, prod: dict) -> None:
    """The API's settings read CORS_ORIGINS as JSON (pydantic-settings list[str])."""
    import json

    for config in (dev, prod):
        origins = json.loads(config["services"]["api"]["environment"]["CORS_ORIGINS"])
        assert isinstance(origins, list) and all(o.startswith("http") for o in origins)


def test_api_listens_straight_to_postgres(dev: dict) -> None:
    assert "@postgres:5432/" in dev["services"]["api"]["environment"]["DATABASE_LISTEN_URL"]
