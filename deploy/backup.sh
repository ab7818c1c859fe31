#!/bin/sh
# PostgreSQL backups for veche: base backups plus a WAL archive, for recovery to any instant (docs/backup.md).
#
#   backup.sh archive-wal PATH NAME     PostgreSQL's archive_command: archive_command = '/opt/veche/deploy/backup.sh archive-wal %p %f'
#   backup.sh base                      a base backup (tar, compressed) into $VECHE_BACKUP_DIR/base/<UTC time>/
#   backup.sh restore BASE DATADIR TIME prepare DATADIR (new, empty) from BASE and the archive, to stop at TIME
#                                       (e.g. '2026-12-04 18:00:00+00'); then start PostgreSQL on it
#   backup.sh prune DAYS                drop base backups older than DAYS and the WAL only they needed
#
# Settings (environment): VECHE_BACKUP_DIR (default /var/backups/veche), PGHOST, PGPORT, PGUSER as libpq reads them.
# Data keys and the server key are NOT in the database: back them up separately (docs/backup.md).
set -eu

BACKUP_DIR="${VECHE_BACKUP_DIR:-/var/backups/veche}"
WAL_DIR="$BACKUP_DIR/wal"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

case "${1:-}" in
archive-wal)
    # never overwrite a segment already archived; copy under a temporary name, flush, then rename (atomic)
    path="$2"; name="$3"
    mkdir -p "$WAL_DIR"
    if [ -f "$WAL_DIR/$name" ]; then
        cmp -s "$path" "$WAL_DIR/$name" && exit 0
        echo "backup.sh: $WAL_DIR/$name exists with other contents" >&2
        exit 1
    fi
    cp "$path" "$WAL_DIR/.$name.tmp"
    sync "$WAL_DIR/.$name.tmp" 2>/dev/null || sync
    mv "$WAL_DIR/.$name.tmp" "$WAL_DIR/$name"
    ;;
base)
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    target="$BACKUP_DIR/base/$stamp"
    mkdir -p "$target"
    touch "$target.started"  # prune keeps the WAL archived from here on (pg_basebackup wants $target empty)
    # -X stream: the WAL needed to make the backup consistent comes with it; the archive carries on from there
    "$PG_BIN/pg_basebackup" -D "$target" -Ft -z -X stream --checkpoint=fast --label="veche $stamp"
    echo "$target"
    ;;
restore)
    base="$2"; datadir="$3"; target_time="$4"
    if [ -e "$datadir" ] && [ -n "$(ls -A "$datadir" 2>/dev/null)" ]; then
        echo "backup.sh: $datadir is not empty" >&2
        exit 1
    fi
    mkdir -p "$datadir"
    chmod 700 "$datadir"
    tar -xzf "$base/base.tar.gz" -C "$datadir"
    mkdir -p "$datadir/pg_wal"
    tar -xzf "$base/pg_wal.tar.gz" -C "$datadir/pg_wal"
    cat >>"$datadir/postgresql.auto.conf" <<CONF
# written by veche's backup.sh restore: replay the archive up to the chosen instant, then open for writes
restore_command = 'cp "$WAL_DIR/%f" "%p"'
recovery_target_time = '$target_time'
recovery_target_action = 'promote'
CONF
    touch "$datadir/recovery.signal"
    echo "$datadir"
    ;;
prune)
    days="$2"
    find "$BACKUP_DIR/base" -mindepth 1 -maxdepth 1 -mtime "+$days" -exec rm -rf {} +
    oldest="$(ls "$BACKUP_DIR/base" | grep -v '\.started$' | sort | head -n 1)"
    if [ -n "$oldest" ]; then
        # WAL archived before the oldest kept backup started is needed by no restore (its own WAL is in it)
        find "$WAL_DIR" -type f ! -newer "$BACKUP_DIR/base/$oldest.started" -delete
    fi
    ;;
*)
    sed -n '2,13p' "$0" >&2
    exit 2
    ;;
esac
