#!/usr/bin/env bash
# Sets up everything, then runs every test:
#   1. formatting, clippy for both targets, Rust unit tests and integration tests against a real PostgreSQL
#      (each integration test gets a fresh database);
#   2. the release build, its bundle sizes against the budget;
#   3. Playwright in Debian's Chromium against the release server;
#   4. the login, Fish Mouth, sequence and page benchmarks and Lighthouse (figures), then readiness
#      while the database is stopped and started again;
#   5. a restore drill of the end-to-end database (back up, restore, compare every table);
#   6. the container checks: Dockerfile, compose.yaml, the entrypoint in the runtime image's layout;
#   7. quality gates: cargo-deny, line coverage (floor 70%), and Mozilla's HTTP Observatory grade of
#      the security headers over local HTTPS (A+).
# Prints each runner's summary, then one closing line; exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/env.sh"
source "$ROOT/scripts/db.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh" --browser || { echo "setup failed"; exit 1; }
db_start || { echo "could not start PostgreSQL"; exit 1; }

LOGS="$CARGO_TARGET_DIR/test-logs"
mkdir -p "$LOGS"
E2E_PORT="${E2E_PORT:-3100}"
E2E_URL="http://127.0.0.1:$E2E_PORT"
failed=()
server_pid=""
telnyx_pid=""
push_pid=""
vision_pid=""
speech_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$telnyx_pid" ] && kill "$telnyx_pid" 2>/dev/null
  [ -n "$push_pid" ] && kill "$push_pid" 2>/dev/null
  [ -n "$vision_pid" ] && kill "$vision_pid" 2>/dev/null
  [ -n "$speech_pid" ] && kill "$speech_pid" 2>/dev/null
  db_stop
}
trap cleanup EXIT

step "Formatting and lints (server and WASM targets)"
cargo fmt --all -- --check || failed+=("cargo fmt")
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings || failed+=("clippy (server)")
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings || failed+=("clippy (wasm)")

step "Dependencies: cargo-deny (licenses, bans, sources; advisories when the RustSec database can be fetched)"
if timeout 120 cargo deny fetch db >/dev/null 2>&1; then
  cargo deny --workspace check || failed+=("cargo-deny")
else
  echo "cargo-deny: advisories SKIPPED: the RustSec advisory database could not be fetched from github.com (no route from this machine)"
  # Offline, cargo-deny reads every platform's dependencies from the local cache: fetch them
  # all first (a fresh machine has only its own platform's).
  cargo fetch --quiet && cargo deny --workspace --offline check licenses bans sources || failed+=("cargo-deny")
fi

step "Compile-checked SQL: .sqlx describes every macro query against the migrated schema (cargo sqlx prepare --check)"
"$ROOT/scripts/sqlx-prepare.sh" --check || failed+=("sqlx prepare --check (run scripts/sqlx-prepare.sh and commit .sqlx)")

step "Rust: unit and integration tests (a fresh database per test), with line coverage"
admin="${DATABASE_URL%/*}/postgres"
# Each test leaves its database behind for inspection; clear the previous run's.
psql "$admin" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'test\_%'" |
  while read -r db; do psql "$admin" -qc "DROP DATABASE \"$db\" WITH (FORCE)"; done
# The tests run once, instrumented: cargo-llvm-cov builds them into target/llvm-cov-target.
# A bound on the whole run: a hang fails here instead of running into CI's limit.
# The benchmark and load tools (server/src/bin/bench-*, load) are measured by running them, not
# by tests: they are left out of the figure.
# --ignore-run-fail: every test runs and the coverage report is printed even when one fails
# (failures are counted below).
TEST_DATABASE_URL="$DATABASE_URL" timeout 2400 cargo llvm-cov --workspace --exclude frontend \
  --ignore-run-fail --summary-only --ignore-filename-regex 'server/src/bin/' 2>&1 | tee "$LOGS/cargo-test.log"
