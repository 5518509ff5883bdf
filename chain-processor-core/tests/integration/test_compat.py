"""The installed components satisfy the compatibility matrix in COMPAT.md."""

from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

COMPONENT_ROOT = Path(__file__).resolve().parents[2]
REPOSITORY_ROOT = COMPONENT_ROOT.parent


def read_matrix() -> list[dict[str, str]]:
    text = (COMPONENT_ROOT / "COMPAT.md").read_text()
    table = text.split("<!-- compat-matrix", 1)[1].splitlines()[1:]
    rows = [line for line in table if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in row.strip("|").split("|")), strict=True))
        for row in rows[2:]
    ]


def row_for_core(matrix: list[dict[str, str]], core: Version) -> dict[str, str]:
    for row in matrix:
        line = row["core"].removesuffix(".x")
        if f"{core.major}.{core.minor}" == line:
            return row
    raise AssertionError(f"COMPAT.md has no row for core {core}")


def installed_version(component: str) -> Version | None:
    try:
        return Version(version(component))
    except PackageNotFoundError:
        package_json = REPOSITORY_ROOT / component / "package.json"
        if package_json.exists():
            return Version(json.loads(package_json.read_text())["version"])
        return None


def test_matrix_has_a_column_for_every_component() -> None:
    components = {path.name for path in REPOSITORY_ROOT.glob("chain-processor-*") if path.is_dir()}
    header = set(read_matrix()[0])
    assert components - {"chain-processor-core"} <= header


def test_installed_components_satisfy_the_row_of_installed_core() -> None:
    row = row_for_core(read_matrix(), Version(version("chain-processor-core")))
    checked = []
    for component, spec in row.items():
        if component == "core":
            continue
        installed = installed_version(component)
        if installed is None:
            continue
        assert installed in SpecifierSet(spec), f"{component} {installed} is outside {spec}"
        checked.append(component)
    assert "chain-processor-db" in checked


def test_a_version_outside_the_range_is_caught() -> None:
    row = row_for_core(read_matrix(), Version("1.0.0"))
    assert Version("2.0.0") not in SpecifierSet(row["chain-processor-db"])


def test_an_unknown_core_line_has_no_row() -> None:
    with pytest.raises(AssertionError, match=r"no row for core 9\.9"):
        row_for_core(read_matrix(), Version("9.9.0"))


def test_version_ranges_are_valid_specifiers() -> None:
    for row in read_matrix():
        assert re.fullmatch(r"\d+\.\d+\.x", row["core"])
        for component, spec in row.items():
            if component != "core":
                SpecifierSet(spec)
