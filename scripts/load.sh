#!/usr/bin/env bash
# Load and fault tests against the release server (figures, not the default test run):
#   scripts/load.sh            100 then 500 concurrent users, 30 s each, next to a bare axum + sqlx
#                              baseline measured in the same run
#   scripts/load.sh --faults   PostgreSQL restarted under load, down 5 s (seconds to recovery, acknowledged
#                              writes all present), then the SMTP peer down for a minute (every
#                              message delivered once it returns, none twice)
# Sets up and builds what is missing, like the test command. LOAD_SECONDS overrides the 30 s,
# LOAD_USERS the concurrencies ("100 500").
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/db.sh"
cd "$ROOT"
mode="${1:-}"

"$ROOT/scripts/setup.sh" || { echo "setup failed"; exit 1; }
db_start || exit 1
step "Release build (the server and the load tool)"
cargo leptos build --release --precompress 2>&1 | tail -n 3; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
cargo build --release -q -p server --bin load || exit 1

admin="${DATABASE_URL%/*}/postgres"
db="${DATABASE_URL%/*}/sasa_load"
psql "$admin" -qc "DROP DATABASE IF EXISTS sasa_load WITH (FORCE)" -c "CREATE DATABASE sasa_load" >/dev/null
app_port="$(free_port)" baseline_port="$(free_port)" smtp_port="$(free_port)"
app="http://127.0.0.1:$app_port"
logs="$CARGO_TARGET_DIR/load-logs"
mkdir -p "$logs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  [ -n "${DB_STARTED_HERE:-}" ] && db_stop
}
trap cleanup EXIT

# Development mode on loopback: mail goes over SMTP to the load tool's own SMTP peer.
DATABASE_URL="$db" LEPTOS_CONFIG="$ROOT/Leptos.toml" LEPTOS_SITE_ADDR="127.0.0.1:$app_port" \
  APP_ENV=development LOG_FORMAT=json CLIENT_REQUESTS_PER_MINUTE=10000000 SMTP_URL="smtp://127.0.0.1:$smtp_port" SAMPLE_HOMES=0 \
  "$CARGO_TARGET_DIR/release/server" >"$logs/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "$app/readyz" >/dev/null && break; sleep 1; done
curl -sf "$app/readyz" >/dev/null || { echo "the server did not start; see $logs/server.log"; exit 1; }
load="$CARGO_TARGET_DIR/release/load"
seconds="${LOAD_SECONDS:-30}"

if [ "$mode" = "--faults" ]; then
  step "Fault: PostgreSQL restarted under load, down for 5 s"
  # A managed database's restart or fail-over takes seconds: hold it down for 5.
  restart="bash -c 'source \"$ROOT/scripts/env.sh\"; source \"$ROOT/scripts/db.sh\"; pg_locate; pg_stop; sleep 5; pg_start'"
  "$load" pg-restart "$app" "$smtp_port" "$db" "$seconds" 100 "$restart" || exit 1
  step "Fault: the SMTP peer down for a minute"
  "$load" smtp-outage "$app" "$smtp_port" 50 60 || exit 1
else
  "$load" baseline "127.0.0.1:$baseline_port" "$db" >"$logs/baseline.log" 2>&1 &
  pids+=($!)
  users="${LOAD_USERS:-100 500}"
  step "Load: ${users// / then } concurrent users for $seconds s each, and the baseline"
  # shellcheck disable=SC2086 # one argument per concurrency
  "$load" users "$app" "http://127.0.0.1:$baseline_port" "$smtp_port" "$db" "$seconds" $users || exit 1
fi
