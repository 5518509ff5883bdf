#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install every Python component, editable, with the tools,
# all pinned by constraints.txt. Quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "bootstrap: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/pip ]; then
  echo "bootstrap: creating .venv"  # also after a creation that was interrupted
  "$python" -m venv --clear .venv
fi

packages=()
for project in chain-processor-*/pyproject.toml; do packages+=(-e "$(dirname "$project")"); done
stamp=.venv/.installed
inputs=(constraints.txt requirements-dev.txt chain-processor-*/pyproject.toml)
if [ -f "$stamp" ] && [ -z "$(find "${inputs[@]}" -newer "$stamp" 2>/dev/null)" ]; then
  exit 0
fi
echo "bootstrap: installing $((${#packages[@]} / 2)) components and the dev tools into .venv"
export PIP_CONSTRAINT="$PWD/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1
log=$(mktemp)
if ! .venv/bin/pip install -q -r requirements-dev.txt "${packages[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
.venv/bin/pip check >/dev/null
touch "$stamp"
