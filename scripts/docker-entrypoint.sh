#!/bin/sh
# Entrypoint of the runtime image (see Dockerfile): checks the image layout, then replaces itself
# with the server, so the server is PID 1 and receives SIGTERM directly (graceful shutdown).
#   docker run IMAGE                 runs the server
#   docker-entrypoint.sh healthcheck the image's HEALTHCHECK: GET /healthz on LEPTOS_SITE_ADDR's port
#   docker run IMAGE CMD ARGS        runs CMD instead (e.g. sh, for a look inside)
# The layout is found next to this script, so the same script runs from a staging folder
# (scripts/container-check.sh) as from /app in the image. Configuration is read by the server
# from the environment (.env.example); a bad setting stops it with one line per problem.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
: "${LEPTOS_CONFIG:=$here/Leptos.toml}"
: "${LEPTOS_SITE_ROOT:=$here/site}"
export LEPTOS_CONFIG LEPTOS_SITE_ROOT

if [ "${1:-}" = "healthcheck" ]; then
  addr="${LEPTOS_SITE_ADDR:-0.0.0.0:3000}"
  exec curl -fsS -o /dev/null --max-time 4 "http://127.0.0.1:${addr##*:}/healthz"
fi
if [ "$#" -gt 0 ]; then
  exec "$@"
fi

problems=0
problem() { echo "docker-entrypoint: $*" >&2; problems=$((problems + 1)); }
[ -x "$here/server" ] || problem "no server binary at $here/server"
# cargo-leptos writes hash.txt beside the binary; the server reads it there to link the
# content-hashed /pkg files.
[ -s "$here/hash.txt" ] || problem "no hash.txt beside the server binary ($here/hash.txt)"
[ -f "$LEPTOS_CONFIG" ] || problem "LEPTOS_CONFIG: no site configuration at $LEPTOS_CONFIG"
[ -d "$LEPTOS_SITE_ROOT/pkg" ] || problem "LEPTOS_SITE_ROOT: no pkg/ folder under $LEPTOS_SITE_ROOT"
[ "$problems" -eq 0 ] || exit 1

exec "$here/server"
