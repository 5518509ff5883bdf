#!/usr/bin/env bash
# `make bench-api`: bash bench/api/run.sh [--quick] [--duration S] [--design-rate R] ...
# Starts PostgreSQL and PgBouncer when they are not answering (as make test does), installs
# the benchmarks' own dependencies into .venv, then runs bench/api/bench.py; see bench/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
scripts/bootstrap-venv.sh
scripts/ensure-postgres.sh
scripts/ensure-pgbouncer.sh
PIP_CONSTRAINT="$root/constraints.txt" .venv/bin/pip install -q -r bench/requirements.txt
exec "$root/.venv/bin/python" -m bench.api.bench "$@"
