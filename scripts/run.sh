#!/usr/bin/env bash
# Sets up everything, then builds and serves the app at http://127.0.0.1:3000.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/db.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
if [ -f .env ]; then set -a; source .env; set +a; fi
db_start || exit 1
trap db_stop EXIT

step "Building and serving on http://127.0.0.1:3000 (Ctrl-C stops the app and its database)"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
cargo leptos serve --release
