"""kubernetes/: the plain manifests are the chart rendered with kubernetes/values.yaml."""

from __future__ import annotations

import render_manifests
import yaml
from conftest import ROOT, VENV_BIN, run


def test_plain_manifests_are_up_to_date() -> None:
    assert render_manifests.main(["--check"]) == 0, "run scripts/render_manifests.py"


def test_plain_manifests_are_valid_kubernetes() -> None:
    files = [ROOT / "kubernetes/chain-processor.yaml", ROOT / "kubernetes/namespace.yaml"]
    result = run([VENV_BIN / "kubernetes-validate", "--strict", "-k", "1.28.0", "--quiet", *files])
    assert result.returncode == 0, result.stdout + result.stderr


def test_kustomization_lists_existing_files_and_enforces_restricted() -> None:
    kustomization = yaml.safe_load((ROOT / "kubernetes/kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (ROOT / "kubernetes" / resource).is_file(), resource
    namespace = yaml.safe_load((ROOT / "kubernetes/namespace.yaml").read_text())
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert namespace["metadata"]["name"] == kustomization["namespace"]


def test_plain_manifests_hold_no_secret() -> None:
    docs = [
        d for d in yaml.safe_load_all((ROOT / "kubernetes/chain-processor.yaml").read_text()) if d
    ]
    assert not [d for d in docs if d["kind"] == "Secret"]
