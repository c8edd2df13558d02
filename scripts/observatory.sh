#!/usr/bin/env bash
# Grades the release server's security headers with Mozilla's HTTP Observatory scanner, over
# HTTPS served by the app itself (a fresh self-signed certificate the scanner is told to trust),
# in production mode. As root it takes ports 443 and 80, so the scanner also follows the
# HTTP -> HTTPS redirect; otherwise it scans localhost:<port> and the redirect test is skipped.
#   scripts/observatory.sh DATABASE_URL      prints "ok"/"not ok" lines; A+ is required
set -uo pipefail
source "$(dirname "$0")/env.sh"
db_url="${1:?usage: observatory.sh DATABASE_URL}"
scanner="$ROOT/tools/observatory/node_modules/@mdn/mdn-http-observatory/src/scan.js"
work="$(mktemp -d)"
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

self_signed_localhost "$work" 1

if [ "$(id -u)" -eq 0 ]; then
  https_port=443 http_port=80 host=localhost
else
  https_port="$(free_port)" http_port="$(free_port)" host="localhost:$https_port"
  echo "# not root: scanning $host; the scanner's redirect test needs ports 80 and 443"
fi
public_url="https://$host"

env APP_ENV=production LOG_FORMAT=json DATABASE_URL="$db_url" \
  LEPTOS_CONFIG="$ROOT/Leptos.toml" LEPTOS_SITE_ADDR="127.0.0.1:$https_port" \
  APP_PUBLIC_URL="$public_url" TLS_CERT_FILE="$work/cert.pem" TLS_KEY_FILE="$work/key.pem" \
  HTTP_REDIRECT_ADDR="127.0.0.1:$http_port" \
  JWT_SECRET="$(head -c 48 /dev/urandom | base64 -w0)" HEALTH_DATA_KEY="$(head -c 32 /dev/urandom | base64 -w0)" \
  SMTP_URL=smtp://127.0.0.1:9 MAIL_FROM="Sasa <no-reply@sasa.test>" \
  "$CARGO_TARGET_DIR/release/server" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  curl -sf --cacert "$work/cert.pem" --resolve "localhost:$https_port:127.0.0.1" \
    "https://localhost:$https_port/readyz" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done

# The scanner's own launcher replaces NODE_EXTRA_CA_CERTS with Mozilla's bundle: run scan.js.
if ! NODE_EXTRA_CA_CERTS="$work/cert.pem" node "$scanner" "$host" >"$work/scan.json" 2>"$work/scan.err"; then
  echo "not ok - the Observatory scan of $public_url failed: $(head -c 300 "$work/scan.json" "$work/scan.err")"
  tail -n 5 "$work/server.log" | sed 's/^/#   /'
  exit 1
fi
node -e '
  const r = require(process.argv[1]);
  for (const [name, t] of Object.entries(r.tests)) {
    console.log(`# ${t.pass ? "pass" : "FAIL"} ${name}: ${t.result} (${t.scoreModifier >= 0 ? "+" : ""}${t.scoreModifier})`);
  }
  const ok = r.scan.grade === "A+";
  console.log(`${ok ? "ok" : "not ok"} - Observatory grade ${r.scan.grade} (score ${r.scan.score}, ${r.scan.testsPassed}/${r.scan.testsQuantity} tests passed) for ${process.argv[2]}`);
  process.exit(ok ? 0 : 1);
' "$work/scan.json" "$public_url"
