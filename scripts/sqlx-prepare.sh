#!/usr/bin/env bash
# Describes every query written with sqlx's macros into .sqlx (commit it), checked against the
# schema the migrations build in a scratch database. `--check` writes nothing and fails when
# .sqlx is stale: a query changed, a column renamed. The test command runs it with --check.
# Needs PostgreSQL (scripts/db.sh starts the private one) and sqlx-cli (scripts/setup.sh --browser).
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/db.sh"
cd "$ROOT"
db_start >/dev/null
scratch="${DATABASE_URL%/*}/sasa_sqlx_prepare"
export DATABASE_URL="$scratch"
cargo sqlx database drop -y >/dev/null
cargo sqlx database create
cargo sqlx migrate run --source migrations >/dev/null
# The server pulls in the app with its `ssr` feature, where the queries are.
cargo sqlx prepare --workspace "$@" -- -p server --all-targets
