#!/usr/bin/env bash
# The reliability suite (issue 8), one command per mode:
#   reliability/run.sh fault     SIGKILLed workers, PostgreSQL/PgBouncer restarts, executor down,
#                                read-only and full storage                  (make fault, ~8 min)
#   reliability/run.sh security  sandbox attacks end to end, API attacks, schemathesis
#                                                                            (make security, ~8 min)
#   reliability/run.sh quick     the subset run by make test                 (< 2 min)
#   reliability/run.sh all       both long suites
# Each run starts its own PostgreSQL cluster and PgBouncer on free ports (never the shared
# 5432/6432) and writes reliability/results/<mode>.json and <mode>.md. Needs root (the
# sandbox uid switch, runuser for PostgreSQL, a tmpfs mount for the disk-full case).
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-quick}
shift || true
pytest=../.venv/bin/pytest
case "$mode" in
  fault) marker=fault ;;
  security) marker=security ;;
  quick) marker=quick ;;
  all) marker="fault or security" ;;
  *) echo "usage: $0 fault|security|quick|all [pytest options]" >&2; exit 2 ;;
esac
export CP_RELIABILITY_SUITE=$mode
exec "$pytest" -m "$marker" "$@"
