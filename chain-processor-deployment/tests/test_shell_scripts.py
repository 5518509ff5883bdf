"""Every shell script parses (bash -n) and passes shellcheck."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run, tool

SCRIPTS = sorted(
    p
    for p in [*ROOT.glob("scripts/*.sh"), *ROOT.glob("dr/walg/*")]
    if p.is_file() and p.read_text().startswith("#!/usr/bin/env bash")
)


def test_found_the_scripts() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"test.sh", "walg-backup.sh", "walg-restore.sh", "walg-env"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script(script: Path) -> None:
    syntax = run(["bash", "-n", script])
    assert syntax.returncode == 0, syntax.stderr
    check = run([tool("shellcheck"), "-x", script], cwd=script.parent)
    assert check.returncode == 0, check.stdout