status="${PIPESTATUS[0]}"
if [ "$status" -ne 0 ] || grep -q '^test result: FAILED' "$LOGS/cargo-test.log"; then failed+=("rust tests"); fi
coverage="$(awk '/^TOTAL/ { print $10 }' "$LOGS/cargo-test.log" | tr -d '%')"
echo "coverage: ${coverage:-unknown}% of Rust lines (domain, app and server but its bench/load tools; the floor is ${COVERAGE_FLOOR:=70}%)"
awk -v c="${coverage:-0}" -v f="$COVERAGE_FLOOR" 'BEGIN { exit !(c >= f) }' || failed+=("coverage below $COVERAGE_FLOOR%")

step "Release build: server (opt-level 3) and WASM (size profile)"
if cargo leptos build --release --precompress 2>&1 | tee "$LOGS/build.log" && [ "${PIPESTATUS[0]}" -eq 0 ]; then
  step "Bundle sizes"
  node "$ROOT/scripts/size-report.mjs" "$LEPTOS_SITE_ROOT/pkg" || failed+=("size budget")

  step "End-to-end: Playwright in Chromium against the release server on $E2E_URL"
  psql "$admin" -qc "DROP DATABASE IF EXISTS sasa_e2e WITH (FORCE)" -c "CREATE DATABASE sasa_e2e" >/dev/null
  # Texts, contractors' numbers and the assistant's calls go to a Telnyx on loopback
  # (end2end/fake-telnyx.mjs), whose homeowner answers the calls on the server at $E2E_URL.
  telnyx_port="$(free_port)"
  node "$ROOT/end2end/fake-telnyx.mjs" "$telnyx_port" KEY_e2e "$E2E_URL" &
  telnyx_pid=$!
  # Alerts on devices go to a browser push service on loopback (end2end/fake-push.mjs).
  push_port="$(free_port)"
  node "$ROOT/end2end/fake-push.mjs" "$push_port" &
  push_pid=$!
  # Roof images and the vision model that reads them: end2end/fake-vision.mjs.
  vision_port="$(free_port)"
  node "$ROOT/end2end/fake-vision.mjs" "$vision_port" &
  vision_pid=$!
  # The call assistant's speech recognition and voice (Deepgram, ElevenLabs): end2end/fake-speech.mjs.
  speech_port="$(free_port)"
  node "$ROOT/end2end/fake-speech.mjs" "$speech_port" &
  speech_pid=$!
  DATABASE_URL="${DATABASE_URL%/*}/sasa_e2e" LEPTOS_CONFIG="$ROOT/Leptos.toml" LEPTOS_SITE_ADDR="127.0.0.1:$E2E_PORT" \
    APP_ENV=development LOG_FORMAT=json CLIENT_REQUESTS_PER_MINUTE=10000000 SIGNUPS_PER_IP_HOUR=1000 \
    TELNYX_API_KEY=KEY_e2e TELNYX_FROM_NUMBER=+12145550100 TELNYX_API_BASE="http://127.0.0.1:$telnyx_port" \
    TELNYX_PUBLIC_KEY="GX9rI+FshTLGq8g4+s1ep4m+DHaykgM0A5v6iz02jWE=" PUSH_SERVICES="http://127.0.0.1:$push_port" \
    IMAGERY_URL_TEMPLATE="http://127.0.0.1:$vision_port/static?center={lat},{lon}&key={key}" IMAGERY_API_KEY=img_e2e \
    ANTHROPIC_API_KEY=sk_e2e ANTHROPIC_API_BASE="http://127.0.0.1:$vision_port" \
    TELNYX_CONNECTION_ID=e2e-connection DEEPGRAM_API_KEY=dg_e2e DEEPGRAM_URL="ws://127.0.0.1:$speech_port" \
    ELEVENLABS_API_KEY=xi_e2e ELEVENLABS_API_BASE="http://127.0.0.1:$speech_port" VOICE_AGENT=rules \
    "$CARGO_TARGET_DIR/release/server" >"$LOGS/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 60); do curl -sf "$E2E_URL/readyz" >/dev/null && break; sleep 1; done
  if curl -sf "$E2E_URL/readyz" >/dev/null; then
    # The admin spec makes its operator with the server's own make-admin command.
    (cd end2end && E2E_BASE_URL="$E2E_URL" E2E_SERVER_BIN="$CARGO_TARGET_DIR/release/server" E2E_TELNYX_URL="http://127.0.0.1:$telnyx_port" \
      E2E_PUSH_URL="http://127.0.0.1:$push_port" \
      E2E_DATABASE_URL="${DATABASE_URL%/*}/sasa_e2e" npx playwright test) || failed+=("playwright")
    step "Benchmark: login latency under load (numbers, not a pass/fail test)"
    node "$ROOT/scripts/bench-login.mjs" "$E2E_URL" || failed+=("login benchmark")
    step "Benchmark: Fish Mouth scans of 10,000 and 50,000 homes, a circle and a drawn area in 200,000, and the leads list with 10,000 leads"
    cargo run --release -q -p server --bin bench-fishmouth -- "$admin" 2>&1 | grep -v '^{' || failed+=("fish mouth benchmark")
    step "Benchmark: the sequence engine, due steps into the outbox per second and the lag to claim them"
    cargo run --release -q -p server --bin bench-sequences -- "$admin" 2>&1 | grep -v '^{' || failed+=("sequence benchmark")
    step "Benchmark: the call assistant, simultaneous calls through the media pipeline and our own time per reply"
    cargo run --release -q -p server --bin bench-calls -- "$admin" 2>&1 | grep -v '^{' || failed+=("call benchmark")
    step "Benchmark: pages next to a bare axum + sqlx server (requests/s, p50/p99 at 32 connections, SQL statements per request, bytes)"
    cargo run --release -q -p server --bin bench-pages -- "$admin" 2>&1 | grep -v '^{' || failed+=("page benchmark")
    step "Lighthouse, mobile with default throttling (scores, not a pass/fail test)"
    node "$ROOT/scripts/lighthouse.mjs" "$E2E_URL" || failed+=("lighthouse")
    step "Readiness follows the database"
    "$ROOT/scripts/readiness-check.sh" "$E2E_URL" | tee "$LOGS/readiness.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("readiness")
    step "Backups: back up, restore into a fresh database, compare every table"
    "$ROOT/scripts/restore-drill.sh" "${DATABASE_URL%/*}/sasa_e2e" | tee "$LOGS/restore-drill.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("restore drill")
    step "Container: Dockerfile and compose.yaml checks, the entrypoint in the runtime image's layout"
    psql "$admin" -qc "DROP DATABASE IF EXISTS sasa_container WITH (FORCE)" -c "CREATE DATABASE sasa_container" >/dev/null
    "$ROOT/scripts/container-check.sh" "${DATABASE_URL%/*}/sasa_container" | tee "$LOGS/container-check.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("container check")
    step "Security headers: Mozilla's HTTP Observatory against the release server over local HTTPS (A+ required)"
    psql "$admin" -qc "DROP DATABASE IF EXISTS sasa_observatory WITH (FORCE)" -c "CREATE DATABASE sasa_observatory" >/dev/null
    "$ROOT/scripts/observatory.sh" "${DATABASE_URL%/*}/sasa_observatory" | tee "$LOGS/observatory.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("observatory")
  else
    echo "the release server did not become ready; its log:"; tail -n 30 "$LOGS/server.log"
    failed+=("release server start")
  fi
