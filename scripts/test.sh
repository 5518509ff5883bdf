#!/usr/bin/env bash
# Everything `make test` runs: services, lint, types, and each component's tests with its
# coverage floor. Every step runs even when an earlier one fails; the exit status is non-zero
# when any failed, and the last line sums up every test run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
results=var/test-results
rm -rf "$results" && mkdir -p "$results"
failed=()

step() {
  local name=$1; shift
  echo
  echo "==> $name"
  if ! "$@"; then failed+=("$name"); fi
}

step "postgres" scripts/ensure-postgres.sh
step "pgbouncer" scripts/ensure-pgbouncer.sh
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:${PGPORT:-5432}/postgres}
export TEST_PGBOUNCER_URL=${TEST_PGBOUNCER_URL:-postgresql://postgres@127.0.0.1:${PGBOUNCER_PORT:-6432}/postgres}
export CP_REQUIRE_POSTGRES=1
export PACT_DO_NOT_TRACK=true  # the Pact core would otherwise report usage over the network

python_components=()
for project in chain-processor-*/pyproject.toml; do python_components+=("$(dirname "$project")"); done

step "ruff" .venv/bin/ruff check --config ruff.toml "${python_components[@]}" chain-processor-deployment reliability bench
step "ruff format" .venv/bin/ruff format --check --config ruff.toml "${python_components[@]}" chain-processor-deployment reliability bench
for component in "${python_components[@]}"; do
  step "mypy --strict $component" bash -c "cd $component && $root/.venv/bin/mypy src"
done

for component in "${python_components[@]}"; do
  package=${component//-/_}
  step "pytest $component (coverage >= 90 %)" bash -c "cd $component && $root/.venv/bin/pytest tests \
    --cov=$package --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=90 \
    --junitxml=$root/$results/$component.xml -p no:cacheprovider"
done

step "bench harness (schedule, percentiles, /proc groups, reports, clean-up)" \
  .venv/bin/python -m pytest bench/tests -q -p no:cacheprovider --junitxml="$root/$results/bench.xml"
step "reliability quick subset (make fault / make security run the whole suites)" \
  reliability/run.sh quick --junitxml="$root/$results/reliability.xml"

if [ -f chain-processor-web/package.json ]; then
  web="cd chain-processor-web &&"
  step "chromium" scripts/ensure-chromium.sh
  step "web: npm ci" bash -c "$web npm ci --no-audit --no-fund --loglevel=error"
  step "web: tsc" bash -c "$web npm run --silent typecheck"
  step "web: eslint" bash -c "$web npm run --silent lint"
  step "web: vitest (coverage floor on graph and stores)" bash -c "$web npx vitest run --coverage \
    --reporter=default --reporter=junit --outputFile.junit=$root/$results/chain-processor-web.xml"
  # The consumer side of contracts/pacts/ (the API's pytest run verifies the provider side);
  # fails when the committed contract is not the one the tests write.
  step "web: pact consumer contract" bash -c "$web npm run --silent test:pact -- \
    --reporter=default --reporter=junit --outputFile.junit=$root/$results/chain-processor-web-pact.xml"
  step "web: end-to-end in Chromium against the real API and executor" bash -c \
    "$web E2E_JUNIT=$root/$results/chain-processor-web-e2e.xml bash e2e/run.sh"
fi

step "chain-processor-deployment (compose, helm, promtool/amtool, dashboards, restore drill)" \
  chain-processor-deployment/scripts/test.sh --junitxml="$root/$results/chain-processor-deployment.xml"

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}"
else
  echo "all steps passed"
fi
# The last line sums up every test of every component.
.venv/bin/python scripts/summarize-tests.py "$results"/*.xml
[ ${#failed[@]} -eq 0 ]
