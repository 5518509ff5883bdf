#!/usr/bin/env bash
# `make bench` (S1..S4) and `make bench-soak` (--soak): bash bench/run.sh [--quick] [options]
# Starts PostgreSQL and PgBouncer when they are not answering (as make test does), installs
# the benchmarks' own dependencies into .venv, then runs bench/system.py; see bench/README.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/bootstrap-venv.sh
scripts/ensure-postgres.sh
scripts/ensure-pgbouncer.sh
PIP_CONSTRAINT="$root/constraints.txt" .venv/bin/pip install -q -r bench/requirements.txt
exec "$root/.venv/bin/python" -m bench.system "$@"
