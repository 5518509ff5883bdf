#!/usr/bin/env bash
# `make up`: prepare the embedded SQLite database under var/ (migrations, builtin nodes, admin
# user) and run every service this build has, until Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/var/chain-processor.db}
export ADMIN_EMAIL=${ADMIN_EMAIL:-admin@example.com}
if [ -z "${ADMIN_PASSWORD:-}" ]; then
  if [ ! -s var/admin-password ]; then
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))' >var/admin-password)
  fi
  ADMIN_PASSWORD=$(cat var/admin-password)
  export ADMIN_PASSWORD
fi

if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s var/secret-key ]; then
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' >var/secret-key)
  fi
  SECRET_KEY=$(cat var/secret-key)  # kept so sign-ins survive a restart
  export SECRET_KEY
fi

web=chain-processor-web
if [ -f "$web/package.json" ]; then
  if command -v npm >/dev/null; then
    echo "==> web UI"
    if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules" ]; then
      (cd "$web" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
    fi
    if [ ! -f "$web/dist/index.html" ] || [ -n "$(find "$web/src" "$web/index.html" "$web/package.json" -newer "$web/dist/index.html" -print -quit)" ]; then
      (cd "$web" && npm run build --silent)
    fi
    export WEB_DIST_DIR=$PWD/$web/dist
  else
    echo "web UI: npm is not installed, so the UI is not built (the API still runs)" >&2
  fi
fi

echo "==> database"
.venv/bin/chain-processor-db upgrade
.venv/bin/chain-processor-db seed

pids=()
started=()
stop() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "==> stopping ${#pids[@]} service(s)"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  echo "stopped"
}
trap stop INT TERM EXIT

start() {  # start NAME COMMAND...: run a service in the background if this build has it
  local name=$1; shift
  if [ -x "$1" ]; then
    "$@" &
    pids+=($!)
    started+=("$name")
  fi
}
start "API and web UI on http://127.0.0.1:8000" .venv/bin/chain-processor-api
start "executor" .venv/bin/chain-processor-executor

echo
echo "==> Chain Processor"
echo "database: ${DATABASE_URL}"
echo "sign in:  ${ADMIN_EMAIL} / ${ADMIN_PASSWORD}   (the password is kept in var/admin-password)"
if [ ${#started[@]} -eq 0 ]; then
  echo "services: none yet in this build; the database is migrated and seeded."
  exit 0
fi
for service in "${started[@]}"; do echo "started:  $service"; done
echo "Press Ctrl-C to stop."
# Stop everything as soon as any one service exits.
wait -n "${pids[@]}"
