"""Sum the JUnit XML reports of every test run into one closing line.

Each failing test is listed first, with the opening lines of its message, so that the end of a
CI log says what broke even when the log is cut.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

MESSAGE_LINES = 6
MESSAGE_CHARS = 600
# Characters XML 1.0 forbids; node:test's JUnit reporter writes them as they come (the ANSI
# colour codes of a Playwright call log, for one), which leaves its report unparsable.
NOT_XML = re.compile("\x1b\\[[0-9;]*[A-Za-z]|[\x00-\x08\x0b\x0c\x0e-\x1f]")


def suites(path: Path) -> list[ET.Element]:
    """The report's test suites, read even when it holds characters XML forbids."""
    text = NOT_XML.sub("", path.read_text(encoding="utf-8", errors="replace"))
    return list(ET.fromstring(text).iter("testsuite"))


def failures(suite: ET.Element) -> list[str]:
    """One block per failed or erroring test of this suite: its name, then its message."""
    blocks = []
    for case in suite.findall("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        name = "::".join(part for part in (case.get("classname"), case.get("name")) if part)
        # The message attribute is the assertion (pytest) or the whole error flattened to one
        # line (node:test); the element's text is the traceback, used when there is no message.
        text = (problem.get("message") or problem.text or "").strip()[:MESSAGE_CHARS]
        lines = [line for line in text.splitlines() if line.strip()][:MESSAGE_LINES]
        blocks.append("\n".join([f"FAILED {name}", *(f"    {line}" for line in lines)]))
    return blocks


def main(paths: list[str]) -> int:
    passed = failed = skipped = 0
    listed: list[str] = []
    for path in map(Path, paths):
        if not path.exists():
            continue
        try:
            found = suites(path)
        except ET.ParseError as error:
            failed += 1
            listed.append(f"FAILED {path.name}: the report cannot be read ({error})")
            continue
        for suite in found:
            total = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += total - bad - skip
            failed += bad
            skipped += skip
            if bad:
                listed.extend(failures(suite))
    for block in listed:
        sys.stdout.write(block + "\n")
    sys.stdout.write(f"total: {passed} passed, {failed} failed, {skipped} skipped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
