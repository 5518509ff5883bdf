from __future__ import annotations

import uuid
from pathlib import Path

from chain_processor_executor.steps import Step, write_generated


def step(code: str = "def node(t):\n    return t\n") -> Step:
    return Step(0, uuid.uuid4(), uuid.uuid4(), "upper", code, "ab" * 32, {}, 5.0)


def test_generated_code_is_written_once(tmp_path: Path) -> None:
    path = write_generated(tmp_path / "lib_chains_generated", step())
    assert path is not None and path.read_text().endswith("return t\n")
    assert write_generated(tmp_path / "lib_chains_generated", step("other")) == path
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_generated_code_that_cannot_be_written_is_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert write_generated(blocker / "sub", step()) is None
