#!/usr/bin/env bash
# The executor benchmark: bash bench/executor/run.sh [--executions N] [--sizes 1,10,30]
# Starts PostgreSQL and PgBouncer when they are not answering (as make test does), installs
# the benchmark's own dependencies into .venv, then runs bench.py; see bench/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
scripts/bootstrap-venv.sh
scripts/ensure-postgres.sh
scripts/ensure-pgbouncer.sh
PIP_CONSTRAINT="$root/constraints.txt" .venv/bin/pip install -q -r bench/requirements.txt
exec "$root/.venv/bin/python" "$root/bench/executor/bench.py" "$@"
