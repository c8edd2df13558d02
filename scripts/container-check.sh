#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup and refuses are called through trap and check
# Checks the container set-up on a machine without a Docker engine:
#   a. the Dockerfile: every builder COPY source exists and is let in by .dockerignore, the tool
#      pins match scripts/env.sh and Cargo.lock, the runtime stage copies only what the builder
#      builds or copied in, non-root user, health check, entrypoint (scripts/container-lint.mjs);
#   b. compose.yaml against the Compose specification JSON schema (shipped by the dclint npm
#      package, validated with ajv) and against the variables the server reads;
#   c. the runtime image's layout, staged in a temporary folder from the Dockerfile's COPY lines
#      (the local release build stands in for the builder stage): docker-entrypoint.sh runs
#      there with only the image's environment, as the image's user, against <database-url>.
#      /healthz, /readyz, the page and its hashed bundle, the HEALTHCHECK command and a clean
#      stop on SIGTERM are checked.
#   scripts/container-check.sh postgres://postgres@127.0.0.1:5433/sasa_container
# Needs the release build (cargo leptos build --release) and tools/ (scripts/setup.sh). The
# server migrates the database it is given: give it one of its own. Prints ok/not ok lines.
set -uo pipefail
source "$(dirname "$0")/env.sh"

[ $# -eq 1 ] || { echo "usage: $0 <database-url>" >&2; exit 2; }
db_url="$1"
fail=0
check() { # description, then a command that must succeed
  local what="$1"
  shift
  if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fail=1; fi
}

# a and b: static checks.
node "$ROOT/scripts/container-lint.mjs" dockerfile || fail=1
node "$ROOT/scripts/container-lint.mjs" compose || fail=1

# c: the runtime image, laid out in a folder as its COPY lines say.
stage="$(mktemp -d /tmp/sasa-image.XXXXXX)"
chmod 755 "$stage"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$stage"
}
trap cleanup EXIT

if ! layout="$(node "$ROOT/scripts/container-lint.mjs" layout)"; then
  echo "not ok - runtime layout: the Dockerfile's runtime COPY lines could not be resolved"
  exit 1
