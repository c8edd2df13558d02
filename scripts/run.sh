#!/usr/bin/env bash
# Sets up everything, then builds and serves the app at http://127.0.0.1:3000.
#   scripts/run.sh --https   serves https://localhost:3000 with a self-signed certificate instead
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/db.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
if [ -f .env ]; then set -a; source .env; set +a; fi
db_start || exit 1
trap db_stop EXIT

export LOG_FORMAT="${LOG_FORMAT:-pretty}"
# The server defaults to production; this command is for a developer's own machine.
export APP_ENV="${APP_ENV:-development}"
url="http://127.0.0.1:3000"
if [ "${1:-}" = "--https" ]; then
  # A self-signed pair for localhost, made once; plain HTTP on 3080 redirects to it.
  tls="$ROOT/.data/tls"
  if [ ! -f "$tls/cert.pem" ]; then
    mkdir -p "$tls"
    self_signed_localhost "$tls" 365
  fi
  export TLS_CERT_FILE="$tls/cert.pem" TLS_KEY_FILE="$tls/key.pem" HTTP_REDIRECT_ADDR=127.0.0.1:3080
  export APP_PUBLIC_URL="https://localhost:3000"
  url="$APP_PUBLIC_URL (http://localhost:3080 redirects there)"
fi
step "Building and serving on $url (Ctrl-C stops the app and its database)"
cargo leptos serve --release --precompress
