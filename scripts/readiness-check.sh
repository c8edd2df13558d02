#!/usr/bin/env bash
# /readyz answers 200 while PostgreSQL runs, 503 while it is stopped (the process
# stays up: /healthz 200), and 200 again once it is back. Needs the private cluster
# that scripts/db.sh started; prints TAP-style "ok"/"not ok" lines.
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/db.sh"
url="$1"
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url$1"; }
check() { # name expected actual
  if [ "$2" = "$3" ]; then echo "ok - $1 ($3)"; else echo "not ok - $1: expected $2, got $3"; fail=1; fi
}
fail=0
pg_locate

check "readyz with the database up" 200 "$(status /readyz)"
pg_stop
check "readyz with the database stopped" 503 "$(status /readyz)"
check "healthz with the database stopped" 200 "$(status /healthz)"
pg_start
ready=000
for _ in $(seq 1 20); do ready="$(status /readyz)"; [ "$ready" = 200 ] && break; sleep 0.5; done
check "readyz once the database is back" 200 "$ready"
exit $fail