fi
image_env=() image_user="" entrypoint="" healthcheck=()
while IFS=$'\t' read -r kind a b c; do
  case "$kind" in
    copy)
      mkdir -p "$stage$(dirname "$b")"
      cp -a "$a" "$stage$b"
      ;;
    # Absolute paths in the image's environment move into the staging folder.
    env) if [[ "$b" == /* ]]; then image_env+=("$a=$stage$b"); else image_env+=("$a=$b"); fi ;;
    user) image_user="$a" ;;
    entrypoint) entrypoint="$stage$a" ;;
    healthcheck) healthcheck=("$stage$a" ${b:+"$b"} ${c:+"$c"}) ;;
  esac
done <<<"$layout"
echo "# staged the runtime image in $stage:"
(cd "$stage" && find . -maxdepth 2 | sort | sed 's/^/#   /')

# Run as the image's numeric USER when this shell can switch users.
run_as=()
uid="${image_user%%:*}" gid="${image_user#*:}"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && [[ "$uid" =~ ^[0-9]+$ && "$gid" =~ ^[0-9]+$ ]]; then
  run_as=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
else
  echo "# running as $(id -un): switching to the image's user ($image_user) needs root and a numeric USER"
  uid="$(id -u)"
fi

port="$(free_port)"
base="http://127.0.0.1:$port"
# Only the image's environment, plus what an operator must give it. The image listens on
# 0.0.0.0:3000; here it listens on a free loopback port instead.
secrets=(
  "DATABASE_URL=$db_url"
  "APP_PUBLIC_URL=$base"
  "JWT_SECRET=$(head -c 48 /dev/urandom | base64 -w0)"
  "HEALTH_DATA_KEY=$(head -c 32 /dev/urandom | base64 -w0)"
  "SMTP_URL=smtp://127.0.0.1:9"
  "MAIL_FROM=Sasa <no-reply@sasa.test>"
)
# "${image[@]}" [NAME=VALUE...] COMMAND...: runs COMMAND with that environment and nothing else.
# (An array, not a function: started in the background it must be the process itself.)
image=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent
  "${image_env[@]}" "LEPTOS_SITE_ADDR=127.0.0.1:$port")
log="$stage/server.log"

# Production is the image's default: without its secrets the server must refuse to start.
out="$("${image[@]}" "DATABASE_URL=$db_url" "${run_as[@]}" "$entrypoint" 2>&1)"
code=$?
refuses() { [ "$code" -eq 2 ] && grep -q 'JWT_SECRET' <<<"$out" && grep -q 'HEALTH_DATA_KEY' <<<"$out" && grep -q 'SMTP_URL' <<<"$out"; }
check "without JWT_SECRET, HEALTH_DATA_KEY and SMTP_URL the image refuses to start (exit $code)" refuses

# The entrypoint refuses a layout without hash.txt beside the binary.
hash_file="$(dirname "$entrypoint")/hash.txt"
mv "$hash_file" "$hash_file.away"
out="$("${image[@]}" "${secrets[@]}" "${run_as[@]}" "$entrypoint" 2>&1)"
code=$?
mv "$hash_file.away" "$hash_file"
check "the entrypoint refuses a layout without hash.txt (exit $code: ${out##*: })" test "$code" -eq 1

# What an operator writes in compose.env reaches the server: compose.yaml passes the whole file
# through env_file (container-lint checks that), and here it is read as compose reads one.
metrics_port="$(free_port)"
printf '# optional settings, as an operator writes them\nTRUSTED_PROXIES=127.0.0.1\nMETRICS_ADDR=127.0.0.1:%s\n' \
  "$metrics_port" >"$stage/compose.env"
mapfile -t from_env_file < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$stage/compose.env")
"${image[@]}" "${secrets[@]}" "${from_env_file[@]}" "${run_as[@]}" "$entrypoint" >"$log" 2>&1 &
server_pid=$!
health=000
for _ in $(seq 1 60); do
  health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/healthz")"
  [ "$health" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done
if ! check "docker-entrypoint.sh starts the server from the image layout: /healthz $health" test "$health" = 200; then
  echo "# the server's log:"
  tail -n 20 "$log" | sed 's/^/#   /'
  exit 1
fi
exe="$(readlink "/proc/$server_pid/exe")"
check "the entrypoint exec's the server, which gets the signals (pid $server_pid is ${exe#"$stage"})" \
  test "$exe" = "$(dirname "$entrypoint")/server"
running_uid="$(awk '/^Uid:/ { print $2 }' "/proc/$server_pid/status")"
check "the server runs as uid $running_uid (the image's USER $image_user)" test "$running_uid" = "$uid"
check "TRUSTED_PROXIES from the env file reaches the server's environment" \
  grep -qzx 'TRUSTED_PROXIES=127.0.0.1' "/proc/$server_pid/environ"
metrics="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$metrics_port/metrics")"
check "METRICS_ADDR from the env file opens the metrics listener ($metrics)" test "$metrics" = 200
ready="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/readyz")"
check "/readyz $ready: the database answers" test "$ready" = 200

page="$(curl -s --max-time 10 "$base/")"
js_hash="$(awk -F': *' '$1 == "js" { print $2 }' "$(dirname "$entrypoint")/hash.txt")"
bundle="$(grep -o "/pkg/[A-Za-z0-9_.-]*\.$js_hash\.js" <<<"$page" | head -n 1)"
check "the page links the bundle named in hash.txt (${bundle:-none})" test -n "$bundle"
bundle_status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base${bundle:-/pkg/missing.js}")"
check "the site folder serves that bundle ($bundle_status)" test "$bundle_status" = 200

if [ ${#healthcheck[@]} -gt 0 ]; then
  check "the image's HEALTHCHECK command passes (${healthcheck[*]#"$stage"})" \
    "${image[@]}" "${secrets[@]}" "${run_as[@]}" "${healthcheck[@]}"
else
  check "the image has a HEALTHCHECK in exec form" false
fi

kill -TERM "$server_pid"
code=timeout
for _ in $(seq 1 30); do
  if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; code=$?; break; fi
  sleep 1
done
server_pid=""
check "SIGTERM stops the server cleanly (exit $code)" test "$code" = 0

exit $fail
