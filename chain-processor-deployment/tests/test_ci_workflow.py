"""The CI workflow has the spec §11.2 stages and runs the same entry point as `make test`."""

from __future__ import annotations

import yaml
from conftest import REPO

WORKFLOW = REPO / ".github/workflows/ci.yml"


def workflow() -> dict:
    loaded: dict = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def test_stages_of_spec_11_2() -> None:
    jobs = workflow()["jobs"]
    assert list(jobs) == [
        "lint",
        "accessibility",
        "unit",
        "contract",
        "images",
        "deploy-staging",
        "e2e",
    ]
    assert jobs["images"]["needs"] == ["lint", "accessibility", "unit", "contract"]
    assert jobs["deploy-staging"]["needs"] == ["images"]
    assert jobs["e2e"]["needs"] == ["deploy-staging"]


def test_tests_run_through_make_test() -> None:
    steps = [step.get("run", "") for step in workflow()["jobs"]["unit"]["steps"]]
    assert any(run.strip() == "make test" for run in steps)


def test_images_are_scanned_and_block_on_critical() -> None:
    steps = workflow()["jobs"]["images"]["steps"]
    scan = next(s for s in steps if "trivy" in s.get("uses", ""))
    assert scan["with"]["severity"] == "CRITICAL" and str(scan["with"]["exit-code"]) == "1"
    build = [s for s in steps if "build-push-action" in s.get("uses", "")]
    assert build and "chain-processor-deployment/docker/" in build[0]["with"]["file"]


def test_deploys_with_the_chart() -> None:
    steps = workflow()["jobs"]["deploy-staging"]["steps"]
    assert any("helm upgrade --install" in s.get("run", "") for s in steps)


def test_referenced_files_exist() -> None:
    text = WORKFLOW.read_text()
    for service in ("api", "executor", "web"):
        assert (REPO / f"chain-processor-deployment/docker/{service}.Dockerfile").is_file()
    assert "chain-processor-deployment/helm/values-staging.yaml" in text
    assert (REPO / "chain-processor-deployment/helm/values-staging.yaml").is_file()
