#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:$PGPORT (default 5432) with trust auth for
# the user postgres. Uses the one already running; else starts the machine's cluster; else
# installs PostgreSQL (as root) and starts a private cluster. PostgreSQL refuses to run as
# root, so as root every server command runs as the postgres user.
set -euo pipefail

port=${PGPORT:-5432}
say() { echo "postgres: $*"; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ready() { pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; }
wait_ready() { for _ in $(seq 1 60); do ready && return 0; sleep 0.5; done; return 1; }

if command -v pg_isready >/dev/null && ready; then
  say "answering on 127.0.0.1:$port"
  exit 0
fi

if [ "$port" = 5432 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    say "starting the machine's cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  if wait_ready; then say "answering on 127.0.0.1:$port"; exit 0; fi
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "no PostgreSQL here and not root: install postgresql, or start one on port $port" >&2
    exit 1
  fi
  say "installing PostgreSQL"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

data=${CP_PGDATA:-/var/tmp/chain-processor-pg-$port}
if [ ! -f "$data/PG_VERSION" ]; then
  say "creating a private cluster in $data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres: "$data"
  chmod 700 "$data"
  as_postgres "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
fi
say "starting the private cluster in $data on port $port"
as_postgres "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=/tmp -c max_connections=300 -c fsync=off" \
  start >/dev/null
wait_ready
say "answering on 127.0.0.1:$port"