else
  failed+=("release build")
fi

# One closing line over every runner.
rust_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$LOGS/cargo-test.log" | awk '{s+=$4} END {print s+0}')
rust_failed=$(grep -Eo '[0-9]+ failed;' "$LOGS/cargo-test.log" | awk '{s+=$1} END {print s+0}')
e2e_passed=0; e2e_failed=0
if [ -f end2end/test-results/results.json ]; then
  read -r e2e_passed e2e_failed < <(node -e 'const s=require("./end2end/test-results/results.json").stats; console.log(s.expected+s.flaky, s.unexpected)')
fi
ready_passed=$(grep -c '^ok ' "$LOGS/readiness.log" 2>/dev/null); ready_failed=$(grep -c '^not ok ' "$LOGS/readiness.log" 2>/dev/null)
drill_passed=$(grep -c '^ok ' "$LOGS/restore-drill.log" 2>/dev/null); drill_failed=$(grep -c '^not ok ' "$LOGS/restore-drill.log" 2>/dev/null)
container_passed=$(grep -c '^ok ' "$LOGS/container-check.log" 2>/dev/null); container_failed=$(grep -c '^not ok ' "$LOGS/container-check.log" 2>/dev/null)
observatory_passed=$(grep -c '^ok ' "$LOGS/observatory.log" 2>/dev/null); observatory_failed=$(grep -c '^not ok ' "$LOGS/observatory.log" 2>/dev/null)
echo
echo "rust: $rust_passed passed, $rust_failed failed"
echo "playwright: $e2e_passed passed, $e2e_failed failed"
echo "readiness: ${ready_passed:-0} passed, ${ready_failed:-0} failed"
echo "restore drill: ${drill_passed:-0} passed, ${drill_failed:-0} failed"
echo "container check: ${container_passed:-0} passed, ${container_failed:-0} failed"
echo "observatory: ${observatory_passed:-0} passed, ${observatory_failed:-0} failed ($(grep -o 'grade [^ ]* (score [0-9]*' "$LOGS/observatory.log" 2>/dev/null | tr -d '(' || echo 'no grade'))"
echo "coverage: ${coverage:-unknown}% of lines (floor $COVERAGE_FLOOR%)"
if [ ${#failed[@]} -gt 0 ]; then
  # The names of what failed, last, where a log cut short still shows them.
  grep -E '^test .* \.\.\. FAILED$' "$LOGS/cargo-test.log" | sed 's/^/rust failed: /' || true
  if [ -f end2end/test-results/results.json ]; then
    node -e '
      const walk = (suite, path) => [
        ...(suite.specs ?? []).flatMap((spec) => spec.tests
          .filter((t) => t.status === "unexpected")
          .map((t) => { const r = t.results.at(-1) ?? {}; // Where it failed, and the first lines of the error: matcher, locator, expected, received.
                        const why = (r.error?.message ?? "").replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim())
                          .filter((l) => l && !l.startsWith("Call log") && !l.startsWith("-")).slice(0, 4).join(" | ").slice(0, 500);
                        const at = r.error?.location ? ` (at line ${r.error.location.line})` : "";
                        return `playwright failed: ${spec.file}:${spec.line} ${[...path, spec.title].join(" > ")}${at}: ${why}`; })),
        ...(suite.suites ?? []).flatMap((s) => walk(s, s.title && !s.title.endsWith(".ts") ? [...path, s.title] : path)),
      ];
      const report = require("./end2end/test-results/results.json");
      for (const line of report.suites.flatMap((s) => walk(s, []))) console.log(line.replace(/\x1b\[[0-9;]*m/g, ""));
    ' || true
  fi
  echo "FAILED: ${failed[*]}"
fi
echo "total: $((rust_passed + e2e_passed + ${ready_passed:-0} + ${drill_passed:-0} + ${container_passed:-0} + ${observatory_passed:-0})) passed, $((rust_failed + e2e_failed + ${ready_failed:-0} + ${drill_failed:-0} + ${container_failed:-0} + ${observatory_failed:-0} + ${#failed[@]})) failed"
[ ${#failed[@]} -eq 0 ]
