"""The Helm chart, with Helm's own library: strict lint, render in both database modes,
strict Kubernetes 1.28 schema validation, values.schema.json, and the security contract."""

from __future__ import annotations

import copy
from typing import Any

import helm_python as helm
import pytest
import yaml
from conftest import CHART, OBSERVABILITY, VENV_BIN, ci_values, documents, pod_specs, render, run

KUBE_VERSION = "1.28.0"


def test_lint_strict(mode: str) -> None:
    report = helm.lint(CHART, ci_values(mode), strict=True, kube_version=f"v{KUBE_VERSION}")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, problems or report["errors"]


def test_rendered_manifests_are_valid_kubernetes(manifest_file: Any) -> None:
    result = run(
        [VENV_BIN / "kubernetes-validate", "--strict", "-k", KUBE_VERSION, "--quiet", manifest_file]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Only the Prometheus Operator CRDs may lack a schema.
    for line in (result.stdout + result.stderr).splitlines():
        if line.startswith("WARN"):
            assert "ServiceMonitor" in line or "PrometheusRule" in line, line


def test_renders_every_component(manifests: list[dict[str, Any]], mode: str) -> None:
    kinds = {
        (d["kind"], d["metadata"]["name"].removeprefix("cp-chain-processor")) for d in manifests
    }
    expected = {
        ("Deployment", "-api"),
        ("Deployment", "-executor"),
        ("Deployment", "-web"),
        ("Deployment", "-pgbouncer"),
        ("Service", "-api"),
        ("Service", "-web"),
        ("Service", "-pgbouncer"),
        ("Job", "-migrate"),
        ("ConfigMap", ""),
        ("NetworkPolicy", "-default-deny"),
        ("NetworkPolicy", "-executor"),
        ("HorizontalPodAutoscaler", "-executor"),
    }
    if mode == "external":
        expected |= {
            ("Ingress", ""),
            ("HorizontalPodAutoscaler", "-api"),
            ("ServiceMonitor", "-api"),
            ("ServiceMonitor", "-executor"),
            ("PrometheusRule", ""),
            ("PodDisruptionBudget", "-api"),
            ("PodDisruptionBudget", "-pgbouncer"),
        }
    else:
        expected |= {
            ("StatefulSet", "-postgresql"),
            ("Service", "-postgresql"),
            ("Secret", ""),
            ("NetworkPolicy", "-postgresql"),
        }
        # One replica each: a PodDisruptionBudget would only block node drains.
        assert not [d for d in manifests if d["kind"] == "PodDisruptionBudget"]
    assert expected <= kinds, expected - kinds


def test_every_pod_meets_the_restricted_pod_security_standard(
    manifests: list[dict[str, Any]],
) -> None:
    for name, spec in pod_specs(manifests):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] > 0, name
        assert pod["seccompProfile"]["type"] in {"RuntimeDefault", "Localhost"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert "hostNetwork" not in spec and "hostPID" not in spec, name
        for container in spec["containers"] + spec.get("initContainers", []):
            where = f"{name}/{container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            assert "privileged" not in context, where
            assert container["resources"]["limits"] and container["resources"]["requests"], where
            assert not container["image"].endswith(":latest"), where


def test_writable_tmp_is_an_empty_dir(manifests: list[dict[str, Any]]) -> None:
    for name, spec in pod_specs(manifests):
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec["containers"]:
            if container["name"] == "exporter":
                continue
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}/{container['name']}"
            assert "emptyDir" in volumes[mounts["/tmp"]], name


def test_long_running_containers_have_probes(manifests: list[dict[str, Any]]) -> None:
    for name, spec in pod_specs(manifests):
        if name.startswith("Job/"):
            continue
        for container in spec["containers"]:
            assert "livenessProbe" in container, f"{name}/{container['name']}"
            if container["name"] != "exporter":
                assert "readinessProbe" in container, f"{name}/{container['name']}"


