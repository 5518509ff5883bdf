#!/usr/bin/env bash
# Make sure a PgBouncer in transaction pooling answers on 127.0.0.1:$PGBOUNCER_PORT (default
# 6432) in front of the PostgreSQL on 127.0.0.1:$PGPORT. Installs Debian's pgbouncer when
# missing (as root). PgBouncer refuses to run as root: it then runs as the postgres user.
set -euo pipefail

port=${PGBOUNCER_PORT:-6432}
pgport=${PGPORT:-5432}
say() { echo "pgbouncer: $*"; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ready() { pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; }

usable() { psql -qtAX -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; }

if ready; then
  if usable; then
    say "answering on 127.0.0.1:$port"
    exit 0
  fi
  say "something on 127.0.0.1:$port answers but cannot reach PostgreSQL through it;" \
    "stop it or set PGBOUNCER_PORT to a free port" >&2
  exit 1
fi

binary=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null || true)
if [ -z "$binary" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "pgbouncer is not installed and this is not root: install it (apt-get install pgbouncer)" >&2
    exit 1
  fi
  say "installing pgbouncer"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
  binary=/usr/sbin/pgbouncer
fi

dir=${CP_PGBOUNCER_DIR:-/var/tmp/chain-processor-pgbouncer-$port}
mkdir -p "$dir"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pgport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
server_reset_query =
query_wait_timeout = 5
server_login_retry = 1
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
echo '"postgres" ""' >"$dir/userlist.txt"
[ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
say "starting on 127.0.0.1:$port (transaction pooling) in front of 127.0.0.1:$pgport"
as_postgres "$binary" -d "$dir/pgbouncer.ini"
for _ in $(seq 1 40); do ready && { say "answering on 127.0.0.1:$port"; exit 0; }; sleep 0.25; done
say "did not start; see $dir/pgbouncer.log" >&2
exit 1
