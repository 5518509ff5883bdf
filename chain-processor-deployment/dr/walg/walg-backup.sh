#!/usr/bin/env bash
# walg-backup.sh full|delta|retain|verify - run by cron as the postgres user (crontab):
#   delta   every 5 minutes: a delta backup against the day's full backup
#   full    daily: a new full backup (starts a new delta chain)
#   retain  daily, after full: keep WALG_RETAIN_FULL full backups and what they need
#   verify  daily: check that the WAL archive has no gap since the oldest backup
# Exit status is non-zero on failure; cron mails it and the node exporter's textfile
# (below) lets Prometheus alert on a stale last success.
set -euo pipefail

mode=${1:?usage: walg-backup.sh full|delta|retain|verify}
walg=(/usr/local/bin/walg-env wal-g)
textfile_dir=${WALG_TEXTFILE_DIR:-/var/lib/node_exporter/textfile}
lock=/var/run/postgresql/walg-backup.lock

record_success() {
  [ -d "$textfile_dir" ] || return 0
  local tmp
  tmp=$(mktemp "$textfile_dir/.walg.XXXXXX")
  printf 'walg_last_success_timestamp_seconds{mode="%s"} %s\n' "$mode" "$(date +%s)" >"$tmp"
  mv "$tmp" "$textfile_dir/walg_$mode.prom"
}

# One backup at a time: a slow full must not overlap the next delta.
exec 9>"$lock"
if ! flock -n 9; then
  echo "walg-backup: another backup is running; skipping $mode" >&2
  exit 0
fi

case "$mode" in
  delta)
    # With WALG_DELTA_MAX_STEPS > 0, backup-push makes a delta when a base exists.
    "${walg[@]}" backup-push "${PGDATA:-/var/lib/postgresql/15/main}"
    ;;
  full)
    "${walg[@]}" backup-push --full "${PGDATA:-/var/lib/postgresql/15/main}"
    ;;
  retain)
    "${walg[@]}" delete retain FULL "${WALG_RETAIN_FULL:-14}" --confirm
    ;;
  verify)
    "${walg[@]}" wal-verify integrity timeline
    ;;
  *)
    echo "walg-backup: unknown mode $mode" >&2
    exit 2
    ;;
esac
record_success
