"""The results table the run writes: one row per case (case, expected, observed, ok), as JSON
and as a markdown table under ``reliability/results/``."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    group: str
    case: str
    expected: str
    observed: str
    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class Results:
    suite: str
    rows: list[Row] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def record(
        self, group: str, case: str, expected: str, observed: str, ok: bool, **figures: Any
    ) -> None:
        self.rows.append(Row(group, case, expected, observed, ok, figures))

    def write(self, directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        document = {
            "suite": self.suite,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration_s": round(time.time() - self.started, 1),
            "passed": sum(row.ok for row in self.rows),
            "failed": sum(not row.ok for row in self.rows),
            "rows": [asdict(row) for row in self.rows],
        }
        json_path = directory / f"{self.suite}.json"
        json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        lines = [
            f"# Results: {self.suite}",
            "",
            f"Run {document['started']}, {document['duration_s']} s: "
            f"{document['passed']} as expected, {document['failed']} not.",
            "",
            "| group | case | expected | observed | ok |",
            "|---|---|---|---|---|",
        ]
        for row in self.rows:
            cells = [row.group, row.case, row.expected, row.observed, "yes" if row.ok else "**NO**"]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        md_path = directory / f"{self.suite}.md"
        md_path.write_text("\n".join(lines) + "\n")
        return json_path, md_path


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
