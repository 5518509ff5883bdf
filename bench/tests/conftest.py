import sys
from pathlib import Path

# The harness is imported as ``bench.harness``: the repository root must be importable.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
