#!/usr/bin/env bash
# End-to-end tests against the real API (and executor when this build has one):
# a temporary SQLite database, migrated and seeded; the UI built and served by the API
# (WEB_DIST_DIR); Debian's Chromium driven by playwright-core. Screenshots land in
# e2e/artifacts/. The last line says how it went, for CI.
set -uo pipefail
cd "$(dirname "$0")/.."
web=$PWD
root=$(cd .. && pwd)
venv=${VENV:-$root/.venv}
port=${E2E_PORT:-8765}
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
  echo "e2e: $chromium not found (apt-get install -y chromium)"
  echo "E2E RESULT: SKIPPED (no chromium)"
  exit 1
fi
for tool in chain-processor-db chain-processor-api; do
  if [ ! -x "$venv/bin/$tool" ]; then
    echo "e2e: $venv/bin/$tool not found (make venv)"
    echo "E2E RESULT: FAILED (no $tool)"
    exit 1
  fi
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

export DATABASE_URL="sqlite:///$work/e2e.db"
export ADMIN_EMAIL=admin@example.com
export ADMIN_PASSWORD=${ADMIN_PASSWORD:-e2e-$(date +%s)-password}
export ENVIRONMENT=development
export WEB_DIST_DIR=$web/dist
export API_HOST=127.0.0.1
export API_PORT=$port
export LOG_LEVEL=WARNING
export EXECUTOR_WORKERS=${EXECUTOR_WORKERS:-1}
export EXECUTOR_POLL_INTERVAL_S=${EXECUTOR_POLL_INTERVAL_S:-0.2}
export EXECUTOR_GENERATED_DIR="$work/generated"
# /health/detailed turns "degraded" when a run waited this long with no executor (the
# executor-down journey waits for it).
export EXECUTOR_STALE_AFTER_SECONDS=${EXECUTOR_STALE_AFTER_SECONDS:-3}

echo "==> database ($DATABASE_URL)"
"$venv/bin/chain-processor-db" upgrade >"$work/db.log" 2>&1 || { cat "$work/db.log"; echo "E2E RESULT: FAILED (upgrade)"; exit 1; }
"$venv/bin/chain-processor-db" seed >>"$work/db.log" 2>&1 || { cat "$work/db.log"; echo "E2E RESULT: FAILED (seed)"; exit 1; }

if [ "${E2E_SKIP_BUILD:-0}" != 1 ]; then
  echo "==> build"
  npm run build --silent >"$work/build.log" 2>&1 || { cat "$work/build.log"; echo "E2E RESULT: FAILED (build)"; exit 1; }
fi

echo "==> api on http://127.0.0.1:$port"
"$venv/bin/chain-processor-api" >"$work/api.log" 2>&1 &
pids+=($!)
if [ -x "$venv/bin/chain-processor-executor" ]; then
  echo "==> executor"
  "$venv/bin/chain-processor-executor" >"$work/executor.log" 2>&1 &
  executor_pid=$!
  pids+=("$executor_pid")
  export E2E_EXECUTOR=1
fi
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
  cat "$work/api.log"
  echo "E2E RESULT: FAILED (api did not start)"
  exit 1
fi

echo "==> journeys"
mkdir -p e2e/artifacts
reporters=(--test-reporter=spec --test-reporter-destination=stdout)
if [ -n "${E2E_JUNIT:-}" ]; then  # a JUnit report too, for the CI summary
  reporters+=(--test-reporter=junit --test-reporter-destination="$E2E_JUNIT")
fi
export E2E_BASE_URL="http://127.0.0.1:$port" CHROMIUM="$chromium"
node --test --test-concurrency=1 "${reporters[@]}" e2e/journeys.test.mjs
status=$?

# Issue 8, executor stopped entirely: stop ours; the journey starts the executor again itself.
if [ -n "${executor_pid:-}" ]; then
  echo "==> executor stopped: the executor-down journey"
  kill -TERM "$executor_pid" 2>/dev/null
  wait "$executor_pid" 2>/dev/null
  reporters=(--test-reporter=spec --test-reporter-destination=stdout)
  if [ -n "${E2E_JUNIT:-}" ]; then
    reporters+=(--test-reporter=junit --test-reporter-destination="${E2E_JUNIT%.xml}-executor-down.xml")
  fi
  E2E_EXECUTOR_BIN="$venv/bin/chain-processor-executor" E2E_EXECUTOR_LOG="$work/executor.log" \
    node --test --test-concurrency=1 "${reporters[@]}" e2e/executor-down.test.mjs || status=1
fi
if [ $status -ne 0 ]; then
  echo "--- api log (tail)"; tail -n 40 "$work/api.log"
  [ -f "$work/executor.log" ] && { echo "--- executor log (tail)"; tail -n 40 "$work/executor.log"; }
  echo "E2E RESULT: FAILED (see above; screenshots in e2e/artifacts/)"
  exit 1
fi
echo "E2E RESULT: PASSED (screenshots in e2e/artifacts/)"
