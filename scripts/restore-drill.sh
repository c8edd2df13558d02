#!/usr/bin/env bash
# Restore drill: backs up the database at <database-url> with scripts/backup.sh, restores the
# dump into a fresh database (drill_<name>_<time>_<pid>, same server) with scripts/restore.sh,
# and compares every table of the public schema: its row count and an md5 over its rows.
#   scripts/restore-drill.sh postgres://postgres@127.0.0.1:5433/sasa_e2e
# The source side is read in the very snapshot that pg_dump dumps (pg_export_snapshot, then
# pg_dump --snapshot), so a live database whose workers keep writing still compares exactly.
# Also checks that every restored sequence is ahead of its column, so new rows get fresh ids.
# Prints "ok <table> rows=N" / "not ok <table> ..." per table and a summary; exits non-zero on
# any mismatch, or when no application table has a row (an empty drill proves nothing).
# The restored database and the dump are removed at the end.
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/pg-url.sh"

if [ $# -ne 1 ]; then
  echo "usage: $0 <database-url>" >&2
  exit 2
fi
src="$1"
src_db="$(url_database "$src")"
restored="drill_$(printf '%s' "${src_db:-db}" | tr -c 'a-z0-9_' '_' | cut -c1-30)_$(date -u +%Y%m%d%H%M%S)_$$"
restored_url="$(url_with_database "$src" "$restored")"
admin="$(url_with_database "$src" postgres)"
work="$(mktemp -d)"
restored_created=""
snap_pid=""

cleanup() {
  if [ -n "$snap_pid" ]; then kill "$snap_pid" 2>/dev/null; wait "$snap_pid" 2>/dev/null; fi
  if [ -n "$restored_created" ]; then
    psql -X -w -q -d "$admin" -c "DROP DATABASE IF EXISTS \"$restored\" WITH (FORCE)" >/dev/null 2>&1 ||
      echo "# could not drop $restored; drop it by hand" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Row text depends on session settings (time zone, date style...): the same on both sides.
SESSION="SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';
SET extra_float_digits = 1; SET bytea_output = 'hex';"
# One line per table: name|rows|md5. Each row is hashed, then the sorted row hashes are hashed:
# the same rows in any physical order give the same sum, in memory bounded by 32 bytes a row.
CHECKSUMS="SELECT t.tablename || '|' || (xpath('/row/n/text()', x))[1]::text || '|' || (xpath('/row/h/text()', x))[1]::text
FROM pg_tables t,
LATERAL query_to_xml(format(
  'SELECT count(*) AS n, md5(coalesce(string_agg(md5(r::text), '''' ORDER BY md5(r::text) COLLATE \"C\"), '''')) AS h FROM %I.%I r',
  t.schemaname, t.tablename), false, true, '') AS x
WHERE t.schemaname = 'public'
ORDER BY t.tablename COLLATE \"C\";"
# One line per sequence owned by a column: sequence|table.column|true when the next value is
# above every value in the column.
SEQUENCES="SELECT s.relname || '|' || tab.relname || '.' || att.attname || '|' ||
  (xpath('/row/ok/text()', query_to_xml(format(
    'SELECT coalesce((SELECT max(%I) FROM public.%I) <= (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM public.%I), true) AS ok',
    att.attname, tab.relname, s.relname), false, true, '')))[1]::text
FROM pg_class s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class tab ON tab.oid = d.refobjid
JOIN pg_attribute att ON att.attrelid = tab.oid AND att.attnum = d.refobjsubid
WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace
ORDER BY s.relname COLLATE \"C\";"

fail() { echo "not ok $*"; exit 1; }

# 1. A session on the source that holds one snapshot open for the dump and the checksums.
coproc SNAP { psql -X -w -q -tA -v ON_ERROR_STOP=1 -d "$src" 2>&1; }
# shellcheck disable=SC2153 # set by coproc
snap_pid=$SNAP_PID
snap_in=${SNAP[1]}
snap_out=${SNAP[0]}
printf '%s\n' "$SESSION" "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" "SELECT pg_export_snapshot();" >&"$snap_in"
snapshot=""
read -r -t 60 snapshot <&"$snap_out"
[[ "$snapshot" =~ ^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$ ]] ||
  fail "snapshot: could not open a snapshot of $(url_redacted "$src"): ${snapshot:-no answer}"

# 2. Back up that snapshot with the production script.
echo "# backing up $(url_redacted "$src") (snapshot $snapshot)"
if ! dump="$(PG_DUMP_SNAPSHOT="$snapshot" BACKUP_DIR="$work" BACKUP_KEEP=1 DATABASE_URL="$src" \
  "$ROOT/scripts/backup.sh" 2>"$work/backup.log" | tail -n 1)" || [ ! -s "$dump" ]; then
  sed 's/^/# /' "$work/backup.log"
  fail "backup: scripts/backup.sh failed"
fi
echo "# dump $(basename "$dump"), $(du -h "$dump" | cut -f1)"

# 3. The source's checksums, in the dumped snapshot; then the snapshot can go.
printf '%s\n' "$CHECKSUMS" "SELECT '__end__';" >&"$snap_in"
declare -A src_rows src_sum
tables=()
while IFS='|' read -r -t 600 name rows sum <&"$snap_out"; do
  [ "$name" = "__end__" ] && break
  [ -n "$rows" ] || fail "checksums: unexpected answer from the source: $name"
  tables+=("$name")
  src_rows[$name]=$rows
  src_sum[$name]=$sum
done
# Only now that everything is read may psql end (bash closes a finished coprocess's pipes).
printf '%s\n' "COMMIT;" '\q' >&"$snap_in"
wait "$snap_pid" 2>/dev/null
snap_pid=""
[ ${#tables[@]} -gt 0 ] || fail "checksums: the source has no table in the public schema"

# 4. Restore into a fresh database with the production script.
echo "# restoring into $restored"
restored_created=1
if ! DATABASE_URL="$src" "$ROOT/scripts/restore.sh" "$dump" "$restored" >"$work/restore.log" 2>&1; then
  sed 's/^/# /' "$work/restore.log"
  fail "restore: scripts/restore.sh failed"
fi

# 5. Compare table by table.
declare -A dst_rows dst_sum
while IFS='|' read -r name rows sum; do
  dst_rows[$name]=$rows
  dst_sum[$name]=$sum
done < <(printf '%s\n' "$SESSION" "$CHECKSUMS" | psql -X -w -q -tA -v ON_ERROR_STOP=1 -d "$restored_url")

matched=0 mismatched=0 total_rows=0 app_rows=0
for name in "${tables[@]}"; do
  want_rows=${src_rows[$name]} want_sum=${src_sum[$name]}
  got_rows=${dst_rows[$name]:-missing} got_sum=${dst_sum[$name]:-missing}
  if [ "$got_rows" = "$want_rows" ] && [ "$got_sum" = "$want_sum" ]; then
    echo "ok $name rows=$want_rows"
    matched=$((matched + 1))
  elif [ "$got_rows" = "missing" ]; then
    echo "not ok $name rows=$want_rows: missing from the restored database"
    mismatched=$((mismatched + 1))
  else
    echo "not ok $name rows=$want_rows restored=$got_rows md5 $want_sum restored $got_sum"
    mismatched=$((mismatched + 1))
  fi
  total_rows=$((total_rows + want_rows))
  [ "$name" = "_sqlx_migrations" ] || app_rows=$((app_rows + want_rows))
  unset "dst_rows[$name]"
done
for name in "${!dst_rows[@]}"; do
  echo "not ok $name: in the restored database only"
  mismatched=$((mismatched + 1))
done

sequences=0
while IFS='|' read -r seq column ahead; do
  [ -n "$seq" ] || continue
  if [ "$ahead" = "true" ]; then
    sequences=$((sequences + 1))
  else
    echo "not ok sequence $seq is behind $column: new rows would reuse ids"
    mismatched=$((mismatched + 1))
  fi
done < <(psql -X -w -q -tA -v ON_ERROR_STOP=1 -d "$restored_url" -c "$SEQUENCES")

if [ "$app_rows" -eq 0 ]; then
  echo "not ok data: no application table has a row; an empty drill proves nothing"
  mismatched=$((mismatched + 1))
fi

echo "# restore drill: $matched of ${#tables[@]} tables identical ($total_rows rows), $sequences sequences ahead of their columns, $mismatched problems"
[ "$mismatched" -eq 0 ]