def _by_name(manifests: list[dict[str, Any]], kind: str, suffix: str) -> dict[str, Any]:
    return next(
        d for d in manifests if d["kind"] == kind and d["metadata"]["name"].endswith(suffix)
    )


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_api_probes_and_database_through_pgbouncer(manifests: list[dict[str, Any]]) -> None:
    api = _by_name(manifests, "Deployment", "-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/health/detailed"
    env = _env(api)
    assert "-pgbouncer:6432/" in env["DATABASE_URL"] and env["DATABASE_PGBOUNCER"] == "true"
    assert env["SECRET_KEY"]["secretKeyRef"]["key"] == "secret-key"
    assert "-pgbouncer" not in env["DATABASE_LISTEN_URL"]


def test_cors_origins_is_a_json_list(manifests: list[dict[str, Any]]) -> None:
    import json

    config = _by_name(manifests, "ConfigMap", "cp-chain-processor")
    assert isinstance(json.loads(config["data"]["CORS_ORIGINS"]), list)


def test_executor_drains_and_listens_directly(manifests: list[dict[str, Any]], mode: str) -> None:
    spec = _by_name(manifests, "Deployment", "-executor")["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] >= 60
    env = _env(spec["containers"][0])
    assert "-pgbouncer:" in env["DATABASE_URL"]
    assert "-pgbouncer" not in env["DATABASE_LISTEN_URL"]
    assert spec["containers"][0]["ports"][0]["containerPort"] == 9100
    # The bundled ci values turn on user namespaces and the executor's seccomp profile.
    assert spec.get("hostUsers", True) is (mode == "external")
    expected = "RuntimeDefault" if mode == "external" else "Localhost"
    assert spec["securityContext"]["seccompProfile"]["type"] == expected
    assert env["EXECUTOR_SANDBOX_REQUIRE_NETWORK_ISOLATION"] == "true"


def test_migration_is_a_hook_straight_to_postgres(
    manifests: list[dict[str, Any]], mode: str
) -> None:
    job = _by_name(manifests, "Job", "-migrate")
    hook = job["metadata"]["annotations"]["helm.sh/hook"]
    assert hook == ("pre-install,pre-upgrade" if mode == "external" else "post-install,pre-upgrade")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert "chain-processor-db upgrade && chain-processor-db seed" in container["command"][-1]
    env = _env(container)
    assert "pgbouncer" not in env["DATABASE_URL"] and env["DATABASE_PGBOUNCER"] == "false"


def test_existing_secret_means_no_chart_secret(manifests: list[dict[str, Any]], mode: str) -> None:
    secrets = [d for d in manifests if d["kind"] == "Secret"]
    if mode == "external":
        assert not secrets
    else:
        assert secrets[0]["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    """The chart as ci/external-values.yaml renders it (ingress and monitoring on)."""
    return documents(render(ci_values("external"), is_install=True))


def test_ingress_terminates_tls(production: list[dict[str, Any]]) -> None:
    ingress = _by_name(production, "Ingress", "")
    assert ingress["spec"]["tls"][0]["hosts"] == ["chain-processor.example.com"]
    paths = {
        p["path"]: p["backend"]["service"]["name"]
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    assert paths["/api"].endswith("-api") and paths["/"].endswith("-web")


def test_executor_egress_is_closed(manifests: list[dict[str, Any]]) -> None:
    policy = _by_name(manifests, "NetworkPolicy", "-executor")["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert ports <= {6432, 5432, 53, 4317, 4318}, ports
    default = _by_name(manifests, "NetworkPolicy", "-default-deny")["spec"]
    assert set(default["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in default


def test_prometheus_rule_is_the_compose_rule_file(production: list[dict[str, Any]]) -> None:
    rule = _by_name(production, "PrometheusRule", "")
    source = yaml.safe_load(
        (OBSERVABILITY / "prometheus/rules/chain-processor.rules.yml").read_text()
    )
    assert rule["spec"] == source
    monitor = _by_name(production, "ServiceMonitor", "-executor")
    assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/component"


def test_defaults_need_a_database_host_and_secrets() -> None:
    with helm.Chart.load(CHART) as chart, pytest.raises(helm.HelmValuesError) as error:
        chart.validate_schema(chart.merge_values({}))
    message = str(error.value)
    assert "/database/external/host" in message and "/secrets/secretKey" in message


BAD_VALUES = {
    "unknown key": {"replicas": 3},
    "unknown mode": {"database": {"mode": "sqlite"}},
    "port as a string": {"api": {"port": "8000"}},
    "latest tag": {"pgbouncer": {"image": {"tag": "latest"}}},
    "short secret key": {"secrets": {"existingSecret": "", "secretKey": "short"}},
    "password not URL-safe": {
        "secrets": {"existingSecret": "", "databasePassword": "p@ss/word:1234567"}
    },
    "grace period too short": {"executor": {"terminationGracePeriodSeconds": 10}},
    "bad sslmode": {"database": {"external": {"sslmode": "sometimes"}}},
    "zero workers": {"executor": {"workers": 0}},
    "bad cidr": {"database": {"external": {"cidr": "10.0.0.0"}}},
    "unconfined seccomp": {"executor": {"seccompProfile": {"type": "Unconfined"}}},
    "localhost profile without a path": {
        "executor": {"seccompProfile": {"type": "Localhost", "localhostProfile": None}}
    },
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_schema_rejects_bad_values(case: str) -> None:
    values = _merge(ci_values("bundled"), BAD_VALUES[case])
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(chart.merge_values(ci_values("bundled")))  # the base is valid
        with pytest.raises(helm.HelmValuesError):
            chart.validate_schema(chart.merge_values(values))


def test_render_refuses_bad_values() -> None:
    with pytest.raises(helm.HelmValuesError):
        render(_merge(ci_values("external"), {"database": {"mode": "sqlite"}}))


def test_upgrade_renders_too() -> None:
    docs = documents(render(ci_values("external"), is_upgrade=True, revision=2))
    assert any(d["kind"] == "Job" for d in docs)


@pytest.mark.parametrize(
    "values_file",
    [
        "helm/values-staging.yaml",
        "kubernetes/values.yaml",
        "helm/chain-processor/ci/external-values.yaml",
        "helm/chain-processor/ci/bundled-values.yaml",
    ],
)
def test_every_values_file_in_the_repository_is_valid(values_file: str) -> None:
    from conftest import ROOT

    values = yaml.safe_load((ROOT / values_file).read_text())
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(chart.merge_values(values))
