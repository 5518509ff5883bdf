"""Sum the JUnit XML reports of every pytest run into one closing line."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(paths: list[str]) -> int:
    passed = failed = skipped = 0
    for path in paths:
        if not Path(path).exists():
            continue
        for suite in ET.parse(path).getroot().iter("testsuite"):
            total = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += total - bad - skip
            failed += bad
            skipped += skip
    sys.stdout.write(f"total: {passed} passed, {failed} failed, {skipped} skipped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
