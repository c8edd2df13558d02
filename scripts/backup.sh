#!/usr/bin/env bash
# Backs up the database at DATABASE_URL with pg_dump's custom format (-Fc) into
# BACKUP_DIR/<database>-<UTC time>.dump, then keeps only the newest BACKUP_KEEP dumps of that
# database (other files in BACKUP_DIR are never touched).
#   DATABASE_URL=postgres://user:pass@host:5432/sasa BACKUP_DIR=/backups BACKUP_KEEP=7 scripts/backup.sh
# BACKUP_DIR defaults to ./backups, BACKUP_KEEP to 7. PG_DUMP_SNAPSHOT (optional) dumps an exported
# snapshot (scripts/restore-drill.sh uses it). Prints the new dump's path as its last line.
# Restore with scripts/restore.sh. Plain bash without scripts/env.sh: the compose backup
# service runs it in the postgres image.
set -euo pipefail
source "$(dirname "$0")/pg-url.sh"

if [ -z "${DATABASE_URL:-}" ]; then
  echo "backup: DATABASE_URL is not set (the database to back up)" >&2
  exit 2
fi
dir="${BACKUP_DIR:-backups}"
keep="${BACKUP_KEEP:-7}"
case "$keep" in
  '' | *[!0-9]* | 0*) echo "backup: BACKUP_KEEP must be a whole number of at least 1, not '$keep'" >&2; exit 2 ;;
esac
db="$(url_database "$DATABASE_URL")"
db="$(printf '%s' "${db:-postgres}" | tr -c 'A-Za-z0-9_.-' '_')"

# Dumps hold personal data: readable by their owner only.
umask 077
mkdir -p "$dir"
file="$dir/$db-$(date -u +%Y%m%dT%H%M%SZ).dump"
if [ -e "$file" ]; then
  echo "backup: $file exists already; not overwriting it" >&2
  exit 1
fi
# Written under a temporary name: a failed or partial dump is never taken for a backup,
# and never causes an older good one to be pruned.
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

snapshot=()
[ -n "${PG_DUMP_SNAPSHOT:-}" ] && snapshot=(--snapshot="$PG_DUMP_SNAPSHOT")
echo "backup: dumping $(url_redacted "$DATABASE_URL")" >&2
pg_dump --format=custom --no-password "${snapshot[@]}" --file="$partial" --dbname="$DATABASE_URL"
# A file that pg_restore cannot read back is not a backup.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$file"
trap - EXIT
echo "backup: wrote $file ($(du -h "$file" | cut -f1))" >&2

# Retention: the names sort by time; only this database's timestamped dumps count.
pattern="$db-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.dump"
mapfile -t dumps < <(find "$dir" -maxdepth 1 -type f -name "$pattern" -printf '%f\n' | sort)
excess=$((${#dumps[@]} - keep))
for ((i = 0; i < excess; i++)); do
  rm -f -- "${dir:?}/${dumps[$i]}"
  echo "backup: removed $dir/${dumps[$i]} (keeping the newest $keep)" >&2
done
echo "$file"
