#!/usr/bin/env bash
# walg-restore.sh DATADIR [BACKUP] [TARGET_TIME]
# Restore a base backup from object storage into an EMPTY data directory and configure
# recovery: to TARGET_TIME ('2026-11-22 10:15:00+00') when given, else to the end of the
# archive. Then start PostgreSQL; it replays WAL with restore_command and promotes.
# BACKUP defaults to LATEST; for a point in time pick the last backup that finished before
# it (`walg-env wal-g backup-list --detail`), or use LATEST with a target after it.
# Runbook: ../../docs/runbook-recovery.md.
set -euo pipefail

datadir=${1:?usage: walg-restore.sh DATADIR [BACKUP] [TARGET_TIME]}
backup=${2:-LATEST}
target=${3:-}
walg=(/usr/local/bin/walg-env wal-g)

if [ "$(id -un)" != postgres ]; then
  echo "walg-restore: run as the postgres user" >&2
  exit 1
fi
if [ -d "$datadir" ] && [ -n "$(ls -A "$datadir")" ]; then
  echo "walg-restore: $datadir is not empty; move the damaged cluster away first" >&2
  exit 1
fi
mkdir -p "$datadir"
chmod 700 "$datadir"

echo "walg-restore: fetching $backup into $datadir"
"${walg[@]}" backup-fetch "$datadir" "$backup"

{
  echo "restore_command = '/usr/local/bin/walg-env wal-g wal-fetch %f %p'"
  echo "recovery_target_timeline = 'latest'"
  echo "recovery_target_action = 'promote'"
  if [ -n "$target" ]; then
    echo "recovery_target_time = '$target'"
  fi
  # Do not archive into the production prefix from the restored copy until it is
  # confirmed as the new primary (then remove this line and reload).
  echo "archive_mode = 'off'"
} >>"$datadir/postgresql.auto.conf"
touch "$datadir/recovery.signal"

echo "walg-restore: ready. Start PostgreSQL on $datadir; it replays WAL"\
  "${target:+up to $target }and promotes. Then run the checks of the runbook."
