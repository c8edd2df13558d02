#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh into a NEW database on the server of DATABASE_URL:
#   DATABASE_URL=postgres://user:pass@host:5432/sasa scripts/restore.sh backups/sasa-20260101T020000Z.dump sasa_restored
# It refuses when that database exists: it never overwrites anything. The restore runs as one
# transaction and stops at the first error; on failure the database it created is dropped again.
# Objects belong to the user of DATABASE_URL (--no-owner --no-privileges), so a dump restores
# on another server with other role names. Switching the app over is a separate, deliberate
# step (docs/runbooks/backup-restore.md). Plain bash without scripts/env.sh, like backup.sh.
set -euo pipefail
source "$(dirname "$0")/pg-url.sh"

[ $# -eq 2 ] || { echo "usage: DATABASE_URL=postgres://... $0 <dump file> <new database name>" >&2; exit 2; }
dump="$1"
name="$2"
if [ -z "${DATABASE_URL:-}" ]; then
  echo "restore: DATABASE_URL is not set (any database on the server to restore to)" >&2
  exit 2
fi
if ! [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
  echo "restore: '$name' is not a plain database name (lowercase letters, digits and _, at most 63)" >&2
  exit 2
fi
if ! pg_restore --list "$dump" >/dev/null; then
  echo "restore: $dump is not a pg_dump custom-format file" >&2
  exit 1
fi

# CREATE DATABASE cannot run inside the database it creates: connect to the maintenance database.
admin="$(url_with_database "$DATABASE_URL" "${RESTORE_MAINTENANCE_DB:-postgres}")"
target="$(url_with_database "$DATABASE_URL" "$name")"
sql() { psql -X -w -q -v ON_ERROR_STOP=1 -tA -d "$admin" -c "$1"; }

# $name matched the pattern above, so it is safe inside quotes.
if [ "$(sql "SELECT 1 FROM pg_database WHERE datname = '$name'")" = "1" ]; then
  echo "restore: database $name exists already; refusing to overwrite it (pick a new name)" >&2
  exit 1
fi
# Fails by itself if another session created the name in the meantime.
sql "CREATE DATABASE \"$name\""
created=1
cleanup() {
  if [ -n "${created:-}" ]; then
    echo "restore: failed; dropping the new database $name again" >&2
    sql "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" || true
  fi
}
trap cleanup EXIT

echo "restore: $dump -> $(url_redacted "$target")" >&2
pg_restore --no-password --exit-on-error --single-transaction --no-owner --no-privileges \
  --dbname="$target" "$dump"
created=""
tables="$(psql -X -w -tA -d "$target" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
echo "restore: done; $name has $tables tables in the public schema" >&2
